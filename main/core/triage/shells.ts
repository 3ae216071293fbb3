/**
 * Family 3, shells wired to the network (T1059.004 Unix Shell, T1059 Command and Scripting Interpreter): a
 * shell, interpreter or relay (nc, socat) whose stdin, stdout or stderr is an internet socket (a reverse or
 * bind shell), a command line using bash's /dev/tcp redirection, and interpreters started with inline code
 * (`-c`, `-e`) by a server process (a web shell's command). Benign look-alikes: stdio on a UNIX socket
 * (journald, supervisors, `docker logs` plumbing), the container's own `sh -c` entrypoint, and servers whose
 * job is to run commands (PostgreSQL's archive_command, cron, sshd sessions).
 */
import type { Finding } from './finding';
import { finding, processPointer, socketPointer } from './finding';
import type { ProcFacts, TriageContext } from './context';
import type { RuleFamily } from './rule';

const FAMILY = 'shell';

/** Inline code that fetches, decodes or connects: what reverse shells and droppers run. */
const HOSTILE_CODE = /\/dev\/(?:tcp|udp)\/|\bnc(?:at)?\b.*\s-[a-z]*[ec]\b|\bsocat\b|\bbash\s+-i\b|\bsh\s+-i\b|\b(?:curl|wget)\b[^|;]*\|\s*(?:ba|z|da)?sh\b|base64\s+(?:-d|--decode)|\bimport\s+(?:socket|pty)\b|\bsocket\.socket\b|pty\.spawn|fsockopen|\bmkfifo\b|\bchmod\s+\+?[0-7]*x\b[^;]*\/(?:tmp|dev\/shm|var\/tmp)\/|TCPSocket|IO::Socket/;

/** The option that introduces inline code, per interpreter (`sh -c`, `python -c`, `perl -e`, `node -e`...). */
function inlineCode(p: ProcFacts): string | undefined {
  const args = p.argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (/^-[a-zA-Z]*c$/.test(a) || a === '-e' || a === '-E' || a === '--eval' || a === '-r' || a === '-x' && /^php/.test(p.comm)) return args[i + 1] ?? '';
    if (!a.startsWith('-')) return undefined; // a script file comes first: not inline code
  }
  return undefined;
}

function stdioSockets(ctx: TriageContext, p: ProcFacts): Finding[] {
  if (!ctx.isInterpreter(p) && !ctx.isRelay(p)) return [];
  const inet = p.sockets.filter((s) => s.fd <= 2 && (s.family === 'INET' || s.family === 'INET6'));
  if (!inet.length) return [];
  const fds = inet.map((s) => s.fd).join(', ');
  return [finding({
    severity: 'high', technique: 'T1059.004', family: FAMILY, rule: 'stdio-socket', key: `${p.pid}`, pid: p.pid,
    evidence: [processPointer(p.pid, p.comm), ...inet.map(socketPointer)],
    title: `pid ${p.pid} (${p.comm}) has a network socket as fd ${fds}: a ${inet.some((s) => s.state === 'LISTEN') ? 'bind' : 'reverse'} shell`,
    explanation: `A ${ctx.isRelay(p) ? 'network relay' : 'shell or interpreter'} whose standard input or output is a TCP/UDP socket takes commands from, and answers to, the machine at the other end: a reverse shell (${inet.map((s) => `${s.dst}:${s.dstPort}`).join(', ')}). Benign only for inetd-style services that hand a connection to a script; a UNIX socket there (journald, supervisors) is not reported.`,
  })];
}

function devTcp(p: ProcFacts): Finding[] {
  const line = p.argv.join(' ');
  const targets = [...line.matchAll(/\/dev\/(?:tcp|udp)\/([^\s/]+)\/\d+/g)].map((m) => m[1]);
  if (!targets.length) return [];
  // Health checks test a local port this way (`echo > /dev/tcp/localhost/5432`); a remote host is a reverse shell.
  const local = targets.every((h) => /^(?:localhost|127\.\d+\.\d+\.\d+|::1|0\.0\.0\.0)$/.test(h));
  return [finding({
    severity: local ? 'low' : 'high', technique: 'T1059.004', family: FAMILY, rule: 'dev-tcp', key: `${p.pid}`, pid: p.pid, evidence: [processPointer(p.pid, p.comm)],
    title: `pid ${p.pid} (${p.comm}) command line opens a connection through /dev/tcp: ${line.slice(0, 200)}`,
    explanation: `bash's /dev/tcp/HOST/PORT redirection connects a shell to a machine without any network tool: the classic one-line reverse shell. ${local ? 'Here the host is this machine, as in a health check that tests a local port.' : 'Health checks use it against localhost; this one names another host.'}`,
  })];
}

function inlineFromServer(ctx: TriageContext, p: ProcFacts): Finding[] {
  if (!ctx.isInterpreter(p)) return [];
  const code = inlineCode(p);
  if (code === undefined) return [];
  const parent = ctx.parent(p);
  // A shell parent is the entrypoint's plumbing (`sh -c 'server | tee log'`), not a server taking requests.
  if (!parent || !ctx.isServer(parent) || ctx.isShell(parent)) return [];
  const hostile = HOSTILE_CODE.test(code);
  const byDesign = ctx.runsShellsByDesign(parent);
  const severity = hostile ? 'high' : byDesign ? 'low' : 'medium';
  return [finding({
    severity, technique: 'T1059', family: FAMILY, rule: 'inline-from-server', key: `${p.pid}`, pid: p.pid,
    evidence: [processPointer(p.pid, p.comm), processPointer(parent.pid, parent.comm)],
    title: `pid ${p.pid} (${p.comm}) runs inline code from server pid ${parent.pid} (${parent.comm}): ${code.slice(0, 160)}`,
    explanation: `A server that takes requests from the network started an interpreter with code on its command line: what a web shell or a command-injection bug produces.${hostile ? ' The code fetches, decodes or opens a connection, as reverse shells and droppers do.' : ''} ${byDesign ? `${parent.comm} runs shell commands by design (archive_command, jobs, sessions), which makes this usual.` : 'Benign when the application is known to run this command (an image converter, a backup hook).'}`,
  })];
}

export const shells: RuleFamily = {
  family: FAMILY,
  run: ({ ctx }) => ctx.procs.flatMap((p) => [...stdioSockets(ctx, p), ...devTcp(p), ...inlineFromServer(ctx, p)]),
};
