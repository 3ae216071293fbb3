/**
 * `kensa yara RULES... ARCHIVE [--pid N] [--files] [--rootfs R] [--json]`: YARA rules over every process's
 * memory, mapping by mapping, over the bytes the checkpoint knows (main/core/yara/scan.ts), and with
 * --files over the files of rootfs-diff.tar and the deleted files the checkpoint kept.
 *
 * RULES are .yar files or folders of them, compiled once (a bad rule: `FILE:LINE:COLUMN: message`, exit 1).
 * Text: one block per match (rule, string, process, mapping, address, length, origin, bytes as text and
 * hex); `--json`: one array, one object per match. A limit reached (--max-matches, --timeout) or a part that
 * could not be read gives what was found, a warning per cut, and exit 3. `--case DIR` records the scan in
 * the case's custody log (main/core/yara/record.ts), for the report's YARA section.
 */
import type { Command, CommandContext } from '../command';
import { EXIT } from '../command';
import { finish, PID_OPTIONS, pidsOption, printJson, UsageError } from '../common';
import { openForMemory } from './mem';
import { compileRules, describeRuleMessage, readRuleSources } from '../../core/yara/engine';
import { DEFAULT_MAX_MATCHES, DEFAULT_TIMEOUT_MS, scanCheckpoint, type YaraMatch } from '../../core/yara/scan';
import { escapeText, hex, parseNumber } from '#shared/format';
import { EvidenceCase } from '../../core/evidence/case';
import { YARA_SCAN_EVENT, yaraScanRecord } from '../../core/yara/record';

export const yara: Command = {
  name: 'yara',
  summary: 'YARA rules over every process\'s memory (mapping by mapping, with pid, permissions and path as rule variables) and, with --files, the changed and deleted files',
  usage: 'yara RULES... ARCHIVE [--pid N] [--files] [--rootfs PATH] [--parent ARCHIVE] [--max-matches N] [--timeout SECONDS] [--case DIR] [--json]',
  options: {
    ...PID_OPTIONS,
    files: { type: 'boolean' },
    rootfs: { type: 'string' },
    parent: { type: 'string' },
    'max-matches': { type: 'string' },
    timeout: { type: 'string' },
    case: { type: 'string' },
  },
  async run(ctx) {
    if (ctx.args.length < 2) throw new UsageError('yara needs RULES... ARCHIVE (rule files or folders, then the checkpoint)');
    const archive = ctx.args[ctx.args.length - 1];
    if (ctx.opts.case !== undefined && (typeof ctx.opts.case !== 'string' || !ctx.opts.case)) throw new UsageError('--case takes the case folder');
    // The case is opened first: a wrong folder fails before the scan, not after it.
    const kase = typeof ctx.opts.case === 'string' ? EvidenceCase.open(ctx.opts.case) : undefined;
    const sources = readRuleSources(ctx.args.slice(0, -1));
    const rules = compileRules(sources);
    for (const w of rules.warnings) ctx.err(`kensa: warning: ${escapeText(describeRuleMessage(w))}\n`);
    const maxMatches = countOption(ctx, 'max-matches', DEFAULT_MAX_MATCHES, 100_000_000);
    const timeoutMs = countOption(ctx, 'timeout', DEFAULT_TIMEOUT_MS / 1000, 7 * 24 * 3600) * 1000;
    const { cp, done } = await openForMemory(ctx, archive);
    try {
      const progress = ctx.interactive ? (d: number, t: number) => ctx.err(`\rYARA ${(d / 1048576).toFixed(0)} of ${(t / 1048576).toFixed(0)} MiB\x1b[K`) : undefined;
      const pids = pidsOption(ctx);
      const files = Boolean(ctx.opts.files);
      const result = await scanCheckpoint(cp, rules, { pids, files, maxMatches, timeoutMs, onProgress: progress });
      if (ctx.interactive) ctx.err('\r\x1b[K');
      // In the case's custody log: the rules' hashes, the scope, the counts and the first matches (the report's YARA section).
      kase?.log(YARA_SCAN_EVENT, { ...yaraScanRecord(sources, result, { ...(pids ? { pids } : {}), files }), archive: archive });
      if (ctx.opts.json) printJson(ctx, result.matches.map(matchJson));
      else {
        let out = '';
        for (const m of result.matches) out += matchText(m);
        out += `${result.matches.length} match${result.matches.length === 1 ? '' : 'es'} of ${rules.ruleCount} rule${rules.ruleCount === 1 ? '' : 's'} in ${result.regions} region${result.regions === 1 ? '' : 's'} (${result.scannedBytes} bytes scanned)\n`;
        ctx.out(out);
      }
      for (const w of result.warnings) ctx.err(`kensa: warning: ${escapeText(w)}\n`);
      const code = finish(ctx, cp);
      return result.warnings.length ? EXIT.PARTIAL : code;
    } finally {
      done();
    }
  },
};

function countOption(ctx: CommandContext, name: string, dflt: number, max: number): number {
  const v = ctx.opts[name];
  if (v === undefined) return dflt;
  const n = typeof v === 'string' ? parseNumber(v) : undefined;
  if (n === undefined || n < 1n || n > BigInt(max)) throw new UsageError(`--${name} takes a whole number from 1 to ${max}`);
  return Number(n);
}

/** The matched bytes as text: printable ASCII kept, every other byte escaped (`\x00`), so nothing reaches the terminal raw. */
export function bytesAsText(b: Buffer): string {
  let s = '';
  for (const c of b) s += c >= 0x20 && c < 0x7f ? (c === 0x5c ? '\\\\' : c === 0x22 ? '\\"' : String.fromCharCode(c)) : '\\x' + c.toString(16).padStart(2, '0');
  return s;
}

function vmaText(m: YaraMatch): string {
  if (!m.vma) return '';
  return `${hex(m.vma.start)}-${hex(m.vma.end)} ${m.vma.perms} ${m.vma.name || m.vma.kind}`;
}

function matchText(m: YaraMatch): string {
  // Rule names, paths and meta come from the rules or the archive: escaped. The bytes are escaped by bytesAsText.
  const where = m.file !== undefined ? `file ${m.file} offset ${hex(m.address)}` : `pid ${m.pid} ${hex(m.address)} in ${vmaText(m)}`;
  const origin = m.member !== undefined ? `${m.origin} ${m.member}${m.memberOffset !== undefined ? ' @' + hex(m.memberOffset) : ''}` : m.origin;
  const more = m.data.length < m.length ? ' ...' : '';
  let s = escapeText(`${m.namespace === 'default' ? '' : m.namespace + ':'}${m.rule}${m.string ? ' ' + m.string : ''}  ${where}  length ${m.length}  from ${origin}`) + '\n';
  if (m.string) s += `  text "${bytesAsText(m.data)}"${more}\n  hex  ${m.data.toString('hex')}${more}\n`;
  if (m.tags.length) s += escapeText(`  tags ${m.tags.join(' ')}`) + '\n';
  const meta = Object.entries(m.meta);
  if (meta.length) s += escapeText(`  meta ${meta.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`) + '\n';
  return s;
}

/** cli-conventions.md: addresses and offsets as "0x…", bytes as hex. */
export function matchJson(m: YaraMatch): Record<string, unknown> {
  return {
    rule: m.rule,
    namespace: m.namespace,
    tags: m.tags,
    meta: m.meta,
    string: m.string,
    pid: m.pid,
    file: m.file,
    vma: m.vma ? { start: hex(m.vma.start), end: hex(m.vma.end), perms: m.vma.perms, kind: m.vma.kind, path: m.vma.file?.path ?? (m.vma.name || undefined) } : undefined,
    address: hex(m.address),
    length: m.length,
    origin: m.origin,
    member: m.member,
    member_offset: m.memberOffset !== undefined ? hex(m.memberOffset) : undefined,
    data: m.data.toString('hex'),
    text: bytesAsText(m.data),
    ...(m.string && m.data.length < m.length ? { data_truncated: true } : {}),
  };
}
