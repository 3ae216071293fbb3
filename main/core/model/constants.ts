/** Enumerations of CRIU images as the model names them (criu-format.md §2; criu-wire-enums.tsv). */

/** fd_types (fdinfo.proto). */
export const FD_TYPES: Record<number, string> = {
  0: 'UND', 1: 'REG', 2: 'PIPE', 3: 'FIFO', 4: 'INETSK', 5: 'UNIXSK', 6: 'EVENTFD', 7: 'EVENTPOLL', 8: 'INOTIFY',
  9: 'SIGNALFD', 10: 'PACKETSK', 11: 'TTY', 12: 'FANOTIFY', 13: 'NETLINKSK', 14: 'NS', 15: 'TUNF', 16: 'EXT',
  17: 'TIMERFD', 18: 'MEMFD', 19: 'BPFMAP', 20: 'PIDFD', 65534: 'CTL_TTY', 65535: 'AUTOFS_PIPE',
};

/**
 * task_core_entry.task_state: compel's TASK_ALIVE 1, TASK_DEAD 2, TASK_STOPPED 3, TASK_ZOMBIE 6.
 * (pycriu's pretty printer swaps 3 and 6; crit output keeps that for byte compatibility, the model does not.)
 */
export const TASK_STATES: Record<number, string> = { 1: 'Alive', 2: 'Dead', 3: 'Stopped', 6: 'Zombie' };

/** core_entry.march. */
export const MACHINES: Record<number, string> = { 0: 'unknown', 1: 'x86_64', 2: 'arm', 3: 'aarch64', 4: 'ppc64', 5: 's390', 6: 'mips', 7: 'loongarch64', 8: 'riscv64' };

export const SOCK_FAMILY: Record<number, string> = { 1: 'UNIX', 2: 'INET', 10: 'INET6', 16: 'NETLINK', 17: 'PACKET' };
export const SOCK_TYPE: Record<number, string> = { 1: 'STREAM', 2: 'DGRAM', 3: 'RAW', 5: 'SEQPACKET', 10: 'PACKET' };
export const IP_PROTO: Record<number, string> = { 0: 'IP', 6: 'TCP', 17: 'UDP', 136: 'UDPLITE' };
/** TCP states (include/net/tcp_states.h). */
export const TCP_STATES: Record<number, string> = {
  1: 'ESTABLISHED', 2: 'SYN_SENT', 3: 'SYN_RECV', 4: 'FIN_WAIT1', 5: 'FIN_WAIT2', 6: 'TIME_WAIT', 7: 'CLOSE',
  8: 'CLOSE_WAIT', 9: 'LAST_ACK', 10: 'LISTEN', 11: 'CLOSING', 12: 'NEW_SYN_RECV',
};

/** mnt_entry.fstype (mnt.proto fstype enum). */
export const FSTYPES: Record<number, string> = {
  0: 'unsupported', 1: 'proc', 2: 'sysfs', 3: 'devtmpfs', 4: 'binfmt_misc', 5: 'tmpfs', 6: 'devpts', 7: 'simfs',
  8: 'pstore', 9: 'securityfs', 10: 'fusectl', 11: 'debugfs', 12: 'cgroup', 13: 'aufs', 14: 'mqueue', 15: 'fuse',
  16: 'auto', 17: 'overlay', 18: 'autofs', 19: 'tracefs', 23: 'cgroup2',
};

/** Auxiliary vector types used by the model (<elf.h>). */
export const AT = { NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, ENTRY: 9, EXECFN: 31, SYSINFO_EHDR: 33, HWCAP: 16, PLATFORM: 15, RANDOM: 25 } as const;

/** x86_64 syscall names for "blocked in syscall N" (the ones a blocked server is usually in). */
export const X86_64_SYSCALLS: Record<number, string> = {
  0: 'read', 1: 'write', 7: 'poll', 23: 'select', 34: 'pause', 35: 'nanosleep', 43: 'accept', 45: 'recvfrom',
  47: 'recvmsg', 61: 'wait4', 202: 'futex', 230: 'clock_nanosleep', 232: 'epoll_wait', 270: 'pselect6',
  271: 'ppoll', 281: 'epoll_pwait', 288: 'accept4', 441: 'epoll_pwait2', 17: 'pread64', 19: 'readv', 44: 'sendto',
};

/**
 * tcp_stream_entry.opt_mask: CRIU stores tcp_info.tcpi_options, the kernel's TCPI_OPT_* bits
 * (include/uapi/linux/tcp.h; USEC_TS and TFO_CHILD since Linux 6.7).
 */
export const TCPI_OPTIONS: [number, string][] = [
  [1, 'TIMESTAMPS'], [2, 'SACK'], [4, 'WSCALE'], [8, 'ECN'], [16, 'ECN_SEEN'], [32, 'SYN_DATA'], [64, 'USEC_TS'], [128, 'TFO_CHILD'],
];
