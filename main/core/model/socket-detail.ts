/**
 * One socket in detail (shared/api/sockets.ts SocketDetail): everything CRIU dumped about it.
 *
 *  - its entry in files.img (inet_sk_entry, unix_sk_entry, netlink_sk_entry, packet_sock_entry; §2.7) field by
 *    field, and its options (sk_opts_entry; tcp_opts_entry and ip_opts_entry for inet sockets);
 *  - a TCP connection's stream, `tcp-stream-<inode in hex>.img` (§1.3): one tcp_stream_entry, then inq_len
 *    bytes of the receive queue and outq_len bytes of the send queue. The image codec (criu/image.ts) checks
 *    both lengths against the bytes that remain, so a cut or hostile image fails with its member and offset;
 *    that one line is handed back as `tcpProblem`, never a partial stream;
 *  - packets queued on the socket, sk_packet_entry records of sk-queues.img whose id_for is the socket's id,
 *    each followed by `length` bytes (§1.3);
 *  - a unix socket's peer (`peer` is the peer's inode): the fds of the checkpoint's processes holding it.
 */
import type { Checkpoint } from './checkpoint';
import type { Msg } from './images';
import { KensaError } from '../errors';
import { TCPI_OPTIONS } from './constants';
import { fdinfo, socketRecords } from './fds';
import { num } from './wire-values';
import { bytesToHex, formatBytes, jsonSafe } from '#shared/format';
import type { SocketDetail, SocketFieldValue, SocketQueueInfo, TcpStreamInfo } from '#shared/api/sockets';

/** Packets of one socket listed from sk-queues.img; past this they are counted (a flood of datagrams is not read one by one). */
export const MAX_LISTED_PACKETS = 1000;
/** Elements of a repeated field listed (so_filter holds up to 4096 BPF instructions); the rest are counted. */
const MAX_LISTED_ELEMENTS = 64;

/** files.img's sub-message holding each socket kind (fdinfo.proto file_entry) and its message type. */
const SOCKET_KINDS: [key: string, entryType: string][] = [
  ['isk', 'inet_sk_entry'], ['usk', 'unix_sk_entry'], ['nlsk', 'netlink_sk_entry'], ['psk', 'packet_sock_entry'],
];

/** tcp_stream_entry's required fields (tcp-stream.proto; criu-wire-fields.tsv). */
const TCP_REQUIRED = ['inq_len', 'inq_seq', 'outq_len', 'outq_seq', 'opt_mask', 'snd_wscale', 'mss_clamp'] as const;

/** The image CRIU writes a TCP connection's stream to: `tcp-stream-%x.img` of the socket's inode (magic.ts). */
export function tcpStreamImage(inode: number): string {
  return `tcp-stream-${(inode >>> 0).toString(16)}.img`;
}

interface Located {
  fileId: number;
  key: string;
  entryType: string;
  entry: Msg;
}

/** The socket process `pid` holds at `fd`, or a typed error naming what is not there. */
function locate(cp: Checkpoint, pid: number, fd: number): Located {
  if (!cp.process(pid)) throw new KensaError('missing', `no process ${pid} in the checkpoint`, { source: cp.source });
  const fi = fdinfo(cp, pid).find((e) => num(e.fd) === fd);
  if (!fi) throw new KensaError('missing', `process ${pid} has no fd ${fd}`, { source: cp.source });
  const fileId = num(fi.id);
  const f = cp.files().get(fileId);
  for (const [key, entryType] of SOCKET_KINDS) {
    if (f?.[key]) return { fileId, key, entryType, entry: f[key] as Msg };
  }
  throw new KensaError('usage', `fd ${fd} of process ${pid} is not a socket`, { source: cp.source });
}

/** A message's fields as JSON values, nested messages flattened with dots (`fown.uid`), bytes as hex. */
function flatten(message: Msg, prefix: string, out: Record<string, SocketFieldValue>, skip: ReadonlySet<string> = new Set()): void {
  for (const [name, value] of Object.entries(message)) {
    if (value === undefined || skip.has(name)) continue;
    const key = prefix + name;
    if (value instanceof Uint8Array) out[key] = bytesToHex(value, '');
    else if (Array.isArray(value)) {
      const scalars = value.filter((v) => typeof v !== 'object' || v === null);
      if (scalars.length === value.length) {
        out[key] = value.slice(0, MAX_LISTED_ELEMENTS).map((v) => jsonSafe(v) as number | string | boolean);
      } else value.slice(0, MAX_LISTED_ELEMENTS).forEach((v, i) => flatten(v as Msg, `${key}.${i}.`, out));
      if (value.length > MAX_LISTED_ELEMENTS) out[`${key}.count`] = value.length;
    } else if (typeof value === 'object' && value !== null) flatten(value as Msg, `${key}.`, out);
    else out[key] = jsonSafe(value) as SocketFieldValue;
  }
}

/** tcp_stream_entry as the contract's record: CRIU's fields and opt_mask in words. */
function tcpInfo(member: string, e: Msg): TcpStreamInfo {
  const mask = num(e.opt_mask) >>> 0;
  const options = TCPI_OPTIONS.filter(([bit]) => mask & bit).map(([, name]) => name);
  const unknown = (mask & ~TCPI_OPTIONS.reduce((m, [bit]) => m | bit, 0)) >>> 0;
  if (unknown) options.push(`0x${unknown.toString(16)}`);
  const info: TcpStreamInfo = {
    member, inq_len: num(e.inq_len), inq_seq: num(e.inq_seq), outq_len: num(e.outq_len), outq_seq: num(e.outq_seq),
    opt_mask: mask, options, snd_wscale: num(e.snd_wscale), mss_clamp: num(e.mss_clamp),
  };
  const optional = ['rcv_wscale', 'timestamp', 'unsq_len', 'snd_wl1', 'snd_wnd', 'max_window', 'rcv_wnd', 'rcv_wup'] as const;
  for (const k of optional) if (e[k] !== undefined) info[k] = num(e[k]);
  if (e.cork !== undefined) info.cork = Boolean(e.cork);
  if (e.nodelay !== undefined) info.nodelay = Boolean(e.nodelay);
  return info;
}

/** The stream of a TCP socket: its entry and queue views, or why there is none. */
function tcpStream(cp: Checkpoint, inode: number): { info: TcpStreamInfo; inq: Buffer; outq: Buffer; offset: number } | { problem: string } | undefined {
  const name = tcpStreamImage(inode);
  const member = cp.archive.imageMember(name);
  if (!cp.images.has(name)) return undefined;
  const image = cp.images.image(name);
  if (!image) return { problem: cp.images.failure(name)?.describe() ?? `${member}: cannot be read` };
  const record = image.records[0];
  const entry = image.entries[0] as Msg | undefined;
  if (!entry || record?.payload?.kind !== 'tcp-stream' || record.payloadOffset === undefined) {
    return { problem: `${cp.source}!${member}: holds no tcp_stream_entry` };
  }
  // A required field the entry lacks is not shown as 0 (never guessed): the stream is named as unreadable.
  const lacking = TCP_REQUIRED.filter((f) => entry[f] === undefined);
  if (lacking.length) return { problem: `${cp.source}!${member} @${record.offset}: tcp_stream_entry lacks required field${lacking.length > 1 ? 's' : ''} ${lacking.join(', ')}` };
  return { info: tcpInfo(member, entry), inq: record.payload.inq, outq: record.payload.outq, offset: record.payloadOffset };
}

/** Packets sk-queues.img holds for the socket whose id is `socketId`, with their bytes (views of the image). */
function queuedPackets(cp: Checkpoint, socketId: number): { packets: { info: SocketQueueInfo; data: Buffer }[]; omitted: number } | { problem: string } {
  const name = 'sk-queues.img';
  if (!cp.images.has(name)) return { packets: [], omitted: 0 };
  const image = cp.images.image(name);
  if (!image) return { problem: cp.images.failure(name)?.describe() ?? `${cp.archive.imageMember(name)}: cannot be read` };
  const member = cp.archive.imageMember(name);
  const packets: { info: SocketQueueInfo; data: Buffer }[] = [];
  let omitted = 0;
  image.entries.forEach((e, i) => {
    const record = image.records[i];
    if (num((e as Msg).id_for) !== socketId || record?.payload?.kind !== 'sk-queue') return;
    if (packets.length >= MAX_LISTED_PACKETS) return void omitted++;
    const n = packets.length;
    const data = record.payload.data;
    packets.push({ info: { id: `packet:${n}`, label: `queued packet ${n + 1}`, length: data.length, member, offset: record.payloadOffset ?? 0 }, data });
  });
  return { packets, omitted };
}

/** The fds of the checkpoint's processes holding the unix socket whose inode is `inode`. */
function unixHolders(cp: Checkpoint, inode: number): { pid: number; fd: number }[] {
  const ids = new Set<number>();
  for (const [id, f] of cp.files()) if (f.usk && num(f.usk.ino) === inode) ids.add(id);
  if (!ids.size) return [];
  const holders: { pid: number; fd: number }[] = [];
  for (const p of cp.processList()) for (const fi of fdinfo(cp, p.pid)) if (ids.has(num(fi.id))) holders.push({ pid: p.pid, fd: num(fi.fd) });
  return holders;
}

/** Everything CRIU dumped about the socket process `pid` holds at `fd` (see the header). */
export function socketDetail(cp: Checkpoint, pid: number, fd: number): SocketDetail {
  const { fileId, key, entryType, entry } = locate(cp, pid, fd);
  const socket = jsonSafe(socketRecords(cp, pid).find((s) => s.fd === fd)) as SocketDetail['socket'];
  const fields: Record<string, SocketFieldValue> = {};
  flatten(entry, '', fields, new Set(['opts', 'tcp_opts', 'ip_opts']));
  const options: Record<string, SocketFieldValue> = {};
  if (entry.opts) flatten(entry.opts as Msg, '', options);
  if (entry.tcp_opts) flatten(entry.tcp_opts as Msg, 'tcp_opts.', options);
  if (entry.ip_opts) flatten(entry.ip_opts as Msg, 'ip_opts.', options);
  const detail: SocketDetail = { socket, entryType, fileId, fields, options, queues: [] };

  if (key === 'isk' && num(entry.proto) === 6) {
    const inode = num(entry.ino);
    const stream = tcpStream(cp, inode);
    if (stream && 'problem' in stream) detail.tcpProblem = stream.problem;
    else if (stream) {
      detail.tcp = stream.info;
      const member = stream.info.member;
      detail.queues.push(
        { id: 'recv', label: 'receive queue', length: stream.inq.length, member, offset: stream.offset },
        { id: 'send', label: 'send queue', length: stream.outq.length, member, offset: stream.offset + stream.inq.length },
      );
    } else if (num(entry.state) !== 10 && num(entry.state) !== 7) {
      // LISTEN (10) and CLOSE (7) sockets have no stream; a connection dumped without --tcp-established has none either.
      detail.tcpProblem = `${tcpStreamImage(inode)} is not in the checkpoint (CRIU writes it for connections dumped with --tcp-established)`;
    }
  }
  const packets = queuedPackets(cp, num(entry.id));
  if ('problem' in packets) detail.queueProblem = packets.problem;
  else {
    detail.queues.push(...packets.packets.map((p) => p.info));
    if (packets.omitted) detail.packetsOmitted = packets.omitted;
  }
  if (key === 'usk' && num(entry.peer) !== 0) detail.peer = { inode: num(entry.peer), holders: unixHolders(cp, num(entry.peer)) };
  return detail;
}

/** The bytes of one queue of a socket (`recv`, `send`, `packet:N`): a view of the image, never copied. */
export function socketQueueBytes(cp: Checkpoint, pid: number, fd: number, queue: string): Buffer {
  const { key, entry } = locate(cp, pid, fd);
  if (queue === 'recv' || queue === 'send') {
    if (key !== 'isk' || num(entry.proto) !== 6) throw new KensaError('usage', `fd ${fd} of process ${pid} is not a TCP socket: it has no ${queue} queue (its queued packets are packet:N)`, { source: cp.source });
    const stream = tcpStream(cp, num(entry.ino));
    if (!stream) throw new KensaError('missing', `${tcpStreamImage(num(entry.ino))} is not in the checkpoint: the connection's queues were not dumped`, { source: cp.source });
    if ('problem' in stream) throw new KensaError('format', stream.problem);
    return queue === 'recv' ? stream.inq : stream.outq;
  }
  const m = /^packet:(\d+)$/.exec(queue);
  if (!m) throw new KensaError('usage', `a queue is recv, send or packet:N, not ${queue}`);
  const packets = queuedPackets(cp, num(entry.id));
  if ('problem' in packets) throw new KensaError('format', packets.problem);
  const p = packets.packets[Number(m[1])];
  if (!p) throw new KensaError('missing', `socket fd ${fd} of process ${pid} has ${packets.packets.length} queued packet(s) listed; there is no ${queue}`, { source: cp.source });
  return p.data;
}

/** A TCP stream in one line for reports: `inq_seq 3735928559 (93 B to read), outq_seq 305419896 (86 B to send), snd_wnd 64256, rcv_wnd 65160`. */
export function tcpSummary(tcp: TcpStreamInfo): string {
  const windows = [tcp.snd_wnd !== undefined ? `snd_wnd ${tcp.snd_wnd}` : '', tcp.rcv_wnd !== undefined ? `rcv_wnd ${tcp.rcv_wnd}` : ''].filter(Boolean);
  return [`inq_seq ${tcp.inq_seq} (${formatBytes(tcp.inq_len)} to read)`, `outq_seq ${tcp.outq_seq} (${formatBytes(tcp.outq_len)} to send)`, ...windows].join(', ');
}
