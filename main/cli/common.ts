/**
 * Options and helpers shared by the commands: input limits, cache, pid selection, JSON printing, and the
 * one-line error / warning format of cli-conventions.md.
 */
import * as fs from 'node:fs';
import { Checkpoint, MAX_TREE_DEPTH, type CheckpointOpenOptions } from '../core/model/checkpoint';
import { KensaError } from '../core/errors';
import { DEFAULT_IMAGE_VALUES, DEFAULT_TOTAL_VALUES } from '../core/criu';
import { openRootfs, type Rootfs } from '../core/rootfs/rootfs';
import { escapeText, jsonText, parseNumber } from '#shared/format';
import { DUMP_STATISTICS } from '#shared/dump-stats';
import type { CommandContext, OptionSpec } from './command';
import { EXIT } from './command';

export const COMMON_OPTIONS: OptionSpec = {
  json: { type: 'boolean' },
  cache: { type: 'string' },
  debug: { type: 'boolean' },
  'max-unpacked': { type: 'string' },
  'max-ratio': { type: 'string' },
  'max-members': { type: 'string' },
  'max-image': { type: 'string' },
  'max-depth': { type: 'string' },
  'max-values': { type: 'string' },
  'max-name': { type: 'string' },
};

export const PID_OPTIONS: OptionSpec = {
  pid: { type: 'string', short: 'p', multiple: true },
  'all-pids': { type: 'boolean' },
};

export class UsageError extends KensaError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** An --out that must be a folder names something else (a regular file, a device): a usage error, said before any work. */
export function checkOutputFolder(out: string): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(out);
  } catch {
    return; // absent (created later) or unreachable (its creation names the reason)
  }
  if (!st.isDirectory()) throw new UsageError(`--out ${out} is not a folder (it is an existing file); name a folder for the output files`);
}

/** Create the --out folder and its parents; a path running through a file is a usage error, the host refusing an io error. */
export function makeOutputFolder(out: string): void {
  checkOutputFolder(out);
  try {
    fs.mkdirSync(out, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOTDIR' || code === 'EEXIST') throw new UsageError(`--out ${out} cannot be a folder: part of the path is a file (${code})`);
    throw new KensaError('io', `--out ${out}: cannot create the folder (${code})`);
  }
}

function sizeOpt(ctx: CommandContext, name: string): number | undefined {
  const v = ctx.opts[name];
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b?)?$/i.exec(v.trim());
  if (!m) throw new UsageError(`--${name} takes a number (with an optional K, M, G or T suffix)`);
  const mult: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Math.floor(Number(m[1]) * (m[2] ? mult[m[2][0].toLowerCase()] : 1));
}

export function openOptions(ctx: CommandContext): CheckpointOpenOptions {
  const limits: Record<string, number> = {};
  const unpacked = sizeOpt(ctx, 'max-unpacked');
  if (unpacked !== undefined) limits.maxUnpackedBytes = unpacked;
  const ratio = sizeOpt(ctx, 'max-ratio');
  if (ratio !== undefined) limits.maxRatio = ratio;
  const members = sizeOpt(ctx, 'max-members');
  if (members !== undefined) limits.maxMembers = members;
  const name = sizeOpt(ctx, 'max-name');
  if (name !== undefined) limits.maxNameRecord = name;
  const image = sizeOpt(ctx, 'max-image');
  if (image !== undefined) {
    limits.maxImageBytes = image;
    limits.maxMetadataBytes = image;
  }
  const values = sizeOpt(ctx, 'max-values');
  if (values !== undefined) {
    limits.maxImageValues = values;
    limits.maxTotalValues = values * (DEFAULT_TOTAL_VALUES / DEFAULT_IMAGE_VALUES);
  }
  const depth = sizeOpt(ctx, 'max-depth');
  if (depth !== undefined && (depth < 1 || depth > MAX_TREE_DEPTH)) throw new UsageError(`--max-depth takes a depth from 1 to ${MAX_TREE_DEPTH}`);
  const progress = ctx.interactive
    ? (done: number, _total: number, phase: string) => ctx.err(`\r${phase} ${(done / 1048576).toFixed(0)} MiB\x1b[K`)
    : undefined;
  return { cacheDir: typeof ctx.opts.cache === 'string' ? ctx.opts.cache : undefined, limits, onProgress: progress, maxTreeDepth: depth };
}

export async function openCheckpoint(ctx: CommandContext, path: string, extra: Partial<CheckpointOpenOptions> = {}): Promise<Checkpoint> {
  const cp = await Checkpoint.open(path, { ...openOptions(ctx), ...extra });
  if (ctx.interactive) ctx.err('\r\x1b[K'); // clear the progress line, if one was drawn
  return cp;
}

/** `--pid 1 --pid 6,7` -> [1, 6, 7]; undefined when no --pid was given. */
export function pidsOption(ctx: CommandContext): number[] | undefined {
  const raw = ctx.opts.pid;
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(','));
  return list.map((s) => {
    const n = parseNumber(s);
    if (n === undefined || n > 0x7fffffffn) throw new UsageError(`--pid takes a process id, not ${JSON.stringify(s)}`);
    return Number(n);
  });
}

export function onePid(ctx: CommandContext, command: string): number {
  const pids = pidsOption(ctx);
  if (!pids || pids.length !== 1) throw new UsageError(`${command} works on one process: give exactly one --pid`);
  return pids[0];
}

export function printJson(ctx: CommandContext, value: unknown): void {
  ctx.out(jsonText(value, 2) + '\n');
}

/** Report the checkpoint's problems on stderr; returns the exit code for a result that was produced. */
export function finish(ctx: CommandContext, cp: { problems: { text: string }[]; warnings?: string[] } | undefined): number {
  if (!cp) return EXIT.OK;
  for (const w of cp.warnings ?? []) ctx.err(`kensa: warning: ${escapeText(w)}\n`);
  for (const p of cp.problems) ctx.err(`kensa: warning: ${escapeText(p.text)}\n`);
  return cp.problems.length === 0 ? EXIT.OK : EXIT.PARTIAL;
}

/** Left-aligned table like checkpointctl's: header, dashes, rows; cells escaped. */
export function table(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => escapeText(c === undefined ? '' : String(c))));
  // A loop, not Math.max(...cells): 150k rows would be 150k arguments (a stack overflow).
  const widths = headers.map((h) => h.length);
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length))).join('   ').trimEnd();
  return [line(headers), line(headers.map((h) => '-'.repeat(h.length))), ...cells.map(line)].join('\n') + '\n';
}

/** `--rootfs PATH` (folder, tar / tar.gz / tar.zst, OCI layout) opened as a Rootfs, or undefined when absent. */
export async function openRootfsOption(ctx: CommandContext): Promise<Rootfs | undefined> {
  const p = ctx.opts.rootfs;
  if (p === undefined) return undefined;
  if (typeof p !== 'string' || p === '') throw new UsageError('--rootfs takes a folder, a tar / tar.gz / tar.zst, or an OCI image layout folder');
  // the limits the flags set bound the rootfs too (its messages name the same flags)
  return openRootfs(p, { cacheDir: typeof ctx.opts.cache === 'string' ? ctx.opts.cache : undefined, limits: openOptions(ctx).limits ?? {} });
}

/** The dump statistics `show` and `inspect` print (the page-pipe and irmap counters say little to a responder). */
export const CLI_STATISTICS = DUMP_STATISTICS.filter(([k]) => !['irmap_resolve', 'page_pipes', 'page_pipe_bufs', 'shpages_skipped_parent'].includes(k));
