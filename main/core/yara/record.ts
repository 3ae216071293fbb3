/**
 * What a YARA scan leaves in an evidence case: one `yara-scan` custody entry with the rules (name and
 * SHA-256 of each source), the scope, the counts, the warnings and the first LOGGED_MATCHES matches. The CLI
 * (`kensa yara --case`) and the workstation write the same entry; the report's YARA section reads it back
 * (main/core/evidence/report-yara.ts).
 */
import { sha256Hex } from '../io/hash';
import type { RuleSource } from './engine';
import type { YaraMatch, YaraScanResult } from './scan';

export const YARA_SCAN_EVENT = 'yara-scan';
/** Matches copied into the entry (a log line stays small; the full list is the scan's output). */
export const LOGGED_MATCHES = 200;
/** Matched bytes kept per logged match. */
export const LOGGED_MATCH_BYTES = 64;

export interface LoggedYaraMatch {
  rule: string;
  string: string;
  pid?: number;
  file?: string;
  address: string;
  length: number;
  /** Hex of the first LOGGED_MATCH_BYTES matched bytes. */
  data: string;
}

export function yaraScanRecord(sources: RuleSource[], result: YaraScanResult, scope: { pids?: number[]; files: boolean }): Record<string, unknown> {
  return {
    rules: sources.map((s) => ({ name: s.name, sha256: sha256Hex(Buffer.from(s.text)) })),
    ...(scope.pids ? { pids: scope.pids } : {}),
    files: scope.files,
    matchCount: result.matches.length,
    truncated: result.cut,
    warnings: result.warnings.slice(0, 20),
    matches: result.matches.slice(0, LOGGED_MATCHES).map(loggedMatch),
  };
}

function loggedMatch(m: YaraMatch): LoggedYaraMatch {
  const out: LoggedYaraMatch = { rule: m.rule, string: m.string, address: '0x' + m.address.toString(16), length: m.length, data: m.data.subarray(0, LOGGED_MATCH_BYTES).toString('hex') };
  if (m.pid !== undefined) out.pid = m.pid;
  if (m.file !== undefined) out.file = m.file;
  return out;
}
