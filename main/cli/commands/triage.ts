import type { Command } from '../command';
import { EXIT } from '../command';
import { finish, openCheckpoint, printJson, UsageError } from '../common';
import { reportError } from '../report-error';
import { parseSeverity, triage as runTriage } from '../../core/triage/engine';
import { compileRules, describeRuleMessage, readRuleSources, type CompiledRules } from '../../core/yara/engine';
import { yaraFamily } from '../../core/yara/triage';
import { escapeText } from '#shared/format';
import { SEVERITIES, type Finding, type Severity, type TriageResult } from '#shared/api/contract';

function severityOption(ctx: Parameters<Command['run']>[0], name: string): Severity | undefined {
  const v = ctx.opts[name];
  if (v === undefined) return undefined;
  const s = typeof v === 'string' ? parseSeverity(v) : undefined;
  if (!s) throw new UsageError(`--${name} takes one of ${SEVERITIES.join(', ')}`);
  return s;
}

function printText(out: (s: string) => void, source: string, r: TriageResult): void {
  const s = r.summary;
  out(`Triage of ${escapeText(source)}: ${s.total} finding${s.total === 1 ? '' : 's'} (${SEVERITIES.map((v) => `${s.by_severity[v]} ${v}`).join(', ')})\n`);
  for (const sev of SEVERITIES) {
    const list = r.findings.filter((f) => f.severity === sev);
    if (!list.length) continue;
    out(`\n${sev.toUpperCase()} (${list.length})\n`);
    for (const f of list) printFinding(out, f);
  }
}

function printFinding(out: (s: string) => void, f: Finding): void {
  out(`  ${f.id}  ${f.technique} ${f.technique_name}\n`);
  out(`    ${escapeText(f.title)}\n`);
  out(`    why: ${escapeText(f.explanation)}\n`);
  for (const e of f.evidence) out(`    - ${e.kind}: ${escapeText(e.label)}\n`);
}

export const triage: Command = {
  name: 'triage',
  summary: 'What looks wrong, with evidence: fileless and injected code, shells on sockets, listeners, masquerading, library hijack, secrets, persistence on disk, privilege, shell history',
  usage: 'triage ARCHIVE... [--json] [--min-severity high|medium|low|info] [--show-secrets] [--fail-on high|medium|low|info] [--yara RULES ...]',
  options: { 'min-severity': { type: 'string' }, 'show-secrets': { type: 'boolean' }, 'fail-on': { type: 'string' }, yara: { type: 'string', multiple: true } },
  async run(ctx) {
    if (ctx.args.length === 0) throw new UsageError('triage needs at least one ARCHIVE');
    const minSeverity = severityOption(ctx, 'min-severity');
    const failOn = severityOption(ctx, 'fail-on');
    // --yara: the user's rule files or folders, compiled once, run as one more rule family (core/yara/triage.ts).
    const yaraPaths = ((ctx.opts.yara as string[] | undefined) ?? []).map(String);
    let yaraRules: CompiledRules | undefined;
    if (yaraPaths.length) {
      yaraRules = compileRules(readRuleSources(yaraPaths));
      for (const w of yaraRules.warnings) ctx.err(`kensa: warning: ${escapeText(describeRuleMessage(w))}\n`);
    }
    const results: (TriageResult & { archive: string })[] = [];
    let failures = 0;
    let partial = false;
    for (const file of ctx.args) {
      try {
        const cp = await openCheckpoint(ctx, file);
        try {
          const progress = ctx.interactive ? (done: number, total: number) => ctx.err(`\rscanning memory ${(done / 1048576).toFixed(0)} of ${(total / 1048576).toFixed(0)} MiB\x1b[K`) : undefined;
          const yara = yaraRules ? yaraFamily(yaraRules) : undefined;
          const r = await runTriage(cp, { showSecrets: Boolean(ctx.opts['show-secrets']), minSeverity, onProgress: progress, ...(yara ? { extraFamilies: [yara] } : {}) });
          for (const w of yara?.warnings ?? []) {
            ctx.err(`kensa: warning: ${escapeText(w)}\n`);
            partial = true;
          }
          if (ctx.interactive) ctx.err('\r\x1b[K');
          results.push({ archive: cp.source, ...r });
          if (!ctx.opts.json) printText(ctx.out, cp.source, r);
          if (finish(ctx, cp) !== EXIT.OK) partial = true;
        } finally {
          cp.close();
        }
      } catch (e) {
        failures++;
        reportError(ctx, e);
      }
    }
    if (ctx.opts.json) {
      const docs = results.map((r) => ({ ...(results.length > 1 || ctx.args.length > 1 ? { archive: r.archive } : {}), findings: r.findings, summary: r.summary }));
      if (docs.length) printJson(ctx, ctx.args.length === 1 ? docs[0] : docs);
    }
    if (failures === ctx.args.length) return EXIT.BAD_INPUT;
    // Findings are a result (exit 0). With --fail-on, a finding at or above that severity fails the check the
    // user asked for: exit 4, the code cli-conventions gives to a failed verification, ahead of a partial read.
    if (failOn && results.some((r) => r.findings.some((f) => SEVERITIES.indexOf(f.severity) <= SEVERITIES.indexOf(failOn)))) return EXIT.VERIFY;
    return failures || partial ? EXIT.PARTIAL : EXIT.OK;
  },
};
