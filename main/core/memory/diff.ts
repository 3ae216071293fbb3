/**
 * Memory of one process in two checkpoints compared page by page (`kensa diff A B`, the memory half; the
 * checkpoint-level comparison is model/checkpoint-diff.ts):
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
import type { AddressSpace, Extent } from './address-space';
import { fillFromExtents, isPlainZero } from './ranges';
import { isContentOrigin } from '#shared/byte-origins';
import type { Vma } from './vma';

export interface DiffOptions {
  /** Most excerpts kept per VMA (default 8). */
  maxExcerpts?: number;
  /** Bytes of changed content shown per excerpt, at most (default 64). */
  excerptBytes?: number;
  signal?: AbortSignal;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
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

export async function diffSpaces(sa: AddressSpace, sb: AddressSpace, comm: string, opts: DiffOptions, progress: (n: number) => void): Promise<ProcessMemoryDiff> {
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
