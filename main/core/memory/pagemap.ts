/**
 * pagemap-<id>.img as a sorted table of runs, each pointing into its pages file.
 *
 * criu-format.md §1.4: the first entry is pagemap_head {pages_id}; the pages file is pages-<pages_id>.img
 * (never derived from the pid). A run's data sits at the sum of nr_pages × page size of the EARLIER runs
 * flagged PE_PRESENT, whatever their other flags; PE_PARENT-only and PE_LAZY-only runs take no space.
 * Normalisation as CRIU's init_compat_pagemap_entry: in_parent -> PE_PARENT; no flags -> PE_PRESENT;
 * nr_pages (field 5, CRIU >= 4.2) else compat_nr_pages (field 2, CRIU <= 4.1).
 */
import type { PagemapEntry, PagemapHead } from '../criu/messages.generated';
import { FormatError } from '../errors';
import { normalizePagemapEntry, PE_LAZY, PE_PARENT, PE_PRESENT } from '../criu';

export { PE_LAZY, PE_PARENT, PE_PRESENT };

export interface PageRun {
  /** Address (task pagemaps) or byte offset in the shmem object (pagemap-shmem). */
  start: bigint;
  end: bigint;
  flags: number;
  /** Byte offset of the run's first page in the pages file (present runs only). */
  pagesOffset: number;
  /** Index of the pagemap entry (1-based like crit's entries list, 0 is the head). */
  entryIndex: number;
  /** Set when the run is flagged present but the pages file ends before its data (a cut or forged image). */
  beyondPagesFile?: boolean;
}

export interface PageMap {
  pagesId: number;
  runs: PageRun[];
  /** Bytes of the pages file the present runs account for. */
  presentBytes: number;
  /** What did not add up (runs past the end of the pages file); the rest of the map is still usable. */
  problems: string[];
}

/** A pagemap image's entries: the head (pages_id), then one entry per run. */
export type PagemapImageEntries = readonly (PagemapHead | PagemapEntry)[];

export function parsePagemap(entries: PagemapImageEntries, pageSize: number, where: { source?: string; member?: string }, pagesFileSize?: number): PageMap {
  const head = entries[0] as PagemapHead | undefined;
  if (head?.pages_id === undefined) {
    throw new FormatError('expected a pagemap_head with pages_id as the first entry', where);
  }
  const pagesId = Number(head.pages_id);
  const ps = BigInt(pageSize);
  const runs: PageRun[] = [];
  const problems: string[] = [];
  let offset = 0;
  for (let i = 1; i < entries.length; i++) {
    const { vaddr: start, nrPages: nr, flags } = normalizePagemapEntry(entries[i] as PagemapEntry);
    const len = nr * ps;
    const end = start + len;
    if (end > 0xffff_ffff_ffff_ffffn) throw new FormatError(`pagemap entry ${i} runs past the end of the 64-bit address space`, where);
    const run: PageRun = { start, end, flags, pagesOffset: flags & PE_PRESENT ? offset : -1, entryIndex: i };
    if (flags & PE_PRESENT) {
      const next = BigInt(offset) + len;
      if (next > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`pagemap entry ${i} claims an impossible page count ${nr}`, where);
      if (pagesFileSize !== undefined && next > BigInt(pagesFileSize)) {
        // Keep the runs that are there; this one and later present runs read as missing, and say so.
        if (!problems.length) problems.push(`pagemap entry ${i} claims ${nr} pages at offset ${offset} of pages-${pagesId}.img, which holds only ${pagesFileSize} bytes; pages from there on are missing`);
        run.beyondPagesFile = true;
      }
      offset = Number(next);
    }
    if (len > 0n) runs.push(run);
  }
  // CRIU writes runs sorted and disjoint; sort anyway so a crafted image cannot break the binary search.
  runs.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let i = 1; i < runs.length; i++) {
    if (runs[i].start < runs[i - 1].end) throw new FormatError(`pagemap entries ${runs[i - 1].entryIndex} and ${runs[i].entryIndex} overlap`, where);
  }
  return { pagesId, runs, presentBytes: offset, problems };
}

/** Index of the first run whose end is above `addr` (runs.length if none). */
export function findRun(runs: PageRun[], addr: bigint): number {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (runs[mid].end <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
