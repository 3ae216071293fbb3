/**
 * Folder digests for evidence (files are hashed by io/hash.ts, the one file hasher).
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
import { hashFile, sha256Hex, type Digests, type HashProgress } from '../io/hash';
import type { FolderFileDigest } from '#shared/api/case';

export type { FolderFileDigest };

export interface FolderDigest extends Digests {
  files: FolderFileDigest[];
  symlinks: { path: string; target: string }[];
  /** Anything that is neither a regular file, a folder nor a symlink (fifo, device, socket). */
  others: { path: string; type: string }[];
}

/** Refuse to walk folders deeper or larger than this (a case should never hash a whole file system). */
const MAX_FOLDER_DEPTH = 64;
const MAX_FOLDER_FILES = 1_000_000;

function ioError(file: string, e: unknown): KensaError {
  return new KensaError('io', `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { source: file });
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
