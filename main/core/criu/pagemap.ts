/**
 * Pagemap entries across CRIU versions (docs/criu-format.md §1.4).
 *
 * CRIU ≤ 4.1 wrote the page count in field 2 (then `nr_pages`, u32) and may lack `flags`; CRIU 4.2 writes
 * field 2 (`compat_nr_pages`) as 0 and the count in field 5 (`nr_pages`, u64). Decoded messages show the wire
 * as it is; these helpers give the meaning, the way CRIU's own reader does (init_compat_pagemap_entry).
 */
import { FormatError } from '../errors.js';
import type { DecodedImage } from './image.js';
import type { PagemapEntry, PagemapHead } from './messages.generated.js';

/** pagemap_entry.flags bits (images/pagemap.proto, §1.4). */
export const PE_PARENT = 1 << 0; // pages are in the parent image
export const PE_LAZY = 1 << 1; // pages may be restored lazily
export const PE_PRESENT = 1 << 2; // pages are in pages-<pages_id>.img

/** A pagemap entry with the version differences resolved. */
export interface PagemapRun {
  vaddr: bigint;
  nrPages: bigint;
  flags: number;
}

/**
 * CRIU's reading of a pagemap_entry: `in_parent` (legacy) → PE_PARENT added; otherwise no `flags` at all →
 * PE_PRESENT; no field 5 → the count is field 2.
 */
export function normalizePagemapEntry(e: PagemapEntry): PagemapRun {
  let flags = e.flags ?? 0;
  if (e.in_parent === true) flags |= PE_PARENT;
  else if (e.flags === undefined) flags = PE_PRESENT;
  const nrPages = e.nr_pages ?? BigInt(e.compat_nr_pages ?? 0);
  return { vaddr: e.vaddr ?? 0n, nrPages, flags };
}

/** The head and normalised runs of a decoded PAGEMAP image (pagemap-<pid>.img or pagemap-shmem-<id>.img). */
export function pagemapRuns(img: DecodedImage): { pagesId: number | undefined; runs: PagemapRun[] } {
  if (img.kind !== 'entries' || img.magicName !== 'PAGEMAP') {
    throw new FormatError(`not a pagemap image (${img.magicName})`, {
      ...(img.source !== undefined ? { source: img.source } : {}),
      ...(img.member !== undefined ? { member: img.member } : {}),
    });
  }
  const head = img.entries[0] as PagemapHead | undefined;
  const runs: PagemapRun[] = [];
  for (let i = 1; i < img.entries.length; i++) runs.push(normalizePagemapEntry(img.entries[i] as PagemapEntry));
  return { pagesId: head?.pages_id, runs };
}
