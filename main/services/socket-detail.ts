/**
 * The Network panel's socket detail (shared/api/sockets.ts): one socket as the model reads it
 * (main/core/model/socket-detail.ts), and its queued bytes in pieces for the hex/text viewer.
 */
import type { SocketDetail, SocketQueueChunk } from '#shared/api/contract';
import type { Checkpoint } from '../core/model/checkpoint';
import { int, obj, optInt, str } from './results';
import { DEFAULT_FILE_READ, MAX_READ_BYTES } from './views';

export function socketDetailInfo(cp: Checkpoint, pid: number, req: unknown): SocketDetail {
  return cp.socketDetail(pid, int(obj(req, 'socketDetail').fd, 'fd', 0, 0x7fffffff));
}

export function socketQueueChunk(cp: Checkpoint, pid: number, req: unknown): SocketQueueChunk {
  const r = obj(req, 'socketQueue');
  const fd = int(r.fd, 'fd', 0, 0x7fffffff);
  const queue = str(r.queue, 'queue', 32);
  const offset = optInt(r.offset, 'offset') ?? 0;
  const length = optInt(r.length, 'length', 0, MAX_READ_BYTES) ?? DEFAULT_FILE_READ;
  const bytes = cp.socketQueue(pid, fd, queue);
  const start = Math.min(offset, bytes.length);
  return { queue, size: bytes.length, offset: start, data: bytes.subarray(start, start + Math.min(length, bytes.length - start)).toString('base64') };
}
