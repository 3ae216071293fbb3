/**
 * Values every part of the API uses: 64-bit values as hex strings, results that carry errors as data,
 * problems met while reading, and the task id of long work.
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 */
/** `"0x7ffc4dd62088"`: a 64-bit value, lowercase hex, no padding. */
export type Hex64 = string;

/** What went wrong; mirrors main/core's ErrorKind plus what only the services know. */
export type ApiErrorKind =
  | 'format' // the evidence is malformed
  | 'limit' // the evidence exceeds a safety limit (the message names the option that raises it)
  | 'missing' // a member / image / file the operation needs is absent
  | 'usage' // the request is impossible (bad pid, bad address, no archive open)
  | 'io' // the host file system refused
  | 'tool' // an external program or native module is missing (gdb, node-pty); `hint` names the fix
  | 'verify' // evidence verification failed
  | 'cancelled' // the caller cancelled the task
  | 'unavailable' // this build or transport does not offer the operation (yet)
  | 'internal'; // a bug in Kensa, not a problem with the evidence

export interface ApiError {
  kind: ApiErrorKind;
  message: string;
  /** The evidence file or folder. */
  source?: string;
  /** Member inside the archive (`checkpoint/core-6.img`, `rootfs-diff.tar/home/x`). */
  member?: string;
  /** Byte offset within the member (within the decompressed stream for compressed archives). */
  offset?: number;
  /** For 'tool' errors: the package or command that fixes it. */
  hint?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** A problem met while reading the checkpoint; the rest of the result stands. */
export interface ProblemInfo {
  member: string;
  message: string;
  /** One line: `ARCHIVE!MEMBER @OFFSET: message`. */
  text: string;
}

/** Long work (decompression, hashing, core writing, search) takes a caller-chosen task id. */
export interface TaskRequest {
  /** Progress events carry it; `cancel({ taskId })` stops the work. Unique per client. */
  taskId?: string;
}
