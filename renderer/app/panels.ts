import type { PanelId } from '../stores/types';

/** The panels in navigation order, with their Alt+key shortcuts. */
export const PANELS: { id: PanelId; label: string; key: string }[] = [
  { id: 'findings', label: 'Findings', key: 'f' },
  { id: 'overview', label: 'Overview', key: '1' },
  { id: 'processes', label: 'Process tree', key: '2' },
  { id: 'threads', label: 'Threads & registers', key: '3' },
  { id: 'memory', label: 'Memory', key: '4' },
  { id: 'strings', label: 'Strings', key: 's' },
  { id: 'yara', label: 'YARA', key: 'y' },
  { id: 'files', label: 'Files', key: '5' },
  { id: 'network', label: 'Network & sockets', key: '6' },
  { id: 'mounts', label: 'Mounts', key: '7' },
  { id: 'namespaces', label: 'Namespaces', key: '8' },
  { id: 'cgroups', label: 'cgroups', key: '9' },
  { id: 'logs', label: 'Logs', key: '0' },
  { id: 'terminal', label: 'gdb terminal', key: 'g' },
  { id: 'case', label: 'Case & report', key: 'r' },
];
