/**
 * What the Process view shows of one process beyond the tree: exe, argv as a list, cwd and root, the
 * environment (read from its memory), credentials with capabilities by name, and the seccomp mode.
 */
import type { ProcessDetails } from '#shared/api/contract';
import { capabilityNames } from '#shared/capabilities';
import type { Checkpoint } from '../core/model/checkpoint';

/** seccomp modes as the kernel numbers them (SECCOMP_MODE_* in linux/seccomp.h). */
const SECCOMP_MODES = ['disabled', 'strict', 'filter'];

export function processDetails(cp: Checkpoint, pid: number): ProcessDetails {
  const out: ProcessDetails = { pid };
  const exe = cp.exe(pid);
  if (exe) out.exe = exe;
  const argv = cp.argv(pid);
  if (argv) out.argv = argv;
  const fsInfo = cp.fs(pid);
  if (fsInfo.cwd !== undefined) out.cwd = fsInfo.cwd;
  if (fsInfo.root !== undefined) out.root = fsInfo.root;
  if (fsInfo.umask !== undefined) out.umask = '0' + fsInfo.umask.toString(8).padStart(3, '0');
  const env = cp.environ(pid);
  if (env) out.env = env;
  const c = cp.creds(pid);
  if (c) {
    out.creds = {
      uid: c.uid, gid: c.gid, euid: c.euid, egid: c.egid, suid: c.suid, sgid: c.sgid, fsuid: c.fsuid, fsgid: c.fsgid, groups: c.groups,
      capEff: capabilityNames(c.capEff), capPrm: capabilityNames(c.capPrm), capBnd: capabilityNames(c.capBnd),
      ...(c.noNewPrivs !== undefined ? { noNewPrivs: c.noNewPrivs } : {}),
      ...(c.lsmProfile ? { lsmProfile: c.lsmProfile } : {}),
    };
  }
  const seccomp = cp.threads(pid)[0]?.seccompMode;
  if (seccomp !== undefined) out.seccomp = SECCOMP_MODES[seccomp] ?? `mode ${seccomp}`;
  return out;
}
