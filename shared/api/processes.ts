/**
 * Processes, threads and registers as the process list, the process details and the Threads panel show them.
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 */
import type { SymbolizedAddress } from './symbols';
import type { Hex64 } from './common';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  comm: string;
  /** What `ps` shows: argv joined by spaces, read from the process's memory (/proc/PID/cmdline's rule). */
  cmdline?: string;
  /** The arguments without the NUL padding of a rewritten title. */
  argv?: string[];
  /** The exact bytes /proc/PID/cmdline would give, as lowercase hex. */
  cmdlineRaw?: string;
  exe?: string;
  state: string;
  threads: number;
  tids: number[];
  uid?: number;
  gid?: number;
  /** Depth in the tree (root = 0) and children in pstree order. */
  depth: number;
  children: number[];
}

/** One process in detail (the Process view): everything optional is absent when the checkpoint does not say. */
export interface ProcessDetails {
  pid: number;
  exe?: string;
  /** The arguments as a list (each keeps its spaces and quotes). */
  argv?: string[];
  cwd?: string;
  root?: string;
  /** Octal, `0022`. */
  umask?: string;
  /** `NAME=value` strings read from the process's memory. */
  env?: string[];
  creds?: {
    uid: number; gid: number; euid: number; egid: number; suid: number; sgid: number; fsuid: number; fsgid: number;
    groups: number[];
    /** Capability names (CAP_NET_ADMIN, ...) of the effective, permitted and bounding sets. */
    capEff: string[];
    capPrm: string[];
    capBnd: string[];
    noNewPrivs?: boolean;
    lsmProfile?: string;
  };
  /** `disabled`, `strict` or `filter`. */
  seccomp?: string;
}

export interface RegisterValue {
  name: string;
  /** `0x…`, zero-padded to the register's width. */
  value: Hex64;
  bits: number;
  /** General registers but the flags, and fs_base / gs_base: what the value points at, read as an address (main/core/symbols). */
  points?: SymbolizedAddress;
}

export interface ThreadInfo {
  pid: number;
  tid: number;
  name: string;
  arch: string;
  /** Blocked in this syscall (CRIU rewound it: ip points at `syscall`, ax = orig_ax). */
  syscall?: number;
  syscallName?: string;
  /** gdb's number for this thread in Kensa's core of the process (`thread N` in the gdb terminal). */
  gdbThread?: number;
  general: RegisterValue[];
  segment: RegisterValue[];
  /** x87 / FP control and status, and st0-st7 (80-bit values in 128-bit slots). */
  fpu: RegisterValue[];
  /** xmm/ymm/zmm, opmask (x86); v0-v31 (aarch64). */
  vector: RegisterValue[];
  creds?: { uid: number; gid: number; euid: number; egid: number; groups: number[]; capEff: Hex64; capPrm: Hex64; capBnd: Hex64; noNewPrivs?: boolean; lsmProfile?: string };
  blockedSignals?: Hex64;
  schedPolicy?: number;
  schedNice?: number;
  seccompMode?: number;
}
