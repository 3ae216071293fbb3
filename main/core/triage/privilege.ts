/**
 * Family 9, privilege (T1548 Abuse Elevation Control Mechanism, T1611 Escape to Host): a process whose
 * effective uid is root while its real uid is not (a setuid exploit or backdoor), processes holding every
 * capability (a privileged container: the usual way out to the host), and a process without the seccomp
 * filter the rest of the container has (it entered from outside, e.g. nsenter from the host, or the filter
 * was never applied to it).
 *
 * A ptrace attachment (T1055.008) cannot be seen in a checkpoint: CRIU seizes every task with ptrace itself
 * and refuses a task another tracer holds, so a traced process never reaches an archive.
 */
import type { Finding } from './finding';
import { finding, processPointer } from './finding';
import type { RuleFamily } from './rule';

const FAMILY = 'privilege';
/** Programs installed setuid root to do their job. */
const SETUID_PROGRAMS = /^(?:su|sudo|sudoedit|doas|passwd|newgrp|chsh|chfn|chage|expiry|gpasswd|mount|umount|mount\.nfs|fusermount3?|ping6?|traceroute6?|unix_chkpwd|pkexec|polkit-agent-he|ssh-keysign|Xorg|crontab|at|exim4?|sendmail|newuidmap|newgidmap|dbus-daemon-lau|procmail)$/;
/** Capability bits up to CAP_CHECKPOINT_RESTORE (40, Linux 5.9): all of them is a privileged container. */
const ALL_CAPS = (1n << 41n) - 1n;
/** seccomp_mode 2 = SECCOMP_MODE_FILTER (include/uapi/linux/seccomp.h). */
const SECCOMP_MODE_FILTER = 2;

export const privilege: RuleFamily = {
  family: FAMILY,
  run: ({ ctx }) => {
    const out: Finding[] = [];
    for (const p of ctx.procs) {
      const c = p.creds;
      if (!c) continue;
      if (c.euid === 0 && c.uid !== 0) {
        const expected = SETUID_PROGRAMS.test(p.comm);
        out.push(finding({
          severity: expected ? 'low' : 'high', technique: 'T1548', family: FAMILY, rule: 'euid-root', key: `${p.pid}`, pid: p.pid, evidence: [processPointer(p.pid, p.comm)],
          title: `pid ${p.pid} (${p.comm}) runs as root (euid 0) for user ${c.uid}`,
          explanation: `The real user is ${c.uid} but the effective user is root: the process gained root through a setuid program or an exploit. ${expected ? `${p.comm} is installed setuid root to do exactly this.` : 'Only setuid programs (su, sudo, passwd, ping) are expected to run so; this one is not among them.'}`,
        }));
      } else if (c.uid !== c.euid || c.uid !== c.suid) {
        out.push(finding({
          severity: 'info', technique: 'T1548', family: FAMILY, rule: 'uid-mismatch', key: `${p.pid}`, pid: p.pid, evidence: [processPointer(p.pid, p.comm)],
          title: `pid ${p.pid} (${p.comm}) has uid ${c.uid}, euid ${c.euid}, saved uid ${c.suid}`,
          explanation: 'The user ids differ without the effective one being root: daemons that drop privileges temporarily (seteuid) keep such a mix. Worth a look only if the program should not be switching users.',
        }));
      }
    }
    const full = ctx.procs.filter((p) => p.creds && (BigInt(p.creds.capEff) & ALL_CAPS) === ALL_CAPS);
    if (full.length) {
      out.push(finding({
        severity: 'medium', technique: 'T1611', family: FAMILY, rule: 'all-capabilities', key: full.map((p) => p.pid).join(','), pid: full[0].pid,
        evidence: full.slice(0, 16).map((p) => processPointer(p.pid, p.comm)),
        title: `${full.length} process${full.length === 1 ? '' : 'es'} hold every capability (pid ${full.map((p) => p.pid).slice(0, 8).join(', ')}): a privileged container`,
        explanation: 'With all capabilities (CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_PTRACE...) a process can load kernel modules, mount the host disk or enter host namespaces: escaping the container is a few commands away. Container engines grant the default set (about 14) unless run --privileged; benign only for system tooling that needs it.',
      }));
    }
    // The filter is inherited across fork and exec and cannot be dropped: a process without it whose parent
    // has one (or a second root beside a filtered init: its parent is outside the container) came from
    // outside. The other way round is normal: programs that sandbox themselves (sshd's privsep child,
    // browsers, tor) install a filter their parent lacks.
    const seccomp = new Map(ctx.procs.map((p) => [p.pid, p.threads.find((t) => t.tid === p.pid)?.seccompMode ?? p.threads[0]?.seccompMode]));
    const init = ctx.procs.find((p) => p.depth === 0);
    for (const p of ctx.procs) {
      const mode = seccomp.get(p.pid);
      if (mode === undefined || mode === SECCOMP_MODE_FILTER) continue;
      const reference = ctx.parent(p) ?? (p !== init ? init : undefined);
      if (!reference || seccomp.get(reference.pid) !== SECCOMP_MODE_FILTER) continue;
      out.push(finding({
        severity: 'medium', technique: 'T1611', family: FAMILY, rule: 'no-seccomp', key: `${p.pid}`, pid: p.pid, evidence: [processPointer(p.pid, p.comm), processPointer(reference.pid, reference.comm)],
        title: `pid ${p.pid} (${p.comm}) has no seccomp filter, but ${reference === init && reference !== ctx.parent(p) ? 'the container\'s init' : 'its parent'} pid ${reference.pid} (${reference.comm}) has one`,
        explanation: 'A seccomp filter is inherited across fork and exec and cannot be removed, so every process started inside the container has the one the engine applied. A process without it was put into the container from outside (nsenter from the host, a runtime exec with the filter disabled). Benign for an administrator\'s own debugging session.',
      }));
    }
    return out;
  },
};
