/**
 * Random-access byte sources: the one way core code reads evidence.
 *
 * Reads are synchronous positional reads (pread) so that parsers can seek freely, as Go's debug/elf does
 * against an io.ReaderAt. A read past the end is a FormatError naming the offset (never a short buffer),
 * and no read allocates more than the caller asked for after checking it against what remains.
 */
import * as fs from 'node:fs';
import { FormatError, KensaError, systemErrorText } from '../errors';

export interface ByteSource {
  /** Size in bytes (always a safe integer). */
  readonly size: number;
  /** Exactly `length` bytes at `offset`; FormatError if they are not all there. */
  read(offset: number, length: number): Buffer;
  /** Up to `length` bytes at `offset` into `target` at `targetOffset`; returns how many were read. */
  readInto(offset: number, length: number, target: Buffer, targetOffset: number): number;
  close(): void;
}

/** Largest single read the core performs in one call (bigger work is chunked by the caller). */
export const MAX_SINGLE_READ = 256 * 1024 * 1024;

function checkRange(size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new FormatError(`invalid read of ${length} bytes at ${offset}`, { offset });
  }
  if (length > MAX_SINGLE_READ) {
    throw new FormatError(`read of ${length} bytes exceeds the ${MAX_SINGLE_READ}-byte single-read cap`, { offset });
  }
  if (offset + length > size) {
    throw new FormatError(`expected ${length} bytes, only ${Math.max(0, size - offset)} remain (size ${size})`, { offset });
  }
}

/** What a file that is not a regular one is, for messages. */
export function fileKind(st: fs.Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function notRegular(path: string, st: fs.Stats): KensaError {
  return new KensaError('io', `${fileKind(st)}, not a regular file: refused (reading it could block or never end)`, { source: path });
}

/**
 * Opens evidence for reading: read-only; where the kernel allows it without touching the access time
 * (O_NOATIME is refused with EPERM unless the caller owns the file; then plain O_RDONLY); and only a regular
 * file. Opening a FIFO waits for a writer and reading a socket or device may never end, which would hang the
 * CLI and freeze `kensa serve`: O_NONBLOCK makes the open return at once (it changes nothing for regular
 * files), and fstat of the open descriptor (no race with a rename) refuses everything but a regular file.
 * Errors are KensaErrors naming the path.
 */
export function openReadOnly(path: string): number {
  const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;
  const noatime = fs.constants.O_NOATIME;
  let fd: number;
  try {
    try {
      fd = fs.openSync(path, noatime ? flags | noatime : flags);
    } catch (e) {
      if (!noatime || (e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
      fd = fs.openSync(path, flags);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // a socket cannot be opened at all (ENXIO): say what it is
    const st = code === 'ENXIO' ? statOrUndefined(path) : undefined;
    if (st && !st.isFile()) throw notRegular(path, st);
    throw new KensaError('io', `cannot open: ${systemErrorText(e)}`, { source: path });
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw notRegular(path, st);
  }
  return fd;
}

function statOrUndefined(path: string): fs.Stats | undefined {
  try {
    return fs.statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * A small input file (an OCI index, a rule file) read whole through openReadOnly, so a FIFO or device is
 * refused instead of blocking; more than `maxBytes` is a KensaError before anything is read.
 */
export function readSmallFile(path: string, maxBytes: number, what = 'file'): Buffer {
  const fd = openReadOnly(path);
  try {
    const size = fs.fstatSync(fd).size;
    if (size > maxBytes) throw new KensaError('format', `${what} is ${size} bytes, more than the ${maxBytes} it may have`, { source: path });
    const buf = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = fs.readSync(fd, buf, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    fs.closeSync(fd);
  }
}

/** A file opened read-only (O_RDONLY): evidence is never opened for writing. */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openReadOnly(path);
    this.size = fs.fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Buffer {
    checkRange(this.size, offset, length);
    const buf = Buffer.allocUnsafe(length);
    const got = this.readInto(offset, length, buf, 0);
    if (got !== length) throw new FormatError(`short read: ${got} of ${length} bytes`, { offset });
    return buf;
  }

  readInto(offset: number, length: number, target: Buffer, targetOffset: number): number {
    if (this.fd === null) throw new KensaError('io', 'read after close', { source: this.path });
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, target, targetOffset + done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** A window of another source (a tar member's data). Closing it does not close the parent. */
export class SliceSource implements ByteSource {
  constructor(
    private readonly parent: ByteSource,
    readonly start: number,
    readonly size: number,
  ) {}

  read(offset: number, length: number): Buffer {
    checkRange(this.size, offset, length);
    return this.parent.read(this.start + offset, length);
  }

  readInto(offset: number, length: number, target: Buffer, targetOffset: number): number {
    const n = Math.max(0, Math.min(length, this.size - offset));
    return this.parent.readInto(this.start + offset, n, target, targetOffset);
  }

  close(): void {}
}

export class BufferSource implements ByteSource {
  constructor(private readonly buf: Buffer) {}
  get size(): number {
    return this.buf.length;
  }
  read(offset: number, length: number): Buffer {
    checkRange(this.buf.length, offset, length);
    return this.buf.subarray(offset, offset + length);
  }
  readInto(offset: number, length: number, target: Buffer, targetOffset: number): number {
    const n = Math.max(0, Math.min(length, this.buf.length - offset));
    this.buf.copy(target, targetOffset, offset, offset + n);
    return n;
  }
  close(): void {}
}
