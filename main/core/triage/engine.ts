/**
 * `kensa triage`: every rule family over one checkpoint, with one pass over memory for all content rules.
 * Findings come back in a deterministic order (most severe first, then by process, family and id) with
 * stable ids, ready for the CLI, the workstation and the reports.
 */
import type { Checkpoint } from '../model/checkpoint';
import type { Finding, Severity, TriageResult } from '#shared/api/contract';
import { SEVERITIES } from '#shared/api/contract';
import { compareFindings, FAMILIES, severityRank } from './finding';
import { TriageContext } from './context';
import { CONTENT_PATTERNS, scanContent, type ContentPattern } from './scan';
import type { RuleFamily } from './rule';
import { fileless } from './fileless';
import { injection } from './injection';
import { shells } from './shells';
import { network } from './network';
import { masquerade } from './masquerade';
import { hijack } from './hijack';
import { secrets } from './secrets';
import { disk } from './disk';
import { privilege } from './privilege';
import { history } from './history';
import { pushAll } from '#shared/arrays';

export type { RuleFamily, RuleInput } from './rule';

/** The built-in families, in the order findings of equal severity and process are listed. */
export const RULE_FAMILIES: RuleFamily[] = [fileless, injection, shells, network, masquerade, hijack, secrets, disk, privilege, history];

export interface TriageOptions {
  showSecrets?: boolean;
  /** Drop findings below this severity. */
  minSeverity?: Severity;
  /** More families to run (a user's rule set, e.g. YARA rules in issue 12), after the built-in ones. */
  extraFamilies?: RuleFamily[];
  /** More content patterns for the shared memory pass (their hits reach every family). */
  extraPatterns?: ContentPattern[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export async function triage(cp: Checkpoint, opts: TriageOptions = {}): Promise<TriageResult> {
  const ctx = new TriageContext(cp);
  const scan = await scanContent(cp, [...CONTENT_PATTERNS, ...(opts.extraPatterns ?? [])], { signal: opts.signal, onProgress: opts.onProgress });
  const input = { ctx, hits: scan.hits, showSecrets: opts.showSecrets ?? false };
  const all: Finding[] = [];
  for (const family of [...RULE_FAMILIES, ...(opts.extraFamilies ?? [])]) {
    opts.signal?.throwIfAborted();
    pushAll(all, await family.run(input));
  }
  const min = opts.minSeverity ? severityRank(opts.minSeverity) : Infinity;
  // Two rules can meet the same evidence under one id only by a bug; keep the first rather than list it twice.
  const byId = new Map<string, Finding>();
  for (const f of all) if (severityRank(f.severity) <= min && !byId.has(f.id)) byId.set(f.id, f);
  const findings = [...byId.values()].sort(compareFindings);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byFamily: Record<string, number> = Object.fromEntries(FAMILIES.map((f) => [f, 0]));
  for (const f of findings) {
    bySeverity[f.severity]++;
    byFamily[f.family] = (byFamily[f.family] ?? 0) + 1;
  }
  return { findings, summary: { total: findings.length, by_severity: bySeverity, by_family: byFamily, scanned_bytes: scan.scannedBytes, secrets_shown: input.showSecrets } };
}

export function parseSeverity(text: string): Severity | undefined {
  return (SEVERITIES as readonly string[]).includes(text) ? (text as Severity) : undefined;
}
