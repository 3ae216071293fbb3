/**
 * Registers of a thread as the workstation shows them: general, segment, FPU and vector groups, every value
 * a zero-padded `0x…` string of the register's width.
 *
 * Layouts (criu-format.md §2.4-2.5): x86 gpregs are the kernel's user_regs_struct; fpregs is the FXSAVE
 * area as u32 words (st_space: 8 × 16 bytes, 80 bits used; xmm_space: 16 × 16 bytes); xsave components are
 * already split out (ymmh_space: upper 128 bits of ymm0-15; zmm_upper: bits 511:256 of zmm0-15 as 4 u64
 * each; hi16_zmm: zmm16-31 as 8 u64 each; opmask_reg: k0-k7). aarch64 fpsimd.vregs holds v0-v31 as
 * (low, high) u64 pairs.
 */
import type { RegisterValue, SymbolizedAddress, ThreadInfo } from '#shared/api/contract';
import type { Aarch64RegisterFile, Checkpoint, ThreadRecord, X86_64RegisterFile } from '../core/model/checkpoint';
import { mayHoldAddress, ProcessSymbolizer, symbolizedAddress } from '../core/symbols/symbolizer';
import { coreThreadOrder } from '../core/elfcore/layout';
import { X86_64_SYSCALLS } from '../core/model/constants';
import { hex64 } from './results';

const X86_GENERAL: [string, string][] = [
  ['ax', 'rax'], ['bx', 'rbx'], ['cx', 'rcx'], ['dx', 'rdx'], ['si', 'rsi'], ['di', 'rdi'], ['bp', 'rbp'], ['sp', 'rsp'],
  ['r8', 'r8'], ['r9', 'r9'], ['r10', 'r10'], ['r11', 'r11'], ['r12', 'r12'], ['r13', 'r13'], ['r14', 'r14'], ['r15', 'r15'],
  ['ip', 'rip'], ['flags', 'eflags'], ['orig_ax', 'orig_rax'],
];
const X86_SEGMENT: [string, string, number][] = [
  ['cs', 'cs', 16], ['ss', 'ss', 16], ['ds', 'ds', 16], ['es', 'es', 16], ['fs', 'fs', 16], ['gs', 'gs', 16],
  ['fs_base', 'fs_base', 64], ['gs_base', 'gs_base', 64],
];

function reg(name: string, value: bigint, bits: number): RegisterValue {
  const masked = BigInt.asUintN(bits, value);
  return { name, value: hex64(masked, Math.ceil(bits / 4)), bits };
}

/** Little-endian words (u32 or u64) -> one value. */
type Words = readonly (number | bigint)[];

function fromWords(words: Words, wordBits: 32 | 64): bigint {
  let v = 0n;
  for (let i = words.length - 1; i >= 0; i--) v = (v << BigInt(wordBits)) | BigInt.asUintN(wordBits, BigInt(words[i] ?? 0));
  return v;
}

function slices(arr: Words | undefined, per: number, count: number): Words[] | undefined {
  if (!Array.isArray(arr) || arr.length < per) return undefined;
  const out: Words[] = [];
  for (let i = 0; i < count && (i + 1) * per <= arr.length; i++) out.push(arr.slice(i * per, (i + 1) * per));
  return out;
}

function num(v: unknown): bigint {
  return typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : 0n;
}

function x86Registers(t: ThreadRecord, file: X86_64RegisterFile): Pick<ThreadInfo, 'general' | 'segment' | 'fpu' | 'vector'> {
  const compat = Number(file.gpregs.mode ?? 1) === 2;
  const width = compat ? 32 : 64;
  const general: RegisterValue[] = [];
  for (const [key, name] of X86_GENERAL) {
    if (t.regs[key] === undefined) continue;
    const shown = compat ? name.replace(/^r(?=[a-z])/, 'e').replace('orig_rax', 'orig_eax') : name;
    general.push(reg(shown, t.regs[key], key === 'flags' ? 32 : width));
  }
  const segment = X86_SEGMENT.filter(([k]) => t.regs[k] !== undefined).map(([k, name, bits]) => reg(name, t.regs[k], bits));
  const fpu: RegisterValue[] = [];
  const vector: RegisterValue[] = [];
  const fp = file.fpregs;
  if (fp) {
    // The proto stores the u16 fields of the FXSAVE area as u32 (criu-format.md §2.4).
    fpu.push(reg('fctrl', num(fp.cwd), 16), reg('fstat', num(fp.swd), 16), reg('ftag', num(fp.twd), 16), reg('fop', num(fp.fop), 16));
    fpu.push(reg('fip', num(fp.rip), 64), reg('fdp', num(fp.rdp), 64), reg('mxcsr', num(fp.mxcsr), 32), reg('mxcsr_mask', num(fp.mxcsr_mask), 32));
    // st0-st7: 80-bit extended values in 16-byte slots.
    (slices(fp.st_space, 4, 8) ?? []).forEach((w, i) => fpu.push(reg(`st${i}`, fromWords(w, 32), 80)));
    const xmm = slices(fp.xmm_space, 4, 16) ?? [];
    xmm.forEach((w, i) => vector.push(reg(`xmm${i}`, fromWords(w, 32), 128)));
    const xs = fp.xsave;
    const ymmh = slices(xs?.ymmh_space, 4, 16);
    if (ymmh) ymmh.forEach((w, i) => vector.push(reg(`ymm${i}`, (fromWords(w, 32) << 128n) | (xmm[i] ? fromWords(xmm[i], 32) : 0n), 256)));
    const zmmUpper = slices(xs?.zmm_upper, 4, 16);
    if (zmmUpper && ymmh) {
      zmmUpper.forEach((w, i) => {
        const low = (fromWords(ymmh[i], 32) << 128n) | (xmm[i] ? fromWords(xmm[i], 32) : 0n);
        vector.push(reg(`zmm${i}`, (fromWords(w, 64) << 256n) | low, 512));
      });
    }
    (slices(xs?.hi16_zmm, 8, 16) ?? []).forEach((w, i) => vector.push(reg(`zmm${i + 16}`, fromWords(w, 64), 512)));
    (xs?.opmask_reg ?? []).slice(0, 8).forEach((v, i) => vector.push(reg(`k${i}`, num(v), 64)));
    if (xs?.pkru?.length) fpu.push(reg('pkru', num(xs.pkru[0]), 32));
  }
  return { general, segment, fpu, vector };
}

function aarch64Registers(t: ThreadRecord, file: Aarch64RegisterFile): Pick<ThreadInfo, 'general' | 'segment' | 'fpu' | 'vector'> {
  const general: RegisterValue[] = [];
  for (let i = 0; i <= 30; i++) if (t.regs[`x${i}`] !== undefined) general.push(reg(`x${i}`, t.regs[`x${i}`], 64));
  for (const k of ['sp', 'pc', 'pstate']) if (t.regs[k] !== undefined) general.push(reg(k, t.regs[k], 64));
  const segment = t.regs.tpidr_el0 !== undefined ? [reg('tpidr_el0', t.regs.tpidr_el0, 64)] : [];
  const fpsimd = file.fpsimd;
  const fpu: RegisterValue[] = [];
  const vector: RegisterValue[] = [];
  if (fpsimd) {
    fpu.push(reg('fpsr', num(fpsimd.fpsr), 32), reg('fpcr', num(fpsimd.fpcr), 32));
    (slices(fpsimd.vregs, 2, 32) ?? []).forEach((w, i) => vector.push(reg(`v${i}`, fromWords(w, 64), 128)));
  }
  return { general, segment, fpu, vector };
}

export function threadInfo(t: ThreadRecord): ThreadInfo {
  const file = t.registers;
  const groups = t.arch === 'aarch64' && file.arch === 'aarch64' ? aarch64Registers(t, file) : t.arch === 'x86_64' && file.arch === 'x86_64' ? x86Registers(t, file) : {
    general: Object.entries(t.regs).map(([k, v]) => reg(k, v, 64)), segment: [], fpu: [], vector: [],
  };
  const info: ThreadInfo = { pid: t.pid, tid: t.tid, name: t.name, arch: t.arch, ...groups };
  if (t.syscall !== undefined) {
    info.syscall = t.syscall;
    if (t.arch === 'x86_64' && X86_64_SYSCALLS[t.syscall]) info.syscallName = X86_64_SYSCALLS[t.syscall];
  }
  if (t.creds) {
    const c = t.creds;
    info.creds = { uid: c.uid, gid: c.gid, euid: c.euid, egid: c.egid, groups: c.groups, capEff: c.capEff, capPrm: c.capPrm, capBnd: c.capBnd };
    if (c.noNewPrivs !== undefined) info.creds.noNewPrivs = c.noNewPrivs;
    if (c.lsmProfile !== undefined) info.creds.lsmProfile = c.lsmProfile;
  }
  if (t.blockedSignals !== undefined) info.blockedSignals = hex64(t.blockedSignals);
  if (t.schedPolicy !== undefined) info.schedPolicy = t.schedPolicy;
  if (t.schedNice !== undefined) info.schedNice = t.schedNice;
  if (t.seccompMode !== undefined) info.seccompMode = t.seccompMode;
  return info;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The threads of a process with gdb's number for each in Kensa's core, each general register (but the flags) annotated with what its value points at
 * (main/core/symbols: mapping, file offset, symbol). Naming can fail (a malformed object, a bug): that
 * register then says `no symbol` and why, and the registers are shown all the same.
 */
export function threadInfosWithAddresses(cp: Checkpoint, pid: number): ThreadInfo[] {
  const records = cp.threads(pid);
  const threads = records.map(threadInfo);
  const order = coreThreadOrder(records, pid);
  for (const t of threads) t.gdbThread = order.findIndex((r) => r.tid === t.tid) + 1;
  let symbolizer: ProcessSymbolizer | undefined;
  let broken: string | undefined;
  try {
    symbolizer = new ProcessSymbolizer(cp, pid);
  } catch (e) {
    broken = errorText(e);
  }
  const vmas = cp.vmas(pid);
  for (const t of threads) {
    // fs_base / gs_base (the thread pointer: TLS, pthread_t) are addresses too; the selectors are not.
    for (const r of [...t.general, ...t.segment]) {
      if (!mayHoldAddress(r.name)) continue;
      const value = BigInt(r.value);
      try {
        if (!symbolizer) throw new Error(broken);
        r.points = symbolizedAddress(symbolizer.symbolize(value));
      } catch (e) {
        const vma = vmas.find((v) => v.start <= value && value < v.end);
        const failed: SymbolizedAddress = { address: hex64(value), mapped: vma !== undefined, location: vma ? vma.name || vma.kind : 'not mapped', noSymbol: `naming the address failed: ${errorText(e)}`, text: 'no symbol' };
        r.points = failed;
      }
    }
  }
  return threads;
}
