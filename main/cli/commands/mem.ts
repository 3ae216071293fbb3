/**
 * `kensa mem ARCHIVE`: process memory (issue 4).
 *
 *   mem ARCHIVE                                   sizes per process: total, private, shared, file-backed,
 *                                                 present in the checkpoint, missing
 *   mem ARCHIVE --pid N --maps                    VMAs with permissions, flags, offset, backing file and how
 *                                                 much of each the checkpoint holds (bytes by origin)
 *   mem ARCHIVE --pid N --dump ADDR [--len N]     hex dump like xxd (bytes the checkpoint lacks show as --),
 *                                                 or --raw bytes
 *   mem ARCHIVE [--pid N ...] --search TEXT | --hex BYTES | --regex RE
 *        [--utf16] [--ignore-case] [--context N] [--vma FILTER ...] [--max-hits N]
 *
 * `--rootfs PATH` resolves file-backed pages; `--parent ARCHIVE` gives the parent dump of an incremental
 * checkpoint.
 */
import type { Command, CommandContext } from '../command';
import { finish, openCheckpoint, openRootfsOption, onePid, PID_OPTIONS, pidsOption, printJson, table, UsageError } from '../common';
import type { Checkpoint } from '../../core/model/checkpoint';
import type { Rootfs } from '../../core/rootfs/rootfs';
import { memorySummary, type MemorySizes } from '../../core/memory/summary';
import { searchHitInfo, searchMemory, type SearchHit, type SearchPattern } from '../../core/memory/search';
import { compilePattern } from '../../core/memory/pattern';
import type { AddressSpace, ByteOrigin, Extent } from '../../core/memory/address-space';
import { countOrigins, isContentOrigin } from '#shared/byte-origins';
import type { Vma } from '../../core/memory/vma';
import { escapeText, formatBytes, hex, parseNumber } from '#shared/format';

/** Hits printed when --max-hits is not given (a pattern of zero bytes matches everywhere). */
export const DEFAULT_MAX_HITS = 10_000;
/** Largest --dump (bytes). */
const MAX_DUMP = 256 * 1024 * 1024;
const DEFAULT_DUMP = 256;

export const MEM_OPTIONS = {
  ...PID_OPTIONS,
  maps: { type: 'boolean' },
  dump: { type: 'string' },
  len: { type: 'string' },
  raw: { type: 'boolean' },
  search: { type: 'string' },
  hex: { type: 'string' },
  regex: { type: 'string' },
  utf16: { type: 'boolean' },
  'ignore-case': { type: 'boolean', short: 'i' },
  context: { type: 'string', short: 'C' },
  vma: { type: 'string', multiple: true },
  'max-hits': { type: 'string' },
  'regex-timeout': { type: 'string' },
  rootfs: { type: 'string' },
  parent: { type: 'string' },
} as const;

/** Open the checkpoint with --rootfs and --parent as given; close both with `done()`. */
export async function openForMemory(ctx: CommandContext, archive: string): Promise<{ cp: Checkpoint; rootfs?: Rootfs; done: () => void }> {
  const rootfs = await openRootfsOption(ctx);
  const parent = ctx.opts.parent;
  if (parent !== undefined && (typeof parent !== 'string' || parent === '')) throw new UsageError('--parent takes the parent (pre-)dump: an archive or folder');
  let cp: Checkpoint;
  try {
    cp = await openCheckpoint(ctx, archive, { ...(rootfs ? { rootfs } : {}), ...(typeof parent === 'string' ? { parent } : {}) });
  } catch (e) {
    rootfs?.close();
    throw e;
  }
  return {
    cp,
    rootfs,
    done: () => {
      cp.close();
      rootfs?.close();
    },
  };
}

function intOption(ctx: CommandContext, name: string, max: number): number | undefined {
  const v = ctx.opts[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? parseNumber(v) : undefined;
  if (n === undefined || n > BigInt(max)) throw new UsageError(`--${name} takes a number up to ${max}`);
  return Number(n);
}

/** Bytes in a table cell: printable ASCII as is, any other byte as `.` (xxd's column; --json has them exact). */
export function bytesText(b: Buffer): string {
  let s = '';
  for (const c of b) s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  return s;
}

function sizesJson(r: MemorySizes) {
  return {
    pid: r.pid,
    command: r.comm,
    total: r.total,
    private: r.private,
    shared: r.shared,
    file_backed: r.fileBacked,
    present: r.present,
    missing: r.missing,
    by_origin: r.byOrigin,
  };
}

function runSummary(ctx: CommandContext, cp: Checkpoint): void {
  const pids = pidsOption(ctx);
  for (const pid of pids ?? []) if (!cp.process(pid)) throw new UsageError(`no process ${pid} in this checkpoint (kensa ps lists them)`);
  const rows = memorySummary(cp).filter((r) => !pids || pids.includes(r.pid));
  if (ctx.opts.json) {
    printJson(ctx, rows.map(sizesJson));
    return;
  }
  ctx.out(
    table(
      ['PID', 'COMMAND', 'TOTAL', 'PRIVATE', 'SHARED', 'FILE-BACKED', 'PRESENT', 'MISSING'],
      rows.map((r) => [r.pid, r.comm, formatBytes(r.total), formatBytes(r.private), formatBytes(r.shared), formatBytes(r.fileBacked), formatBytes(r.present), formatBytes(r.missing)]),
    ),
  );
}

/** mmap flags of vma_entry.flags (criu-format.md §2.6), named. */
const MAP_FLAGS: [number, string][] = [
  [0x1, 'shared'],
  [0x2, 'private'],
  [0x8, 'droppable'],
  [0x20, 'anon'],
  [0x100, 'growsdown'],
  [0x2000, 'locked'],
  [0x4000, 'noreserve'],
  [0x40000, 'hugetlb'],
];

export function mapFlags(flags: number): string {
  const names = MAP_FLAGS.filter(([bit]) => flags & bit).map(([, n]) => n);
  const known = MAP_FLAGS.reduce((m, [bit]) => m | bit, 0);
  // MAP_HUGETLB carries the page size in bits 26 and up.
  const rest = flags & ~known & ~(0x3f << 26);
  if (rest) names.push('0x' + rest.toString(16));
  return names.join(',');
}

function originBytes(space: AddressSpace, vma: Vma): { present: number; origins: Partial<Record<ByteOrigin, number>>; extents: Extent[] } {
  const extents = space.extents(vma.start, vma.end);
  const { present, byOrigin } = countOrigins(extents);
  return { present, origins: byOrigin, extents };
}

function runMaps(ctx: CommandContext, cp: Checkpoint): void {
  const pid = onePid(ctx, 'mem --maps');
  const space = spaceOf(cp, pid);
  const rows = space.vmas.map((v) => ({ v, ...originBytes(space, v) }));
  if (ctx.opts.json) {
    printJson(
      ctx,
      rows.map(({ v, present, origins, extents }) => ({
        start: hex(v.start),
        end: hex(v.end),
        size: Number(v.end - v.start),
        perms: v.perms,
        flags: mapFlags(v.flags),
        kind: v.kind,
        offset: hex(v.pgoff),
        backing: v.name,
        ...(v.file?.buildId ? { build_id: v.file.buildId } : {}),
        present,
        origins,
        extents: extents.map((e) => ({ start: hex(e.start), end: hex(e.end), origin: e.origin, ...(e.member !== undefined ? { member: e.member } : {}), ...(e.src && e.srcOffset !== undefined ? { member_offset: e.srcOffset } : {}) })),
      })),
    );
    return;
  }
  const ps = space.pageSize;
  ctx.out(
    table(
      ['START', 'END', 'PERMS', 'KIND', 'FLAGS', 'OFFSET', 'SIZE', 'PRESENT', 'SOURCES (pages)', 'BACKING'],
      rows.map(({ v, present, origins }) => [
        hex(v.start),
        hex(v.end),
        v.perms,
        v.kind,
        mapFlags(v.flags),
        hex(v.pgoff),
        formatBytes(v.end - v.start),
        formatBytes(present),
        Object.entries(origins)
          .map(([o, n]) => `${o}:${Math.ceil((n as number) / ps)}`)
          .join(' '),
        v.name,
      ]),
    ),
  );
}

function spaceOf(cp: Checkpoint, pid: number): AddressSpace {
  const p = cp.process(pid);
  if (!p) throw new UsageError(`no process ${pid} in this checkpoint (kensa ps lists them)`);
  const space = cp.addressSpace(pid);
  if (!space) throw new UsageError(`process ${pid} (${p.comm}, ${p.state}) has no memory in this checkpoint`);
  return space;
}

async function writeStdout(data: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => process.stdout.write(data, (e) => (e ? reject(e) : resolve())));
}

/** Describe the ranges of a dump the checkpoint does not give, one note each. */
function unknownNotes(extents: Extent[]): string[] {
  return extents
    .filter((e) => !isContentOrigin(e.origin))
    .map((e) => `${hex(e.start)}-${hex(e.end)}: ${e.origin}${e.vma?.file ? ` (${e.vma.file.path})` : e.vma ? ` (${e.vma.name || e.vma.kind})` : ''}`);
}

/** Largest --dump printed as JSON (its hex doubles it in memory); larger dumps stream as text or --raw. */
const MAX_JSON_DUMP = 16 * 1024 * 1024;
/** A dump is read and printed in pieces of this size. */
const DUMP_PIECE = 64 * 1024;

/**
 * Wait while more than 1 MiB of output is queued for stdout: a slow reader (a pipe to less or wc)
 * must not make Kensa buffer everything it prints. Writers other than process.stdout are not held up.
 */
export async function outputBackpressure(): Promise<void> {
  if (process.stdout.writableLength > 1024 * 1024) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

async function runDump(ctx: CommandContext, cp: Checkpoint): Promise<void> {
  const pid = onePid(ctx, 'mem --dump');
  const space = spaceOf(cp, pid);
  const addr = parseNumber(String(ctx.opts.dump));
  if (addr === undefined || addr >= 1n << 64n) throw new UsageError('--dump takes an address (decimal or 0x hex)');
  const len = intOption(ctx, 'len', MAX_DUMP) ?? DEFAULT_DUMP;
  if (addr + BigInt(len) > 1n << 64n) throw new UsageError('--dump range runs past the end of the 64-bit address space');
  const extents = space.extents(addr, addr + BigInt(len));
  if (ctx.opts.json) {
    if (len > MAX_JSON_DUMP) throw new UsageError(`--dump --json takes at most ${MAX_JSON_DUMP} bytes; use --raw or the text dump for more`);
    const { data } = space.read(addr, len);
    printJson(ctx, {
      pid,
      address: hex(addr),
      length: len,
      data: data.toString('hex'),
      extents: extents.map((e) => ({
        start: hex(e.start),
        end: hex(e.end),
        origin: e.origin,
        ...(e.vma ? { vma: `${hex(e.vma.start)}-${hex(e.vma.end)} ${e.vma.perms} ${e.vma.name}`.trimEnd() } : {}),
        ...(e.member !== undefined ? { member: e.member } : {}),
        ...(e.src && e.srcOffset !== undefined ? { member_offset: e.srcOffset } : {}),
      })),
    });
    return;
  }
  for (const n of unknownNotes(extents)) ctx.err(`kensa: warning: not in the checkpoint, shown as ${ctx.opts.raw ? 'zero bytes' : '--'}: ${escapeText(n)}\n`);
  const width = Math.max(8, (addr + BigInt(len)).toString(16).length);
  for (let off = 0; off < len; off += DUMP_PIECE) {
    const at = addr + BigInt(off);
    const piece = space.read(at, Math.min(DUMP_PIECE, len - off));
    if (ctx.opts.raw) await writeStdout(piece.data);
    else {
      ctx.out(hexDump(at, piece.data, piece.extents, width));
      await outputBackpressure();
    }
  }
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/**
 * xxd's layout (address, 8 groups of 2 bytes, ASCII); bytes the checkpoint lacks are `--` and a space.
 * Formatted byte by byte into one buffer: building strings per byte ran ten times slower than xxd.
 */
export function hexDump(addr: bigint, data: Buffer, extents: Extent[], width = Math.max(8, (addr + BigInt(data.length)).toString(16).length)): string {
  const unknown = new Uint8Array(data.length);
  for (const e of extents) if (!isContentOrigin(e.origin)) unknown.fill(1, Number(e.start - addr), Number(e.end - addr));
  const lines = Math.ceil(data.length / 16);
  const out = Buffer.allocUnsafe(lines * (width + 60));
  // x86-64 user addresses fit a double exactly; others (vsyscall at 0xffffffffff600000) go through BigInt.
  const small = addr + BigInt(data.length) <= BigInt(Number.MAX_SAFE_INTEGER);
  const base = Number(addr);
  let p = 0;
  for (let off = 0; off < data.length; off += 16) {
    const address = (small ? (base + off).toString(16) : (addr + BigInt(off)).toString(16)).padStart(width, '0');
    p += out.write(address, p, 'latin1');
    out[p++] = 0x3a; // ':'
    out[p++] = 0x20;
    const n = Math.min(16, data.length - off);
    for (let i = 0; i < 16; i++) {
      const j = off + i;
      if (i >= n) {
        out[p++] = 0x20;
        out[p++] = 0x20;
      } else if (unknown[j]) {
        out[p++] = 0x2d; // '-'
        out[p++] = 0x2d;
      } else {
        out[p++] = HEX_DIGITS[data[j] >> 4];
        out[p++] = HEX_DIGITS[data[j] & 15];
      }
      if (i & 1) out[p++] = 0x20;
    }
    out[p++] = 0x20;
    for (let i = 0; i < n; i++) {
      const b = data[off + i];
      out[p++] = unknown[off + i] ? 0x20 : b >= 0x20 && b < 0x7f ? b : 0x2e;
    }
    out[p++] = 0x0a;
  }
  return out.toString('latin1', 0, p);
}

export function patternFrom(ctx: CommandContext): SearchPattern | undefined {
  const given = (['search', 'hex', 'regex'] as const).filter((k) => ctx.opts[k] !== undefined);
  if (given.length > 1) throw new UsageError('give one of --search, --hex, --regex');
  if (!given.length) {
    for (const o of ['utf16', 'ignore-case', 'context', 'vma', 'max-hits'])
      if (ctx.opts[o] !== undefined) throw new UsageError(`--${o} goes with --search, --hex or --regex`);
    return undefined;
  }
  const value = String(ctx.opts[given[0]]);
  const ignoreCase = Boolean(ctx.opts['ignore-case']);
  if (given[0] === 'search') return { text: value, utf16: Boolean(ctx.opts.utf16), ignoreCase };
  if (ctx.opts.utf16) throw new UsageError('--utf16 goes with --search TEXT');
  if (given[0] === 'hex') {
    if (ignoreCase) throw new UsageError('--ignore-case goes with --search or --regex');
    return { hex: value };
  }
  return { regex: value, ignoreCase };
}

/** `--json` of a hit: the contract's SearchHitInfo (searchHitInfo) in the CLI's snake_case, plus the matched text. */
export function hitJson(h: SearchHit) {
  const i = searchHitInfo(h);
  return {
    pid: i.pid,
    address: i.address,
    length: i.length,
    vma: { start: i.vma.start, end: i.vma.end, perms: i.vma.perms, kind: i.vma.kind, offset: i.vma.offset },
    backing: i.vma.name,
    origin: i.origin,
    ...(i.member !== undefined ? { member: i.member } : {}),
    ...(i.memberOffset !== undefined ? { member_offset: i.memberOffset } : {}),
    match: i.match,
    text: h.match.toString('latin1'),
    before: i.before,
    after: i.after,
  };
}

async function runSearch(ctx: CommandContext, cp: Checkpoint, pattern: SearchPattern): Promise<boolean> {
  const compiled = compilePattern(pattern); // usage errors before any work
  const pids = pidsOption(ctx);
  for (const pid of pids ?? []) if (!cp.process(pid)) throw new UsageError(`no process ${pid} in this checkpoint (kensa ps lists them)`);
  const context = intOption(ctx, 'context', 4096) ?? 0;
  const maxHits = intOption(ctx, 'max-hits', 100_000_000) ?? DEFAULT_MAX_HITS;
  const regexTimeout = ctx.opts['regex-timeout'] === undefined ? undefined : Number(ctx.opts['regex-timeout']);
  if (regexTimeout !== undefined && (!('regex' in pattern) || !(regexTimeout > 0 && regexTimeout <= 86_400))) throw new UsageError('--regex-timeout takes seconds (more than 0, at most 86400) and goes with --regex');
  const vma = ((ctx.opts.vma as string[] | undefined) ?? []).map(String);
  const started = Date.now();
  const progress = ctx.interactive
    ? (done: number, total: number) => {
        if (Date.now() - started > 1000) ctx.err(`\rsearching ${formatBytes(done)} of ${formatBytes(total)}\x1b[K`);
      }
    : undefined;
  let scanned = 0;
  const hits = await searchMemory(cp, {
    pattern,
    ...(pids ? { pids } : {}),
    ...(vma.length ? { vma } : {}),
    context,
    maxHits: maxHits + 1,
    ...(regexTimeout !== undefined ? { regexTimeout } : {}),
    onProgress: (done, total) => {
      scanned = done;
      progress?.(done, total);
    },
  });
  if (ctx.interactive) ctx.err('\r\x1b[K');
  const truncated = hits.length > maxHits;
  const shown = truncated ? hits.slice(0, maxHits) : hits;
  if (ctx.opts.json) {
    printJson(ctx, { pattern: compiled.describe, scanned_bytes: scanned, truncated, hits: shown.map(hitJson) });
  } else {
    const rows = shown.map((h) => {
      const row: (string | number)[] = [h.pid, hex(h.address), h.vma.perms, h.vma.name || `[${h.vma.kind}]`, h.origin, bytesText(h.match)];
      if (context) row.push(`${bytesText(h.before)}[${bytesText(h.match)}]${bytesText(h.after)}`);
      return row;
    });
    const headers = ['PID', 'ADDRESS', 'PERMS', 'BACKING', 'ORIGIN', 'MATCH'];
    if (context) headers.push('CONTEXT');
    ctx.out(shown.length ? table(headers, rows) : `no match for ${escapeText(compiled.describe)} in ${formatBytes(scanned)} searched\n`);
  }
  if (truncated) ctx.err(`kensa: warning: stopped after ${maxHits} hits (raise with --max-hits)\n`);
  return truncated;
}

export const mem: Command = {
  name: 'mem',
  summary: 'Process memory: sizes, VMA maps, hex dumps, and search (text, hex, regex) across all processes',
  usage:
    'mem ARCHIVE [--pid N ...] [--json]  |  mem ARCHIVE --pid N --maps  |  mem ARCHIVE --pid N --dump ADDR [--len N] [--raw]  |  ' +
    'mem ARCHIVE [--pid N ...] (--search TEXT | --hex BYTES | --regex RE [--regex-timeout S]) [--utf16] [--ignore-case] [--context N] [--vma FILTER ...] [--max-hits N]  ' +
    '(all: [--rootfs PATH] [--parent ARCHIVE])',
  options: MEM_OPTIONS,
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('mem needs one ARCHIVE');
    const pattern = patternFrom(ctx);
    const modes = [ctx.opts.maps ? '--maps' : '', ctx.opts.dump !== undefined ? '--dump' : '', pattern ? 'a search' : ''].filter(Boolean);
    if (modes.length > 1) throw new UsageError(`give one of --maps, --dump, --search/--hex/--regex (got ${modes.join(' and ')})`);
    if (ctx.opts.dump === undefined && (ctx.opts.len !== undefined || ctx.opts.raw)) throw new UsageError('--len and --raw go with --dump ADDR');
    if (pattern) compilePattern(pattern);
    const { cp, done } = await openForMemory(ctx, ctx.args[0]);
    try {
      if (ctx.opts.maps) runMaps(ctx, cp);
      else if (ctx.opts.dump !== undefined) await runDump(ctx, cp);
      else if (pattern) await runSearch(ctx, cp, pattern);
      else runSummary(ctx, cp);
      return finish(ctx, cp);
    } finally {
      done();
    }
  },
};

