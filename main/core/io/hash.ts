/**
 * The one file hasher (archives, cases, derived files, the workstation's evidence list).
 *
 * Evidence is read once, read-only (openReadOnly: O_RDONLY | O_NOATIME where the kernel allows it, so
 * hashing does not even move the access time; O_NONBLOCK and an fstat check refuse FIFOs and devices), and
 * when both digests are wanted they are fed from the same chunk so the file is streamed a single time.
 * Nothing here ever opens evidence for writing. Cancelling (AbortSignal) throws CancelledError.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { CancelledError, KensaError } from '../errors';
import { openReadOnly } from './byte-source';

export interface Digests {
  size: number;
  sha256: string;
  sha512: string;
}

export type HashProgress = (doneBytes: number, totalBytes: number) => void;

export interface HashOptions {
  onProgress?: HashProgress;
  signal?: AbortSignal;
}

/** Chunk size for streaming reads: large enough to amortise the syscalls, small enough to stay cheap. */
const CHUNK = 1 << 20;

function ioError(file: string, e: unknown): KensaError {
  return new KensaError('io', `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { source: file });
}

/** SHA-256 and SHA-512 of one file in one streaming pass (async reads; the event loop stays free). */
export async function hashFile(file: string, opts: HashOptions = {}): Promise<Digests> {
  const [sha256, sha512, size] = await digestFile(file, ['sha256', 'sha512'], opts);
  return { size, sha256, sha512 };
}

/** Both digests, or SHA-256 alone (what archives and the workstation's evidence list record). */
async function digestFile(file: string, algorithms: ('sha256' | 'sha512')[], opts: HashOptions): Promise<[string, string, number]> {
  const fd = openReadOnly(file);
  try {
    const total = fs.fstatSync(fd).size;
    const hashes = algorithms.map((a) => crypto.createHash(a));
    const buf = Buffer.allocUnsafe(CHUNK);
    let done = 0;
    for (;;) {
      if (opts.signal?.aborted) throw new CancelledError('hashing cancelled', { source: file });
      const n = await new Promise<number>((resolve, reject) => fs.read(fd, buf, 0, CHUNK, done, (err, bytes) => (err ? reject(ioError(file, err)) : resolve(bytes))));
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      for (const h of hashes) h.update(chunk);
      done += n;
      opts.onProgress?.(done, total);
    }
    const [a, b] = hashes.map((h) => h.digest('hex'));
    return [a, b ?? '', done];
  } finally {
    fs.closeSync(fd);
  }
}

/** SHA-256 (and size) of one file, synchronously: for derived files the caller just wrote. */
export function sha256FileSync(file: string): { size: number; sha256: string } {
  const fd = openReadOnly(file);
  try {
    const h = crypto.createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    let done = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, done);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      done += n;
    }
    return { size: done, sha256: h.digest('hex') };
  } finally {
    fs.closeSync(fd);
  }
}

/** SHA-256 (and size) of one file, streamed asynchronously. */
export async function sha256File(file: string, opts: HashOptions = {}): Promise<{ size: number; sha256: string }> {
  const [sha256, , size] = await digestFile(file, ['sha256'], opts);
  return { size, sha256 };
}

export function sha256Hex(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

