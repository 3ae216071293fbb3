/** Run the triage engine on a checkpoint folder or archive, the way the CLI does. */
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { triage, type TriageOptions } from '../../../main/core/triage/engine';
import type { Finding, TriageResult } from '../../../shared/api/contract';
import { TEST_CACHE } from '../../helpers';

export async function triageOf(input: string, opts: TriageOptions = {}): Promise<TriageResult & { problems: string[] }> {
  const cp = await Checkpoint.open(input, { cacheDir: TEST_CACHE });
  try {
    const r = await triage(cp, opts);
    return { ...r, problems: cp.problems.map((p) => p.text) };
  } finally {
    cp.close();
  }
}

/** Findings of one rule family (and, optionally, about one process). */
export function of(r: TriageResult, family: string, pid?: number): Finding[] {
  return r.findings.filter((f) => f.family === family && (pid === undefined || f.pid === pid));
}

export function brief(fs: Finding[]): string {
  return JSON.stringify(fs.map((f) => `${f.severity} ${f.technique} ${f.title}`), null, 1);
}
