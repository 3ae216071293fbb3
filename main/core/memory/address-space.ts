/**
 * The one place that turns (pid, address) into bytes, and says where every byte came from.
 *
 * Sources, in the order the kernel would have them (criu-format.md §1.4-1.5, §3.4):
 * - private memory: the task's pagemap runs flagged PE_PRESENT, read from pages-<pages_id>.img;
 * - shared anonymous memory, memfd and SysV shm: pagemap-shmem-<shmid>.img at object offset
 *   pgoff + (addr - vma.start); absent runs there are zero (PST_ZERO is not dumped);
 * - PE_PARENT runs: the parent image (incremental dumps), else "missing-parent";
 * - PE_LAZY-only runs: not in the checkpoint ("missing-lazy");
 * - file-backed pages not dumped: the unchanged file, from rootfs-diff.tar then the image rootfs
 *   (when given); found nowhere -> "missing-file", never invented;
 * - anonymous private pages not dumped were never touched: zero, as the kernel would write them;
 * - vvar, guard and uprobes areas are never dumped ("not-dumped", zero like the kernel's own core).
 *
 * The core writer, the hex view and search all read through this class.
 */
import type { ByteSource } from '../io/byte-source';
import { findRun, PE_LAZY, PE_PARENT, PE_PRESENT, type PageMap } from './pagemap';
import type { Vma } from './vma';

export type ByteOrigin =
  | 'pages'
  | 'shmem'
  | 'parent'
  | 'rootfs-diff'
  | 'rootfs'
  | 'zero'
  | 'not-dumped'
  | 'missing-parent'
  | 'missing-lazy'
  | 'missing-file'
  | 'missing-pages'
  | 'unmapped';

/** Origins whose bytes are real content (or a real zero the kernel would also write). */
export const KNOWN_ORIGINS: ReadonlySet<ByteOrigin> = new Set(['pages', 'shmem', 'parent', 'rootfs-diff', 'rootfs', 'zero', 'not-dumped']);

export interface Extent {
  start: bigint;
  end: bigint;
  origin: ByteOrigin;
  vma?: Vma;
  /** Where the bytes are: a source and the offset of `start` in it (absent for zero / missing). */
  src?: ByteSource;
  srcOffset?: number;
  /** For file content shorter than the mapping: bytes past `srcEnd` (source offset) read as zero. */
  srcLimit?: number;
}

/** Resolves file-backed content: rootfs-diff.tar first, then the image rootfs. */
export interface FileContentResolver {
  open(path: string): { src: ByteSource; origin: 'rootfs-diff' | 'rootfs' } | undefined;
}

export interface ShmemObject {
  map: PageMap;
  pages: ByteSource | undefined;
}

export interface AddressSpaceInit {
  pid: number;
  pageSize: number;
  vmas: Vma[];
  pagemap: PageMap | undefined;
  pages: ByteSource | undefined;
  shmem: (shmemId: number) => ShmemObject | undefined;
  files?: FileContentResolver;
  /** The same process in the parent (pre-)dump, for PE_PARENT runs. */
  parent?: () => AddressSpace | undefined;
}

export interface ReadResult {
  data: Buffer;
  extents: Extent[];
}

export class AddressSpace {
  readonly pid: number;
  readonly pageSize: number;
  readonly vmas: Vma[];
  private readonly init: AddressSpaceInit;
  private readonly fileCache = new Map<string, { src: ByteSource; origin: 'rootfs-diff' | 'rootfs' } | null>();

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

  /** Where each byte of [start, end) comes from, as contiguous extents in address order. */
  extents(start: bigint, end: bigint): Extent[] {
    const out: Extent[] = [];
    let cur = start;
    for (const vma of this.vmas) {
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
      this.shmemExtents(vma, start, end, out);
      return;
    }
    const map = this.init.pagemap;
    const runs = map?.runs ?? [];
    let cur = start;
    for (let i = findRun(runs, cur); i < runs.length && cur < end; i++) {
      const run = runs[i];
      if (run.start >= end) break;
      if (run.start > cur) {
        this.absentExtents(vma, cur, run.start, out);
        cur = run.start;
      }
      const stop = run.end < end ? run.end : end;
      if (run.flags & PE_PRESENT && !run.beyondPagesFile && this.init.pages) {
        push(out, { start: cur, end: stop, origin: 'pages', vma, src: this.init.pages, srcOffset: run.pagesOffset + Number(cur - run.start) });
      } else if (run.flags & PE_PRESENT) {
        push(out, { start: cur, end: stop, origin: 'missing-pages', vma });
      } else if (run.flags & PE_PARENT) {
        this.parentExtents(vma, cur, stop, out);
      } else if (run.flags & PE_LAZY) {
        push(out, { start: cur, end: stop, origin: 'missing-lazy', vma });
      } else {
        this.absentExtents(vma, cur, stop, out);
      }
      cur = stop;
    }
    if (cur < end) this.absentExtents(vma, cur, end, out);
  }

  private parentExtents(vma: Vma, start: bigint, end: bigint, out: Extent[]): void {
    const parent = this.init.parent?.();
    if (!parent) {
      push(out, { start, end, origin: 'missing-parent', vma });
      return;
    }
    for (const e of parent.extents(start, end)) {
      // The parent's own "absent" answers stand (zero for anonymous, file for file-backed).
      const origin = e.origin === 'pages' ? 'parent' : e.origin;
      push(out, { ...e, origin, vma });
    }
  }

  /** Pages the checkpoint does not hold: zero for anonymous memory, the file for file-backed memory. */
  private absentExtents(vma: Vma, start: bigint, end: bigint, out: Extent[]): void {
    if ((vma.kind === 'file-private' || vma.kind === 'file-shared') && vma.file) {
      const f = this.openFile(vma.file.path);
      if (!f) {
        push(out, { start, end, origin: 'missing-file', vma });
        return;
      }
      const fileOffset = vma.pgoff + (start - vma.start);
      const size = BigInt(f.src.size);
      // Pages wholly past the end of the file cannot be touched (SIGBUS): they read as zero like the tail
      // of the last partial page.
      push(out, { start, end, origin: f.origin, vma, src: f.src, srcOffset: Number(fileOffset < size ? fileOffset : size), srcLimit: f.src.size });
      return;
    }
    if (vma.kind === 'vsyscall') {
      push(out, { start, end, origin: 'not-dumped', vma });
      return;
    }
    push(out, { start, end, origin: 'zero', vma });
  }

  private shmemExtents(vma: Vma, start: bigint, end: bigint, out: Extent[]): void {
    const obj = this.init.shmem(vma.shmemId!);
    const base = vma.pgoff - vma.start; // object offset = pgoff + (addr - vma.start)
    if (!obj) {
      push(out, { start, end, origin: 'missing-pages', vma });
      return;
    }
    const runs = obj.map.runs;
    let cur = start;
    for (let i = findRun(runs, cur + base); i < runs.length && cur < end; i++) {
      const run = runs[i];
      const rs = run.start - base;
      const re = run.end - base;
      if (rs >= end) break;
      if (rs > cur) {
        push(out, { start: cur, end: rs, origin: 'zero', vma });
        cur = rs;
      }
      const stop = re < end ? re : end;
      if (run.flags & PE_PRESENT && !run.beyondPagesFile && obj.pages) {
        push(out, { start: cur, end: stop, origin: 'shmem', vma, src: obj.pages, srcOffset: run.pagesOffset + Number(cur - rs) });
      } else if (run.flags & PE_PARENT) {
        push(out, { start: cur, end: stop, origin: 'missing-parent', vma });
      } else {
        push(out, { start: cur, end: stop, origin: 'missing-pages', vma });
      }
      cur = stop;
    }
    if (cur < end) push(out, { start: cur, end, origin: 'zero', vma });
  }

  private openFile(path: string): { src: ByteSource; origin: 'rootfs-diff' | 'rootfs' } | undefined {
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
    const data = Buffer.alloc(length);
    const extents = this.extents(addr, addr + BigInt(length));
    for (const e of extents) AddressSpace.fill(e, data, Number(e.start - addr), e.start, e.end);
    return { data, extents };
  }

  /** A NUL-terminated string at `addr` (at most `max` bytes), or undefined if unreadable. */
  readCString(addr: bigint, max = 4096): Buffer | undefined {
    const { data, extents } = this.read(addr, max);
    if (extents.some((e) => !KNOWN_ORIGINS.has(e.origin) && e.start === addr)) return undefined;
    const nul = data.indexOf(0);
    return nul === -1 ? data : data.subarray(0, nul);
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
    (e.src === undefined || (last.srcOffset !== undefined && e.srcOffset === last.srcOffset + Number(last.end - last.start)))
  ) {
    last.end = e.end;
    return;
  }
  out.push(e);
}
