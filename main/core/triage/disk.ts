/**
 * Family 8, changes on disk (rootfs-diff.tar: files the container wrote; deleted.files: image files it
 * removed): persistence (cron T1053.003, SSH authorized_keys T1098.004, service units T1543, accounts in
 * /etc/passwd T1136.001, sudoers T1548.003, /etc/ld.so.preload T1574.006), programs dropped into temporary
 * or hidden folders (T1105), and removed logs and histories (T1070.004).
 *
 * Benign look-alikes: entrypoints that add the run-time user to /etc/passwd (OpenShift, the postgres image
 * with nss_wrapper), images that write their cron table or authorized_keys at start, libraries runtimes
 * unpack to /tmp. These stay `medium`/`low`; `high` needs a second sign (a second uid-0 account, an ELF
 * program in a temporary or hidden folder, a non-empty ld.so.preload).
 */
import type { Finding } from './finding';
import { filePointer, finding, type TechniqueId } from './finding';
import { isHiddenPath, isTempPath } from './context';
import { UNPACKED_LIBRARY } from './fileless';
import type { RuleFamily } from './rule';
import type { Checkpoint } from '../model/checkpoint';
import { KensaError } from '../errors';

const FAMILY = 'disk';
/** Bytes read from a changed file to judge it (a passwd file, an ELF header). */
const MAX_READ = 1 << 20;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

interface Change {
  path: string;
  type: string;
  size: number;
  mode: number;
}

interface PathRule {
  re: RegExp;
  technique: TechniqueId;
  severity: Finding['severity'];
  what: string;
  why: string;
}

const PERSISTENCE: PathRule[] = [
  { re: /^\/(?:etc\/(?:crontab|cron\.(?:d|hourly|daily|weekly|monthly)\/.+|anacrontab)|var\/spool\/cron\/.+)$/, technique: 'T1053.003', severity: 'medium', what: 'cron job', why: 'A job written after the container started runs a command on a schedule: a way to come back. Benign when the image writes its cron table at start.' },
  { re: /\/\.ssh\/authorized_keys2?$/, technique: 'T1098.004', severity: 'medium', what: 'SSH authorized_keys', why: 'A key added here lets its owner log in without a password. Benign when an SSH-serving image writes the key it was given at start.' },
  { re: /^\/etc\/(?:shadow|gshadow|group)$/, technique: 'T1136.001', severity: 'medium', what: 'account database', why: 'Accounts or passwords were changed after the container started. Benign when the entrypoint creates its run-time user.' },
  { re: /^\/etc\/sudoers(?:\.d\/.+)?$/, technique: 'T1548.003', severity: 'medium', what: 'sudo rules', why: 'New sudo rules grant root to a user. Rarely changed by a running container.' },
  { re: /^\/(?:etc|lib|usr\/lib)\/systemd\/system\/.+|^\/etc\/init\.d\/.+|^\/etc\/rc\.local$|^\/etc\/supervisor\/conf\.d\/.+|^\/etc\/(?:profile\.d\/.+|bash\.bashrc|profile)$|\/\.(?:bashrc|profile|bash_profile)$/, technique: 'T1543', severity: 'medium', what: 'service or start-up file', why: 'A service unit, init script or shell start-up file written after the container started runs a command when the service or a shell starts.' },
];

function readHead(cp: Checkpoint, path: string, n: number): Buffer | undefined {
  try {
    const src = cp.archive.open(`rootfs-diff.tar${path}`);
    return Buffer.from(src.read(0, Math.min(n, src.size)));
  } catch (e) {
    if (e instanceof KensaError) return undefined; // a link or an unreadable member: judged by its name only
    throw e;
  }
}

function memberOffset(cp: Checkpoint, path: string): number | undefined {
  return cp.archive.rootfsDiff()?.index.byName.get(path.replace(/^\/+/, ''))?.dataOffset;
}

function pointer(cp: Checkpoint, path: string) {
  return filePointer(path, `rootfs-diff.tar${path}`, memberOffset(cp, path));
}

function passwd(cp: Checkpoint, c: Change): Finding {
  const text = readHead(cp, c.path, MAX_READ)?.toString('utf8') ?? '';
  const root = text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 7 && f[2] === '0' && f[0] !== 'root').map((f) => f[0]);
  return finding({
    severity: root.length ? 'high' : 'medium', technique: 'T1136.001', family: FAMILY, rule: 'passwd', key: c.path, pid: null, evidence: [pointer(cp, c.path)],
    title: root.length ? `/etc/passwd changed in the container and gives uid 0 to ${root.join(', ')}` : '/etc/passwd changed in the container',
    explanation: root.length
      ? 'A second account with user id 0 is root under another name: a classic backdoor account. No image needs one.'
      : 'Accounts were added or changed after the container started. Benign when the entrypoint adds its run-time user (OpenShift and many official images append one line for an arbitrary uid).',
  });
}

function dropped(cp: Checkpoint, c: Change): Finding | undefined {
  if (c.type !== 'file' || (!isTempPath(c.path) && !isHiddenPath(c.path))) return undefined;
  const head = readHead(cp, c.path, 4);
  const elf = head?.equals(ELF_MAGIC) ?? false;
  const executable = (c.mode & 0o111) !== 0;
  if (!elf && !executable) return undefined;
  const unpacked = UNPACKED_LIBRARY.test(c.path) || /\.so(?:\.[\d.]+)?$/.test(c.path) && isTempPath(c.path) && !isHiddenPath(c.path);
  const severity = elf && !unpacked ? 'high' : unpacked ? 'low' : 'medium';
  return finding({
    severity, technique: 'T1105', family: FAMILY, rule: 'dropped-executable', key: c.path, pid: null, evidence: [pointer(cp, c.path)],
    title: `${elf ? 'ELF program' : 'Executable file'} dropped in ${isTempPath(c.path) ? 'a temporary' : 'a hidden'} folder: ${c.path} (${c.size} bytes, mode ${(c.mode & 0o7777).toString(8)})`,
    explanation: `${elf ? 'A compiled program' : 'A file marked executable'} written after the container started, where nothing is installed: what a downloaded tool or payload looks like. ${unpacked ? 'Its name matches a library a runtime unpacks there itself (JNI, PyInstaller), the usual benign case.' : 'Benign when the application builds or unpacks helpers at run time.'} Read it with kensa cat.`,
  });
}

/** Files whose removal hides activity: logs, histories, login records. */
const ANTI_FORENSIC = /^\/var\/log\/.+|\/\.(?:bash|zsh|ash|sh|python|mysql|psql|node_repl)_history$|^\/var\/run\/utmp$|^\/run\/utmp$/;

export const disk: RuleFamily = {
  family: FAMILY,
  run: ({ ctx }) => {
    const cp = ctx.cp;
    const out: Finding[] = [];
    for (const c of cp.rootfsChanges()) {
      if (c.path === '/etc/passwd' && c.type === 'file') {
        out.push(passwd(cp, c));
        continue;
      }
      if (c.path === '/etc/ld.so.preload' && c.type === 'file') {
        const empty = (readHead(cp, c.path, 4096)?.toString('utf8').trim() ?? '') === '';
        out.push(finding({
          severity: empty ? 'low' : 'high', technique: 'T1574.006', family: FAMILY, rule: 'ld-so-preload', key: c.path, pid: null, evidence: [pointer(cp, c.path)],
          title: `/etc/ld.so.preload written in the container${empty ? ' (empty)' : ''}`,
          explanation: 'Every dynamically linked program loads the libraries this file names, before its own: the standard hook of user-mode rootkits. Images do not ship one; an empty one does nothing.',
        }));
        continue;
      }
      const rule = c.type === 'file' || c.type === 'symlink' ? PERSISTENCE.find((r) => r.re.test(c.path)) : undefined;
      if (rule) {
        out.push(finding({
          severity: rule.severity, technique: rule.technique, family: FAMILY, rule: `persist-${rule.technique}`, key: c.path, pid: null, evidence: [pointer(cp, c.path)],
          title: `${rule.what[0].toUpperCase()}${rule.what.slice(1)} written in the container: ${c.path}`,
          explanation: rule.why,
        }));
        continue;
      }
      const d = dropped(cp, c);
      if (d) out.push(d);
    }
    for (const path of cp.meta.deletedFiles) {
      const p = path.startsWith('/') ? path : '/' + path;
      if (!ANTI_FORENSIC.test(p)) continue;
      out.push(finding({
        severity: 'medium', technique: 'T1070.004', family: FAMILY, rule: 'deleted-log', key: p, pid: null, evidence: [filePointer(p, 'deleted.files')],
        title: `${p} was deleted in the container`,
        explanation: 'Logs, shell histories and login records are what intruders remove to hide what they did. Benign when the image cleans its logs at start (log rotation inside a container is rare).',
      }));
    }
    return out;
  },
};
