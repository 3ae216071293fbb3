/**
 * Every file Kensa writes (cache, cores, exe.PID, derived files, reports, custody, sysroots) is created
 * through here, by one rule: check first, create exclusively, never follow a link.
 *
 *  - A file is created with O_CREAT|O_EXCL|O_NOFOLLOW (open(2)): it fails on any existing name, so a symlink
 *    or file planted at a predictable name (`core.6.partial-123`, `report.html.123.tmp`) is never opened,
 *    truncated or written through. Temporary names also carry random bytes, so they cannot be planted at all.
 *  - A finished file replaces its target by rename(2), which replaces a link at that name, never its target.
 *  - Where a path lands is decided on real paths (realpath of the deepest existing ancestor), never by
 *    comparing strings: `--out /tmp/link/x` with /tmp/link -> the evidence folder lands in the evidence.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KensaError } from '../errors';

/** True when `child` is `parent` or lies below it (both absolute and already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Where `p` really is: the deepest existing ancestor resolved through every link, joined with the rest. A
 * final component that is itself a link is resolved too (it would be written through, or replaced).
 */
export function realTarget(p: string): string {
  const abs = path.resolve(p);
  let probe = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync(probe), path.relative(probe, abs));
    } catch {
      const up = path.dirname(probe);
      if (up === probe) return abs;
      probe = up;
    }
  }
}

/** `realTarget` of a path that may be gone, or the path itself (for evidence recorded earlier). */
export function realOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function ioError(what: string, file: string, e: unknown): KensaError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'EEXIST' ? 'a file or link of that name already exists (never overwritten or followed)'
    : code === 'ELOOP' ? 'it is a symbolic link (never followed)'
    : code ?? String(e);
  return new KensaError('io', `cannot ${what}: ${why}`, { source: file });
}

/** Opens a new file for writing: fails when anything (file, link, FIFO) already has that name. */
export function createExclusive(file: string, mode = 0o600): number {
  const c = fs.constants;
  try {
    return fs.openSync(file, c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW, mode);
  } catch (e) {
    throw ioError('create', file, e);
  }
}

/** createExclusive, or undefined when the name exists (a lock held by someone else). */
export function tryCreateExclusive(file: string, mode = 0o600): number | undefined {
  const c = fs.constants;
  try {
    return fs.openSync(file, c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW, mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw ioError('create', file, e);
  }
}

/** Opens an existing regular file of Kensa's own (the custody log) to append, never through a link. */
export function openAppend(file: string, mode = 0o600): number {
  const c = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(file, c.O_WRONLY | c.O_APPEND | c.O_CREAT | c.O_NOFOLLOW | c.O_NONBLOCK, mode);
  } catch (e) {
    throw ioError('append to', file, e);
  }
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw new KensaError('io', 'cannot append: not a regular file', { source: file });
  }
  return fd;
}

/** A name beside `dest` for its temporary file, unpredictable (pid and random bytes). */
export function tempBeside(dest: string, tag = 'partial'): string {
  return `${dest}.${tag}-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
}

/** Writes a new file with `bytes`; fails when the name exists. */
export function writeNewFile(file: string, bytes: string | Uint8Array, mode = 0o600): void {
  const fd = createExclusive(file, mode);
  try {
    fs.writeFileSync(fd, bytes);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw ioError('write', file, e);
  }
  fs.closeSync(fd);
}

/**
 * Replaces `dest` with `bytes` atomically: a fresh exclusive temporary file beside it, then rename. A reader
 * sees the old file or the new one; a link at `dest` is replaced, its target untouched.
 */
export function replaceFile(dest: string, bytes: string | Uint8Array, mode = 0o600): void {
  const tmp = tempBeside(dest, 'tmp');
  writeNewFile(tmp, bytes, mode);
  try {
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw ioError('write', dest, e);
  }
}

/** Moves a finished temporary file into place (rename: replaces a link at `dest`, never writes through it). */
export function moveIntoPlace(tmp: string, dest: string): void {
  try {
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw ioError('write', dest, e);
  }
}
