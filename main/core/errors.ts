/**
 * Typed errors for everything Kensa reads from evidence.
 *
 * Every problem found in input is a FormatError carrying where it was found (the archive, the member inside
 * it, the byte offset within that member) and what was expected. The CLI prints it as one line
 * (`kensa: error: ARCHIVE!MEMBER @OFFSET: message`, docs/cli-conventions.md); the services hand it to the UI
 * as data. Nothing else may escape the core for bad input: a plain Error from core code on bad input is a bug.
 */

/** What kind of failure: decides the CLI exit code (cli-conventions.md) and how the UI shows it. */
export type ErrorKind =
  | 'format' // input is malformed: exit 2 (or 3 when the rest still gave a result)
  | 'limit' // input exceeds a safety limit (size, count, ratio, depth): exit 2, names the flag that raises it
  | 'missing' // a member / image / file the operation needs is absent: exit 2
  | 'usage' // the caller asked for something impossible: exit 1
  | 'io' // the host file system refused: exit 2
  | 'tool' // an external program is missing: exit 5
  | 'verify'; // evidence verification failed: exit 4

export interface ErrorLocation {
  /** The evidence file or folder as the user named it. */
  source?: string;
  /** Member path inside the archive (`checkpoint/core-6.img`, `rootfs-diff.tar/home/x`). */
  member?: string;
  /** Byte offset within the member (within the decompressed stream for compressed archives). */
  offset?: number | bigint;
}

export class KensaError extends Error {
  readonly kind: ErrorKind;
  readonly location: ErrorLocation;
  /** For 'tool' errors: the Debian package that provides the missing program. */
  readonly hint?: string;

  constructor(kind: ErrorKind, message: string, location: ErrorLocation = {}, hint?: string) {
    super(message);
    this.name = 'KensaError';
    this.kind = kind;
    this.location = { ...location };
    this.hint = hint;
  }

  /** Copy of this error with location fields filled in where they were unknown at the throw site. */
  within(location: ErrorLocation): KensaError {
    const merged: ErrorLocation = { ...location, ...definedOnly(this.location) };
    const copy = new KensaError(this.kind, this.message, merged, this.hint);
    copy.stack = this.stack;
    return copy;
  }

  /** `ARCHIVE!MEMBER @OFFSET: message` (the CLI adds `kensa: error: `). */
  describe(): string {
    return describeLocation(this.location) + this.message;
  }
}

/** Malformed input. Offsets are within `member`. */
export class FormatError extends KensaError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('format', message, location);
    this.name = 'FormatError';
  }
}

/** Input that exceeds a safety limit; `flag` names the CLI option that raises the limit. */
export class LimitError extends KensaError {
  readonly flag: string;
  constructor(message: string, flag: string, location: ErrorLocation = {}) {
    super('limit', `${message} (raise with ${flag})`, location);
    this.name = 'LimitError';
    this.flag = flag;
  }
}

export function describeLocation(loc: ErrorLocation): string {
  let where = '';
  if (loc.source !== undefined) where += loc.source;
  if (loc.member !== undefined) where += (where ? '!' : '') + loc.member;
  if (loc.offset !== undefined) where += (where ? ' ' : '') + '@' + String(loc.offset);
  return where ? where + ': ' : '';
}

function definedOnly(loc: ErrorLocation): ErrorLocation {
  const out: ErrorLocation = {};
  if (loc.source !== undefined) out.source = loc.source;
  if (loc.member !== undefined) out.member = loc.member;
  if (loc.offset !== undefined) out.offset = loc.offset;
  return out;
}

/**
 * A long operation (hashing, decompression, verification) stopped because its caller aborted it. Callers
 * that turn per-file failures into problems must rethrow this one (test with instanceof, never the text).
 */
export class CancelledError extends KensaError {
  constructor(message: string, location: ErrorLocation = {}) {
    super('usage', message, location);
    this.name = 'CancelledError';
  }
}

/** What the system error codes an analyst meets mean, in words (errno(3)); shown instead of the bare code. */
const SYSTEM_ERROR_WORDS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'file name too long',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EBUSY: 'the device or resource is busy',
  EIO: 'input/output error (the disk or medium may be failing)',
  EEXIST: 'it exists already',
  ENOTEMPTY: 'the directory is not empty',
  EXDEV: 'it is on another file system',
  EFBIG: 'file too large',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
};

/** A Node system error (or anything thrown) as words: `no such file or directory` for ENOENT. */
export function systemErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && SYSTEM_ERROR_WORDS[code]) return SYSTEM_ERROR_WORDS[code];
  if (typeof code === 'string') return code;
  return e instanceof Error ? e.message : String(e);
}
