/**
 * What differs between architectures in a core: e_machine, the size of elf_prstatus and its pr_reg, and the
 * per-thread register notes that follow NT_PRSTATUS (in the order of the kernel's user_regset table, which is
 * the order binfmt_elf writes them). The architecture comes from core_entry.mtype, never from the host.
 */
import type { RegisterFile } from '../model/checkpoint';
import type { NoteSpec } from './notes';

export interface ThreadRegisters {
  /** pr_reg bytes (user_regs_struct / user_pt_regs). */
  prReg: Buffer;
  /** pr_fpvalid: true when the thread's FP state is in the notes. */
  fpValid: boolean;
  /** Notes after NT_PRSTATUS for this thread (NT_FPREGSET, NT_X86_XSTATE / NT_ARM_TLS). */
  notes: NoteSpec[];
}

export interface ArchLayout {
  name: 'x86_64' | 'aarch64';
  machine: number;
  prstatusSize: number;
  /** Offset of pr_fpvalid in elf_prstatus. */
  fpvalidOffset: number;
  /** Register notes of one thread from its typed registers; `where` names the image for errors. */
  thread(registers: RegisterFile, where: { source?: string; member?: string }): ThreadRegisters;
  /** Notes written once after every thread's notes (x86: NT_X86_XSAVE_LAYOUT). */
  trailingNotes(firstThread: RegisterFile): NoteSpec[];
}

/** A repeated numeric field as bigints, or undefined when it does not have exactly `count` elements. */
export function words(v: readonly (bigint | number)[] | undefined, count: number): bigint[] | undefined {
  if (!Array.isArray(v) || v.length !== count) return undefined;
  return v.map((x) => BigInt(x));
}

export function writeWords(target: Buffer, at: number, values: bigint[], width: 4 | 8): void {
  values.forEach((v, i) => {
    if (width === 8) target.writeBigUInt64LE(BigInt.asUintN(64, v), at + i * 8);
    else target.writeUInt32LE(Number(BigInt.asUintN(32, v)), at + i * 4);
  });
}
