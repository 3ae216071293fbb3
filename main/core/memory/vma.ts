/**
 * VMAs of a process, classified once (criu-format.md §2.6: vma_entry fields and the `status` bits of
 * criu/include/image.h; CRIU's vma_entry_is() tests "all bits set").
 */
import type { FileEntry, MemfdInodeEntry, MmEntry } from '../criu/messages.generated';

/** vma_entry.status bits (criu/include/image.h). */
export const VMA = {
  AREA_REGULAR: 1 << 0,
  AREA_STACK: 1 << 1,
  AREA_VSYSCALL: 1 << 2,
  AREA_VDSO: 1 << 3,
  AREA_HEAP: 1 << 5,
  FILE_PRIVATE: 1 << 6,
  FILE_SHARED: 1 << 7,
  ANON_SHARED: 1 << 8,
  ANON_PRIVATE: 1 << 9,
  AREA_SYSVIPC: 1 << 10,
  AREA_SOCKET: 1 << 11,
  AREA_VVAR: 1 << 12,
  AREA_AIORING: 1 << 13,
  AREA_MEMFD: 1 << 14,
  AREA_SHSTK: 1 << 15,
  AREA_GUARD: 1 << 16,
  AREA_UPROBES: 1 << 17,
  EXT_PLUGIN: 1 << 27,
} as const;

/** mmap flags (vma_entry.flags) and protections (vma_entry.prot), from <sys/mman.h>. */
export const MAP_SHARED = 0x1;
export const MAP_GROWSDOWN = 0x100;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
/** vma_entry.madv bit n = MADV_n; MADV_DONTDUMP = 16. */
export const MADV_DONTDUMP_BIT = 1n << 16n;

export type VmaKind =
  | 'file-private'
  | 'file-shared'
  | 'anon-private'
  | 'anon-shared'
  | 'memfd'
  | 'sysv-shm'
  | 'heap'
  | 'stack'
  | 'vdso'
  | 'vvar'
  | 'vsyscall'
  | 'aio-ring'
  | 'guard'
  | 'uprobes'
  | 'socket'
  | 'other';

export interface Vma {
  index: number;
  start: bigint;
  end: bigint;
  /** File offset in bytes (vma.pgoff is bytes in CRIU images, not pages). */
  pgoff: bigint;
  shmid: bigint;
  prot: number;
  flags: number;
  status: number;
  madv: bigint;
  kind: VmaKind;
  /** `r-xp` as /proc/PID/maps writes it. */
  perms: string;
  /** What /proc/PID/maps shows in its last column: a path, `[heap]`, `/memfd:x (deleted)`, ... */
  name: string;
  /** For file-backed VMAs: the path inside the container and its files.img entry id. */
  file?: { path: string; fileId: number; size?: bigint; deleted?: boolean; buildId?: string };
  /** For shared memory: the shmem object whose pagemap-shmem-<id>.img holds the pages. */
  shmemId?: number;
  /** True when the kernel's coredump would leave its contents out (MADV_DONTDUMP, vvar, guard, uprobes). */
  notDumped: boolean;
}

/** Shared memory: MAP_SHARED (`s` in the permissions), shared anonymous memory, memfd, SysV shm, shared file mappings. */
export function isSharedMapping(vma: Vma): boolean {
  return vma.perms[3] === 's' || vma.kind === 'anon-shared' || vma.kind === 'memfd' || vma.kind === 'sysv-shm' || vma.kind === 'file-shared';
}

/** The process could read it (PROT_READ: `r` in the permissions). */
export function isReadableMapping(vma: Vma): boolean {
  return (vma.prot & PROT_READ) !== 0;
}

/** A mapping of a file (private or shared; memfd and SysV shm are shared memory, not files). */
export function isFileMapping(vma: Vma): boolean {
  return vma.kind === 'file-private' || vma.kind === 'file-shared';
}

export function has(status: number, bits: number): boolean {
  return (status & bits) === bits;
}

export function permsOf(prot: number, flags: number): string {
  return (prot & PROT_READ ? 'r' : '-') + (prot & PROT_WRITE ? 'w' : '-') + (prot & PROT_EXEC ? 'x' : '-') + (flags & MAP_SHARED ? 's' : 'p');
}

export interface FileLookup {
  /** files.img entry by id. */
  file(id: number): FileEntry | undefined;
  /** memfd.img entry by inode id. */
  memfdInode(inodeId: number): MemfdInodeEntry | undefined;
  /** Path of a deleted file's content when a ghost image holds it (remap-fpath). */
  isDeleted?(fileId: number): boolean;
}

function classify(status: number, flags: number, start: bigint, mmStartStack: bigint | undefined, end: bigint): VmaKind {
  if (has(status, VMA.AREA_GUARD)) return 'guard';
  if (has(status, VMA.AREA_UPROBES)) return 'uprobes';
  if (has(status, VMA.AREA_VSYSCALL)) return 'vsyscall';
  if (has(status, VMA.AREA_VVAR)) return 'vvar';
  if (has(status, VMA.AREA_VDSO)) return 'vdso';
  if (has(status, VMA.AREA_AIORING)) return 'aio-ring';
  if (has(status, VMA.AREA_SOCKET)) return 'socket';
  if (has(status, VMA.AREA_HEAP)) return 'heap';
  if (has(status, VMA.AREA_MEMFD)) return 'memfd';
  if (has(status, VMA.AREA_SYSVIPC)) return 'sysv-shm';
  if (has(status, VMA.ANON_SHARED)) return 'anon-shared';
  if (has(status, VMA.FILE_SHARED)) return 'file-shared';
  if (has(status, VMA.FILE_PRIVATE)) return 'file-private';
  if (has(status, VMA.ANON_PRIVATE)) {
    if (has(status, VMA.AREA_STACK) || flags & MAP_GROWSDOWN || (mmStartStack !== undefined && start <= mmStartStack && mmStartStack < end)) return 'stack';
    return 'anon-private';
  }
  return 'other';
}

/** The in-kernel name gdb and /proc show for memfd and shared anonymous memory. */
function memfdName(name: string): string {
  // A MAP_SHARED|MAP_ANONYMOUS region is dumped "via memfd" named /dev/zero (criu-format.md §1.4).
  return name === '/dev/zero' ? '/dev/zero (deleted)' : `/memfd:${name} (deleted)`;
}

function buildIdHex(words: unknown): string | undefined {
  if (!Array.isArray(words) || words.length === 0) return undefined;
  // reg_file_entry.build_id: the GNU build-id as little-endian u32 words (criu-format.md §2.7).
  const b = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => b.writeUInt32LE(Number(w) >>> 0, i * 4));
  return b.toString('hex');
}

export function buildVmas(mm: MmEntry, files: FileLookup, onProblem?: (message: string) => void): Vma[] {
  const raw = Array.isArray(mm.vmas) ? mm.vmas : [];
  const startStack = typeof mm.mm_start_stack === 'bigint' ? mm.mm_start_stack : undefined;
  const out: Vma[] = [];
  raw.forEach((v, index) => {
    const start = BigInt(v.start ?? 0);
    const end = BigInt(v.end ?? 0);
    const status = Number(v.status ?? 0) >>> 0;
    const flags = Number(v.flags ?? 0) >>> 0;
    const prot = Number(v.prot ?? 0) >>> 0;
    const madv = BigInt(v.madv ?? 0);
    const shmid = BigInt(v.shmid ?? 0);
    const kind = classify(status, flags, start, startStack, end);
    const vma: Vma = {
      index,
      start,
      end,
      pgoff: BigInt(v.pgoff ?? 0),
      shmid,
      prot,
      flags,
      status,
      madv,
      kind,
      perms: permsOf(prot, flags),
      name: '',
      notDumped: kind === 'vvar' || kind === 'guard' || kind === 'uprobes' || (madv & MADV_DONTDUMP_BIT) !== 0n,
    };
    if (kind === 'heap') vma.name = '[heap]';
    else if (kind === 'stack') vma.name = '[stack]';
    else if (kind === 'vdso') vma.name = '[vdso]';
    else if (kind === 'vvar') vma.name = '[vvar]';
    else if (kind === 'vsyscall') vma.name = '[vsyscall]';
    else if (kind === 'uprobes') vma.name = '[uprobes]';
    else if (kind === 'memfd') {
      const f = files.file(Number(shmid));
      const inode = f?.memfd ? files.memfdInode(Number(f.memfd.inode_id)) : undefined;
      if (inode) {
        vma.name = memfdName(String(inode.name ?? ''));
        vma.shmemId = Number(inode.shmid);
        vma.file = { path: vma.name, fileId: Number(shmid), size: inode.size !== undefined ? BigInt(inode.size) : undefined, deleted: true };
      } else {
        vma.name = `/memfd:? (file id ${shmid})`;
      }
    } else if (kind === 'anon-shared' || kind === 'sysv-shm') {
      // Old-style shared anonymous memory and SysV segments name their shmem object directly.
      vma.shmemId = Number(shmid);
      vma.name = kind === 'sysv-shm' ? `/SYSV${shmid.toString(16).padStart(8, '0')} (deleted)` : '/dev/zero (deleted)';
    } else if (kind === 'file-private' || kind === 'file-shared') {
      const f = files.file(Number(shmid));
      const reg = f?.reg;
      if (reg) {
        const deleted = files.isDeleted?.(Number(shmid)) ?? false;
        vma.file = { path: String(reg.name ?? ''), fileId: Number(shmid), size: reg.size !== undefined ? BigInt(reg.size) : undefined, deleted, buildId: buildIdHex(reg.build_id) };
        vma.name = vma.file.path + (deleted ? ' (deleted)' : '');
      } else {
        vma.name = `? (file id ${shmid})`;
      }
    }
    out.push(vma);
  });
  out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  // The kernel's VMAs are non-empty and disjoint; a crafted mm image may say otherwise. Keep the first of
  // overlapping areas and drop empty ones, and say so, so every reader can rely on a sorted disjoint list.
  const valid: Vma[] = [];
  for (const v of out) {
    const prev = valid[valid.length - 1];
    if (v.end <= v.start) onProblem?.(`VMA ${v.index} is empty or inverted (${v.start.toString(16)}-${v.end.toString(16)}); ignored`);
    else if (v.end > 1n << 64n) onProblem?.(`VMA ${v.index} ends past the 64-bit address space; ignored`);
    else if (prev && v.start < prev.end) onProblem?.(`VMA ${v.index} (${v.start.toString(16)}-${v.end.toString(16)}) overlaps VMA ${prev.index}; ignored`);
    else valid.push(v);
  }
  return valid;
}
