/**
 * One typed record per thread from its core-<tid>.img (criu-format.md §2.3-2.5): the registers by
 * architecture as the generated CRIU message types hold them (u64 as bigint, u32 as number), credentials,
 * signal masks and scheduling. The register panels (services/registers.ts), the core writer (elfcore) and the
 * CLI read this record; nothing outside the model decodes core_entry again.
 */
import type {
  CoreEntry, CredsEntry, SignalQueueEntry, TaskCoreEntry,
} from '../criu/messages.generated';
import { MACHINES } from './constants';
import type { Aarch64RegisterFile, Creds, RegisterFile, ThreadRecord, X86_64RegisterFile } from './records';
import { capHex, num } from './wire-values';

function registerFile(core: CoreEntry): RegisterFile {
  const ti = core.thread_info;
  if (ti?.gpregs) {
    const file: X86_64RegisterFile = { arch: 'x86_64', gpregs: ti.gpregs };
    if (ti.fpregs) file.fpregs = ti.fpregs;
    return file;
  }
  const ta = core.ti_aarch64;
  if (ta?.gpregs) {
    const file: Aarch64RegisterFile = { arch: 'aarch64', gpregs: ta.gpregs };
    if (ta.fpsimd) file.fpsimd = ta.fpsimd;
    if (ta.tls !== undefined) file.tls = ta.tls;
    return file;
  }
  return { arch: 'none' };
}

/** General registers by kernel name, for code that only needs ip/sp/fs_base whatever the architecture. */
function flatRegisters(file: RegisterFile): Record<string, bigint> {
  const regs: Record<string, bigint> = {};
  if (file.arch === 'x86_64') {
    for (const [k, v] of Object.entries(file.gpregs)) if (k !== 'mode' && (typeof v === 'bigint' || typeof v === 'number')) regs[k] = BigInt(v);
  } else if (file.arch === 'aarch64') {
    const g = file.gpregs;
    (g.regs ?? []).forEach((v, i) => (regs[`x${i}`] = BigInt(v)));
    if (g.sp !== undefined) regs.sp = BigInt(g.sp);
    if (g.pc !== undefined) regs.pc = BigInt(g.pc);
    if (g.pstate !== undefined) regs.pstate = BigInt(g.pstate);
    if (file.tls !== undefined) regs.tpidr_el0 = BigInt(file.tls);
  }
  return regs;
}

/** sig[0] of the thread's private pending set, from the siginfo blobs CRIU saved (si_signo is the first int). */
function pendingMask(queue: SignalQueueEntry | undefined): bigint {
  let mask = 0n;
  for (const s of queue?.signals ?? []) {
    const info = s.siginfo;
    if (!info || info.length < 4) continue;
    const signo = info.readInt32LE(0);
    if (signo >= 1 && signo <= 64) mask |= 1n << BigInt(signo - 1);
  }
  return mask;
}

export function credsOf(c: CredsEntry): Creds {
  const out: Creds = {
    uid: num(c.uid), gid: num(c.gid), euid: num(c.euid), egid: num(c.egid), suid: num(c.suid), sgid: num(c.sgid),
    fsuid: num(c.fsuid), fsgid: num(c.fsgid), groups: Array.isArray(c.groups) ? c.groups.map((g: unknown) => num(g)) : [],
    capEff: capHex(c.cap_eff), capPrm: capHex(c.cap_prm), capBnd: capHex(c.cap_bnd),
  };
  if (c.no_new_privs !== undefined) out.noNewPrivs = num(c.no_new_privs) !== 0;
  if (c.lsm_profile) out.lsmProfile = String(c.lsm_profile);
  return out;
}

export function threadRecord(pid: number, tid: number, core: CoreEntry): ThreadRecord {
  const machine = num(core.mtype);
  const registers = registerFile(core);
  const regs = flatRegisters(registers);
  const tcore = core.thread_core;
  const task: TaskCoreEntry | undefined = core.tc;
  const rec: ThreadRecord = {
    tid,
    pid,
    name: String(tcore?.comm ?? task?.comm ?? ''),
    arch: MACHINES[machine] ?? 'unknown',
    machine,
    regs,
    registers,
    pendingSignals: pendingMask(tcore?.signals_p),
  };
  const origAx = regs.orig_ax;
  // orig_ax is -1 (as u64) outside a syscall; CRIU leaves ax = orig_ax after rewinding a blocked one.
  if (registers.arch === 'x86_64' && origAx !== undefined && origAx < 0x8000_0000_0000_0000n && regs.ax === origAx) rec.syscall = Number(origAx);
  if (task) rec.task = task;
  if (tcore?.creds) rec.creds = credsOf(tcore.creds);
  if (tcore?.blk_sigset !== undefined) rec.blockedSignals = BigInt(tcore.blk_sigset);
  else if (task?.blk_sigset !== undefined) rec.blockedSignals = BigInt(task.blk_sigset);
  if (tcore?.sched_policy !== undefined) rec.schedPolicy = num(tcore.sched_policy);
  if (tcore?.sched_nice !== undefined) rec.schedNice = num(tcore.sched_nice);
  if (tcore?.seccomp_mode !== undefined) rec.seccompMode = num(tcore.seccomp_mode);
  return rec;
}
