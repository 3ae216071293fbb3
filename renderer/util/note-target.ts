import type { NoteTarget } from '#shared/api/contract';
import { visible } from './text';

/** A note's target in words (`memory of pid 6 at 0x55d0…, 16 bytes`), as the case's notes table shows it. */
export function noteTargetText(target: unknown): string {
  const t = target as Partial<NoteTarget> & Record<string, unknown>;
  if (!t || typeof t !== 'object') return 'unknown target';
  const pid = typeof t.pid === 'number' ? `pid ${t.pid}` : '';
  const bytes = typeof t.length === 'number' ? `, ${t.length} bytes` : '';
  switch (t.kind) {
    case 'process':
      return `process ${pid.slice(4)}`;
    case 'thread':
      return `thread ${String(t.tid)} of ${pid}`;
    case 'memory':
      return `memory of ${pid} at ${String(t.address)}${bytes}`;
    case 'search-hit':
      return `search hit for “${visible(String(t.pattern ?? ''))}” in ${pid} at ${String(t.address)}${bytes}`;
    case 'yara-match':
      return `YARA ${visible(String(t.rule ?? ''))} ${visible(String(t.string ?? ''))} in ${pid} at ${String(t.address)}${bytes}`;
    case 'file':
      return `file ${visible(String(t.member ?? ''))}`;
    case 'socket':
      return `socket inode ${String(t.inode)}${pid ? ` of ${pid}` : ''}`;
    case 'python-frame':
      return `Python frame ${visible(String(t.function ?? ''))} (${visible(String(t.file ?? ''))}${typeof t.line === 'number' ? `:${t.line}` : ''}) in thread ${String(t.tid)} of ${pid}`;
    default:
      return visible(JSON.stringify(t));
  }
}
