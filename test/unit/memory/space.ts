/**
 * Synthetic address spaces for unit tests: VMAs and pagemap runs laid out by hand over a BufferSource, so
 * that page, run, VMA and chunk boundaries fall exactly where a test wants them.
 */
import { AddressSpace } from '../../../main/core/memory/address-space';
import { PE_LAZY, PE_PRESENT, type PageRun } from '../../../main/core/memory/pagemap';
import { BufferSource } from '../../../main/core/io/byte-source';
import { permsOf, type Vma, type VmaKind } from '../../../main/core/memory/vma';

export const PAGE = 4096;

export function vma(start: bigint, end: bigint, opts: { kind?: VmaKind; prot?: number; shared?: boolean; name?: string } = {}): Vma {
  const prot = opts.prot ?? 3;
  const flags = (opts.shared ? 0x1 : 0x2) | 0x20;
  const kind = opts.kind ?? 'anon-private';
  return {
    index: 0,
    start,
    end,
    pgoff: 0n,
    shmid: 0n,
    prot,
    flags,
    status: 0x201,
    madv: 0n,
    kind,
    perms: permsOf(prot, flags),
    name: opts.name ?? (kind === 'heap' ? '[heap]' : kind === 'stack' ? '[stack]' : ''),
    notDumped: false,
  };
}

export interface RunSpec {
  start: bigint;
  /** Bytes of a present run (a whole number of pages). */
  data?: Buffer;
  /** Pages of a run without data (lazy-only by default). */
  pages?: number;
  flags?: number;
}

/**
 * An address space over `vmas` whose pagemap has `runs`. Present runs' bytes are stored in the pages
 * file in the order given (not necessarily address order), so neighbouring runs are not contiguous there.
 */
export function makeSpace(vmas: Vma[], runs: RunSpec[], pid = 1): AddressSpace {
  const blobs: Buffer[] = [];
  let offset = 0;
  const pageRuns: PageRun[] = runs.map((r, i) => {
    const flags = r.flags ?? (r.data ? PE_PRESENT : PE_LAZY);
    const len = r.data ? r.data.length : (r.pages ?? 1) * PAGE;
    if (len % PAGE) throw new Error('runs are whole pages');
    const run: PageRun = { start: r.start, end: r.start + BigInt(len), flags, pagesOffset: flags & PE_PRESENT ? offset : -1, entryIndex: i + 1 };
    if (flags & PE_PRESENT) {
      blobs.push(r.data!);
      offset += len;
    }
    return run;
  });
  pageRuns.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const sorted = [...vmas].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  sorted.forEach((v, i) => (v.index = i));
  return new AddressSpace({
    pid,
    pageSize: PAGE,
    vmas: sorted,
    pagemap: { pagesId: 1, runs: pageRuns, presentBytes: offset, problems: [] },
    pages: new BufferSource(Buffer.concat(blobs)),
    pagesMember: 'pages-1.img',
    shmem: () => undefined,
  });
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function randomBytes(n: number, seed = 0x9e3779b9): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}
