/**
 * What each byte origin means, defined once for the core, the CLI, the services and the UI.
 *
 * - content: the process's real bytes (its pages, shmem, a parent dump's pages, the file a mapping reads
 *   from rootfs-diff.tar, the rootfs or a ghost image) or a zero the kernel really had there (an
 *   untouched anonymous page). Search, strings and diff read only these; the hex views show them as bytes.
 * - not-dumped (vvar, vsyscall: CRIU never dumps them, the live process saw kernel data there) is NOT
 *   content: its bytes are unknown and shown as `--`, like every missing-* origin and `unmapped`.
 * - past-eof (file pages wholly past the end of the mapped file: SIGBUS in the live process) is not content
 *   either, and not missing: nothing was ever there.
 * - present: the memory the checkpoint itself holds as memory (pages, shmem, parent pages). File content
 *   it carries as files (rootfs-diff.tar, ghost images) is counted by origin only.
 * - missing: content the checkpoint should give and does not (parent, lazy, file or pages missing).
 */
import type { ByteOriginName } from './api/contract';

export const CONTENT_ORIGINS: ReadonlySet<ByteOriginName> = new Set<ByteOriginName>(['pages', 'shmem', 'parent', 'rootfs-diff', 'rootfs', 'ghost-file', 'zero']);

export const PRESENT_ORIGINS: ReadonlySet<ByteOriginName> = new Set<ByteOriginName>(['pages', 'shmem', 'parent']);

export const MISSING_ORIGINS: ReadonlySet<ByteOriginName> = new Set<ByteOriginName>(['missing-parent', 'missing-lazy', 'missing-file', 'missing-pages']);

export function isContentOrigin(origin: ByteOriginName): boolean {
  return CONTENT_ORIGINS.has(origin);
}

/** Byte counts of a run of extents (one VMA, one process): the numbers `kensa mem`, the memory map and reports show. */
export interface OriginCounts {
  /** Bytes of PRESENT_ORIGINS. */
  present: number;
  /** Bytes of MISSING_ORIGINS. */
  missing: number;
  byOrigin: Partial<Record<ByteOriginName, number>>;
}

export function emptyOriginCounts(): OriginCounts {
  return { present: 0, missing: 0, byOrigin: {} };
}

/** Adds extents ([start, end) with an origin, as AddressSpace.extents() gives them) to `into`. */
export function countOrigins(extents: Iterable<{ start: bigint; end: bigint; origin: ByteOriginName }>, into: OriginCounts = emptyOriginCounts()): OriginCounts {
  for (const e of extents) {
    const n = Number(e.end - e.start);
    into.byOrigin[e.origin] = (into.byOrigin[e.origin] ?? 0) + n;
    if (PRESENT_ORIGINS.has(e.origin)) into.present += n;
    else if (MISSING_ORIGINS.has(e.origin)) into.missing += n;
  }
  return into;
}
