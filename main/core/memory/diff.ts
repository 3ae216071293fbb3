/**
 * Two checkpoints of one container compared (`kensa diff A B`): process tree, open files, sockets, mounts,
 * memory sizes, and memory itself, page by page. checkpointctl's diff stops at process and fd lists and
 * the change of the pages total; here every page of every process present in both is compared:
 *
 * - changed: mapped in both, content known in both, bytes differ (a page untouched in A, zero, that
 *   holds data in B has changed too), with hex excerpts of the changed bytes;
 * - appeared / vanished: mapped only in B / only in A (new mappings, a grown or shrunk heap);
 * - unknown: mapped in both but only one side's checkpoint holds the content (the other's is missing-*);
 *   pages neither holds (file pages never copied) are not compared.
 *
 * Pages are compared in 4 MiB chunks read through each AddressSpace; runs that are zero in both are equal
 * without reading.
 */
import type { Checkpoint, FdRecord, MountPoint, ProcessRecord, SocketRecord } from '../model/checkpoint';
import type { AddressSpace, Extent } from './address-space';
import { fillFromExtents, isPlainZero } from './ranges';
import { isContentOrigin } from '../../../shared/byte-origins';
import { spaceSizes, type MemorySizes } from './summary';
import type { Vma } from './vma';

export interface DiffOptions {
  /** Most excerpts kept per VMA (default 8). */
  maxExcerpts?: number;
  /** Bytes of changed content shown per excerpt, at most (default 64). */
  excerptBytes?: number;
  signal?: AbortSignal;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface FieldChange {
  field: string;
  a: unknown;
  b: unknown;
}

export interface ProcessBrief {
  pid: number;
  ppid: number;
  comm: string;
  cmdline?: string;
}

export interface ProcessDiff {
  added: ProcessBrief[];
  removed: ProcessBrief[];
  changed: { pid: number; comm: string; changes: FieldChange[] }[];
  unchanged: number;
}

export interface FdBrief {
  fd: number;
  type: string;
  path: string;
}

export interface FilesDiff {
  pid: number;
  added: FdBrief[];
  removed: FdBrief[];
  changed: { fd: number; a: FdBrief; b: FdBrief }[];
}

export interface SocketsDiff {
  pid: number;
  added: string[];
  removed: string[];
}

export interface MountsDiff {
  added: MountPoint[];
  removed: MountPoint[];
  changed: { mountpoint: string; changes: FieldChange[] }[];
}

export interface MemorySizesDiff {
  pid: number;
  comm: string;
  a?: MemorySizes;
  b?: MemorySizes;
}

/** Changed bytes of one page: a window around them, in A and in B. */
export interface Excerpt {
  address: bigint;
  a: Buffer;
  b: Buffer;
}

export interface VmaDiff {
  start: bigint;
  end: bigint;
  perms: string;
  name: string;
  kind: string;
  /** How the VMA itself changed: same range, resized, only in B (appeared) or only in A (vanished). */
  status: 'same' | 'resized' | 'appeared' | 'vanished';
  aRange?: { start: bigint; end: bigint };
  pagesChanged: number;
  pagesAppeared: number;
  pagesVanished: number;
  pagesUnknown: number;
  excerpts: Excerpt[];
}

export interface ProcessMemoryDiff {
  pid: number;
  comm: string;
  pageSize: number;
  pagesChanged: number;
  pagesAppeared: number;
  pagesVanished: number;
  pagesUnknown: number;
  /** VMAs with any difference (unchanged ones are left out). */
  vmas: VmaDiff[];
}

export interface CheckpointDiff {
  a: { source: string; id?: string; container_name?: string; checkpointed?: string };
  b: { source: string; id?: string; container_name?: string; checkpointed?: string };
  /** False when the container ids differ (the comparison is still made). */
  sameContainer: boolean;
  processes: ProcessDiff;
  files: FilesDiff[];
  sockets: SocketsDiff[];
  mounts: MountsDiff;
  memorySizes: MemorySizesDiff[];
  memory: ProcessMemoryDiff[];
}

function brief(cp: Checkpoint, p: ProcessRecord): ProcessBrief {
  const cmd = cp.commandLine(p.pid);
  return { pid: p.pid, ppid: p.ppid, comm: p.comm, ...(cmd ? { cmdline: cmd.text } : {}) };
}

function changes(pairs: [string, unknown, unknown][]): FieldChange[] {
  return pairs.filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b)).map(([field, a, b]) => ({ field, a, b }));
}

function diffProcesses(a: Checkpoint, b: Checkpoint): ProcessDiff {
  const out: ProcessDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const p of b.processList()) if (!a.process(p.pid)) out.added.push(brief(b, p));
  for (const p of a.processList()) {
    const q = b.process(p.pid);
    if (!q) {
      out.removed.push(brief(a, p));
      continue;
    }
    const c = changes([
      ['comm', p.comm, q.comm],
      ['ppid', p.ppid, q.ppid],
      ['state', p.state, q.state],
      ['threads', p.tids, q.tids],
      ['cmdline', a.commandLine(p.pid)?.text, b.commandLine(q.pid)?.text],
      ['exe', a.exe(p.pid), b.exe(q.pid)],
      ['uid', a.creds(p.pid)?.uid, b.creds(q.pid)?.uid],
    ]);
    if (c.length) out.changed.push({ pid: p.pid, comm: q.comm, changes: c });
    else out.unchanged++;
  }
  return out;
}

function fdBrief(f: FdRecord): FdBrief {
  return { fd: f.fd, type: f.type, path: f.path };
}

function diffFiles(a: Checkpoint, b: Checkpoint): FilesDiff[] {
  const out: FilesDiff[] = [];
  const pids = new Set([...a.processList().map((p) => p.pid), ...b.processList().map((p) => p.pid)]);
  for (const pid of [...pids].sort((x, y) => x - y)) {
    const fa = new Map((a.process(pid) ? a.fds(pid) : []).map((f) => [f.fd, fdBrief(f)]));
    const fb = new Map((b.process(pid) ? b.fds(pid) : []).map((f) => [f.fd, fdBrief(f)]));
    const d: FilesDiff = { pid, added: [], removed: [], changed: [] };
    for (const [fd, f] of fb) {
      const old = fa.get(fd);
      if (!old) d.added.push(f);
      else if (old.path !== f.path || old.type !== f.type) d.changed.push({ fd, a: old, b: f });
    }
    for (const [fd, f] of fa) if (!fb.has(fd)) d.removed.push(f);
    if (d.added.length || d.removed.length || d.changed.length) out.push(d);
  }
  return out;
}

export function describeSocket(s: SocketRecord): string {
  if (s.family === 'UNIX') return `UNIX ${s.type}${s.name !== undefined ? ` ${s.name}` : ''} (${s.state ?? '?'})`;
  const ep = (addr?: string, port?: number): string => `${addr && addr.includes(':') ? `[${addr}]` : addr ?? '?'}:${port ?? 0}`;
  if (s.family === 'IPv4' || s.family === 'IPv6' || s.src !== undefined)
    return `${s.protocol ?? s.family} ${ep(s.src, s.srcPort)} -> ${ep(s.dst, s.dstPort)}${s.state ? ` (${s.state})` : ''}`;
  return `${s.family} ${s.type}${s.protocol ? ` protocol ${s.protocol}` : ''}`;
}

function diffSockets(a: Checkpoint, b: Checkpoint): SocketsDiff[] {
  const out: SocketsDiff[] = [];
  const pids = new Set([...a.processList().map((p) => p.pid), ...b.processList().map((p) => p.pid)]);
  for (const pid of [...pids].sort((x, y) => x - y)) {
    const sa = (a.process(pid) ? a.sockets(pid) : []).map((s) => `fd ${s.fd}: ${describeSocket(s)}`);
    const sb = (b.process(pid) ? b.sockets(pid) : []).map((s) => `fd ${s.fd}: ${describeSocket(s)}`);
    const added = sb.filter((s) => !sa.includes(s));
    const removed = sa.filter((s) => !sb.includes(s));
    if (added.length || removed.length) out.push({ pid, added, removed });
  }
  return out;
}

function diffMounts(a: Checkpoint, b: Checkpoint): MountsDiff {
  const ma = new Map(a.mountpoints().map((m) => [m.mountpoint, m]));
  const mb = new Map(b.mountpoints().map((m) => [m.mountpoint, m]));
  const out: MountsDiff = { added: [], removed: [], changed: [] };
  for (const [mp, m] of mb) {
    const old = ma.get(mp);
    if (!old) {
      out.added.push(m);
      continue;
    }
    const c = changes([
      ['fstype', old.fstype, m.fstype],
      ['source', old.source, m.source],
      ['root', old.root, m.root],
      ['options', old.options, m.options],
      ['flags', old.flags, m.flags],
    ]);
    if (c.length) out.changed.push({ mountpoint: mp, changes: c });
  }
  for (const [mp, m] of ma) if (!mb.has(mp)) out.removed.push(m);
  return out;
}

// ----------------------------------------------------------------------------------------------------
// Memory

/** Bytes compared at a time. */
const COMPARE_CHUNK = 4 << 20;

type Side = 'known' | 'unknown' | 'skip';

/** What an extent says about its pages: content known, missing, or never dumped (vvar, past a file's end: not compared). */
function sideOf(e: Extent): Side {
  if (isContentOrigin(e.origin)) return 'known';
  return e.origin === 'not-dumped' || e.origin === 'past-eof' ? 'skip' : 'unknown';
}

/**
 * Compare [start, end), mapped in both: walk the two extent lists together in zones where neither side
 * changes origin; zones zero in both, or held by neither checkpoint, are passed over without reading.
 */
async function comparePages(
  sa: AddressSpace,
  sb: AddressSpace,
  start: bigint,
  end: bigint,
  d: VmaDiff,
  o: { pageSize: number; maxExcerpts: number; excerptBytes: number; signal?: AbortSignal; progress: (n: number) => void },
): Promise<void> {
  const ps = BigInt(o.pageSize);
  const ea = sa.extents(start, end);
  const eb = sb.extents(start, end);
  // Sized to the range and made only when bytes are compared: 200k one-page VMAs must not allocate (and
  // garbage-collect) 1.6 TB of 4 MiB buffers.
  const size = end - start < BigInt(COMPARE_CHUNK) ? Number(end - start) : COMPARE_CHUNK;
  let bufA: Buffer | undefined;
  let bufB: Buffer | undefined;
  let i = 0;
  let j = 0;
  for (let cur = start; cur < end; ) {
    while (ea[i].end <= cur) i++;
    while (eb[j].end <= cur) j++;
    const zoneEnd = ea[i].end < eb[j].end ? ea[i].end : eb[j].end;
    const a = sideOf(ea[i]);
    const b = sideOf(eb[j]);
    const pages = Number((zoneEnd - cur + ps - 1n) / ps);
    if (a === 'skip' || b === 'skip' || (a === 'unknown' && b === 'unknown') || (isPlainZero(ea[i]) && isPlainZero(eb[j]))) {
      // nothing to compare
    } else if (a === 'unknown' || b === 'unknown') {
      d.pagesUnknown += pages;
    } else {
      for (let at = cur; at < zoneEnd; ) {
        o.signal?.throwIfAborted();
        const stop = zoneEnd - at > BigInt(COMPARE_CHUNK) ? at + BigInt(COMPARE_CHUNK) : zoneEnd;
        const len = Number(stop - at);
        bufA ??= Buffer.allocUnsafe(size);
        bufB ??= Buffer.allocUnsafe(size);
        const ra = bufA.subarray(0, len);
        const rb = bufB.subarray(0, len);
        fillFromExtents(ea, at, stop, ra);
        fillFromExtents(eb, at, stop, rb);
        if (!ra.equals(rb)) {
          for (let off = 0; off < len; off += o.pageSize) {
            const pa = ra.subarray(off, Math.min(len, off + o.pageSize));
            const pb = rb.subarray(off, Math.min(len, off + o.pageSize));
            if (pa.equals(pb)) continue;
            d.pagesChanged++;
            if (d.excerpts.length < o.maxExcerpts) d.excerpts.push(excerptOf(pa, pb, at + BigInt(off), o.excerptBytes));
          }
        }
        o.progress(len);
        at = stop;
        await new Promise((r) => setImmediate(r));
      }
    }
    cur = zoneEnd;
  }
}

/** A window around the changed bytes of one page (offsets within `a` / `b`). */
function excerptOf(a: Buffer, b: Buffer, pageAddr: bigint, maxBytes: number): Excerpt {
  let first = 0;
  while (first < a.length && a[first] === b[first]) first++;
  let last = a.length - 1;
  while (last > first && a[last] === b[last]) last--;
  // From the 16-byte line holding the first changed byte to the line after the last, at most maxBytes.
  const from = first & ~15;
  const to = Math.min(a.length, from + Math.max(16, Math.min(((last + 16) & ~15) - from, maxBytes)));
  return { address: pageAddr + BigInt(from), a: Buffer.from(a.subarray(from, to)), b: Buffer.from(b.subarray(from, to)) };
}

interface VmaPair {
  a?: Vma;
  b?: Vma;
}

/** Pair the VMAs of A and B: a B VMA with the A VMA that overlaps it most; unpaired ones stand alone. */
function pairVmas(a: Vma[], b: Vma[]): VmaPair[] {
  const pairs: VmaPair[] = [];
  const usedA = new Set<Vma>();
  // A's VMAs by start with the running maximum of their ends: each B VMA looks only at the A VMAs that can
  // overlap it (binary search), not at all of them (200k VMAs on both sides was 4e10 comparisons).
  const sortedA = [...a].sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  const maxEnd: bigint[] = [];
  let m = 0n;
  for (const va of sortedA) maxEnd.push((m = va.end > m ? va.end : m));
  for (const vb of b) {
    let best: Vma | undefined;
    let bestOverlap = 0n;
    let lo = 0;
    let hi = sortedA.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (maxEnd[mid] <= vb.start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < sortedA.length && sortedA[i].start < vb.end; i++) {
      const va = sortedA[i];
      if (va.end <= vb.start) continue;
      const s = va.start > vb.start ? va.start : vb.start;
      const e = va.end < vb.end ? va.end : vb.end;
      if (e - s > bestOverlap) {
        bestOverlap = e - s;
        best = va;
      }
    }
    if (best && !usedA.has(best)) usedA.add(best);
    else best = undefined;
    pairs.push({ a: best, b: vb });
  }
  for (const va of a) if (!usedA.has(va)) pairs.push({ a: va });
  pairs.sort((x, y) => {
    const sx = (x.b ?? x.a)!.start;
    const sy = (y.b ?? y.a)!.start;
    return sx < sy ? -1 : sx > sy ? 1 : 0;
  });
  return pairs;
}

/** Compare one process's memory in two checkpoints (A before, B after), page by page. */
export async function diffAddressSpaces(sa: AddressSpace, sb: AddressSpace, opts: DiffOptions & { comm?: string } = {}): Promise<ProcessMemoryDiff> {
  let done = 0;
  const total = sb.vmas.reduce((n, v) => n + Number(v.end - v.start), 0);
  return diffSpaces(sa, sb, opts.comm ?? '', opts, (n) => {
    done += n;
    opts.onProgress?.(Math.min(done, total), total);
  });
}

async function diffSpaces(sa: AddressSpace, sb: AddressSpace, comm: string, opts: DiffOptions, progress: (n: number) => void): Promise<ProcessMemoryDiff> {
  const pageSize = sb.pageSize;
  const ps = BigInt(pageSize);
  const maxExcerpts = opts.maxExcerpts ?? 8;
  const excerptBytes = opts.excerptBytes ?? 64;
  const out: ProcessMemoryDiff = { pid: sb.pid, comm, pageSize, pagesChanged: 0, pagesAppeared: 0, pagesVanished: 0, pagesUnknown: 0, vmas: [] };
  for (const pair of pairVmas(sa.vmas, sb.vmas)) {
    const v = (pair.b ?? pair.a)!;
    if (v.kind === 'guard') continue;
    const d: VmaDiff = {
      start: v.start,
      end: v.end,
      perms: v.perms,
      name: v.name,
      kind: v.kind,
      status: !pair.a ? 'appeared' : !pair.b ? 'vanished' : pair.a.start === pair.b.start && pair.a.end === pair.b.end ? 'same' : 'resized',
      pagesChanged: 0,
      pagesAppeared: 0,
      pagesVanished: 0,
      pagesUnknown: 0,
      excerpts: [],
    };
    if (pair.a && pair.b && d.status === 'resized') d.aRange = { start: pair.a.start, end: pair.a.end };
    if (!pair.a) d.pagesAppeared = Number((v.end - v.start) / ps);
    else if (!pair.b) d.pagesVanished = Number((v.end - v.start) / ps);
    else {
      const va = pair.a;
      const vb = pair.b;
      // Pages of B's VMA that A does not map, and pages of A's that B does not map.
      const common = { start: va.start > vb.start ? va.start : vb.start, end: va.end < vb.end ? va.end : vb.end };
      d.pagesAppeared = Number((vb.end - vb.start - (common.end - common.start)) / ps);
      d.pagesVanished = Number((va.end - va.start - (common.end - common.start)) / ps);
      await comparePages(sa, sb, common.start, common.end, d, { pageSize, maxExcerpts, excerptBytes, signal: opts.signal, progress });
    }
    out.pagesChanged += d.pagesChanged;
    out.pagesAppeared += d.pagesAppeared;
    out.pagesVanished += d.pagesVanished;
    out.pagesUnknown += d.pagesUnknown;
    if (d.status !== 'same' || d.pagesChanged || d.pagesUnknown) out.vmas.push(d);
  }
  return out;
}

function identity(cp: Checkpoint): CheckpointDiff['a'] {
  const m = cp.meta;
  return { source: cp.source, ...(m.id ? { id: m.id } : {}), ...(m.containerName ? { container_name: m.containerName } : {}), ...(m.checkpointed ? { checkpointed: m.checkpointed } : {}) };
}

/** Compare checkpoint A (before) with B (after). */
export async function diffCheckpoints(a: Checkpoint, b: Checkpoint, opts: DiffOptions = {}): Promise<CheckpointDiff> {
  const ia = identity(a);
  const ib = identity(b);
  const sizes: MemorySizesDiff[] = [];
  const pids = [...new Set([...a.processList().map((p) => p.pid), ...b.processList().map((p) => p.pid)])].sort((x, y) => x - y);
  const pairs: { pid: number; comm: string; sa: AddressSpace; sb: AddressSpace }[] = [];
  let total = 0;
  for (const pid of pids) {
    const sa = a.process(pid) ? a.addressSpace(pid) : undefined;
    const sb = b.process(pid) ? b.addressSpace(pid) : undefined;
    const comm = b.process(pid)?.comm ?? a.process(pid)?.comm ?? '';
    const row: MemorySizesDiff = { pid, comm };
    if (sa) row.a = spaceSizes(sa, a.process(pid)!.comm);
    if (sb) row.b = spaceSizes(sb, comm);
    sizes.push(row);
    if (sa && sb) {
      pairs.push({ pid, comm, sa, sb });
      for (const vb of sb.vmas) total += Number(vb.end - vb.start);
    }
  }
  let done = 0;
  opts.onProgress?.(0, total);
  const memory: ProcessMemoryDiff[] = [];
  for (const p of pairs) {
    memory.push(
      await diffSpaces(p.sa, p.sb, p.comm, opts, (n) => {
        done += n;
        opts.onProgress?.(Math.min(done, total), total);
      }),
    );
  }
  opts.onProgress?.(total, total);
  return {
    a: ia,
    b: ib,
    sameContainer: !ia.id || !ib.id || ia.id === ib.id,
    processes: diffProcesses(a, b),
    files: diffFiles(a, b),
    sockets: diffSockets(a, b),
    mounts: diffMounts(a, b),
    memorySizes: sizes,
    memory,
  };
}

/** Bytes shown as text: printable ASCII as is, any other byte as `.` (like xxd's column). */
export function printable(b: Buffer): string {
  let s = '';
  for (const c of b) s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  return s;
}

const hx = (v: bigint): string => '0x' + v.toString(16);

/** JSON-ready view: addresses as 0x strings, bytes as hex (cli-conventions.md), excerpts also as text. */
export function diffJson(d: CheckpointDiff) {
  return {
    a: d.a,
    b: d.b,
    same_container: d.sameContainer,
    processes: d.processes,
    files: d.files,
    sockets: d.sockets,
    mounts: d.mounts,
    memory_sizes: d.memorySizes.map((r) => ({
      pid: r.pid,
      command: r.comm,
      ...(r.a ? { a: { total: r.a.total, private: r.a.private, shared: r.a.shared, file_backed: r.a.fileBacked, present: r.a.present, missing: r.a.missing } } : {}),
      ...(r.b ? { b: { total: r.b.total, private: r.b.private, shared: r.b.shared, file_backed: r.b.fileBacked, present: r.b.present, missing: r.b.missing } } : {}),
    })),
    memory: d.memory.map((p) => ({
      pid: p.pid,
      command: p.comm,
      page_size: p.pageSize,
      pages_changed: p.pagesChanged,
      pages_appeared: p.pagesAppeared,
      pages_vanished: p.pagesVanished,
      pages_unknown: p.pagesUnknown,
      vmas: p.vmas.map((v) => ({
        start: hx(v.start),
        end: hx(v.end),
        perms: v.perms,
        kind: v.kind,
        backing: v.name,
        status: v.status,
        ...(v.aRange ? { a_range: { start: hx(v.aRange.start), end: hx(v.aRange.end) } } : {}),
        pages_changed: v.pagesChanged,
        pages_appeared: v.pagesAppeared,
        pages_vanished: v.pagesVanished,
        pages_unknown: v.pagesUnknown,
        excerpts: v.excerpts.map((e) => ({ address: hx(e.address), a: e.a.toString('hex'), b: e.b.toString('hex'), a_text: printable(e.a), b_text: printable(e.b) })),
      })),
    })),
  };
}
