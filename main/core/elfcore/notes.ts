/**
 * The process-wide core notes and the architecture-independent part of NT_PRSTATUS, laid out as Linux's
 * binfmt_elf writes them for 64-bit tasks (criu-format.md §3.3, sizes verified on kernel and gdb cores).
 */
import { NT, OWNER_CORE } from './elf';
import { encodeUtf8Exact } from '#shared/format';

/** A note whose size is known when the layout is planned and whose bytes are built when it is written. */
export interface NoteSpec {
  owner: string;
  type: number;
  size: number;
  build(): Buffer;
}

export function note(owner: string, type: number, size: number, build: () => Buffer): NoteSpec {
  return { owner, type, size, build };
}

/** Fields of elf_prstatus before pr_reg (identical on x86_64 and aarch64: 112 bytes). */
export interface PrstatusCommon {
  /** Pending private signals (sig[0]) and blocked signals. */
  sigpend: bigint;
  sighold: bigint;
  pid: number;
  ppid: number;
  pgrp: number;
  sid: number;
}

/** Offset of pr_reg in elf_prstatus (64-bit): pr_info 12, pr_cursig 2 + pad, sigpend, sighold, 4 ids, 4 timevals. */
export const PRSTATUS_REG_OFFSET = 112;

/**
 * The common prefix of elf_prstatus: pr_info {si_signo, si_code, si_errno} and pr_cursig stay 0 (no signal
 * killed a checkpointed task, so gdb prints no "terminated with signal"); times are not in CRIU images.
 */
export function writePrstatusCommon(b: Buffer, f: PrstatusCommon): void {
  b.writeBigUInt64LE(BigInt.asUintN(64, f.sigpend), 16);
  b.writeBigUInt64LE(BigInt.asUintN(64, f.sighold), 24);
  b.writeInt32LE(f.pid, 32);
  b.writeInt32LE(f.ppid, 36);
  b.writeInt32LE(f.pgrp, 40);
  b.writeInt32LE(f.sid, 44);
}

/** elf_prpsinfo (64-bit, 136 bytes): what `ps` would have said, as fill_psinfo() fills it. */
export interface PrpsinfoFields {
  /** Index into "RSDTZW" (fill_psinfo: pr_state, pr_sname, pr_zomb follow from it). */
  state: number;
  nice: number;
  flag: bigint;
  uid: number;
  gid: number;
  pid: number;
  ppid: number;
  pgrp: number;
  sid: number;
  comm: string;
  /** The first bytes of the argument area, as read from the process's memory. */
  args: Buffer;
}

export const PRPSINFO_SIZE = 136;
/** ELF_PRARGSZ: pr_psargs holds at most 79 bytes of arguments and a NUL. */
export const ELF_PRARGSZ = 80;

export function buildPrpsinfo(f: PrpsinfoFields): Buffer {
  const b = Buffer.alloc(PRPSINFO_SIZE);
  const sname = f.state >= 0 && f.state <= 5 ? 'RSDTZW'[f.state] : '.';
  b.writeInt8(f.state, 0);
  b.write(sname, 1, 'latin1');
  b.writeInt8(sname === 'Z' ? 1 : 0, 2);
  b.writeInt8(Math.max(-128, Math.min(127, f.nice)), 3);
  b.writeBigUInt64LE(BigInt.asUintN(64, f.flag), 8);
  b.writeUInt32LE(f.uid >>> 0, 16);
  b.writeUInt32LE(f.gid >>> 0, 20);
  b.writeInt32LE(f.pid, 24);
  b.writeInt32LE(f.ppid, 28);
  b.writeInt32LE(f.pgrp, 32);
  b.writeInt32LE(f.sid, 36);
  // pr_fname[16]: comm, NUL-padded (TASK_COMM_LEN 16 keeps a NUL in the kernel; strncpy may fill all 16).
  Buffer.from(encodeUtf8Exact(f.comm)).subarray(0, 16).copy(b, 40);
  // pr_psargs[80]: at most 79 argument bytes, NULs between arguments shown as spaces, then a NUL.
  const args = Buffer.from(f.args.subarray(0, ELF_PRARGSZ - 1));
  for (let i = 0; i < args.length; i++) if (args[i] === 0) args[i] = 0x20;
  args.copy(b, 56);
  return b;
}

/** siginfo_t is 128 bytes; no signal is being delivered at checkpoint time, so it is all zero. */
export const SIGINFO_SIZE = 128;

/** NT_AUXV: (a_type, a_val) u64 pairs ending with AT_NULL (CRIU's x86 copy may have lost it, §2.6). */
export function buildAuxv(pairs: [bigint, bigint][]): Buffer {
  const b = Buffer.alloc((pairs.length + 1) * 16);
  pairs.forEach(([t, v], i) => {
    b.writeBigUInt64LE(BigInt.asUintN(64, t), i * 16);
    b.writeBigUInt64LE(BigInt.asUintN(64, v), i * 16 + 8);
  });
  return b;
}

export interface FileMapping {
  start: bigint;
  end: bigint;
  /** File offset in bytes (vma.pgoff); NT_FILE stores it in page_size units. */
  offset: bigint;
  /** The name /proc/PID/maps shows (`/memfd:x (deleted)`, `/dev/zero (deleted)`, a path). */
  name: string;
}

/** NT_FILE: count, page_size, {start, end, file_ofs} × count, then the NUL-terminated names; descsz exact. */
export function ntFileSize(maps: FileMapping[]): number {
  return 16 + maps.length * 24 + maps.reduce((n, m) => n + encodeUtf8Exact(m.name).length + 1, 0);
}

export function buildNtFile(maps: FileMapping[], pageSize: number): Buffer {
  const b = Buffer.alloc(ntFileSize(maps));
  b.writeBigUInt64LE(BigInt(maps.length), 0);
  b.writeBigUInt64LE(BigInt(pageSize), 8);
  let at = 16;
  for (const m of maps) {
    b.writeBigUInt64LE(m.start, at);
    b.writeBigUInt64LE(m.end, at + 8);
    b.writeBigUInt64LE(m.offset / BigInt(pageSize), at + 16);
    at += 24;
  }
  // Names keep the bytes the checkpoint holds (a file name need not be UTF-8).
  for (const m of maps) {
    const name = encodeUtf8Exact(m.name);
    b.set(name, at);
    at += name.length + 1;
  }
  return b;
}

export function prpsinfoNote(f: () => PrpsinfoFields) {
  return note(OWNER_CORE, NT.PRPSINFO, PRPSINFO_SIZE, () => buildPrpsinfo(f()));
}
