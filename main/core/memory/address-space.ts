/**
 * The one place that turns (pid, address) into bytes, and says where every byte came from.
 *
 * Sources, in the order the kernel would have them (criu-format.md §1.4-1.5, §3.4):
 * - private memory: the task's pagemap runs flagged PE_PRESENT, read from pages-<pages_id>.img;
 * - shared anonymous memory, memfd and SysV shm: pagemap-shmem-<shmid>.img at object offset
 *   pgoff + (addr - vma.start); absent runs there are zero (PST_ZERO is not dumped);
 * - PE_PARENT runs: the same pagemap in the parent (pre-)dump, followed up the chain (a parent run may
 *   itself be PE_PARENT); a parent that is absent or lacks the page -> "missing-parent" (CRIU's
 *   read_parent_page fails there too);
 * - PE_LAZY-only runs: not in the checkpoint ("missing-lazy");
 * - file-backed pages not dumped: the unchanged file, from rootfs-diff.tar then the image rootfs
 *   (when given); found nowhere -> "missing-file", never invented;
 * - the same for a file deleted while mapped: its path may name another file now, so only the content CRIU
 *   kept in a ghost-file-<id>.img ("ghost-file", criu-format.md §1.3) is used; without one, or past the
 *   point where a cut ghost image ends -> "missing-file";
 * - file pages wholly past the end of the file (rootfs or ghost): "past-eof", no content (SIGBUS when read);
 * - anonymous private pages not dumped were never touched: zero, as the kernel would write them;
 * - vvar, guard and uprobes areas are never dumped ("not-dumped", zero like the kernel's own core).
 *
 * The core writer, the hex view and search all read through this class.
 */
import type { ByteSource } from '../io/byte-source';
import { KensaError } from '../errors';
import { findRun, PE_LAZY, PE_PARENT, PE_PRESENT, type PageMap } from './pagemap';
import type { Vma } from './vma';
import type { ByteOriginName } from '#shared/api/contract';
import { countOrigins, isContentOrigin, type OriginCounts } from '#shared/byte-origins';

/**
 * What memory-wide work (search, sizes) needs from a checkpoint: its processes and their address spaces.
 * model/checkpoint.ts's Checkpoint is one; memory/ never imports the model (the model builds address spaces).
 */
export interface ProcessMemorySource {
  processList(): readonly { pid: number; comm: string }[];
  process(pid: number): unknown;
  addressSpace(pid: number): AddressSpace | undefined;
}

/** Where a byte came from: one definition, shared with the workstation's contract (shared/api/contract.ts). */
export type ByteOrigin = ByteOriginName;


export interface Extent {
  start: bigint;
  end: bigint;
  origin: ByteOrigin;
  vma?: Vma;
  /** Where the bytes are: a source and the offset of `start` in it (absent for zero / missing). */
  src?: ByteSource;
  srcOffset?: number;
  /**
   * Which file holds them, for provenance: the member (`checkpoint/pages-2.img`,
   * `rootfs-diff.tar/home/x`, `checkpoint/ghost-file-1.img`), `ARCHIVE!MEMBER` for a parent dump, or the path
   * in the image rootfs. For a ghost file `srcOffset` is the offset in the ghost image itself; its holes (and
   * the tail of the last page) have a member but no source: they read as zero.
   */
  member?: string;
  /** For file content shorter than the mapping: bytes past `srcEnd` (source offset) read as zero. */
  srcLimit?: number;
}

/** Resolves file-backed content: rootfs-diff.tar first, then the image rootfs. */
export interface FileContentResolver {
  open(path: string): { src: ByteSource; origin: 'rootfs-diff' | 'rootfs'; member?: string } | undefined;
}

/** A stretch of a ghost file: stored bytes at `imageOffset` in the ghost image, or a hole (zeros) without it. */
export interface GhostPiece {
  start: number;
  end: number;
  imageOffset?: number;
}

/** The content of a deleted file kept in the checkpoint (main/core/model/ghost-file.ts). */
export interface GhostContent {
  /** The ghost image's member name, e.g. `checkpoint/ghost-file-1.img`. */
  readonly member: string;
  /** The ghost image itself: extents point into it. */
  readonly image: ByteSource;
  /** The file's size. */
  readonly size: number;
  /** File bytes [0, knownEnd) are known; a cut image leaves the rest unknown. */
  readonly knownEnd: number;
  /** Contiguous pieces covering file range [from, to), to ≤ knownEnd. */
  pieces(from: number, to: number): GhostPiece[];
}

/**
 * A pagemap and its pages file: a task's private memory (runs keyed by address), a shmem object (runs keyed
 * by object offset), or either of them in a parent dump.
 */
export interface PageStore {
  map: PageMap;
  pages: ByteSource | undefined;
  /** The pages file, for provenance (see Extent.member). */
  member?: string;
  /** The same pagemap in the parent (pre-)dump, for PE_PARENT runs (criu-format.md §1.5). */
  parent?: () => PageStore | undefined;
}

/** A shmem object (pagemap-shmem-<id>.img + its pages file) is a page store addressed by object offset. */
export type ShmemObject = PageStore;

/** Deepest chain of parent dumps followed (a `parent` link loop must not recurse forever). */
export const MAX_PARENT_DEPTH = 64;

export interface AddressSpaceInit {
  pid: number;
  pageSize: number;
  vmas: Vma[];
  pagemap: PageMap | undefined;
  pages: ByteSource | undefined;
  /** The pages file's member name, for provenance. */
  pagesMember?: string;
  shmem: (shmemId: number) => ShmemObject | undefined;
  files?: FileContentResolver;
  /** The ghost content of a deleted file, by files.img id (undefined when the checkpoint has none). */
  ghost?: (fileId: number) => GhostContent | undefined;
  /** pagemap-<pid>.img of the parent (pre-)dump, for PE_PARENT runs. */
  parent?: () => PageStore | undefined;
}

/** Largest single read (the hex view and search read in chunks far below this). */
export const MAX_READ_BYTES = 256 * 1024 * 1024;

export interface ReadResult {
  data: Buffer;
  extents: Extent[];
}

export class AddressSpace {
  readonly pid: number;
  readonly pageSize: number;
  readonly vmas: Vma[];
  private readonly init: AddressSpaceInit;
  private readonly fileCache = new Map<string, { src: ByteSource; origin: 'rootfs-diff' | 'rootfs'; member?: string } | null>();

  constructor(init: AddressSpaceInit) {
    this.init = init;
    this.pid = init.pid;
    this.pageSize = init.pageSize;
    this.vmas = init.vmas;
  }

  /** The VMA holding `addr`, if any. */
  vmaAt(addr: bigint): Vma | undefined {
    let lo = 0;
    let hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.vmas[mid].end <= addr) lo = mid + 1;
      else hi = mid;
    }
    const v = this.vmas[lo];
    return v && v.start <= addr && addr < v.end ? v : undefined;
  }

  /** Running maximum of the VMA ends (see extents()). */
  private maxEnds?: bigint[];

  /** Where each byte of [start, end) comes from, as contiguous extents in address order. */
  extents(start: bigint, end: bigint): Extent[] {
    const out: Extent[] = [];
    let cur = start;
    // Skip the VMAs wholly below `start` by binary search (callers walk big maps window by window). The
    // running maximum of the ends stays monotonic even if a crafted map has overlapping VMAs.
    if (!this.maxEnds) {
      let m = 0n;
      this.maxEnds = this.vmas.map((v) => (m = v.end > m ? v.end : m));
    }
    let lo = 0;
    let hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.maxEnds[mid] <= start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.vmas.length; i++) {
      const vma = this.vmas[i];
      if (vma.end <= cur) continue;
      if (vma.start >= end) break;
      if (vma.start > cur) {
        push(out, { start: cur, end: vma.start, origin: 'unmapped' });
        cur = vma.start;
      }
      const stop = vma.end < end ? vma.end : end;
      this.vmaExtents(vma, cur, stop, out);
      cur = stop;
    }
    if (cur < end) push(out, { start: cur, end, origin: 'unmapped' });
    return out;
  }

  private vmaExtents(vma: Vma, start: bigint, end: bigint, out: Extent[]): void {
    if (vma.kind === 'vvar' || vma.kind === 'guard' || vma.kind === 'uprobes') {
      push(out, { start, end, origin: 'not-dumped', vma });
      return;
    }
    if (vma.shmemId !== undefined) {
      const obj = this.init.shmem(vma.shmemId);
      if (!obj) {
        push(out, { start, end, origin: 'missing-pages', vma });
        return;
      }
      // Object offset = pgoff + (addr - vma.start); shmem runs CRIU did not write are zero (PST_ZERO).
      const zero = (s: bigint, e: bigint): void => push(out, { start: s, end: e, origin: 'zero', vma });
      this.storeExtents(obj, vma.pgoff - vma.start, vma, start, end, 'shmem', zero, out, 0);
      return;
    }
    if (!this.init.pagemap) {
      // No pagemap for a process with memory: nothing about its pages is known, not even which are zero.
      push(out, { start, end, origin: 'missing-pages', vma });
      return;
    }
    const store: PageStore = { map: this.init.pagemap, pages: this.init.pages, member: this.init.pagesMember, parent: this.init.parent };
    this.storeExtents(store, 0n, vma, start, end, 'pages', (s, e) => this.absentExtents(vma, s, e, out), out, 0);
  }

  /**
   * Extents of [start, end) from a page store whose runs are keyed by `address + base`. Present runs give
   * `presentOrigin`; PE_PARENT runs go to the parent store (recursively); lazy-only runs are missing; the
   * gaps between runs are handed to `absent`.
   */
  private storeExtents(
    store: PageStore,
    base: bigint,
    vma: Vma,
    start: bigint,
    end: bigint,
    presentOrigin: ByteOrigin,
    absent: (s: bigint, e: bigint) => void,
    out: Extent[],
    depth: number,
  ): void {
    const runs = store.map.runs;
    let cur = start;
    for (let i = findRun(runs, cur + base); i < runs.length && cur < end; i++) {
      const run = runs[i];
      const rs = run.start - base;
      const re = run.end - base;
      if (rs >= end) break;
      if (rs > cur) {
        absent(cur, rs);
        cur = rs;
      }
      const stop = re < end ? re : end;
      if (run.flags & PE_PRESENT && !run.beyondPagesFile && store.pages) {
        push(out, { start: cur, end: stop, origin: presentOrigin, vma, src: store.pages, srcOffset: run.pagesOffset + Number(cur - rs), member: store.member });
      } else if (run.flags & PE_PRESENT) {
        push(out, { start: cur, end: stop, origin: 'missing-pages', vma });
      } else if (run.flags & PE_PARENT) {
        const parent = depth < MAX_PARENT_DEPTH ? store.parent?.() : undefined;
        const missing = (s: bigint, e: bigint): void => push(out, { start: s, end: e, origin: 'missing-parent', vma });
        if (parent) this.storeExtents(parent, base, vma, cur, stop, 'parent', missing, out, depth + 1);
        else missing(cur, stop);
      } else if (run.flags & PE_LAZY) {
        push(out, { start: cur, end: stop, origin: 'missing-lazy', vma });
      } else {
        absent(cur, stop);
      }
      cur = stop;
    }
    if (cur < end) absent(cur, end);
  }

  /** Pages the checkpoint does not hold: zero for anonymous memory, the file for file-backed memory. */
  private absentExtents(vma: Vma, start: bigint, end: bigint, out: Extent[]): void {
    if (vma.kind === 'file-private' || vma.kind === 'file-shared') {
      // A deleted file's path may name another file now (or in the image): its content is not that, only the
      // ghost CRIU kept is. A mapping whose files.img entry is missing has no path at all: its pages are
      // missing too, not zero.
      if (vma.file?.deleted) {
        const ghost = this.init.ghost?.(vma.file.fileId);
        if (ghost) this.ghostExtents(vma, ghost, start, end, out);
        else push(out, { start, end, origin: 'missing-file', vma });
        return;
      }
      const f = vma.file ? this.openFile(vma.file.path) : undefined;
      if (!f || !vma.file) {
        push(out, { start, end, origin: 'missing-file', vma });
        return;
      }
      const fileOffset = vma.pgoff + (start - vma.start);
      const size = BigInt(f.src.size);
      // The tail of the file's last page reads as zeros (content, as in the kernel's page cache); pages wholly
      // past it cannot be touched (SIGBUS), so they are not content (see pastEof).
      const cut = this.eofCut(vma, size, start, end);
      push(out, { start, end: cut, origin: f.origin, vma, src: f.src, srcOffset: Number(fileOffset < size ? fileOffset : size), srcLimit: f.src.size, member: f.member ?? vma.file.path });
      push(out, { start: cut, end, origin: 'past-eof', vma });
      return;
    }
    if (vma.kind === 'vsyscall') {
      push(out, { start, end, origin: 'not-dumped', vma });
      return;
    }
    push(out, { start, end, origin: 'zero', vma });
  }

  /**
   * [start, end) of a mapping of a ghost file: its stored bytes and holes; bytes past a cut in the image are
   * missing; pages past the end of the file read as zero (as for any file, see absentExtents).
   */
  private ghostExtents(vma: Vma, g: GhostContent, start: bigint, end: bigint, out: Extent[]): void {
    const base = vma.pgoff - vma.start; // file offset = address + base
    const from = start + base;
    const to = end + base;
    const known = BigInt(g.knownEnd);
    const size = BigInt(g.size);
    if (from < known) {
      const stop = to < known ? to : known;
      for (const p of g.pieces(Number(from), Number(stop))) {
        const e: Extent = { start: BigInt(p.start) - base, end: BigInt(p.end) - base, origin: 'ghost-file', vma, member: g.member };
        if (p.imageOffset !== undefined) {
          e.src = g.image;
          e.srcOffset = p.imageOffset;
        }
        push(out, e);
      }
    }
    const cutFrom = from > known ? from : known;
    const cutTo = to < size ? to : size;
    if (cutFrom < cutTo) push(out, { start: cutFrom - base, end: cutTo - base, origin: 'missing-file', vma });
    const cut = this.eofCut(vma, size, start, end);
    const eofFrom = from > size ? from : size;
    if (eofFrom < cut + base) push(out, { start: eofFrom - base, end: cut, origin: 'ghost-file', vma, member: g.member });
    push(out, { start: cut, end, origin: 'past-eof', vma });
  }

  /**
   * Where the pages wholly past the end of a mapped file of `size` bytes begin in [start, end] (clamped).
   * A read there is SIGBUS in the live process: those addresses are `past-eof`, with nothing to search,
   * compare or write (a 1 TiB mapping of a 10-byte file holds one page of content). The tail of the file's
   * last page reads as zeros and is content, as in the kernel's page cache.
   */
  private eofCut(vma: Vma, size: bigint, start: bigint, end: bigint): bigint {
    const ps = BigInt(this.pageSize);
    const eofPage = ((size + ps - 1n) / ps) * ps; // file offset of the first page holding no byte of the file
    const cut = eofPage - vma.pgoff + vma.start;
    return cut < start ? start : cut > end ? end : cut;
  }

  private openFile(path: string): { src: ByteSource; origin: 'rootfs-diff' | 'rootfs'; member?: string } | undefined {
    if (!this.init.files) return undefined;
    let hit = this.fileCache.get(path);
    if (hit === undefined) {
      hit = this.init.files.open(path) ?? null;
      this.fileCache.set(path, hit);
    }
    return hit ?? undefined;
  }

  /** Fill `target` with the bytes of one extent (zeros where the extent has no source). */
  static fill(e: Extent, target: Buffer, targetOffset: number, from: bigint, to: bigint): void {
    const len = Number(to - from);
    if (!e.src || e.srcOffset === undefined) {
      target.fill(0, targetOffset, targetOffset + len);
      return;
    }
    const off = e.srcOffset + Number(from - e.start);
    const limit = e.srcLimit ?? e.src.size;
    const avail = Math.max(0, Math.min(len, limit - off));
    const got = avail > 0 ? e.src.readInto(off, avail, target, targetOffset) : 0;
    if (got < len) target.fill(0, targetOffset + got, targetOffset + len);
  }

  /** `length` bytes at `addr`; bytes with no content read as zero, and `extents` says which. */
  read(addr: bigint, length: number): ReadResult {
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_READ_BYTES) {
      throw new KensaError('usage', `cannot read ${length} bytes at once (at most ${MAX_READ_BYTES})`);
    }
    if (addr < 0n || addr + BigInt(length) > 1n << 64n) throw new KensaError('usage', `address range 0x${addr.toString(16)}+${length} is outside the 64-bit address space`);
    const data = Buffer.alloc(length);
    const extents = this.extents(addr, addr + BigInt(length));
    for (const e of extents) AddressSpace.fill(e, data, Number(e.start - addr), e.start, e.end);
    return { data, extents };
  }

  /** A NUL-terminated string at `addr` (at most `max` bytes), or undefined if unreadable. */
  readCString(addr: bigint, max = 4096): Buffer | undefined {
    const { data, extents } = this.read(addr, max);
    if (extents.some((e) => !isContentOrigin(e.origin) && e.start === addr)) return undefined;
    const nul = data.indexOf(0);
    return nul === -1 ? data : data.subarray(0, nul);
  }

  /** Present, missing and by-origin byte counts of one VMA (`kensa mem --maps`, the memory map, `inspect`). */
  vmaCounts(vma: { start: bigint; end: bigint }): OriginCounts {
    return countOrigins(this.extents(vma.start, vma.end));
  }

  /** Totals by origin over every VMA (for `kensa mem` and the memory map). */
  summary(): Record<ByteOrigin, bigint> {
    const totals = {} as Record<ByteOrigin, bigint>;
    for (const v of this.vmas) for (const e of this.extents(v.start, v.end)) totals[e.origin] = (totals[e.origin] ?? 0n) + (e.end - e.start);
    return totals;
  }
}

function push(out: Extent[], e: Extent): void {
  if (e.end <= e.start) return;
  const last = out[out.length - 1];
  // Merge with the previous extent when it continues it exactly (same source, contiguous offsets).
  if (
    last &&
    last.end === e.start &&
    last.origin === e.origin &&
    last.vma === e.vma &&
    last.src === e.src &&
    last.member === e.member &&
    (e.src === undefined || (last.srcOffset !== undefined && e.srcOffset === last.srcOffset + Number(last.end - last.start)))
  ) {
    last.end = e.end;
    return;
  }
  out.push(e);
}
