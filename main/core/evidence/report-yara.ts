/**
 * The report's YARA section (issue 12): the matches the analyst bookmarked (yara-match notes, with their
 * re-read bytes among the findings) and the last YARA scan recorded in the case (a `yara-scan` custody
 * entry written by `kensa yara --case` or the workstation, main/core/yara/record.ts): its rules with their
 * hashes, scope, counts, warnings and first matches. The entry is read defensively: the log is evidence
 * too (its chain is verified, its values are still checked).
 */
import type { CustodyEntry } from './custody';
import type { NoteRecord } from './case';
import { YARA_SCAN_EVENT, LOGGED_MATCHES } from '../yara/record';

export interface ReportYaraMatch {
  rule: string;
  string: string;
  pid?: number;
  file?: string;
  address: string;
  length: number;
  /** Hex of the first matched bytes (as logged). */
  data?: string;
}

export interface ReportYaraScan {
  seq: number;
  time: string;
  analyst?: string;
  rules: { name: string; sha256: string }[];
  pids?: number[];
  files: boolean;
  matchCount: number;
  truncated: boolean;
  warnings: string[];
  /** The first matches (at most LOGGED_MATCHES). */
  matches: ReportYaraMatch[];
}

export interface ReportYara {
  /** Bookmarked matches: the finding id (N1...) and the match. */
  bookmarked: { finding: string; match: ReportYaraMatch }[];
  lastScan?: ReportYaraScan;
}

const text = (v: unknown, max = 4096): string | undefined => (typeof v === 'string' && v.length <= max ? v : undefined);
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

function loggedMatch(v: unknown): ReportYaraMatch | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const rule = text(o.rule, 256);
  const address = text(o.address, 20);
  const length = count(o.length);
  if (rule === undefined || address === undefined || !/^0x[0-9a-f]+$/.test(address) || length === undefined) return undefined;
  const m: ReportYaraMatch = { rule, string: text(o.string, 256) ?? '', address, length };
  const pid = count(o.pid);
  if (pid !== undefined) m.pid = pid;
  const file = text(o.file);
  if (file !== undefined) m.file = file;
  const data = text(o.data, 256);
  if (data !== undefined && /^([0-9a-f]{2})*$/.test(data)) m.data = data;
  return m;
}

function scanOf(e: CustodyEntry): ReportYaraScan {
  const d = e.details;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  return {
    seq: e.seq,
    time: e.time,
    ...(e.analyst ? { analyst: e.analyst } : {}),
    rules: list(d.rules)
      .slice(0, 1000)
      .map((r) => ({ name: text((r as Record<string, unknown>)?.name) ?? '?', sha256: text((r as Record<string, unknown>)?.sha256, 64) ?? '?' })),
    ...(Array.isArray(d.pids) ? { pids: d.pids.map(count).filter((p): p is number => p !== undefined) } : {}),
    files: d.files === true,
    matchCount: count(d.matchCount) ?? 0,
    truncated: d.truncated === true,
    warnings: list(d.warnings)
      .slice(0, 20)
      .map((w) => text(w))
      .filter((w): w is string => w !== undefined),
    matches: list(d.matches)
      .slice(0, LOGGED_MATCHES)
      .map(loggedMatch)
      .filter((m): m is ReportYaraMatch => m !== undefined),
  };
}

/** The YARA section, or undefined when the case has neither a YARA bookmark nor a recorded scan. */
export function yaraSection(entries: CustodyEntry[], notes: NoteRecord[]): ReportYara | undefined {
  const bookmarked = notes.flatMap((n) => (n.target.kind === 'yara-match' ? [{ finding: n.id, match: { rule: n.target.rule, string: n.target.string, pid: n.target.pid, address: n.target.address, length: n.target.length } }] : []));
  const last = [...entries].reverse().find((e) => e.event === YARA_SCAN_EVENT);
  if (!bookmarked.length && !last) return undefined;
  return { bookmarked, ...(last ? { lastScan: scanOf(last) } : {}) };
}

/** One line per match, as both renderers print it. */
export function yaraMatchLine(m: ReportYaraMatch): string {
  const where = m.file !== undefined ? `${m.file} offset ${m.address}` : `pid ${m.pid ?? '?'} ${m.address}`;
  const bytes = m.data ? `  "${Array.from(Buffer.from(m.data, 'hex'), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')}"` : '';
  return `${m.rule}${m.string ? ' ' + m.string : ''}  ${where} +${m.length}${bytes}`;
}

/** The scan's heading line. */
export function yaraScanLine(s: ReportYaraScan): string {
  const scope = `${s.pids?.length ? `processes ${s.pids.join(', ')}` : 'every process'}${s.files ? ', changed and deleted files' : ''}`;
  return `Custody entry ${s.seq} (${s.time}${s.analyst ? `, ${s.analyst}` : ''}): ${s.matchCount} match${s.matchCount === 1 ? '' : 'es'} over ${scope}${s.truncated ? ' (stopped at a limit)' : ''}`;
}
