/**
 * Hashing for evidence and derived files.
 *
 * Evidence is read once, read-only, and both digests (SHA-256 and SHA-512) are fed from the same chunk so
 * the file is streamed a single time. The file is opened O_RDONLY | O_NOATIME where the kernel allows it
 * (O_NOATIME needs ownership or CAP_FOWNER; EPERM falls back to O_RDONLY), so hashing does not even move
 * the access time. Nothing here ever opens evidence for writing.
 *
 * A folder (an unpacked archive or bare CRIU images) is hashed file by file; its digest is the digest of
 * a manifest with one line per regular file, `<hex digest>  <relative path>\n`, sorted by path bytes: the
 * text `sha256sum` prints for the same files listed in that order, so anyone can recompute it with
 * coreutils. Symbolic links are recorded (target text), never followed.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KensaError, LimitError } from '../errors';
import { openReadOnly } from '../io/byte-source';

export interface Digests {
  size: number;
  sha256: string;
  sha512: string;
}

export type HashProgress = (doneBytes: number, totalBytes: number) => void;

export interface FolderFileDigest extends Digests {
  /** Path relative to the folder, `/`-separated. */
  path: string;
}

export interface FolderDigest extends Digests {
  files: FolderFileDigest[];
  symlinks: { path: string; target: string }[];
  /** Anything that is neither a regular file, a folder nor a symlink (fifo, device, socket). */
  others: { path: string; type: string }[];
}

/** Chunk size for streaming reads: large enough to amortise the syscalls, small enough to stay cheap. */
const CHUNK = 1 << 20;
/** Refuse to walk folders deeper or larger than this (a case should never hash a whole file system). */
const MAX_FOLDER_DEPTH = 64;
const MAX_FOLDER_FILES = 1_000_000;

function ioError(file: string, e: unknown): KensaError {
  return new KensaError('io', `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { source: file });
}

function abortError(file: string): KensaError {
  return new KensaError('usage', 'hashing cancelled', { source: file });
}

/** SHA-256 and SHA-512 of one file in one streaming pass (async reads; the event loop stays free). */
export async function hashFile(file: string, opts: { onProgress?: HashProgress; signal?: AbortSignal } = {}): Promise<Digests> {
  const fd = openReadOnly(file);
  try {
    const total = fs.fstatSync(fd).size;
    const h256 = crypto.createHash('sha256');
    const h512 = crypto.createHash('sha512');
    const buf = Buffer.allocUnsafe(CHUNK);
    let done = 0;
    for (;;) {
      if (opts.signal?.aborted) throw abortError(file);
      const n = await new Promise<number>((resolve, reject) => fs.read(fd, buf, 0, CHUNK, done, (err, bytes) => (err ? reject(ioError(file, err)) : resolve(bytes))));
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      h256.update(chunk);
      h512.update(chunk);
      done += n;
      opts.onProgress?.(done, total);
    }
    return { size: done, sha256: h256.digest('hex'), sha512: h512.digest('hex') };
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
export async function sha256File(file: string, opts: { onProgress?: HashProgress; signal?: AbortSignal } = {}): Promise<{ size: number; sha256: string }> {
  const d = await hashFile(file, opts);
  return { size: d.size, sha256: d.sha256 };
}

export function sha256Hex(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Compare path strings by their UTF-8 bytes (what `LC_ALL=C sort` does). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

interface FolderEntry {
  rel: string;
  kind: 'file' | 'symlink' | 'other';
  type?: string;
  size?: number;
}

/** List a folder without following symlinks, sorted by path bytes. */
export function listFolder(root: string): FolderEntry[] {
  const out: FolderEntry[] = [];
  const walk = (rel: string, depth: number): void => {
    if (depth > MAX_FOLDER_DEPTH) throw new LimitError(`folder is nested deeper than ${MAX_FOLDER_DEPTH} levels`, 'a smaller folder', { source: root, member: rel });
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch (e) {
      throw ioError(path.join(root, rel), e);
    }
    for (const d of names) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (out.length >= MAX_FOLDER_FILES) throw new LimitError(`folder holds more than ${MAX_FOLDER_FILES} entries`, 'a smaller folder', { source: root });
      const st = fs.lstatSync(path.join(root, r));
      if (st.isDirectory()) walk(r, depth + 1);
      else if (st.isFile()) out.push({ rel: r, kind: 'file', size: st.size });
      else if (st.isSymbolicLink()) out.push({ rel: r, kind: 'symlink' });
      else out.push({ rel: r, kind: 'other', type: st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'char-device' : st.isBlockDevice() ? 'block-device' : 'unknown' });
    }
  };
  walk('', 0);
  return out.sort((a, b) => compareBytes(a.rel, b.rel));
}

/** The manifest text whose digest is the folder's digest (see the file comment). */
export function folderManifest(files: { path: string; sha256?: string; sha512?: string }[], algorithm: 'sha256' | 'sha512'): string {
  return files.map((f) => `${algorithm === 'sha256' ? f.sha256 : f.sha512}  ${f.path}\n`).join('');
}

/** Every regular file of a folder hashed (both digests, one pass each), plus the manifest digests. */
export async function hashFolder(root: string, opts: { onProgress?: HashProgress; signal?: AbortSignal } = {}): Promise<FolderDigest> {
  const entries = listFolder(root);
  const total = entries.reduce((s, e) => s + (e.size ?? 0), 0);
  const files: FolderFileDigest[] = [];
  const symlinks: { path: string; target: string }[] = [];
  const others: { path: string; type: string }[] = [];
  let before = 0;
  for (const e of entries) {
    if (e.kind === 'symlink') symlinks.push({ path: e.rel, target: fs.readlinkSync(path.join(root, e.rel)) });
    else if (e.kind === 'other') others.push({ path: e.rel, type: e.type ?? 'unknown' });
    else {
      const base = before;
      const d = await hashFile(path.join(root, e.rel), { signal: opts.signal, onProgress: opts.onProgress ? (done) => opts.onProgress!(base + done, total) : undefined });
      files.push({ path: e.rel, ...d });
      before += d.size;
    }
  }
  return {
    size: files.reduce((s, f) => s + f.size, 0),
    sha256: sha256Hex(folderManifest(files, 'sha256')),
    sha512: crypto.createHash('sha512').update(folderManifest(files, 'sha512')).digest('hex'),
    files,
    symlinks,
    others,
  };
}
