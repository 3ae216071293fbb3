/**
 * A process's open files and sockets, from its fdinfo image and files.img (criu-format.md §2.6–2.7): what
 * each fd points at in words, and socket endpoints as text. Functions over the Checkpoint, which calls them.
 */
import type { Checkpoint } from './checkpoint';
import type { FdRecord, SocketRecord } from './records';
import type { Msg } from './images';
import { FD_TYPES, IP_PROTO, SOCK_FAMILY, SOCK_TYPE, TCP_STATES } from './constants';
import { inetAddress, inetAddressProblem, num, unixName } from './wire-values';

/** fdinfo image of a process (fdinfo-<files_id> when inventory.fdinfo_per_id, else fdinfo-<pid>). */
export function fdinfo(cp: Checkpoint, pid: number): Msg[] {
  const perId = cp.inventory()?.fdinfo_per_id;
  const filesId = cp.ids(pid)?.files_id;
  const name = perId !== false && filesId !== undefined ? `fdinfo-${num(filesId)}.img` : `fdinfo-${pid}.img`;
  return cp.images.has(name) ? cp.images.entries(name) ?? [] : [];
}

/** Open files of a process in fd order: type, what the fd points at, flags, position, ghost content. */
export function fdRecords(cp: Checkpoint, pid: number): FdRecord[] {
  const files = cp.files();
  const deleted = cp.deletedFileIds();
  return fdinfo(cp, pid)
    .map((fi) => {
      const id = num(fi.id);
      const f = files.get(id);
      const typeNum = num(f?.type ?? fi.type);
      const type = FD_TYPES[typeNum] ?? `type ${typeNum}`;
      const rec: FdRecord = { fd: num(fi.fd), type, fileId: id, path: describeFile(cp, f, type, id), cloexec: (num(fi.flags) & 1) === 1 };
      if (f?.reg) {
        rec.flags = num(f.reg.flags);
        if (f.reg.pos !== undefined) rec.pos = BigInt(f.reg.pos);
        if (deleted.has(id)) {
          rec.deleted = true;
          rec.path += ' (deleted)';
          const g = cp.ghostFile(id);
          if (g) rec.ghost = { member: g.member, size: g.size, ...(g.knownEnd < g.size ? { knownEnd: g.knownEnd } : {}) };
        }
      }
      return rec;
    })
    .sort((a, b) => a.fd - b.fd);
}

/** An inet socket's address as text; a malformed one is named as a problem of the image and left out. */
function inetEndpoint(cp: Checkpoint, s: Msg, field: 'src_addr' | 'dst_addr'): string | undefined {
  const family = num(s.family);
  const problem = inetAddressProblem(s[field], family);
  if (problem) {
    const image = cp.images.has('files.img') ? 'files.img' : 'inetsk.img';
    cp.images.note(cp.archive.imageMember(image), `inet socket ${num(s.id)} (inode ${num(s.ino)}): ${field} ${problem}; address left out`);
  }
  return inetAddress(s[field], family);
}

function describeFile(cp: Checkpoint, f: Msg | undefined, type: string, id: number): string {
  if (!f) return `${type}.${id} (no file entry)`;
  switch (type) {
    case 'REG':
      return String(f.reg?.name ?? '');
    case 'PIPE':
      return `pipe[${num(f.pipe?.pipe_id)}]`;
    case 'FIFO':
      return `fifo[${num(f.fifo?.pipe_id)}] ${cp.filePath(num(f.fifo?.regf_id)) ?? ''}`.trim();
    case 'INETSK': {
      const s = f.isk as Msg;
      const fam = num(s.family);
      const proto = IP_PROTO[num(s.proto)] ?? String(num(s.proto));
      // A malformed address shows as `?` (and is named as a problem); an absent one as nothing.
      const show = (field: 'src_addr' | 'dst_addr'): string => inetEndpoint(cp, s, field) ?? (inetAddressProblem(s[field], fam) ? '?' : '');
      const src = show('src_addr');
      const dst = show('dst_addr');
      const wrap = (a: string): string => (fam === 10 ? `[${a}]` : a);
      const state = proto === 'TCP' ? ` (${TCP_STATES[num(s.state)] ?? num(s.state)})` : '';
      return `${proto} ${wrap(src)}:${num(s.src_port)} -> ${wrap(dst)}:${num(s.dst_port)}${state}`;
    }
    case 'UNIXSK': {
      const s = f.usk as Msg;
      const name = unixName(s.name, s.name_dir);
      return `unix[${num(s.ino)} (${num(s.peer)})${name !== undefined ? ` ${name}` : ''}]`;
    }
    case 'EVENTFD':
      return `eventfd (count ${num(f.efd?.counter)})`;
    case 'EVENTPOLL':
      return `eventpoll (watching fds ${(f.epfd?.tfd ?? []).map((t: Msg) => num(t.tfd)).join(', ')})`;
    case 'SIGNALFD':
      return `signalfd (mask 0x${BigInt(f.sgfd?.sigmask ?? 0).toString(16)})`;
    case 'TIMERFD':
      return `timerfd (clock ${num(f.tfd?.clockid)})`;
    case 'INOTIFY':
      return `inotify (${(f.ify?.wd ?? []).length} watches)`;
    case 'FANOTIFY':
      return `fanotify (${(f.ffy?.mark ?? []).length} marks)`;
    case 'NETLINKSK':
      return `netlink (protocol ${num(f.nlsk?.protocol)})`;
    case 'PACKETSK':
      return `packet (protocol ${num(f.psk?.protocol)})`;
    case 'MEMFD': {
      const inode = cp.memfdInodes().get(num(f.memfd?.inode_id));
      return `/memfd:${inode?.name ?? '?'} (deleted)`;
    }
    case 'TTY':
      return `tty (info ${num(f.tty?.tty_info_id)})`;
    case 'NS':
      return `ns (id ${num(f.nsf?.ns_id)})`;
    case 'PIDFD':
      return `pidfd (pid ${num(f.pidfd?.nspid)})`;
    case 'BPFMAP':
      return `bpf-map ${f.bpf?.map_name ?? ''}`.trim();
    default:
      return `${type}.${id}`;
  }
}

/** Sockets a process holds open (inet, unix, netlink, packet), with addresses as text. */
export function socketRecords(cp: Checkpoint, pid: number): SocketRecord[] {
  const files = cp.files();
  const out: SocketRecord[] = [];
  for (const fi of fdinfo(cp, pid)) {
    const f = files.get(num(fi.id));
    if (!f) continue;
    const fd = num(fi.fd);
    if (f.isk) {
      const s = f.isk as Msg;
      const fam = num(s.family);
      const proto = IP_PROTO[num(s.proto)] ?? String(num(s.proto));
      out.push({
        pid, fd, family: SOCK_FAMILY[fam] ?? String(fam), type: SOCK_TYPE[num(s.type)] ?? String(num(s.type)), protocol: proto,
        state: TCP_STATES[num(s.state)] ?? String(num(s.state)),
        src: inetEndpoint(cp, s, 'src_addr'), srcPort: num(s.src_port), dst: inetEndpoint(cp, s, 'dst_addr'), dstPort: num(s.dst_port),
        sendBuf: s.opts?.so_sndbuf !== undefined ? num(s.opts.so_sndbuf) : undefined,
        recvBuf: s.opts?.so_rcvbuf !== undefined ? num(s.opts.so_rcvbuf) : undefined,
        inode: num(s.ino), backlog: num(s.backlog),
      });
    } else if (f.usk) {
      const s = f.usk as Msg;
      out.push({
        pid, fd, family: 'UNIX', type: SOCK_TYPE[num(s.type)] ?? String(num(s.type)), state: TCP_STATES[num(s.state)] ?? String(num(s.state)),
        name: unixName(s.name, s.name_dir), inode: num(s.ino), peerInode: num(s.peer), backlog: num(s.backlog),
        sendBuf: s.opts?.so_sndbuf !== undefined ? num(s.opts.so_sndbuf) : undefined,
        recvBuf: s.opts?.so_rcvbuf !== undefined ? num(s.opts.so_rcvbuf) : undefined,
      });
    } else if (f.nlsk) {
      out.push({ pid, fd, family: 'NETLINK', type: 'RAW', protocol: String(num(f.nlsk.protocol)), inode: num(f.nlsk.ino) });
    } else if (f.psk) {
      out.push({ pid, fd, family: 'PACKET', type: SOCK_TYPE[num(f.psk.type)] ?? String(num(f.psk.type)), protocol: String(num(f.psk.protocol)) });
    }
  }
  return out;
}
