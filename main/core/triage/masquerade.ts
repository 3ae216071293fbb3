/**
 * Family 5, masquerading (T1036.004 Masquerade Task or Service, T1036.005 Match Legitimate Name or
 * Location): kernel-thread names inside a container (a container holds no kernel threads: every task in a
 * checkpoint has its own memory), a system daemon's name on a program run from a temporary or hidden folder,
 * and a process name (comm) that agrees with none of the names the process was started under.
 *
 * Benign look-alikes: busybox applets and symlinked interpreters (comm is the name exec'd, argv[0]); scripts
 * run through a shebang (comm is the script's name, the executable the interpreter's); servers that retitle
 * themselves (`postgres: checkpointer`, `nginx: worker process`, gunicorn via setproctitle); names cut to the
 * kernel's 15 characters.
 */
import type { Finding } from './finding';
import { finding, processPointer, vmaPointer } from './finding';
import { baseName, isHiddenPath, isTempPath, type ProcFacts, type TriageContext } from './context';
import type { RuleFamily } from './rule';

const FAMILY = 'masquerade';
/** TASK_COMM_LEN - 1 (include/linux/sched.h): comm is cut to 15 bytes. */
const COMM_MAX = 15;
const KERNEL_THREAD = /^\[?(?:kworker|kthreadd|ksoftirqd|migration|rcu_[a-z]+|kswapd\d*|watchdog|kdevtmpfs|khungtaskd|kcompactd\d*|jbd2|writeback|kblockd|kauditd|khugepaged|ksmd|oom_reaper|cpuhp|irq\/|kthrotld|scsi_eh|xfsaild|kintegrityd|md\d*_raid|card\d+-crtc)(?:[/:\]\d_-]|$)/;
/** Names of system daemons that malware borrows. */
const SYSTEM_NAMES = /^(?:sshd|systemd.*|init|cron|crond|atd|dbus-daemon|rsyslogd|syslogd|journald|agetty|udevd|acpid|irqbalance|nscd|ntpd|chronyd|polkitd|auditd|containerd|dockerd|kubelet|bash|sh|apache2|httpd|nginx|mysqld|postgres|php-fpm)$/;

function commMatches(comm: string, name: string): boolean {
  if (!name) return false;
  return comm === name || (comm.length === COMM_MAX && name.startsWith(comm)) || name.startsWith(comm);
}

function kernelName(p: ProcFacts): Finding[] {
  const argv0 = p.argv[0] ?? '';
  const bracketed = /^\[[^\]]+\]$/.test(argv0.trim());
  if (!KERNEL_THREAD.test(p.comm) && !bracketed && !KERNEL_THREAD.test(argv0)) return [];
  return [finding({
    severity: 'high', technique: 'T1036.004', family: FAMILY, rule: 'kernel-thread-name', key: `${p.pid}`, pid: p.pid, evidence: [processPointer(p.pid, p.comm)],
    title: `pid ${p.pid} calls itself ${JSON.stringify(bracketed ? argv0 : p.comm)}, a kernel thread's name, inside a container (executable ${p.exe ?? '?'})`,
    explanation: 'Kernel threads have no memory map and are never part of a container, yet every process in this checkpoint is a user program. Miners and backdoors rename themselves `[kworker/0:1]` and the like to hide in ps listings. No benign program needs this name.',
  })];
}

function systemNameFromOddPlace(p: ProcFacts): Finding[] {
  if (!p.exe || p.exeMemfd) return [];
  const name = baseName(p.exe);
  if (!SYSTEM_NAMES.test(name) && !SYSTEM_NAMES.test(p.comm)) return [];
  if (!isTempPath(p.exe) && !isHiddenPath(p.exe)) return [];
  const exeVma = p.vmas.find((v) => v.file?.path === p.exe && v.perms[2] === 'x');
  return [finding({
    severity: 'high', technique: 'T1036.005', family: FAMILY, rule: 'system-name-odd-place', key: `${p.pid}`, pid: p.pid, evidence: [processPointer(p.pid, p.comm), ...(exeVma ? [vmaPointer(p.pid, exeVma)] : [])],
    title: `pid ${p.pid} (${p.comm}) has a system program's name but runs from ${p.exe}`,
    explanation: 'System daemons are installed in /usr/sbin, /usr/bin and the like; the same name run from a temporary or hidden folder is a payload dressed as one. No package installs there.',
  })];
}

function commMismatch(ctx: TriageContext, p: ProcFacts): Finding[] {
  if (!p.exe || p.exeMemfd || !p.comm || KERNEL_THREAD.test(p.comm)) return [];
  const exeName = baseName(p.exe);
  if (exeName === 'busybox' || exeName.startsWith('busybox')) return []; // every applet is busybox
  const candidates = [exeName, baseName(p.argv[0]), (p.argv[0] ?? '').split(/[\s:]/)[0], baseName((p.argv[0] ?? '').split(/[\s:]/)[0]), baseName(p.argv[1]), baseName(p.argv[2])];
  if (candidates.some((c) => commMatches(p.comm, c ?? ''))) return [];
  // Interpreters with symlinked names (python3 -> python3.11, node -> nodejs): comm is a prefix of the name.
  if (exeName.startsWith(p.comm.replace(/[\d.]+$/, '')) && p.comm.replace(/[\d.]+$/, '').length >= 3) return [];
  const system = SYSTEM_NAMES.test(p.comm);
  return [finding({
    severity: system ? 'medium' : 'low', technique: 'T1036.004', family: FAMILY, rule: 'comm-mismatch', key: `${p.pid}`, pid: p.pid, evidence: [processPointer(p.pid, p.comm)],
    title: `pid ${p.pid} calls itself ${JSON.stringify(p.comm)} but runs ${p.exe} (argv[0] ${JSON.stringify(p.argv[0] ?? '')})`,
    explanation: `The process name matches neither its executable nor the name it was started under: it was changed at run time (prctl PR_SET_NAME).${system ? ` ${JSON.stringify(p.comm)} is a system daemon's name, which disguises a program in process listings.` : ''} Benign for programs that name themselves (worker pools, setproctitle); ${ctx.isInterpreter(p) ? 'interpreters running a library that retitles the process do this too.' : 'check what the executable is.'}`,
  })];
}

export const masquerade: RuleFamily = {
  family: FAMILY,
  run: ({ ctx }) => ctx.procs.flatMap((p) => [...kernelName(p), ...systemNameFromOddPlace(p), ...commMismatch(ctx, p)]),
};
