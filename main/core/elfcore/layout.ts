/**
 * The layout of one process's core, planned completely before a byte is written: every note with its size,
 * every PT_LOAD with its address, sizes and file offset, and how many bytes each content source supplies.
 * The writer (write-core.ts) then streams exactly this plan, so p_filesz is by construction the number of
 * bytes written for each segment.
 *
 * File layout as Linux's elf_core_dump (criu-format.md §3.3): ELF header, program headers (PT_NOTE first,
 * then one or more PT_LOAD per VMA in address order), the notes, padding to a page boundary, segment data back
 * to back (a segment without file data takes the current offset), and for more than 65534 program headers the
 * PN_XNUM section header at the end.
 *
 * Note order (write_note_info): first thread NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE, then its
 * register notes; each further thread NT_PRSTATUS and its register notes; then x86's NT_X86_XSAVE_LAYOUT
 * (elf_coredump_extra_notes_write). The first NT_PRSTATUS is the thread gdb selects: the thread-group leader.
 *
 * Contents per VMA (the kernel's vma_dump_size, with CRIU's images as the memory):
 * - [vvar], [vsyscall], [uprobes]: special mappings are dumped whole by the kernel and read as zeros here too;
 * - VMA_AREA_GUARD entries are not mappings at all: no segment;
 * - MADV_DONTDUMP: no file data (kernel: VM_DONTDUMP -> 0);
 * - a PROT_NONE anonymous VMA with no page in the images was never touched (no anon_vma): no file data;
 * - everything else byte for byte from the AddressSpace: private pages, shared memory, parent images,
 *   rootfs-diff.tar, the image rootfs, zeros for untouched anonymous memory. Bytes found nowhere
 *   (missing-*) are left out of the file, splitting the VMA into several PT_LOADs, and reported;
 * - file pages wholly past the end of the mapped file (past-eof) are left out without a report, and long runs
 *   of untouched zero get no file data (SPARSE_ZERO_RUN): a core's cost follows the pages the checkpoint holds,
 *   not the sizes its mappings claim.
 */
import type { Checkpoint, ThreadRecord } from '../model/checkpoint';
import type { Msg } from '../model/images';
import type { TaskCoreEntry } from '../criu/messages.generated';
import { AddressSpace, type ByteOrigin, type Extent } from '../memory/address-space';
import { isContentOrigin } from '#shared/byte-origins';
import type { Vma } from '../memory/vma';
import { isPlainZero } from '../memory/ranges';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../memory/vma';
import { FormatError, KensaError } from '../errors';
import { EHDR_SIZE, NT, OWNER_CORE, PF_R, PF_W, PF_X, PHDR_SIZE, PN_XNUM, SHDR_SIZE, noteSize } from './elf';
import { buildAuxv, buildNtFile, note, ntFileSize, PRSTATUS_REG_OFFSET, prpsinfoNote, SIGINFO_SIZE, writePrstatusCommon, type FileMapping, type NoteSpec } from './notes';
import type { ArchLayout } from './arch';
import { X86_64 } from './arch-x86_64';
import { AARCH64 } from './arch-aarch64';
import { pushAll } from '#shared/arrays';

/** core_entry.march values Kensa writes cores for (criu-format.md §2.3). */
const ARCHES: Record<number, ArchLayout> = { 1: X86_64, 3: AARCH64 };
const MARCH_NAMES: Record<number, string> = { 0: 'UNKNOWN', 1: 'X86_64', 2: 'ARM', 3: 'AARCH64', 4: 'PPC64', 5: 'S390', 6: 'MIPS', 7: 'LOONGARCH64', 8: 'RISCV64' };

/**
 * Address range planned per extents() call at first, so planning memory does not grow with the size of a VMA;
 * a window that comes back nearly empty doubles the next one, so a sparse 64 TiB reservation takes a few dozen
 * calls instead of 262,144.
 */
const PLAN_WINDOW = 256n << 20n;
const SPARSE_WINDOW_EXTENTS = 4;

/**
 * Untouched memory (zero with nothing in the checkpoint: anonymous pages never written, shmem and ghost-file
 * holes; ranges.ts isPlainZero) gets no
 * file data when a run of it is at least this long: the PT_LOAD ends its p_filesz before the run (ELF allows
 * p_filesz < p_memsz; gdb reads zeros there, "core file sections with no contents"), and data after it starts
 * a new PT_LOAD. 16 MiB is above a default 8 MiB thread stack, so ordinary processes keep the kernel's
 * layout (zeros written as file holes, p_filesz = the whole VMA) and a 16 GiB ASan shadow or JVM heap
 * reservation costs nothing to write or hash.
 */
export const SPARSE_ZERO_RUN = 16n << 20n;
/**
 * Shorter zero runs are written (as holes, but hashed) only up to this many bytes per core; past it every
 * zero run gets no file data, so a crafted map of 200k just-short runs cannot make the hash cost grow with
 * the claimed size either. Far above the fixtures' few tens of MiB.
 */
export const ZERO_FILE_BUDGET = 256n << 20n;

export interface SegmentPlan {
  vaddr: bigint;
  memsz: bigint;
  filesz: bigint;
  flags: number;
  offset: bigint;
}

export interface MissingRange {
  start: bigint;
  end: bigint;
  reason: string;
  file?: string;
}

/** Left-out content that is not missing from the evidence but omitted on purpose, as the kernel omits it. */
export type OmittedReason = 'dontdump' | 'prot-none';

export interface CorePlan {
  pid: number;
  arch: ArchLayout;
  pageSize: number;
  /** Thread ids (as inside the container) in note order: the leader first. */
  threads: number[];
  notes: NoteSpec[];
  notesOffset: number;
  notesSize: number;
  dataOffset: bigint;
  segments: SegmentPlan[];
  /** Offset of the PN_XNUM section header, 0n when there is none. */
  shoff: bigint;
  fileSize: bigint;
  /** Bytes of the process's mappings by where they came from (written) or why they are not in the file. */
  bytes: Map<ByteOrigin | OmittedReason, bigint>;
  missing: MissingRange[];
  space: AddressSpace;
}

/** Why a missing origin has no bytes: said once per range in `kensa core --json`. */
const MISSING_REASONS: Partial<Record<ByteOrigin, string>> = {
  'missing-file': 'file-backed page not in the checkpoint, rootfs-diff.tar or the rootfs',
  'missing-pages': 'page listed in the pagemap but its pages file is missing or cut short',
  'missing-parent': 'page is in the parent (pre-dump) images, which are not available',
  'missing-lazy': 'page was left for lazy restore and is not in the checkpoint',
  unmapped: 'no mapping',
};

/**
 * Bytes the core file holds: content, and vvar/vsyscall (not-dumped) as zeros so gdb can map the segment
 * (their real bytes are kernel data the checkpoint never had; everything else missing is left out).
 */
export function isWrittenOrigin(o: ByteOrigin): boolean {
  return isContentOrigin(o) || o === 'not-dumped';
}

function pflags(prot: number): number {
  return (prot & PROT_READ ? PF_R : 0) | (prot & PROT_WRITE ? PF_W : 0) | (prot & PROT_EXEC ? PF_X : 0);
}

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0;
}

/** The architecture of a process's threads, from core_entry.mtype (all threads must agree). */
export function archOf(cp: Checkpoint, threads: ThreadRecord[]): ArchLayout {
  const mtypes = new Set(threads.map((t) => t.machine));
  if (mtypes.size !== 1) throw new FormatError(`threads disagree on the machine type (${[...mtypes].map((m) => MARCH_NAMES[m] ?? m).join(', ')})`, { source: cp.source });
  const m = [...mtypes][0];
  const arch = ARCHES[m];
  if (!arch) throw new KensaError('usage', `cores for ${MARCH_NAMES[m] ?? `machine ${m}`} tasks are not supported yet (x86_64 and aarch64 are)`, { source: cp.source });
  return arch;
}

/**
 * The threads in the order their NT_PRSTATUS notes are written: the leader first (the kernel's coredump
 * puts the dumping thread first), then the others as the checkpoint lists them. gdb numbers a core's
 * threads in note order, so `thread N` selects the Nth of this list.
 */
export function coreThreadOrder<T extends { tid: number }>(threads: readonly T[], pid: number): T[] {
  return [...threads.filter((t) => t.tid === pid), ...threads.filter((t) => t.tid !== pid)];
}

export function planCore(cp: Checkpoint, pid: number): CorePlan {
  const proc = cp.process(pid);
  if (!proc) throw new KensaError('usage', `no process ${pid} in this checkpoint`, { source: cp.source });
  const space = cp.addressSpace(pid);
  if (!space) throw new KensaError('missing', `process ${pid} (${proc.comm}) has no memory images (a zombie or dead task): no core to write`, { source: cp.source, member: cp.archive.imageMember(`mm-${pid}.img`) });
  const all = cp.threads(pid);
  if (all.length === 0) throw new KensaError('missing', `process ${pid} has no core-<tid>.img with registers`, { source: cp.source, member: cp.archive.imageMember(`core-${pid}.img`) });
  // One problem for all the threads without a core image (a crafted pstree may list a million tids).
  const have = new Set(all.map((t) => t.tid));
  const lacking = proc.tids.filter((tid) => !have.has(tid));
  if (lacking.length === 1) cp.images.note(cp.archive.imageMember(`core-${lacking[0]}.img`), `thread ${lacking[0]} of pid ${pid} has no core image: it is not in the core`);
  else if (lacking.length > 1) {
    const shown = lacking.slice(0, 8).join(', ');
    cp.images.note(cp.archive.imageMember(`core-${lacking[0]}.img`), `${lacking.length} threads of pid ${pid} have no core image (${shown}${lacking.length > 8 ? ', ...' : ''}): they are not in the core`);
  }
  const threads = coreThreadOrder(all, pid);
  const arch = archOf(cp, threads);
  const pageSize = space.pageSize;
  const leader = threads[0];
  const mm = cp.mm(pid) ?? {};
  const tc: TaskCoreEntry = leader.task ?? {};

  // Process-wide notes.
  const maps = fileMappings(space.vmas);
  const auxv = cp.auxv(pid);
  const stateCode = num(tc.task_state);
  const prpsinfo = prpsinfoNote(() => ({
    // CRIU's task states (1 alive, 3 stopped) as "RSDTZW" indices; an alive task blocked in a system call sleeps.
    state: stateCode === 3 ? 3 : leader.syscall !== undefined ? 1 : 0,
    nice: leader.schedNice ?? 0,
    flag: BigInt(tc.flags ?? 0),
    uid: leader.creds?.uid ?? cp.creds(pid)?.uid ?? 0,
    gid: leader.creds?.gid ?? cp.creds(pid)?.gid ?? 0,
    pid,
    ppid: proc.ppid,
    pgrp: proc.pgid,
    sid: proc.sid,
    comm: String(tc.comm ?? proc.comm),
    args: argsPrefix(space, mm),
  }));
  const notes: NoteSpec[] = [];
  threads.forEach((t, i) => {
    const where = { source: cp.source, member: cp.archive.imageMember(`core-${t.tid}.img`) };
    const regs = arch.thread(t.registers, where);
    // A thread's own mask (thread_core.blk_sigset), else the task's (task_core_entry, leader only; old dumps).
    const sighold = t.blockedSignals ?? 0n;
    notes.push(
      note(OWNER_CORE, NT.PRSTATUS, arch.prstatusSize, () => {
        const b = Buffer.alloc(arch.prstatusSize);
        writePrstatusCommon(b, { sigpend: t.pendingSignals, sighold, pid: t.tid, ppid: proc.ppid, pgrp: proc.pgid, sid: proc.sid });
        regs.prReg.copy(b, PRSTATUS_REG_OFFSET);
        b.writeInt32LE(regs.fpValid ? 1 : 0, arch.fpvalidOffset);
        return b;
      }),
    );
    if (i === 0) {
      notes.push(prpsinfo);
      notes.push(note(OWNER_CORE, NT.SIGINFO, SIGINFO_SIZE, () => Buffer.alloc(SIGINFO_SIZE)));
      notes.push(note(OWNER_CORE, NT.AUXV, (auxv.length + 1) * 16, () => buildAuxv(auxv)));
      if (maps.length) notes.push(note(OWNER_CORE, NT.FILE, ntFileSize(maps), () => buildNtFile(maps, pageSize)));
    }
    pushAll(notes, regs.notes);
  });
  pushAll(notes, arch.trailingNotes(leader.registers));

  // PT_LOAD segments.
  const bytes = new Map<ByteOrigin | OmittedReason, bigint>();
  const missing: MissingRange[] = [];
  const segments: SegmentPlan[] = [];
  const zeros = { budget: ZERO_FILE_BUDGET };
  for (const vma of space.vmas) {
    if (vma.end <= vma.start) {
      // A crafted or damaged vma_entry: nothing is mapped there; say so rather than write a negative size.
      cp.images.note(cp.archive.imageMember(`mm-${pid}.img`), `VMA ${vma.index} ends (0x${vma.end.toString(16)}) before it starts (0x${vma.start.toString(16)}); left out of the core`);
      continue;
    }
    planVma(space, vma, segments, bytes, missing, zeros);
  }

  const phnum = 1 + segments.length;
  const notesOffset = EHDR_SIZE + PHDR_SIZE * phnum;
  const notesSize = notes.reduce((n, s) => n + noteSize(s.owner, s.size), 0);
  const ps = BigInt(pageSize);
  const dataOffset = ((BigInt(notesOffset + notesSize) + ps - 1n) / ps) * ps;
  let offset = dataOffset;
  for (const s of segments) {
    s.offset = offset;
    offset += s.filesz;
  }
  const shoff = phnum >= PN_XNUM ? offset : 0n;
  const fileSize = shoff ? shoff + BigInt(SHDR_SIZE) : offset;
  return { pid, arch, pageSize, threads: threads.map((t) => t.tid), notes, notesOffset, notesSize, dataOffset, segments, shoff, fileSize, bytes, missing, space };
}

/** NT_FILE entries: every mapping backed by a file object, with the name the kernel's d_path gives it. */
export function fileMappings(vmas: Vma[]): FileMapping[] {
  const out: FileMapping[] = [];
  for (const v of vmas) {
    // Shared memory objects are files to the kernel (shmem): memfd, MAP_SHARED|MAP_ANONYMOUS, SysV segments.
    const backed = v.file !== undefined || v.kind === 'memfd' || v.kind === 'anon-shared' || v.kind === 'sysv-shm';
    if (!backed || !v.name) continue;
    // A NUL inside a name would end it early and shift every later name: show it as the kernel shows odd bytes.
    out.push({ start: v.start, end: v.end, offset: v.pgoff, name: v.name.replace(/\0/g, '\\000') });
  }
  return out;
}

/** The start of the argument area (at most ELF_PRARGSZ - 1 bytes), read from the process's memory. */
function argsPrefix(space: AddressSpace, mm: Msg): Buffer {
  if (mm.mm_arg_start === undefined || mm.mm_arg_end === undefined) return Buffer.alloc(0);
  const start = BigInt(mm.mm_arg_start);
  const end = BigInt(mm.mm_arg_end);
  if (end <= start) return Buffer.alloc(0);
  const len = Number(end - start > 79n ? 79n : end - start);
  return space.read(start, len).data;
}

function add(bytes: Map<ByteOrigin | OmittedReason, bigint>, key: ByteOrigin | OmittedReason, n: bigint): void {
  bytes.set(key, (bytes.get(key) ?? 0n) + n);
}

/** A deleted file's pages come only from its ghost image: --rootfs cannot give them (its path may name another file). */
export const MISSING_DELETED_FILE = 'page of a file deleted while mapped, not in a ghost image of the checkpoint';

function addMissing(missing: MissingRange[], e: Extent): void {
  const reason = e.origin === 'missing-file' && e.vma?.file?.deleted ? MISSING_DELETED_FILE : MISSING_REASONS[e.origin] ?? e.origin;
  const file = e.origin === 'missing-file' ? e.vma?.file?.path : undefined;
  const last = missing[missing.length - 1];
  if (last && last.end === e.start && last.reason === reason && last.file === file) {
    last.end = e.end;
    return;
  }
  const r: MissingRange = { start: e.start, end: e.end, reason };
  if (file !== undefined) r.file = file;
  missing.push(r);
}

function planVma(
  space: AddressSpace,
  vma: Vma,
  segments: SegmentPlan[],
  bytes: Map<ByteOrigin | OmittedReason, bigint>,
  missing: MissingRange[],
  zeros: { budget: bigint },
): void {
  if (vma.kind === 'guard') return; // CRIU's description of MADV_GUARD ranges, not a mapping
  const flags = pflags(vma.prot);
  const whole = (): SegmentPlan => ({ vaddr: vma.start, memsz: vma.end - vma.start, filesz: 0n, flags, offset: 0n });
  const special = vma.kind === 'vvar' || vma.kind === 'vsyscall' || vma.kind === 'uprobes';
  if (!special && (vma.madv & (1n << 16n)) !== 0n) {
    segments.push(whole());
    add(bytes, 'dontdump', vma.end - vma.start);
    return;
  }
  const local: SegmentPlan[] = [];
  const localBytes = new Map<ByteOrigin | OmittedReason, bigint>();
  const localMissing: MissingRange[] = [];
  let cur: SegmentPlan | undefined;
  const data = (start: bigint, len: bigint): void => {
    // Data may only follow data inside one segment: after a hole, a new PT_LOAD starts.
    if (!cur || cur.memsz > cur.filesz) {
      cur = { vaddr: start, memsz: 0n, filesz: 0n, flags, offset: 0n };
      local.push(cur);
    }
    cur.filesz += len;
    cur.memsz += len;
  };
  const hole = (start: bigint, len: bigint): void => {
    if (!cur) {
      cur = { vaddr: start, memsz: 0n, filesz: 0n, flags, offset: 0n };
      local.push(cur);
    }
    cur.memsz += len;
  };
  // A run of untouched zero is decided whole (it may span planning windows): file holes, or no file data.
  let zeroStart = 0n;
  let zeroLen = 0n;
  const flushZeros = (): void => {
    if (zeroLen === 0n) return;
    if (zeroLen >= SPARSE_ZERO_RUN || zeroLen > zeros.budget) hole(zeroStart, zeroLen);
    else {
      zeros.budget -= zeroLen;
      data(zeroStart, zeroLen);
    }
    zeroLen = 0n;
  };
  let window = PLAN_WINDOW;
  for (let w = vma.start; w < vma.end; ) {
    const wEnd = vma.end - w > window ? w + window : vma.end;
    const extents = space.extents(w, wEnd);
    for (const e of extents) {
      const len = e.end - e.start;
      add(localBytes, e.origin, len);
      if (isPlainZero(e)) {
        if (zeroLen === 0n) zeroStart = e.start;
        zeroLen += len;
        continue;
      }
      flushZeros();
      if (isWrittenOrigin(e.origin)) data(e.start, len);
      else {
        hole(e.start, len);
        // Pages past the end of a mapped file are not missing: nothing was ever there (SIGBUS).
        if (e.origin !== 'past-eof') addMissing(localMissing, e);
      }
    }
    w = wEnd;
    if (extents.length <= SPARSE_WINDOW_EXTENTS && window < 1n << 62n) window *= 2n;
  }
  flushZeros();
  const anonymous = vma.kind === 'anon-private' || vma.kind === 'heap' || vma.kind === 'stack';
  const touched = (localBytes.get('pages') ?? 0n) + (localBytes.get('parent') ?? 0n) > 0n;
  if (anonymous && vma.prot === 0 && !touched && localMissing.length === 0) {
    segments.push(whole());
    add(bytes, 'prot-none', vma.end - vma.start);
    return;
  }
  pushAll(segments, local);
  for (const [k, v] of localBytes) add(bytes, k, v);
  pushAll(missing, localMissing);
}
