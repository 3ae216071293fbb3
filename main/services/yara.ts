/**
 * The workstation's YARA scan (issue 12): the request checked, the rules compiled once (files and folders
 * named by path, and a rule typed or pasted in the panel), the scan run as a task (progress, cancel) by
 * main/core/yara/scan.ts, and a summary with the first matches recorded in the open case's custody log
 * (main/core/yara/record.ts), which the report's YARA section lists.
 */
import type { Checkpoint } from '../core/model/checkpoint';
import type { YaraMatchInfo, YaraScanRequest, YaraScanResult } from '#shared/api/contract';
import { compileRules, describeRuleMessage, readRuleSources, type RuleSource } from '../core/yara/engine';
import { scanCheckpoint, type YaraMatch } from '../core/yara/scan';
import { YARA_SCAN_EVENT, yaraScanRecord } from '../core/yara/record';
import { bool, int, obj, optInt, optStr, RequestError, str } from './results';
import { hex64 } from './results';
import type { TaskRegistry } from './tasks';

/** What the scan needs from the services (kensa-services.ts hands these in). */
export interface YaraScanContext {
  cp(): Checkpoint;
  tasks: TaskRegistry;
  /** Record an event in the open case's custody log (no-op without a case). */
  logToCase(event: string, details: Record<string, unknown>): void;
}

export const DEFAULT_UI_MAX_MATCHES = 10_000;
const MAX_RULE_TEXT = 1 << 20;

export async function yaraScan(ctx: YaraScanContext, req: YaraScanRequest): Promise<YaraScanResult> {
  const r = obj(req, 'yaraScan');
  const taskId = optStr(r.taskId, 'taskId', 200);
  let paths: string[] = [];
  if (r.rulePaths !== undefined) {
    if (!Array.isArray(r.rulePaths) || r.rulePaths.length > 1000) throw new RequestError('rulePaths must be a list of at most 1000 rule files or folders');
    paths = r.rulePaths.map((p) => str(p, 'rule path', 4096)).filter((p) => p.trim() !== '');
  }
  const text = optStr(r.ruleText, 'ruleText', MAX_RULE_TEXT) ?? '';
  if (!paths.length && !text.trim()) throw new RequestError('give rule files or folders, or type a rule');
  const cp = ctx.cp();
  let pids: number[] | undefined;
  if (r.pids !== undefined) {
    if (!Array.isArray(r.pids) || r.pids.length > 100_000) throw new RequestError('pids must be a list of process ids');
    pids = r.pids.map((p) => int(p, 'pid', 0, 0x7fffffff));
    for (const p of pids) if (!cp.process(p)) throw new RequestError(`no process ${p} in this checkpoint`);
  }
  const files = bool(r.files, 'files') ?? false;
  const maxMatches = optInt(r.maxMatches, 'maxMatches', 1, 100_000) ?? DEFAULT_UI_MAX_MATCHES;
  const timeoutSeconds = optInt(r.timeoutSeconds, 'timeoutSeconds', 1, 24 * 3600) ?? 600;

  const sources: RuleSource[] = paths.length ? readRuleSources(paths) : [];
  if (text.trim()) sources.push({ name: '<pasted rule>', text });
  const rules = compileRules(sources);
  let scanned = 0;
  const result = await ctx.tasks.run(taskId, 'the YARA scan', (task) =>
    scanCheckpoint(cp, rules, {
      ...(pids ? { pids } : {}),
      files,
      maxMatches,
      timeoutMs: timeoutSeconds * 1000,
      signal: task.signal,
      onProgress: (done, total) => {
        scanned = done;
        task.progress(done, total, 'YARA scan');
      },
    }),
  );
  const matches = result.matches.map(matchInfo);
  ctx.logToCase(YARA_SCAN_EVENT, yaraScanRecord(sources, result, { ...(pids ? { pids } : {}), files }));
  return {
    matches,
    rules: rules.ruleCount,
    regions: result.regions,
    scanned: Math.max(scanned, result.scannedBytes),
    ruleWarnings: rules.warnings.map(describeRuleMessage),
    warnings: result.warnings,
    truncated: result.cut,
  };
}

function matchInfo(m: YaraMatch): YaraMatchInfo {
  const info: YaraMatchInfo = {
    rule: m.rule,
    namespace: m.namespace,
    tags: m.tags,
    meta: m.meta,
    string: m.string,
    address: hex64(m.address),
    length: m.length,
    origin: m.origin,
    data: m.data.toString('hex'),
  };
  if (m.pid !== undefined) info.pid = m.pid;
  if (m.file !== undefined) info.file = m.file;
  if (m.vma) info.vma = { start: hex64(m.vma.start), end: hex64(m.vma.end), perms: m.vma.perms, name: m.vma.name, kind: m.vma.kind };
  if (m.member !== undefined) info.member = m.member;
  if (m.memberOffset !== undefined) info.memberOffset = hex64(m.memberOffset);
  return info;
}
