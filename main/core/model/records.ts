/**
 * The plain records a Checkpoint hands out (model/checkpoint.ts): processes, threads, files, sockets,
 * mounts, statistics, and the options it opens with.
 */
import type { OpenOptions } from '../archive/archive';
import type { FileContentResolver } from '../memory/address-space';
import type { TaskCoreEntry, UserAarch64FpsimdContextEntry, UserAarch64RegsEntry, UserX86FpregsEntry, UserX86RegsEntry } from '../criu/messages.generated';
import type { SocketInfo } from '#shared/api/contract';
import type { GhostFile, RemapEntry } from './ghost-file';
import type { KensaError } from '../errors';

export interface ProcessRecord {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  tids: number[];
  /** Children in pstree order. */
  children: number[];
  comm: string;
  state: string;
  stateCode: number;
  exitCode?: number;
  /** Depth in the process tree (root = 0). */
  depth: number;
}

/** A process's command line (Checkpoint.commandLine). */
export interface CommandLine {
  /** The arguments `ps` shows (trailing NUL padding dropped; inner empty arguments kept). */
  argv: string[];
  /** What `ps` prints: argv joined by spaces. */
  text: string;
  /** The exact bytes of /proc/PID/cmdline, padding included. */
  raw: Buffer;
  /** The process rewrote its title (setproctitle), possibly past its argument area. */
  retitled: boolean;
}

export interface Creds {
  uid: number;
  gid: number;
  euid: number;
  egid: number;
  suid: number;
  sgid: number;
  fsuid: number;
  fsgid: number;
  groups: number[];
  capEff: string;
  capPrm: string;
  capBnd: string;
  noNewPrivs?: boolean;
  lsmProfile?: string;
}

/** x86_64 registers: thread_info_x86 (core-x86.proto). `gpregs.mode` 2 marks an ia32 compat task. */
export interface X86_64RegisterFile {
  arch: 'x86_64';
  gpregs: UserX86RegsEntry;
  /** The FXSAVE area as u32 words plus the XSAVE components CRIU captured (absent: no FP state saved). */
  fpregs?: UserX86FpregsEntry;
}

/** aarch64 registers: thread_info_aarch64 (core-aarch64.proto). */
export interface Aarch64RegisterFile {
  arch: 'aarch64';
  gpregs: UserAarch64RegsEntry;
  fpsimd?: UserAarch64FpsimdContextEntry;
  /** TPIDR_EL0. */
  tls?: bigint;
}

/** A thread's registers by architecture; `none` when the core entry holds no x86_64 or aarch64 registers. */
export type RegisterFile = X86_64RegisterFile | Aarch64RegisterFile | { arch: 'none' };

export interface ThreadRecord {
  tid: number;
  pid: number;
  name: string;
  arch: string;
  /** General registers by kernel name (x86: r15..gs; aarch64: x0..x30, sp, pc, pstate). */
  regs: Record<string, bigint>;
  /** x86: the syscall a blocked thread is in (CRIU rewinds it: ip points at `syscall`, ax = orig_ax). */
  syscall?: number;
  creds?: Creds;
  blockedSignals?: bigint;
  schedPolicy?: number;
  schedNice?: number;
  seccompMode?: number;
  /** core_entry.mtype (CoreEntryMarch): the machine the thread ran on, which a core's e_machine follows. */
  machine: number;
  /** The registers by architecture, as the core writer and the register panels read them (threads.ts). */
  registers: RegisterFile;
  /** sig[0] of the signals pending on this thread alone (thread_core.signals_p). */
  pendingSignals: bigint;
  /** task_core_entry: process-wide state (task_state, flags, comm) CRIU keeps in the leader thread's core only. */
  task?: TaskCoreEntry;
}

export interface FdRecord {
  fd: number;
  type: string;
  fileId: number;
  /** Human description: path, `pipe[123]`, `TCP 127.0.0.1:8088 -> 0.0.0.0:0 (LISTEN)`, ... */
  path: string;
  flags?: number;
  pos?: bigint;
  deleted?: boolean;
  /** A deleted file whose content the checkpoint holds (ghost image): where, and how big the file was. */
  ghost?: GhostSummary;
  cloexec: boolean;
}

/** What `inspect --files` and the fd list say about a ghost: its member and the file's size. */
export interface GhostSummary {
  member: string;
  size: number;
  /** Set when the ghost image is cut short: file bytes known from the start. */
  knownEnd?: number;
}

/** A file deleted while open or mapped (remap-fpath.img), with its users and the content CRIU kept. */
export interface DeletedFileRecord {
  /** files.img id. */
  fileId: number;
  path: string;
  /** How CRIU kept it: 'ghost' (content in the checkpoint), 'linked' (a hard link on the container's file system), 'procfs'. */
  remap: RemapEntry['kind'];
  remapId: number;
  /** The ghost content (GHOST remaps whose image could be read). */
  ghost?: GhostFile;
  /** The ghost image's member, also when it is absent or unreadable. */
  ghostMember?: string;
  /** Why the ghost content could not be read at all (absent or unreadable image). */
  ghostError?: KensaError;
  /** Size and mode as files.img recorded them (reg_file_entry). */
  size?: number;
  mode?: number;
  /** Who had it: `fd N`, `mmap` (file-backed mappings), `exe`. */
  users: { pid: number; use: string }[];
}

/** A socket a process holds open: the contract's SocketInfo, one definition for the core, the CLI and the UI. */
export type SocketRecord = SocketInfo;

export interface MountPoint {
  mntId: number;
  parentMntId: number;
  mountpoint: string;
  fstype: string;
  source?: string;
  root?: string;
  options?: string;
  flags?: number;
  external?: string;
}

export interface Stats {
  freezing_time?: number;
  frozen_time?: number;
  memdump_time?: number;
  memwrite_time?: number;
  pages_scanned?: number;
  pages_skipped_parent?: number;
  pages_written?: number;
  pages_lazy?: number;
  irmap_resolve?: number;
  page_pipes?: number;
  page_pipe_bufs?: number;
  shpages_scanned?: number;
  shpages_skipped_parent?: number;
  shpages_written?: number;
}

export interface CheckpointOpenOptions extends OpenOptions {
  /** Resolves file-backed pages beyond rootfs-diff.tar (the image rootfs, `--rootfs`). */
  rootfs?: FileContentResolver;
  /** Deepest process tree accepted (`--max-depth`). */
  maxTreeDepth?: number;
  /** The parent (pre-)dump of an incremental checkpoint (`--parent`); else the images' `parent` link is followed. */
  parent?: string;
}
