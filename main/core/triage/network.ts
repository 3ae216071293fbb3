/**
 * Family 4, network (T1571 Non-Standard Port, T1095 Non-Application Layer Protocol): listening sockets that
 * the container's main workload did not open (nor inherit from it), established connections with their
 * peers (one `info` finding per process, so a busy database gives one line, not a thousand), and raw or
 * packet sockets. Every socket links to its process, fd and inode.
 */
import type { Finding } from './finding';
import { finding, processPointer, socketPointer, socketTuple } from './finding';
import type { ProcFacts, TriageContext } from './context';
import type { RuleFamily } from './rule';
import type { SocketRecord } from '../model/checkpoint';

const FAMILY = 'network';
/** Peers listed in one connections finding; the title gives the full count. */
const MAX_PEERS = 32;
/**
 * Ports offensive tooling defaults to and services rarely use: Metasploit's 4444/4445, 1337 and 31337, IRC
 * botnet control 6666-6669. (Tor's 9001 is also MinIO's console, 12345 and 54321 are application defaults.)
 */
const OFFENSIVE_PORTS = new Set([4444, 4445, 1337, 31337, 6666, 6667, 6668, 6669]);
/** Programs that need raw or packet sockets for their job (DHCP clients, ping, capture, VRRP). */
const RAW_USERS = /^(?:dhclient|dhcpcd|udhcpc|ping6?|traceroute6?|tcpdump|tshark|dumpcap|keepalived|arping|fping|mtr(?:-packet)?|cilium.*|bird6?|zebra|ospfd|bgpd|suricata|Suricata-Main|snort|zeek|arpwatch|p0f|ntopng|lldpd|pmacctd|nprobe)$/;

function inheritedFromAncestor(ctx: TriageContext, p: ProcFacts, s: SocketRecord): boolean {
  if (!s.inode) return false;
  for (let a = ctx.parent(p), guard = 0; a && guard < 4096; a = ctx.parent(a), guard++) {
    if (a.sockets.some((t) => t.inode === s.inode)) return true;
    if (a.ppid === a.pid) break;
  }
  return false;
}

function listeners(ctx: TriageContext, p: ProcFacts): Finding[] {
  if (ctx.mainPids.has(p.pid)) return [];
  const own = p.sockets.filter((s) => (s.family === 'INET' || s.family === 'INET6') && s.state === 'LISTEN' && !inheritedFromAncestor(ctx, p, s));
  return own.map((s) => {
    const shell = ctx.isShell(p) || ctx.isRelay(p);
    const severity = shell ? 'high' : OFFENSIVE_PORTS.has(s.srcPort ?? 0) ? 'medium' : 'low';
    return finding({
      severity, technique: 'T1571', family: FAMILY, rule: 'listener', key: `${p.pid}:${s.inode ?? s.fd}`, pid: p.pid, evidence: [socketPointer(s), processPointer(p.pid, p.comm)],
      title: `pid ${p.pid} (${p.comm}) listens on ${s.src}:${s.srcPort}, not the container's main process`,
      explanation: `A port opened by a process other than the container's workload is a way in that the image did not declare${shell ? '; a shell or relay listening is a bind shell' : ''}${OFFENSIVE_PORTS.has(s.srcPort ?? 0) ? `; port ${s.srcPort} is a default of offensive tools` : ''}. Benign for helper processes the image runs on purpose (metrics exporters, sidecar-like daemons started by the entrypoint).`,
    });
  });
}

function connections(p: ProcFacts): Finding[] {
  const listening = new Set(p.sockets.filter((s) => s.state === 'LISTEN').map((s) => s.srcPort));
  const est = p.sockets.filter((s) => (s.family === 'INET' || s.family === 'INET6') && s.state === 'ESTABLISHED');
  if (!est.length) return [];
  const out: Finding[] = [];
  const offensive = est.filter((s) => OFFENSIVE_PORTS.has(s.dstPort ?? 0) && !listening.has(s.srcPort));
  for (const s of offensive) {
    out.push(finding({
      severity: 'medium', technique: 'T1571', family: FAMILY, rule: 'offensive-port', key: `${p.pid}:${s.inode ?? s.fd}`, pid: p.pid, evidence: [socketPointer(s), processPointer(p.pid, p.comm)],
      title: `pid ${p.pid} (${p.comm}) is connected to ${s.dst}:${s.dstPort}, a port offensive tools default to`,
      explanation: `Port ${s.dstPort} is the default of Metasploit handlers, IRC botnets or Tor, and rarely of a service. Benign when the peer is a known service that happens to use it.`,
    }));
  }
  const peers = est.map((s) => `${s.dst}:${s.dstPort}`);
  out.push(finding({
    severity: 'info', technique: 'T1571', family: FAMILY, rule: 'connections', key: `${p.pid}`, pid: p.pid, evidence: est.slice(0, MAX_PEERS).map(socketPointer),
    title: `pid ${p.pid} (${p.comm}) has ${est.length} established connection${est.length === 1 ? '' : 's'}: ${[...new Set(peers)].slice(0, 4).join(', ')}${peers.length > 4 ? ', ...' : ''}`,
    explanation: 'Who the process was talking to when it was checkpointed, for correlation with network logs. Connections to the ports it listens on are its clients; the others are outbound.',
  }));
  return out;
}

function rawSockets(p: ProcFacts): Finding[] {
  const raw = p.sockets.filter((s) => s.family === 'PACKET' || ((s.family === 'INET' || s.family === 'INET6') && s.type === 'RAW'));
  if (!raw.length) return [];
  const expected = RAW_USERS.test(p.comm);
  return [finding({
    severity: expected ? 'low' : 'medium', technique: 'T1095', family: FAMILY, rule: 'raw-socket', key: `${p.pid}`, pid: p.pid, evidence: [...raw.map(socketPointer), processPointer(p.pid, p.comm)],
    title: `pid ${p.pid} (${p.comm}) holds ${raw.length} raw/packet socket${raw.length === 1 ? '' : 's'}: ${raw.map(socketTuple).join(', ')}`,
    explanation: `Raw and packet sockets see or forge traffic below TCP/UDP: sniffers and backdoors woken by a magic packet (BPFDoor) use them, and they need CAP_NET_RAW. ${expected ? `${p.comm} needs one for its job (DHCP, ping, capture, VRRP).` : 'Benign for DHCP clients, ping, tcpdump and routing daemons; this program is not one of them.'}`,
  })];
}

export const network: RuleFamily = {
  family: FAMILY,
  run: ({ ctx }) => ctx.procs.flatMap((p) => [...listeners(ctx, p), ...connections(p), ...rawSockets(p)]),
};
