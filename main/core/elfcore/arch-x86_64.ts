/**
 * x86_64 register notes (criu-format.md §2.4, §3.3-3.4).
 *
 * - pr_reg = user_regs_struct: 27 u64 in the order of user_x86_regs_entry fields 1..27 (r15 ... gs), so CRIU's
 *   registers go in unchanged (including its rewound syscall: ip at `syscall`, ax = orig_ax).
 * - NT_FPREGSET = user_fpregs_struct (FXSAVE layout, 512 bytes).
 * - NT_X86_XSTATE = a standard (non-compacted) XSAVE image at Intel's CPUID(0xD) offsets, which is what gdb
 *   13 assumes whatever CPU wrote the checkpoint. XCR0 in bytes 464-471 names exactly the components written,
 *   the size is the one gdb derives from that XCR0 (X86_XSTATE_SIZE), and XSTATE_BV is the image's ANDed
 *   with XCR0, so gdb reads it without a size warning and shows $ymm / $zmm / $k registers.
 * - NT_X86_XSAVE_LAYOUT (Linux 6.11+) once after all threads, describing that same layout for newer gdbs.
 */
import { FormatError } from '../errors';
import type { RegisterFile } from '../model/checkpoint';
import type { UserX86FpregsEntry, UserX86XsaveEntry } from '../criu/messages.generated';
import { EM_X86_64, NT, OWNER_CORE, OWNER_LINUX } from './elf';
import { note, type NoteSpec } from './notes';
import { words, writeWords, type ArchLayout, type ThreadRegisters } from './arch';

/** user_x86_regs_entry fields in user_regs_struct order. */
export const X86_64_GPREGS = [
  'r15', 'r14', 'r13', 'r12', 'bp', 'bx', 'r11', 'r10', 'r9', 'r8', 'ax', 'cx', 'dx', 'si', 'di',
  'orig_ax', 'ip', 'cs', 'flags', 'sp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs',
] as const;

const PRSTATUS_SIZE = 336;
const FPVALID_OFFSET = 328;
const FPREGSET_SIZE = 512;
/** Where the kernel's ptrace / core copy of the XSAVE area keeps XCR0 (xstate_fx_sw_bytes[0], sw_reserved). */
const XCR0_OFFSET = 464;
const XSTATE_BV_OFFSET = 512;
/** Legacy area + XSAVE header: the smallest XSAVE image (X86_XSTATE_SSE_SIZE). */
const XSAVE_HEADER_END = 576;

/** One XSAVE component as CRIU stores it and where Intel's standard format puts it. */
interface XComponent {
  bit: number;
  field: 'ymmh_space' | 'bndreg_state' | 'bndcsr_state' | 'opmask_reg' | 'zmm_upper' | 'hi16_zmm' | 'pkru';
  count: number;
  width: 4 | 8;
  offset: number;
  size: number;
}

/** CPUID(0xD, n) offsets of Intel CPUs ("gdb <= 13" layout, criu-format.md §3.3). */
const COMPONENTS: XComponent[] = [
  { bit: 2, field: 'ymmh_space', count: 64, width: 4, offset: 576, size: 256 },
  { bit: 3, field: 'bndreg_state', count: 8, width: 8, offset: 960, size: 64 },
  { bit: 4, field: 'bndcsr_state', count: 8, width: 8, offset: 1024, size: 64 },
  { bit: 5, field: 'opmask_reg', count: 8, width: 8, offset: 1088, size: 64 },
  { bit: 6, field: 'zmm_upper', count: 64, width: 8, offset: 1152, size: 512 },
  { bit: 7, field: 'hi16_zmm', count: 128, width: 8, offset: 1664, size: 1024 },
  { bit: 9, field: 'pkru', count: 2, width: 4, offset: 2688, size: 8 },
];

const X87_SSE = 0x3n;
const MPX_BITS = (1n << 3n) | (1n << 4n);
const AVX512_BITS = (1n << 5n) | (1n << 6n) | (1n << 7n);
const PKRU_BIT = 1n << 9n;
const AVX_BIT = 1n << 2n;

/** gdb's X86_XSTATE_SIZE(xcr0) (gdbsupport/x86-xstate.h): the note size it expects for an XCR0. */
export function xstateSizeFor(xcr0: bigint): number {
  if (xcr0 & PKRU_BIT) return 2696;
  if (xcr0 & AVX512_BITS) return 2688;
  if (xcr0 & MPX_BITS) return 1088;
  if (xcr0 & AVX_BIT) return 832;
  return XSAVE_HEADER_END;
}

/** The components of an image's xsave entry that are complete, and the XCR0 naming them. */
export function xsaveComponents(xsave: UserX86XsaveEntry | undefined): { xcr0: bigint; present: { c: XComponent; values: bigint[] }[] } {
  const present: { c: XComponent; values: bigint[] }[] = [];
  let xcr0 = X87_SSE;
  for (const c of COMPONENTS) {
    const values = words(xsave?.[c.field], c.count);
    if (!values) continue;
    present.push({ c, values });
    xcr0 |= 1n << BigInt(c.bit);
  }
  return { xcr0, present };
}

function fxsave(fp: UserX86FpregsEntry, target: Buffer): void {
  target.writeUInt16LE(Number(fp.cwd ?? 0) & 0xffff, 0);
  target.writeUInt16LE(Number(fp.swd ?? 0) & 0xffff, 2);
  target.writeUInt16LE(Number(fp.twd ?? 0) & 0xffff, 4);
  target.writeUInt16LE(Number(fp.fop ?? 0) & 0xffff, 6);
  target.writeBigUInt64LE(BigInt.asUintN(64, BigInt(fp.rip ?? 0)), 8);
  target.writeBigUInt64LE(BigInt.asUintN(64, BigInt(fp.rdp ?? 0)), 16);
  target.writeUInt32LE(Number(fp.mxcsr ?? 0) >>> 0, 24);
  target.writeUInt32LE(Number(fp.mxcsr_mask ?? 0) >>> 0, 28);
  const st = words(fp.st_space, 32);
  if (st) writeWords(target, 32, st, 4);
  const xmm = words(fp.xmm_space, 64);
  if (xmm) writeWords(target, 160, xmm, 4);
  // Bytes 416-511 stay zero as the kernel's regset copy leaves them (sw_reserved is set by the caller).
}

export const X86_64: ArchLayout = {
  name: 'x86_64',
  machine: EM_X86_64,
  prstatusSize: PRSTATUS_SIZE,
  fpvalidOffset: FPVALID_OFFSET,

  thread(registers: RegisterFile, where): ThreadRegisters {
    if (registers.arch !== 'x86_64') throw new FormatError('core_entry has no thread_info.gpregs: no registers to write', where);
    const g = registers.gpregs;
    if (Number(g.mode ?? 1) === 2) throw new FormatError('32-bit (ia32 compat) task: its core would be an ELF32 i386 core, which Kensa does not write yet', where);
    const prReg = Buffer.alloc(X86_64_GPREGS.length * 8);
    X86_64_GPREGS.forEach((name, i) => prReg.writeBigUInt64LE(BigInt.asUintN(64, BigInt(g[name] ?? 0)), i * 8));
    const fp = registers.fpregs;
    if (!fp) return { prReg, fpValid: false, notes: [] };
    const { xcr0, present } = xsaveComponents(fp.xsave);
    const xstateSize = xstateSizeFor(xcr0);
    const notes: NoteSpec[] = [
      note(OWNER_CORE, NT.FPREGSET, FPREGSET_SIZE, () => {
        const b = Buffer.alloc(FPREGSET_SIZE);
        fxsave(fp, b);
        return b;
      }),
      note(OWNER_LINUX, NT.X86_XSTATE, xstateSize, () => {
        const b = Buffer.alloc(xstateSize);
        fxsave(fp, b);
        b.writeBigUInt64LE(xcr0, XCR0_OFFSET);
        // Legacy x87/SSE state is always in the image; other components only where CRIU captured them.
        const bv = BigInt(fp.xsave?.xstate_bv ?? X87_SSE) & xcr0;
        b.writeBigUInt64LE(bv, XSTATE_BV_OFFSET);
        for (const { c, values } of present) writeWords(b, c.offset, values, c.width);
        return b;
      }),
    ];
    return { prReg, fpValid: true, notes };
  },

  trailingNotes(first: RegisterFile): NoteSpec[] {
    const fp = first.arch === 'x86_64' ? first.fpregs : undefined;
    if (!fp) return [];
    const { present } = xsaveComponents(fp.xsave);
    // struct x86_xfeat_component {u32 type, size, offset, flags} per extended feature (Linux 6.11 xstate.c).
    const size = present.length * 16;
    if (size === 0) return [];
    return [
      note(OWNER_LINUX, NT.X86_XSAVE_LAYOUT, size, () => {
        const b = Buffer.alloc(size);
        present.forEach(({ c }, i) => {
          b.writeUInt32LE(c.bit, i * 16);
          b.writeUInt32LE(c.size, i * 16 + 4);
          b.writeUInt32LE(c.offset, i * 16 + 8);
        });
        return b;
      }),
    ];
  },
};
