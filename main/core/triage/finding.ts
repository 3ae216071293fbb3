/**
 * Findings: the ATT&CK techniques the rules cite, stable ids, the order findings are listed in, evidence
 * pointers built from the model's records, and secret redaction. The Finding shape itself is defined once in
 * shared/api/contract.ts (the CLI, the workstation and the reports all carry it unchanged).
 */
import { createHash } from 'node:crypto';
import type { EvidencePointer, Finding, Severity } from '#shared/api/contract';
import { SEVERITIES } from '#shared/api/contract';
import type { FdRecord, SocketRecord } from '../model/checkpoint';
import type { Vma } from '../memory/vma';

export type { EvidencePointer, Finding, Severity } from '#shared/api/contract';

/** MITRE ATT&CK (Enterprise) techniques the rules cite, with their names as ATT&CK spells them. */
export const TECHNIQUES = {
  'T1620': 'Reflective Code Loading',
  'T1055': 'Process Injection',
  'T1055.008': 'Process Injection: Ptrace System Calls',
  'T1059': 'Command and Scripting Interpreter',
  'T1059.004': 'Command and Scripting Interpreter: Unix Shell',
  'T1571': 'Non-Standard Port',
  'T1095': 'Non-Application Layer Protocol',
  'T1049': 'System Network Connections Discovery',
  'T1036.004': 'Masquerading: Masquerade Task or Service',
  'T1036.005': 'Masquerading: Match Legitimate Name or Location',
  'T1574.006': 'Hijack Execution Flow: Dynamic Linker Hijacking',
  'T1552.001': 'Unsecured Credentials: Credentials In Files',
  'T1552.007': 'Unsecured Credentials: Container API',
  'T1053.003': 'Scheduled Task/Job: Cron',
  'T1098.004': 'Account Manipulation: SSH Authorized Keys',
  'T1136.001': 'Create Account: Local Account',
  'T1548.003': 'Abuse Elevation Control Mechanism: Sudo and Sudo Caching',
  'T1543': 'Create or Modify System Process',
  'T1105': 'Ingress Tool Transfer',
  'T1070.004': 'Indicator Removal: File Deletion',
  'T1548': 'Abuse Elevation Control Mechanism',
  'T1611': 'Escape to Host',
} as const;

export type TechniqueId = keyof typeof TECHNIQUES;

export interface FindingDraft {
  severity: Severity;
  technique: TechniqueId;
  family: string;
  /** The rule's name: part of the id. */
  rule: string;
  /** What makes this finding this one and not another of the same rule (pid, address, path...): part of the id. */
  key: string;
  title: string;
  explanation: string;
  pid: number | null;
  evidence: EvidencePointer[];
}

/** A finding with its stable id: a hash of rule and key, so the same evidence gives the same id on every run. */
export function finding(d: FindingDraft): Finding {
  const id = 'KF-' + createHash('sha256').update(`${d.rule}\0${d.key}`).digest('hex').slice(0, 12);
  return { id, severity: d.severity, technique: d.technique, technique_name: TECHNIQUES[d.technique], family: d.family, title: d.title, explanation: d.explanation, pid: d.pid, evidence: d.evidence };
}

export const FAMILIES = ['fileless', 'injection', 'shell', 'network', 'masquerade', 'hijack', 'secrets', 'disk', 'privilege', 'history'] as const;

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** Deterministic order: most severe first, then by process (findings about no process last), family, id. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (a.pid ?? Infinity) - (b.pid ?? Infinity) ||
    FAMILIES.indexOf(a.family as (typeof FAMILIES)[number]) - FAMILIES.indexOf(b.family as (typeof FAMILIES)[number]) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

export function hex(v: bigint | number): string {
  return '0x' + v.toString(16);
}

export function processPointer(pid: number, comm: string, tid?: number): EvidencePointer {
  return tid !== undefined && tid !== pid ? { kind: 'process', pid, tid, label: `pid ${pid} (${comm}) tid ${tid}` } : { kind: 'process', pid, label: `pid ${pid} (${comm})` };
}

export function vmaPointer(pid: number, v: Vma): EvidencePointer {
  const name = v.name || `[${v.kind}]`;
  return { kind: 'vma', pid, start: hex(v.start), end: hex(v.end), perms: v.perms, name, label: `pid ${pid} ${hex(v.start)}-${hex(v.end)} ${v.perms} ${name}` };
}

export function fdPointer(pid: number, f: FdRecord): EvidencePointer {
  return { kind: 'fd', pid, fd: f.fd, path: f.path, label: `pid ${pid} fd ${f.fd} ${f.path}` };
}

/** `TCP 10.0.0.5:4444 -> 203.0.113.9:443` as `ss` would print the pair. */
export function socketTuple(s: SocketRecord): string {
  if (s.family === 'UNIX') return `unix ${s.name ?? '@'}`;
  if (s.family === 'PACKET' || s.family === 'NETLINK') return `${s.family.toLowerCase()} ${s.type} protocol ${s.protocol ?? '?'}`;
  const wrap = (a: string | undefined): string => (a && a.includes(':') ? `[${a}]` : a ?? '?');
  return `${s.protocol ?? s.type} ${wrap(s.src)}:${s.srcPort ?? 0} -> ${wrap(s.dst)}:${s.dstPort ?? 0}`;
}

export function socketPointer(s: SocketRecord): EvidencePointer {
  const tuple = socketTuple(s);
  const p: EvidencePointer = { kind: 'socket', pid: s.pid, fd: s.fd, family: s.family, tuple, label: `pid ${s.pid} fd ${s.fd} ${tuple}${s.state ? ` (${s.state})` : ''}${s.inode ? ` inode ${s.inode}` : ''}` };
  if (s.inode) p.inode = s.inode;
  if (s.state) p.state = s.state;
  return p;
}

export function filePointer(path: string, member?: string, memberOffset?: number): EvidencePointer {
  const p: EvidencePointer = { kind: 'file', path, label: member ? `${path} (${member}${memberOffset !== undefined ? ` @${memberOffset}` : ''})` : path };
  if (member) p.member = member;
  if (memberOffset !== undefined) p.member_offset = memberOffset;
  return p;
}

/**
 * A secret as findings show it: whole with --show-secrets, else its first characters (enough to tell two
 * apart, and a known prefix like `AKIA` says what it is) and its length.
 */
export function redact(value: string, show: boolean, keep = 4): string {
  if (show) return value;
  const k = Math.min(keep, Math.floor(value.length / 4));
  return `${value.slice(0, k)}${'*'.repeat(Math.min(8, value.length - k))} (${value.length} chars, redacted)`;
}

/** A short fingerprint of a secret for ids: the same secret gives the same id without being in it. */
export function fingerprint(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}
