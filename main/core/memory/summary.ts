/**
 * Memory sizes per process (`kensa mem ARCHIVE`), from the VMAs and from where each byte comes from.
 *
 * The categories split every mapped byte once: file-backed (private and shared file mappings), shared
 * (MAP_SHARED anonymous memory, memfd and SysV shm: objects in pagemap-shmem images), and private (the
 * rest: anonymous memory, heap, stacks, vdso, vvar). `present` is the memory the checkpoint itself holds (its
 * pages, shmem pages, parent pages), counted for every process that maps it; file pages it carries as files
 * (rootfs-diff.tar, the ghost image of a file deleted while mapped) are in `byOrigin` only.
 *
 * checkpointctl's memparse reports Σ nr_pages of every pagemap entry × the viewer's page size (parent
 * and lazy-only runs included, shmem never) and the size of MAP_SHARED VMAs (criu-format.md §5).
 */
import type { AddressSpace, ByteOrigin, ProcessMemorySource } from './address-space';
import { countOrigins } from '#shared/byte-origins';
import type { Vma } from './vma';

export interface MemorySizes {
  pid: number;
  comm: string;
  private: number;
  shared: number;
  fileBacked: number;
  total: number;
  present: number;
  /** Bytes whose content the checkpoint does not give (missing-* origins: lazy, parent, file, pages). */
  missing: number;
  /** Bytes by origin (AddressSpace.summary()). */
  byOrigin: Partial<Record<ByteOrigin, number>>;
}

export type MemoryCategory = 'private' | 'shared' | 'fileBacked';

export function categoryOf(vma: Vma): MemoryCategory {
  if (vma.kind === 'file-private' || vma.kind === 'file-shared') return 'fileBacked';
  if (vma.kind === 'anon-shared' || vma.kind === 'memfd' || vma.kind === 'sysv-shm' || vma.perms[3] === 's') return 'shared';
  return 'private';
}

/** Sizes of one address space. */
export function spaceSizes(space: AddressSpace, comm = ''): MemorySizes {
  const out: MemorySizes = { pid: space.pid, comm, private: 0, shared: 0, fileBacked: 0, total: 0, present: 0, missing: 0, byOrigin: {} };
  for (const vma of space.vmas) {
    if (vma.kind === 'guard') continue; // VMA_AREA_GUARD entries describe guard regions, not mappings
    const size = Number(vma.end - vma.start);
    out[categoryOf(vma)] += size;
    out.total += size;
    countOrigins(space.extents(vma.start, vma.end), out);
  }
  return out;
}

/** One row per process with memory (zombies have none), in pstree order. */
export function memorySummary(cp: ProcessMemorySource): MemorySizes[] {
  const out: MemorySizes[] = [];
  for (const p of cp.processList()) {
    const space = cp.addressSpace(p.pid);
    if (space) out.push(spaceSizes(space, p.comm));
  }
  return out;
}
