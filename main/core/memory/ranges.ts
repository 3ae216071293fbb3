/**
 * Contiguous ranges of a process's memory whose content is known, and reading them in chunks: what search,
 * strings and diff stream through. Built on AddressSpace.extents(), the one place that knows where bytes
 * come from.
 */
import { AddressSpace, type Extent } from './address-space';
import { isContentOrigin } from '#shared/byte-origins';
import { pushAll } from '#shared/arrays';


/** A run of consecutive addresses whose bytes are all known, with the extents that hold them (clipped). */
export interface ContentRange {
  start: bigint;
  end: bigint;
  extents: Extent[];
}

/** An address window to look at, [start, end). */
export interface Window {
  start: bigint;
  end: bigint;
}

/**
 * The known-content ranges inside `windows` (sorted, disjoint). Ranges continue across VMA, run and window
 * boundaries as long as the addresses are contiguous and every byte is known.
 */
export function contentRanges(space: AddressSpace, windows: Window[]): ContentRange[] {
  const extents: Extent[] = [];
  for (const w of windows) if (w.end > w.start) pushAll(extents, space.extents(w.start, w.end));
  return contiguousRuns(extents, (e) => isContentOrigin(e.origin));
}

/** Maximal runs of address-contiguous extents that `keep` accepts; a rejected extent ends a run. */
export function contiguousRuns(extents: Iterable<Extent>, keep: (e: Extent) => boolean): ContentRange[] {
  const out: ContentRange[] = [];
  let cur: ContentRange | undefined;
  for (const e of extents) {
    if (!keep(e)) {
      cur = undefined;
      continue;
    }
    if (cur && cur.end === e.start) {
      cur.extents.push(e);
      cur.end = e.end;
    } else {
      cur = { start: e.start, end: e.end, extents: [e] };
      out.push(cur);
    }
  }
  return out;
}

/**
 * True when the extent is content that is zero without reading anything: untouched anonymous memory, shmem
 * holes, the holes of a sparse ghost file and the zero tail of a file's last page.
 */
export function isPlainZero(e: Extent): boolean {
  return e.src === undefined && isContentOrigin(e.origin);
}

/** Index of the extent holding `addr` in an address-sorted, contiguous list (the last one if beyond). */
export function extentIndex(extents: Extent[], addr: bigint): number {
  let lo = 0;
  let hi = extents.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (extents[mid].end <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Fill `target[0, end - start)` with the bytes of [start, end) from `extents`, which must cover it. */
export function fillFromExtents(extents: Extent[], start: bigint, end: bigint, target: Buffer): void {
  let i = extentIndex(extents, start);
  let cur = start;
  while (cur < end && i < extents.length) {
    const e = extents[i];
    const stop = e.end < end ? e.end : end;
    AddressSpace.fill(e, target, Number(cur - start), cur, stop);
    cur = stop;
    i++;
  }
  if (cur < end) target.fill(0, Number(cur - start), Number(end - start));
}
