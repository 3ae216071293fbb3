/**
 * A checkpoint with an established TCP connection, which no fixture has (CRIU cannot run where the fixtures
 * were checked, and the fixtures' only TCP socket is a listener): the real criu-dir images with, added
 * through the project's own codec,
 *  - in the counter (pid 3) fd 25: an ESTABLISHED TCP socket 10.88.0.8:8088 <- 10.88.0.1:53412 and its
 *    tcp-stream-<inode>.img holding an HTTP request in the receive queue and a response in the send queue;
 *  - a connected unix socket pair, one end in pid 3 (fd 26), the other in pid 4 (fd 27), with two packets
 *    queued on pid 3's end in sk-queues.img.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeImage, FdTypes } from '../../../main/core/criu';
import { addFds, criuDirCopy } from './mm-synth';

export const TCP = { pid: 3, fd: 25, id: 9500, inode: 0x4a3f2, srcPort: 8088, dstPort: 53412 } as const;
export const UNIX = { pid: 3, fd: 26, id: 9501, inode: 0x4a3f3, peerPid: 4, peerFd: 27, peerId: 9502, peerInode: 0x4a3f4 } as const;

export const HTTP_REQUEST = 'GET /admin/export?token=K3NSA-7f3a HTTP/1.1\r\nHost: 10.88.0.8:8088\r\nUser-Agent: curl/8.5.0\r\n\r\n';
export const HTTP_RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n\r\nexport queued: 3 rows';
export const UNIX_PACKETS = ['{"job": 41, "cmd": "sync"}\n', Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x1b, 0x5b, 0x32, 0x4a])] as const;

/** The tcp_stream_entry written for the connection; every field CRIU 4.2 sets. */
export const TCP_STREAM = {
  inq_len: Buffer.byteLength(HTTP_REQUEST), inq_seq: 3735928559, outq_len: Buffer.byteLength(HTTP_RESPONSE), outq_seq: 305419896,
  opt_mask: 0x7, snd_wscale: 7, mss_clamp: 1460, rcv_wscale: 9, timestamp: 123456789, cork: false, nodelay: true, unsq_len: 0,
  snd_wl1: 3735928500, snd_wnd: 64256, max_window: 65535, rcv_wnd: 65160, rcv_wup: 3735928559,
};

const fown = { uid: 0, euid: 0, signum: 0, pid_type: 0, pid: 0 };
const opts = {
  so_sndbuf: 87040, so_rcvbuf: 131072, so_snd_tmo_sec: 0n, so_snd_tmo_usec: 0n, so_rcv_tmo_sec: 30n, so_rcv_tmo_usec: 500000n,
  reuseaddr: true, so_keepalive: true, tcp_keepcnt: 9, tcp_keepidle: 7200, tcp_keepintvl: 75,
};

/** An IPv4 address as the one u32 word inet_sk_entry stores (network-order bytes, criu-format.md §2.7). */
function ipv4(text: string): number[] {
  return [Buffer.from(text.split('.').map(Number)).readUInt32LE(0)];
}

/** tcp-stream image bytes: the entry, then the receive and send queues (criu-format.md §1.3). */
export function tcpStreamImage(entry: Record<string, unknown> = TCP_STREAM, inq = Buffer.from(HTTP_REQUEST), outq = Buffer.from(HTTP_RESPONSE)): Buffer {
  return encodeImage({ magicName: 'TCP_STREAM', entries: [entry], records: [{ payload: { kind: 'tcp-stream', inq, outq } }] });
}

/** The image file name of the crafted connection's stream (tcp-stream-%x.img of its inode). */
export const TCP_STREAM_FILE = `tcp-stream-${TCP.inode.toString(16)}.img`;

export function unixSocket(id: number, ino: number, peer: number): { id: number; type: number } & Record<string, unknown> {
  return { type: FdTypes.UNIXSK, id, usk: { id, ino, type: 1, state: 1, flags: 0, uflags: 0, backlog: 0, peer, fown, opts, name: Buffer.alloc(0) } };
}

/** A folder of CRIU images (criu-dir's, plus the sockets above); returns its path. */
export function craftTcpCheckpoint(prefix = 'kensa-tcp-'): string {
  const dir = criuDirCopy(prefix);
  addFds(dir, TCP.pid, [
    {
      fd: TCP.fd,
      file: {
        type: FdTypes.INETSK, id: TCP.id,
        isk: {
          id: TCP.id, ino: TCP.inode, family: 2, type: 1, proto: 6, state: 1, src_port: TCP.srcPort, dst_port: TCP.dstPort, flags: 0x802, backlog: 0,
          src_addr: ipv4('10.88.0.8'), dst_addr: ipv4('10.88.0.1'), fown, opts, v6only: false,
          ip_opts: { freebind: false, tos: 0, ttl: 64 }, tcp_opts: { cork: false, nodelay: true, keepcnt: 9, keepidle: 7200, keepintvl: 75 },
        },
      },
    },
    { fd: UNIX.fd, file: unixSocket(UNIX.id, UNIX.inode, UNIX.peerInode) },
  ]);
  addFds(dir, UNIX.peerPid, [{ fd: UNIX.peerFd, file: unixSocket(UNIX.peerId, UNIX.peerInode, UNIX.inode) }]);
  fs.writeFileSync(path.join(dir, TCP_STREAM_FILE), tcpStreamImage());
  const packets = UNIX_PACKETS.map((p) => Buffer.from(p));
  fs.writeFileSync(
    path.join(dir, 'sk-queues.img'),
    encodeImage({
      magicName: 'SK_QUEUES',
      entries: packets.map((p) => ({ id_for: UNIX.id, length: p.length })),
      records: packets.map((data) => ({ payload: { kind: 'sk-queue', data } })),
    }),
  );
  return dir;
}
