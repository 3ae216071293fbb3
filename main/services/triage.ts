/**
 * The workstation's triage (issue 11): every rule of main/core/triage over the open archive, run as a task
 * (progress, cancel) once per archive and kept, so the Findings page (the first page after opening) and
 * later visits cost nothing. Each completed run is recorded in the open case's custody log
 * (main/core/triage/record.ts), which the report's triage section lists.
 */
import type { Checkpoint } from '../core/model/checkpoint';
import type { TriageRequest, TriageResult } from '#shared/api/contract';
import { triage } from '../core/triage/engine';
import { TRIAGE_EVENT, triageRecord } from '../core/triage/record';
import { bool, obj, optStr } from './results';
import type { TaskRegistry } from './tasks';

/** What the triage needs from the services (kensa-services.ts hands these in). */
export interface TriageContextIn {
  cp(): Checkpoint;
  tasks: TaskRegistry;
  /** Record an event in the open case's custody log (no-op without a case). */
  logToCase(event: string, details: Record<string, unknown>): void;
  /** The open case's folder, if one is open: a kept run is recorded once in each case. */
  caseDir(): string | undefined;
}

/** Results per open checkpoint and secrets mode; a closed archive's entry goes with its Checkpoint. */
const done = new WeakMap<Checkpoint, Map<boolean, TriageResult>>();
/** The cases each result was recorded in (a case opened after the run records it on the next request). */
const recorded = new WeakMap<TriageResult, Set<string>>();

function record(ctx: TriageContextIn, result: TriageResult): void {
  const dir = ctx.caseDir();
  if (dir === undefined) return;
  const cases = recorded.get(result) ?? new Set<string>();
  if (cases.has(dir)) return;
  ctx.logToCase(TRIAGE_EVENT, triageRecord(result));
  cases.add(dir);
  recorded.set(result, cases);
}

export async function triageRun(ctx: TriageContextIn, req: TriageRequest | undefined): Promise<TriageResult> {
  const r = req === undefined ? {} : obj(req, 'triage');
  const taskId = optStr(r.taskId, 'taskId', 200);
  const showSecrets = bool(r.showSecrets, 'showSecrets') ?? false;
  const cp = ctx.cp();
  const cached = done.get(cp)?.get(showSecrets);
  if (cached) {
    record(ctx, cached);
    return cached;
  }
  const result = await ctx.tasks.run(taskId, 'triage', (task) =>
    triage(cp, { showSecrets, signal: task.signal, onProgress: (d, total) => task.progress(d, total, 'triage: scanning memory') }),
  );
  const perMode = done.get(cp) ?? new Map<boolean, TriageResult>();
  perMode.set(showSecrets, result);
  done.set(cp, perMode);
  record(ctx, result);
  return result;
}
