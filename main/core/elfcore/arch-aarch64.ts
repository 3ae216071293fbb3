/**
 * aarch64 register notes (criu-format.md §2.5, §3.3; arch/arm64/include/uapi/asm/ptrace.h).
 *
 * - elf_prstatus is 392 bytes: pr_reg = user_pt_regs {x0..x30, sp, pc, pstate} (34 u64) at 112, pr_fpvalid
 *   at 384.
 * - NT_FPREGSET = user_fpsimd_state (528 bytes): V0..V31 as 128-bit little-endian values (CRIU keeps each as
 *   two u64, low half first), fpsr, fpcr, 8 bytes of padding.
 * - NT_ARM_TLS = TPIDR_EL0 (8 bytes), after NT_FPREGSET as in the kernel's aarch64_regsets order.
 * CRIU keeps no PAC masks, so no NT_ARM_PAC_MASK is written.
 */
import { FormatError } from '../errors';
import type { RegisterFile } from '../model/checkpoint';
import { EM_AARCH64, NT, OWNER_CORE, OWNER_LINUX } from './elf';
import { note, type NoteSpec } from './notes';
import { words, writeWords, type ArchLayout, type ThreadRegisters } from './arch';

const PRSTATUS_SIZE = 392;
const FPVALID_OFFSET = 384;
const FPSIMD_SIZE = 528;
const TLS_SIZE = 8;

export const AARCH64: ArchLayout = {
  name: 'aarch64',
  machine: EM_AARCH64,
  prstatusSize: PRSTATUS_SIZE,
  fpvalidOffset: FPVALID_OFFSET,

  thread(registers: RegisterFile, where): ThreadRegisters {
    const regs = registers.arch === 'aarch64' ? words(registers.gpregs.regs, 31) : undefined;
    if (registers.arch !== 'aarch64' || !regs) throw new FormatError('core_entry has no ti_aarch64.gpregs with 31 registers: no registers to write', where);
    const g = registers.gpregs;
    const prReg = Buffer.alloc(34 * 8);
    writeWords(prReg, 0, [...regs, BigInt(g.sp ?? 0), BigInt(g.pc ?? 0), BigInt(g.pstate ?? 0)], 8);
    const notes: NoteSpec[] = [];
    const fp = registers.fpsimd;
    const vregs = words(fp?.vregs, 64);
    if (fp && vregs) {
      notes.push(
        note(OWNER_CORE, NT.FPREGSET, FPSIMD_SIZE, () => {
          const b = Buffer.alloc(FPSIMD_SIZE);
          writeWords(b, 0, vregs, 8);
          b.writeUInt32LE(Number(fp.fpsr ?? 0) >>> 0, 512);
          b.writeUInt32LE(Number(fp.fpcr ?? 0) >>> 0, 516);
          return b;
        }),
      );
    }
    if (registers.tls !== undefined) {
      const tls = BigInt(registers.tls);
      notes.push(
        note(OWNER_LINUX, NT.ARM_TLS, TLS_SIZE, () => {
          const b = Buffer.alloc(TLS_SIZE);
          b.writeBigUInt64LE(BigInt.asUintN(64, tls), 0);
          return b;
        }),
      );
    }
    return { prReg, fpValid: notes.length > 0 && notes[0].type === NT.FPREGSET, notes };
  },

  trailingNotes(): NoteSpec[] {
    return [];
  },
};
