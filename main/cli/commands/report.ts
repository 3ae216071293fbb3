/**
 * `kensa report DIR --format html|pdf|json --out FILE`: a report of an evidence case
 * (main/core/evidence/report.ts). The case is verified first (re-hashing the evidence and derived files,
 * recorded in the custody log) so the report states a fresh result; a failed verification is a loud warning,
 * the report is still written and says so, and the exit code is 4.
 */
import * as path from 'node:path';
import type { Command, CommandContext } from '../command';
import { EXIT } from '../command';
import { openRootfsOption, printJson, UsageError } from '../common';
import { EvidenceCase } from '../../core/evidence/case';
import { REPORT_FORMATS, writeReport, type ReportFormat } from '../../core/evidence/report';
import { escapeText, formatBytes } from '#shared/format';

/** POSIX shell quoting, so the recorded command can be pasted back into a shell. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export const report: Command = {
  name: 'report',
  summary: 'Report of an evidence case: evidence and hashes, container, processes, network, files, findings, derived files, custody log',
  usage: 'report DIR --format html|pdf|json --out FILE [--rootfs PATH]',
  options: { format: { type: 'string' }, out: { type: 'string', short: 'o' }, rootfs: { type: 'string' } },
  async run(ctx: CommandContext) {
    if (ctx.args.length !== 1) throw new UsageError('report needs the case folder DIR');
    const format = ctx.opts.format;
    if (typeof format !== 'string' || !REPORT_FORMATS.includes(format as ReportFormat)) throw new UsageError('report needs --format html, pdf or json');
    const out = ctx.opts.out;
    if (typeof out !== 'string' || !out) throw new UsageError('report needs --out FILE');
    const dir = ctx.args[0];
    const c = EvidenceCase.open(dir);
    c.outputPath(out); // refused before the verification is recorded: nothing in the case changes
    const progress = ctx.interactive ? (done: number, total: number) => ctx.err(`\rverifying ${formatBytes(done)} of ${formatBytes(total)}\x1b[K`) : undefined;
    const v = await c.verify({ onProgress: progress });
    if (ctx.interactive) ctx.err('\r\x1b[K');
    if (!v.ok) {
      ctx.err(`kensa: warning: VERIFICATION FAILED: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}; the report states it\n`);
      for (const p of v.problems) ctx.err(`kensa: warning: ${escapeText(p)}\n`);
    }
    const rootfsArg = typeof ctx.opts.rootfs === 'string' ? ['--rootfs', path.resolve(ctx.opts.rootfs)] : [];
    const action = ['kensa', 'report', path.resolve(dir), '--format', format, '--out', path.resolve(out), ...rootfsArg].map(shellQuote).join(' ');
    // --rootfs gives the interpreter binary, for the Python stacks of bookmarked Python processes.
    const rootfs = await openRootfsOption(ctx);
    let r: Awaited<ReturnType<typeof writeReport>>;
    try {
      r = await writeReport(c.dir, format as ReportFormat, out, { action, cacheDir: typeof ctx.opts.cache === 'string' ? ctx.opts.cache : undefined, ...(rootfs ? { rootfs } : {}) });
    } finally {
      rootfs?.close();
    }
    if (ctx.opts.json) printJson(ctx, { path: r.path, sha256: r.sha256, size: r.size, id: r.record.id, recorded: r.record.path });
    else ctx.out(`${r.record.id} ${escapeText(r.path)}\n  ${r.size} bytes, SHA-256 ${r.sha256}\n  recorded in the case as ${escapeText(r.record.path)}\n`);
    return v.ok ? EXIT.OK : EXIT.VERIFY;
  },
};
