/**
 * The re-hash half of `EvidenceCase.verify()`: one evidence file or folder, or one derived file, checked
 * against what the custody log recorded for it. Each check returns a VerifyItem whose problems say what
 * changed; cancellation (CancelledError) is passed on, any other failure to read is a problem of the item.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancelledError, KensaError } from '../errors';
import { hashFolder } from './hash';
import { hashFile, sha256File, type HashProgress } from '../io/hash';
import { isInside } from '../io/output';
import type { EvidenceRecord, VerifyItem } from '#shared/api/case';

/**
 * An evidence file (size, SHA-256, SHA-512) or folder (every file, every symlink, the manifest digest) hashed
 * again. A changed modification time with identical content is a warning, not a problem.
 */
export async function verifyEvidence(ev: EvidenceRecord, hashing: { onProgress?: HashProgress; signal?: AbortSignal }, warnings: string[]): Promise<VerifyItem> {
  const item: VerifyItem = { id: ev.id, path: ev.path, ok: true, problems: [] };
  const name = `evidence ${ev.id} (${ev.path})`;
  try {
    const s = fs.statSync(ev.path, { bigint: true });
    if ((ev.kind === 'folder') !== s.isDirectory()) {
      item.problems.push(`${name}: was a ${ev.kind}, is now ${s.isDirectory() ? 'a folder' : 'something else'}`);
    } else if (ev.kind === 'file') {
      const d = await hashFile(ev.path, { onProgress: hashing.onProgress, signal: hashing.signal });
      Object.assign(item, { size: d.size, sha256: d.sha256, sha512: d.sha512 });
      if (d.size !== ev.size) item.problems.push(`${name}: size changed: recorded ${ev.size} bytes, now ${d.size}`);
      if (d.sha256 !== ev.sha256) item.problems.push(`${name}: SHA-256 changed: recorded ${ev.sha256}, now ${d.sha256}`);
      if (d.sha512 !== ev.sha512) item.problems.push(`${name}: SHA-512 changed: recorded ${ev.sha512.slice(0, 32)}…, now ${d.sha512.slice(0, 32)}…`);
      if (item.problems.length === 0 && s.mtimeNs.toString() !== ev.mtimeNs) warnings.push(`${name}: modification time changed (recorded ${ev.mtime}, now ${new Date(Number(s.mtimeMs)).toISOString()}) but the content is identical`);
    } else {
      const d = await hashFolder(ev.path, { onProgress: hashing.onProgress, signal: hashing.signal });
      Object.assign(item, { size: d.size, sha256: d.sha256, sha512: d.sha512 });
      const was = new Map((ev.files ?? []).map((f) => [f.path, f]));
      const now = new Map(d.files.map((f) => [f.path, f]));
      for (const [p, f] of was) {
        const n = now.get(p);
        if (!n) item.problems.push(`${name}: file ${p} was removed`);
        else if (n.sha256 !== f.sha256 || n.sha512 !== f.sha512 || n.size !== f.size) item.problems.push(`${name}: file ${p} changed: SHA-256 recorded ${f.sha256}, now ${n.sha256}`);
      }
      for (const p of now.keys()) if (!was.has(p)) item.problems.push(`${name}: file ${p} was added`);
      const links = new Map((ev.symlinks ?? []).map((l) => [l.path, l.target]));
      for (const l of d.symlinks) if (links.get(l.path) !== l.target) item.problems.push(`${name}: symlink ${l.path} ${links.has(l.path) ? `now points to ${JSON.stringify(l.target)}` : 'was added'}`);
      for (const p of links.keys()) if (!d.symlinks.some((l) => l.path === p)) item.problems.push(`${name}: symlink ${p} was removed`);
      if (item.problems.length === 0 && d.sha256 !== ev.sha256) item.problems.push(`${name}: SHA-256 of the file manifest changed: recorded ${ev.sha256}, now ${d.sha256}`);
    }
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    item.problems.push(`${name}: missing or unreadable (${e instanceof KensaError ? e.message : (e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  item.ok = item.problems.length === 0;
  return item;
}

/** A derived file or report (path relative to the case folder, which it must not leave): size and SHA-256. */
export async function verifyDerived(caseDir: string, d: { id: string; kind: string; path: string; size: number; sha256: string }, signal?: AbortSignal): Promise<VerifyItem> {
  const item: VerifyItem = { id: d.id, path: d.path, ok: true, problems: [] };
  const name = `${d.kind === 'report' ? 'report' : 'derived file'} ${d.id} (${d.path})`;
  const file = path.resolve(caseDir, d.path);
  if (!isInside(caseDir, file)) item.problems.push(`${name}: recorded path leaves the case folder`);
  else {
    try {
      const h = await sha256File(file, { signal });
      item.size = h.size;
      item.sha256 = h.sha256;
      if (h.size !== d.size) item.problems.push(`${name}: size changed: recorded ${d.size} bytes, now ${h.size}`);
      if (h.sha256 !== d.sha256) item.problems.push(`${name}: SHA-256 changed: recorded ${d.sha256}, now ${h.sha256}`);
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      item.problems.push(`${name}: missing or unreadable (${e instanceof KensaError ? e.message : String(e)})`);
    }
  }
  item.ok = item.problems.length === 0;
  return item;
}
