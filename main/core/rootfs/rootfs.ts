/**
 * The container image's root file system (`--rootfs`, cli-conventions.md): a folder, a tar / tar.gz /
 * tar.zst (by magic, `./` prefixes allowed), or an OCI image layout folder (`oci-layout` at its top; one
 * manifest; layers applied in order with whiteouts).
 *
 * Two jobs: resolve file-backed memory (a FileContentResolver for AddressSpace, origin 'rootfs') and give gdb
 * a sysroot. Paths resolve as inside a chroot (resolve.ts). The sysroot is extracted into the cache only,
 * never anywhere a member name points: member names that are absolute or climb with `..` are refused, symlinks
 * are rewritten to relative targets inside the sysroot, and links whose target climbs above the root are
 * refused (each refusal is listed in `warnings`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { FileSource, readSmallFile, SliceSource, type ByteSource } from '../io/byte-source';
import { FormatError, KensaError, systemErrorText } from '../errors';
import { DEFAULT_TAR_LIMITS, indexTar, type TarIndex, type TarMember } from '../archive/tar-index';
import { DEFAULT_DECOMPRESS_LIMITS, decompressToCache, sniffCompression, type DecompressLimits } from '../archive/decompress';
import { ensureDir, resolveCacheDir } from '../cache';
import { createExclusive, tempBeside, writeNewFile } from '../io/output';
import type { FileContentResolver } from '../memory/address-space';
import { components, linkTargetKey, relativeTarget, resolveKey, type EntryKind, type EntryProbe } from './resolve';

export interface Rootfs extends FileContentResolver {
  readonly path: string;
  readonly kind: 'folder' | 'tar' | 'oci';
  /** A folder usable as gdb's sysroot (extracted into `cacheDir` once for tar and OCI forms). */
  sysroot(cacheDir: string): Promise<string>;
  /**
   * The entries of one directory (`dir` a path inside the root, resolved as in a chroot; links are listed,
   * never followed), at most `max` of them sorted by name; undefined when `dir` is not a directory.
   */
  list(dir: string, max: number): RootfsListing | undefined;
  close(): void;
}

export interface RootfsDirEntry {
  name: string;
  kind: EntryKind;
  size: number;
  mode: number;
  linkTarget?: string;
}

export interface RootfsListing {
  /** The directory's key after resolution ('' for the root). */
  key: string;
  entries: RootfsDirEntry[];
  /** How many entries the directory holds (more than entries.length when cut at `max`). */
  total: number;
}

function sortedListing(key: string, all: RootfsDirEntry[], max: number): RootfsListing {
  all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { key, entries: all.slice(0, Math.max(0, max)), total: all.length };
}

export interface RootfsOpenOptions {
  cacheDir?: string;
  limits?: Partial<DecompressLimits> & { maxMembers?: number; maxNameRecord?: number };
}

/** OCI image layout media types (image-spec v1.1, media-types.md) and the Docker ones registries still serve. */
const OCI_INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
/** Largest index / manifest JSON read (they are a few KiB). */
const MAX_OCI_JSON = 4 * 1024 * 1024;
/** Whiteout names (image-spec layer.md "Whiteouts"). */
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** Bytes copied per read when extracting a file into the sysroot. */
const COPY_CHUNK = 1 << 20;

export async function openRootfs(p: string, opts: RootfsOpenOptions = {}): Promise<Rootfs> {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw new KensaError('io', `cannot open rootfs: ${systemErrorText(e)}`, { source: p });
  }
  if (st.isDirectory()) {
    if (fs.existsSync(path.join(p, 'oci-layout'))) return OciRootfs.open(p, opts);
    return new FolderRootfs(p);
  }
  if (!st.isFile()) throw new KensaError('usage', 'rootfs must be a folder, a tar / tar.gz / tar.zst, or an OCI image layout folder', { source: p });
  const tree = new TreeRootfs(p, 'tar', statKey(p, st));
  try {
    const src = await openTarSource(p, resolveCacheDir(opts.cacheDir), opts, p);
    tree.addLayer(src.source, indexTar(src.source, { ...DEFAULT_TAR_LIMITS, ...(opts.limits ?? {}) }, undefined), p, false);
  } catch (e) {
    tree.close();
    throw e instanceof KensaError ? e.within({ source: p }) : e;
  }
  return tree;
}

/** A cache key for a file that does not need to be hashed in full: its real path and stat identity. */
function statKey(p: string, st: fs.Stats): string {
  return crypto.createHash('sha256').update(`${fs.realpathSync(p)}\0${st.dev}\0${st.ino}\0${st.size}\0${st.mtimeMs}`).digest('hex');
}

/** A tar as a random-access source: in place when plain, decompressed once into the cache otherwise. */
async function openTarSource(file: string, cacheDir: string, opts: RootfsOpenOptions, label: string): Promise<{ source: ByteSource; sha256?: string }> {
  const src = new FileSource(file);
  if (src.size === 0) {
    src.close();
    throw new FormatError('empty file: expected a tar, tar.gz or tar.zst', { source: label, offset: 0 });
  }
  const kind = sniffCompression(src.read(0, Math.min(8, src.size)));
  if (kind === 'none') return { source: src };
  src.close();
  const dec = await decompressToCache(file, kind, cacheDir, { ...DEFAULT_DECOMPRESS_LIMITS, ...(opts.limits ?? {}) });
  return { source: new FileSource(dec.tarPath), sha256: dec.sha256 };
}

interface TreeNode {
  kind: EntryKind;
  mode: number;
  size: number;
  /** Regular files: the tar holding the data and where. */
  source?: ByteSource;
  dataOffset?: number;
  linkTarget?: string;
  /** Directories created because a deeper path needed them (no entry of their own). */
  implicit?: boolean;
}

/** Sysroot extraction state shared by the tree forms: one folder per rootfs identity, completed once. */
function sysrootDir(cacheDir: string, key: string): string {
  return path.join(ensureDir(path.join(path.resolve(cacheDir), 'sysroots')), key);
}

/** A tar rootfs, or the merged layers of an OCI image: an in-memory tree of entries pointing into tars. */
class TreeRootfs implements Rootfs {
  readonly nodes = new Map<string, TreeNode>([['', { kind: 'dir', mode: 0o755, size: 0 }]]);
  readonly warnings: string[] = [];
  private readonly sources: ByteSource[] = [];

  constructor(
    readonly path: string,
    readonly kind: 'tar' | 'oci',
    /** Identity of the content, for the sysroot cache folder. */
    private readonly key: string,
  ) {}

  /** Apply one layer (a whole tar for the tar form). `whiteouts` only for OCI layers. */
  addLayer(source: ByteSource, index: TarIndex, label: string, whiteouts: boolean): void {
    this.sources.push(source);
    for (const w of index.warnings) this.warnings.push(`${label}: ${w}`);
    if (index.truncated) this.warnings.push(`${label}: cut short; files after the cut are missing`);
    const members = index.members.filter((m) => {
      if (m.unsafeName === undefined) return true;
      this.warnings.push(`${label}: member ${JSON.stringify(m.unsafeName)} is absolute or leaves the root; refused`);
      return false;
    });
    if (whiteouts) {
      // Whiteouts hide entries of the layers below, wherever they sit in this layer's tar (layer.md).
      for (const m of members) {
        const base = m.name.split('/').pop() ?? '';
        const dir = m.name.slice(0, Math.max(0, m.name.length - base.length - 1));
        if (base === OPAQUE_WHITEOUT) this.removeBelow(dir, false);
        else if (base.startsWith(WHITEOUT_PREFIX)) this.removeBelow(dir ? `${dir}/${base.slice(WHITEOUT_PREFIX.length)}` : base.slice(WHITEOUT_PREFIX.length), true);
      }
    }
    for (const m of members) {
      if (m.name === '') continue;
      const base = m.name.split('/').pop() ?? '';
      if (whiteouts && base.startsWith(WHITEOUT_PREFIX)) continue;
      this.insert(m, source, label);
    }
  }

  /** Remove `key` (with itself when `self`) and everything under it. */
  private removeBelow(key: string, self: boolean): void {
    if (self) this.nodes.delete(key);
    const prefix = key === '' ? '' : key + '/';
    for (const k of [...this.nodes.keys()]) if (k !== '' && k.startsWith(prefix) && k !== key) this.nodes.delete(k);
  }

  private insert(m: TarMember, source: ByteSource, label: string): void {
    // Parent directories a deeper path implies.
    const parts = components(m.name);
    for (let i = 1; i < parts.length; i++) {
      const k = parts.slice(0, i).join('/');
      const existing = this.nodes.get(k);
      if (!existing) this.nodes.set(k, { kind: 'dir', mode: 0o755, size: 0, implicit: true });
      else if (existing.kind !== 'dir') {
        this.warnings.push(`${label}: ${m.name} lies under ${k}, which is not a directory; refused`);
        return;
      }
    }
    const previous = this.nodes.get(m.name);
    let node: TreeNode;
    switch (m.type) {
      case 'file':
        node = { kind: 'file', mode: m.mode, size: m.size, source, dataOffset: m.dataOffset };
        if (m.truncated) this.warnings.push(`${label}: ${m.name} is cut short`);
        break;
      case 'dir':
        node = { kind: 'dir', mode: m.mode, size: 0 };
        break;
      case 'symlink':
        node = { kind: 'symlink', mode: m.mode, size: 0, linkTarget: m.linkTarget ?? '' };
        break;
      case 'hardlink': {
        // A hard link names another member of the same tar; it shares that file's data.
        const target = this.nodes.get(components(m.linkTarget ?? '').join('/'));
        if (!target || target.kind !== 'file') {
          this.warnings.push(`${label}: hard link ${m.name} names ${JSON.stringify(m.linkTarget ?? '')}, which is not a file before it; refused`);
          return;
        }
        node = { ...target };
        break;
      }
      default:
        node = { kind: 'other', mode: m.mode, size: 0 };
    }
    // A directory replaced by a non-directory takes its contents with it.
    if (previous?.kind === 'dir' && node.kind !== 'dir') this.removeBelow(m.name, false);
    this.nodes.set(m.name, node);
  }

  private probe = (key: string): EntryProbe | undefined => {
    const n = this.nodes.get(key);
    return n ? { kind: n.kind, linkTarget: n.linkTarget } : undefined;
  };

  open(p: string): { src: ByteSource; origin: 'rootfs' } | undefined {
    const key = resolveKey(p, this.probe);
    const n = key === undefined ? undefined : this.nodes.get(key);
    if (!n || n.kind !== 'file' || !n.source || n.dataOffset === undefined) return undefined;
    return { src: new SliceSource(n.source, n.dataOffset, Math.min(n.size, Math.max(0, n.source.size - n.dataOffset))), origin: 'rootfs' };
  }

  list(dir: string, max: number): RootfsListing | undefined {
    const key = resolveKey(dir, this.probe);
    if (key === undefined || this.nodes.get(key)?.kind !== 'dir') return undefined;
    const prefix = key === '' ? '' : key + '/';
    const all: RootfsDirEntry[] = [];
    for (const [k, n] of this.nodes) {
      if (k === '' || !k.startsWith(prefix) || k.indexOf('/', prefix.length) !== -1) continue;
      all.push({ name: k.slice(prefix.length), kind: n.kind, size: n.size, mode: n.mode, ...(n.linkTarget !== undefined ? { linkTarget: n.linkTarget } : {}) });
    }
    return sortedListing(key, all, max);
  }

  async sysroot(cacheDir: string): Promise<string> {
    const dir = sysrootDir(cacheDir, this.key);
    if (fs.existsSync(path.join(dir, '.kensa-complete'))) return dir;
    return buildFolder(dir, async (partial) => {
      await this.extract(partial);
      writeNewFile(path.join(partial, '.kensa-complete'), '');
    });
  }

  /**
   * Two passes so that no write ever goes through a link: directories and files first (no symlink exists
   * yet, and files are created with O_EXCL|O_NOFOLLOW), then the symlinks, rewritten to stay inside.
   */
  private async extract(root: string): Promise<void> {
    const keys = [...this.nodes.keys()].filter((k) => k !== '').sort();
    let sinceYield = 0;
    for (const key of keys) {
      const n = this.nodes.get(key)!;
      const host = path.join(root, ...components(key));
      if (n.kind === 'dir') fs.mkdirSync(host, { recursive: true, mode: 0o755 });
      else if (n.kind === 'file' && n.source && n.dataOffset !== undefined) {
        fs.mkdirSync(path.dirname(host), { recursive: true, mode: 0o755 });
        // Keep the permission bits that matter to gdb (read / execute); never setuid, always owner-writable.
        const fd = createExclusive(host, (n.mode & 0o755) | 0o600);
        try {
          const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(1, n.size)));
          const avail = Math.min(n.size, Math.max(0, n.source.size - n.dataOffset));
          for (let off = 0; off < avail; ) {
            const len = Math.min(buf.length, avail - off);
            const got = n.source.readInto(n.dataOffset + off, len, buf, 0);
            if (got <= 0) break;
            fs.writeSync(fd, buf, 0, got, off);
            off += got;
          }
        } finally {
          fs.closeSync(fd);
        }
        if ((sinceYield += n.size) > 64 << 20) {
          sinceYield = 0;
          await new Promise<void>((r) => setImmediate(r));
        }
      }
    }
    for (const key of keys) {
      const n = this.nodes.get(key)!;
      if (n.kind !== 'symlink') continue;
      const targetKey = linkTargetKey(key, n.linkTarget ?? '');
      if (targetKey === undefined) {
        this.warnings.push(`symlink ${key} -> ${JSON.stringify(n.linkTarget)} points outside the root file system; refused`);
        continue;
      }
      const host = path.join(root, ...components(key));
      // A link is only created at its own path: never below another link (its `..` would then count from
      // somewhere else), and never over a directory or file of the same name that came first.
      if (!isRealDirUnder(root, path.dirname(host)) || fs.existsSync(host) || isLink(host)) {
        this.warnings.push(`symlink ${key} lies below another link or over an existing entry; refused`);
        continue;
      }
      fs.symlinkSync(relativeTarget(key, targetKey), host);
    }
  }

  close(): void {
    for (const s of this.sources) s.close();
    this.sources.length = 0;
  }

  /** Used by the OCI form. */
  static create(p: string, kind: 'tar' | 'oci', key: string): TreeRootfs {
    return new TreeRootfs(p, kind, key);
  }
}

/** True when `p` (inside `root`) is a directory reached from `root` without passing through any symlink. */
function isRealDirUnder(root: string, p: string): boolean {
  try {
    return fs.realpathSync(p) === path.join(fs.realpathSync(root), path.relative(root, p)) && fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** An OCI image layout (image-spec image-layout.md): index.json -> one manifest -> layers, in order. */
const OciRootfs = {
  async open(dir: string, opts: RootfsOpenOptions): Promise<Rootfs> {
    const readJsonBlob = (file: string, what: string): Record<string, unknown> => {
      let text: string;
      try {
        const st = fs.statSync(file);
        if (st.size > MAX_OCI_JSON) throw new FormatError(`${what} is ${st.size} bytes; more than ${MAX_OCI_JSON} is not an OCI ${what}`, { source: dir });
        text = readSmallFile(file, MAX_OCI_JSON, what).toString('utf8');
      } catch (e) {
        if (e instanceof KensaError) throw e;
        throw new KensaError('missing', `OCI layout: cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { source: dir, member: path.relative(dir, file) });
      }
      try {
        const v = JSON.parse(text) as unknown;
        if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        return v as Record<string, unknown>;
      } catch (e) {
        throw new FormatError(`OCI layout: ${what} is not JSON: ${(e as Error).message}`, { source: dir, member: path.relative(dir, file) });
      }
    };
    const blobPath = (digest: unknown, what: string): string => {
      const m = typeof digest === 'string' ? /^sha256:([0-9a-f]{64})$/.exec(digest) : null;
      if (!m) throw new FormatError(`OCI layout: ${what} has digest ${JSON.stringify(digest)}; expected sha256:<64 hex digits>`, { source: dir });
      return path.join(dir, 'blobs', 'sha256', m[1]);
    };
    // index.json may name an image index (multi-platform); follow it while there is exactly one entry.
    let doc = readJsonBlob(path.join(dir, 'index.json'), 'index.json');
    let manifestDigest = '';
    for (let depth = 0; depth < 4; depth++) {
      const manifests = Array.isArray(doc.manifests) ? (doc.manifests as Record<string, unknown>[]) : undefined;
      if (!manifests) break;
      if (manifests.length !== 1) {
        throw new KensaError('usage', `OCI layout holds ${manifests.length} manifests; give a layout with exactly one image`, { source: dir, member: 'index.json' });
      }
      manifestDigest = String(manifests[0].digest);
      const next = readJsonBlob(blobPath(manifests[0].digest, 'manifest'), 'manifest');
      if (OCI_INDEX_TYPES.has(String(manifests[0].mediaType)) || Array.isArray(next.manifests)) {
        doc = next;
        continue;
      }
      doc = next;
      break;
    }
    const layers = Array.isArray(doc.layers) ? (doc.layers as Record<string, unknown>[]) : undefined;
    if (!layers) throw new FormatError('OCI layout: the manifest lists no layers', { source: dir });
    const key = crypto.createHash('sha256').update(`oci\0${manifestDigest}\0${layers.map((l) => String(l.digest)).join('\0')}`).digest('hex');
    const tree = TreeRootfs.create(dir, 'oci', key);
    try {
      const cacheDir = resolveCacheDir(opts.cacheDir);
      for (const [i, layer] of layers.entries()) {
        const file = blobPath(layer.digest, `layer ${i}`);
        const label = `layer ${i} (${String(layer.digest).slice(0, 19)})`;
        if (!fs.existsSync(file)) throw new KensaError('missing', `OCI layout: ${label} blob is missing`, { source: dir, member: path.relative(dir, file) });
        const src = await openTarSource(file, cacheDir, opts, label);
        // A compressed blob was hashed on its way into the cache: it must be the blob its digest names.
        if (src.sha256 !== undefined && `sha256:${src.sha256}` !== layer.digest) {
          src.source.close();
          throw new FormatError(`OCI layout: ${label} blob does not match its digest (sha256:${src.sha256})`, { source: dir, member: path.relative(dir, file) });
        }
        tree.addLayer(src.source, indexTar(src.source, { ...DEFAULT_TAR_LIMITS, ...(opts.limits ?? {}) }, path.relative(dir, file)), label, true);
      }
    } catch (e) {
      tree.close();
      throw e;
    }
    return tree;
  },
};

/** A root file system unpacked in a folder: resolved component by component with lstat, never following a host link. */
class FolderRootfs implements Rootfs {
  readonly kind = 'folder' as const;
  readonly warnings: string[] = [];
  private readonly root: string;
  private readonly opened: ByteSource[] = [];

  constructor(readonly path: string) {
    this.root = fs.realpathSync(path);
  }

  private probe = (key: string): EntryProbe | undefined => {
    try {
      const st = fs.lstatSync(this.host(key));
      if (st.isSymbolicLink()) return { kind: 'symlink', linkTarget: fs.readlinkSync(this.host(key)) };
      return { kind: st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other' };
    } catch {
      return undefined;
    }
  };

  private host(key: string): string {
    return path.join(this.root, ...components(key));
  }

  open(p: string): { src: ByteSource; origin: 'rootfs' } | undefined {
    const key = resolveKey(p, this.probe);
    if (key === undefined || this.probe(key)?.kind !== 'file') return undefined;
    const src = new FileSource(this.host(key));
    this.opened.push(src);
    return { src, origin: 'rootfs' };
  }

  list(dir: string, max: number): RootfsListing | undefined {
    const key = resolveKey(dir, this.probe);
    if (key === undefined || this.probe(key)?.kind !== 'dir') return undefined;
    let names: string[];
    try {
      names = fs.readdirSync(this.host(key));
    } catch {
      return undefined;
    }
    names.sort();
    const all: RootfsDirEntry[] = [];
    // lstat only the entries shown: a huge directory costs one readdir, not one stat per name.
    for (const name of names.slice(0, Math.max(0, max))) {
      try {
        const st = fs.lstatSync(path.join(this.host(key), name));
        const kind: EntryKind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
        all.push({ name, kind, size: st.isFile() ? st.size : 0, mode: st.mode & 0o7777, ...(kind === 'symlink' ? { linkTarget: fs.readlinkSync(path.join(this.host(key), name)) } : {}) });
      } catch {
        continue;
      }
    }
    return { ...sortedListing(key, all, max), total: names.length };
  }

  /**
   * The folder itself when none of its links leads out of it; otherwise a mirror in the cache (directories,
   * links to the folder's files, and its symlinks rewritten to stay inside), so gdb never reads a host file
   * through an absolute link such as /lib64/ld-linux-x86-64.so.2 -> /lib/....
   */
  async sysroot(cacheDir: string): Promise<string> {
    const links: { key: string; target: string }[] = [];
    const files: string[] = [];
    const dirs: string[] = [];
    let leaks = false;
    const walk = (key: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(this.host(key), { withFileTypes: true });
      } catch {
        return;
      }
      for (const d of entries) {
        const k = key ? `${key}/${d.name}` : d.name;
        if (d.isSymbolicLink()) {
          const target = fs.readlinkSync(this.host(k));
          links.push({ key: k, target });
          if (target.startsWith('/') || linkTargetKey(k, target) === undefined) leaks = true;
        } else if (d.isDirectory()) {
          dirs.push(k);
          walk(k);
        } else if (d.isFile()) files.push(k);
      }
    };
    walk('');
    if (!leaks) return this.root;
    const dir = sysrootDir(cacheDir, crypto.createHash('sha256').update(`folder\0${this.root}`).digest('hex'));
    return buildFolder(dir, (partial) => {
      for (const k of dirs) fs.mkdirSync(path.join(partial, ...components(k)), { recursive: true, mode: 0o755 });
      for (const k of files) fs.symlinkSync(this.host(k), path.join(partial, ...components(k)));
      for (const { key, target } of links) {
        const t = linkTargetKey(key, target);
        if (t === undefined) {
          this.warnings.push(`symlink ${key} -> ${JSON.stringify(target)} points outside the root file system; refused`);
          continue;
        }
        fs.symlinkSync(relativeTarget(key, t), path.join(partial, ...components(key)));
      }
    });
  }

  close(): void {
    for (const s of this.opened) s.close();
    this.opened.length = 0;
  }
}

/**
 * Build a folder in the cache atomically: filled beside its final name, renamed into place when complete,
 * removed when anything fails (a half-built sysroot must never be taken for a whole one).
 */
async function buildFolder(dir: string, fill: (partial: string) => void | Promise<void>): Promise<string> {
  // an unpredictable name, made by mkdir (which never follows or reuses an existing name)
  const partial = tempBeside(dir);
  fs.mkdirSync(partial, { mode: 0o755 });
  try {
    await fill(partial);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(partial, dir);
  } catch (e) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw e;
  }
  return dir;
}
