/**
 * One socket in detail, as CRIU dumped it: its entry and options, the TCP connection's state and queues
 * (tcp-stream-<inode>.img), packets queued on it (sk-queues.img) and the peer of a unix socket.
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 * The CLI's `kensa socket --json` prints the same record (main/core/model/socket-detail.ts builds it).
 */
import type { SocketInfo } from './files';

/** A field's value as JSON carries it: 64-bit numbers beyond 2^53-1 as decimal strings, bytes as lowercase hex. */
export type SocketFieldValue = number | string | boolean | (number | string | boolean)[];

export interface SocketDetailRequest {
  pid: number;
  fd: number;
}

/**
 * tcp_stream_entry (criu-format.md §1.3), CRIU's field names as crit prints them: sequence numbers of the
 * receive and send queues, windows and scales, the MSS clamp, the timestamp, Nagle and cork settings.
 */
export interface TcpStreamInfo {
  /** The image it came from (`checkpoint/tcp-stream-4a3f2.img`). */
  member: string;
  inq_len: number;
  inq_seq: number;
  outq_len: number;
  outq_seq: number;
  opt_mask: number;
  /** opt_mask in words (the kernel's TCPI_OPT_* bits of tcp_info.tcpi_options): TIMESTAMPS, SACK, WSCALE, ECN… */
  options: string[];
  snd_wscale: number;
  mss_clamp: number;
  rcv_wscale?: number;
  timestamp?: number;
  cork?: boolean;
  nodelay?: boolean;
  unsq_len?: number;
  snd_wl1?: number;
  snd_wnd?: number;
  max_window?: number;
  rcv_wnd?: number;
  rcv_wup?: number;
}

/** Bytes queued on the socket: a TCP receive or send queue, or one packet of sk-queues.img. */
export interface SocketQueueInfo {
  /** `recv`, `send` (tcp-stream) or `packet:N` (the Nth packet sk-queues.img holds for this socket, from 0). */
  id: string;
  /** In words: `receive queue`, `send queue`, `queued packet 1`. */
  label: string;
  /** Bytes queued. */
  length: number;
  /** The image holding them and where they begin in it. */
  member: string;
  offset: number;
}

export interface SocketDetail {
  /** The socket as the sockets table lists it. */
  socket: SocketInfo;
  /** The entry type CRIU wrote for it: inet_sk_entry, unix_sk_entry, netlink_sk_entry, packet_sock_entry. */
  entryType: string;
  /** files.img id of the socket (its fdinfo's id). */
  fileId: number;
  /** Every field of the entry but its options, as written (nested messages flattened with dots: `fown.uid`). */
  fields: Record<string, SocketFieldValue>;
  /** sk_opts_entry (buffers, timeouts, keepalive…), and an inet socket's `tcp_opts.*` and `ip_opts.*`. */
  options: Record<string, SocketFieldValue>;
  /** The TCP connection's state, when CRIU dumped the stream (established connections, --tcp-established). */
  tcp?: TcpStreamInfo;
  /** Why there is no `tcp` for a TCP socket: the image's one-line error (member and byte offset), or its absence. */
  tcpProblem?: string;
  queues: SocketQueueInfo[];
  /** sk-queues.img could not be read (its one-line error). */
  queueProblem?: string;
  /** Packets past the listed ones (a queue of thousands is listed in part). */
  packetsOmitted?: number;
  /** A connected unix socket's peer: its inode, and the processes' fds that hold it in this checkpoint. */
  peer?: { inode: number; holders: { pid: number; fd: number }[] };
}

export interface SocketQueueRequest {
  pid: number;
  fd: number;
  /** A SocketQueueInfo id: `recv`, `send`, `packet:N`. */
  queue: string;
  offset?: number;
  /** At most 1 MiB per call (default 64 KiB). */
  length?: number;
}

export interface SocketQueueChunk {
  queue: string;
  /** The queue's length in bytes. */
  size: number;
  offset: number;
  /** base64 */
  data: string;
}
