/**
 * The Files panel's tree: one directory of the container image's root file system (`--rootfs`, read by
 * main/core/rootfs) merged with the container's changes (rootfs-diff.tar) and the files it deleted
 * (deleted.files and whiteouts in rootfs-diff.tar), each entry badged against the image.
 *
 * Bounded: one directory per call, at most MAX_DIR_ENTRIES entries; links are listed, never followed out of
 * the rootfs (main/core/rootfs resolves like a chroot). File content is read through `readFile`: members of
 * rootfs-diff.tar as the archive names them, image files as `rootfs:/PATH` (readRootfsChunk below).
 */
import * as path from 'node:path';
import type { FileChunk, ReadFileRequest, RootfsBadge, RootfsDirEntry, RootfsDirListing, RootfsDirRequest } from '#shared/api/contract';
import { escapeText } from '#shared/format';
import { KensaError } from '../core/errors';
import { components } from '../core/rootfs/resolve';
import type { OpenSession } from './session';
import { fileChunkRequest, readChunkFrom } from './views';
import { obj, str } from './results';

/** Most entries listed per directory (a real image's largest, /usr/lib or /usr/bin, holds a few thousand). */
export const MAX_DIR_ENTRIES = 5000;
/** The member prefix that names a file of the image rather than of the archive. */
export const ROOTFS_MEMBER_PREFIX = 'rootfs:';
/**
 * Whiteout names (OCI image-spec layer.md "Whiteouts"), which podman also writes into rootfs-diff.tar for
 * deletions: `.wh.NAME` removes NAME; `.wh..wh..opq` in a directory hides everything the image held there.
 */
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';

const KINDS: Record<string, RootfsDirEntry['kind']> = { file: 'file', dir: 'dir', symlink: 'symlink', hardlink: 'file' };

export function rootfsDirListing(s: OpenSession, req: RootfsDirRequest): RootfsDirListing {
  // `..` never climbs above the root (as in a chroot).
  const keyParts = components(path.posix.normalize('/' + str(obj(req, 'rootfsDir').path, 'path')));
  const key = keyParts.join('/');
  const prefix = key === '' ? '' : key + '/';
  const dirPath = '/' + key;
  const childPath = (name: string): string => '/' + prefix + name;
  const merged = new Map<string, RootfsDirEntry>();
  let truncated = false;
  /** A directory implied by a deeper path, listed so that what lies below it can be reached. */
  const impliedDir = (name: string): RootfsDirEntry | undefined => {
    let e = merged.get(name);
    if (!e) {
      if (merged.size >= MAX_DIR_ENTRIES) {
        truncated = true;
        return undefined;
      }
      e = { name: escapeText(name), path: childPath(name), kind: 'dir', size: 0, mode: 0o755 };
      merged.set(name, e);
    }
    return e;
  };

  const image = s.rootfs?.list(dirPath, MAX_DIR_ENTRIES);
  if (image) {
    truncated = image.total > image.entries.length;
    for (const e of image.entries) {
      merged.set(e.name, {
        name: escapeText(e.name), path: childPath(e.name), kind: e.kind, size: e.size, mode: e.mode,
        ...(e.linkTarget !== undefined ? { linkTarget: escapeText(e.linkTarget) } : {}),
        ...(e.kind === 'file' ? { member: ROOTFS_MEMBER_PREFIX + childPath(e.name) } : {}),
      });
    }
  }
  // Without --rootfs added and changed cannot be told apart: such an entry is only known to be written.
  const imageNames = new Set(image?.entries.map((e) => e.name) ?? []);
  const badge = (name: string): RootfsBadge => (!s.rootfs ? 'written' : imageNames.has(name) ? 'changed' : 'added');

  const diff = s.cp.archive.rootfsDiff();
  const whiteouts: string[] = [];
  const written = new Set<string>();
  let opaque = false;
  for (const m of diff?.index.members ?? []) {
    if (m.name === '' || !m.name.startsWith(prefix)) continue;
    const rest = m.name.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash === -1 ? rest : rest.slice(0, slash);
    if (name === '') continue;
    if (slash !== -1 && rest.length > slash + 1) {
      // A deeper member implies this directory; it carries a badge only when the image lacks it.
      const dir = impliedDir(name);
      if (dir) dir.holdsChanges = true;
      continue;
    }
    if (name === OPAQUE_WHITEOUT) {
      opaque = true;
      continue;
    }
    if (name.startsWith(WHITEOUT_PREFIX)) {
      whiteouts.push(name.slice(WHITEOUT_PREFIX.length));
      continue;
    }
    if (!merged.has(name) && merged.size >= MAX_DIR_ENTRIES) {
      truncated = true;
      continue;
    }
    const kind = KINDS[m.type] ?? 'other';
    const holdsChanges = merged.get(name)?.holdsChanges;
    written.add(name);
    merged.set(name, {
      name: escapeText(name), path: childPath(name), kind, size: m.size, mode: m.mode,
      ...(m.linkTarget !== undefined ? { linkTarget: escapeText(m.linkTarget) } : {}),
      badge: badge(name),
      // Only regular members can be read by name (the archive refuses a hard link's own name).
      ...(m.type === 'file' ? { member: 'rootfs-diff.tar/' + m.name } : {}),
      ...(m.mtime && !Number.isNaN(m.mtime.getTime()) ? { mtime: m.mtime.toISOString() } : {}),
      ...(holdsChanges ? { holdsChanges } : {}),
    });
  }
  // Implied directories absent from the image are new too.
  if (s.rootfs) for (const [name, e] of merged) if (!e.badge && !imageNames.has(name)) e.badge = 'added';
  // An opaque directory hides every image entry the container did not write again.
  if (opaque) for (const name of imageNames) if (!written.has(name)) markDeleted(merged, name, childPath);
  for (const name of whiteouts) markDeleted(merged, name, childPath);

  for (const d of s.cp.meta.deletedFiles) {
    const parts = components(d);
    if (parts.length <= keyParts.length || parts.slice(0, keyParts.length).join('/') !== key) continue;
    if (parts.length === keyParts.length + 1) markDeleted(merged, parts[parts.length - 1], childPath);
    else {
      // A deletion deeper down: its directory is listed (without a badge of its own) so it can be reached.
      const dir = impliedDir(parts[keyParts.length]);
      if (dir) dir.holdsChanges = true;
    }
  }
  const entries = [...merged.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { path: dirPath, image: Boolean(s.rootfs), entries, truncated };
}

function markDeleted(merged: Map<string, RootfsDirEntry>, name: string, childPath: (n: string) => string): void {
  const e = merged.get(name);
  if (e) {
    delete e.member;
    e.badge = 'deleted';
  } else if (merged.size < MAX_DIR_ENTRIES) merged.set(name, { name: escapeText(name), path: childPath(name), kind: 'file', size: 0, mode: 0, badge: 'deleted' });
}

/** readFile for `rootfs:/PATH`: a file of the image, resolved inside the rootfs. */
export function readRootfsChunk(s: OpenSession, req: ReadFileRequest): FileChunk {
  const { member, offset, length } = fileChunkRequest(req);
  const p = member.slice(ROOTFS_MEMBER_PREFIX.length);
  if (!s.rootfs) throw new KensaError('missing', 'no rootfs was given when the archive was opened', { source: s.cp.source, member });
  const opened = s.rootfs.open(p);
  if (!opened) throw new KensaError('missing', 'no such file in the rootfs', { source: s.rootfs.path, member: p });
  return readChunkFrom(opened.src, member, offset, length);
}
