/**
 * A checkpoint as evidence: a plain tar read in place, a tar.gz / tar.zst decompressed once into the
 * cache, an unpacked archive folder (with `checkpoint/`), or a bare folder of CRIU images
 * (`inventory.img` at its top, as `criu dump -D` leaves it). Everything is opened read-only.
 *
 * Member names follow cli-conventions.md: `checkpoint/core-6.img`, `stats-dump`, and paths inside
 * rootfs-diff.tar written through it (`rootfs-diff.tar/home/counter/test-file`). For a bare image folder the
 * member is the file name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileSource, SliceSource, type ByteSource } from '../io/byte-source';
import { CancelledError, describeLocation, FormatError, KensaError, LimitError, systemErrorText } from '../errors';
import { escapeText } from '#shared/format';
import { DEFAULT_TAR_LIMITS, indexTar, normaliseMemberName, type MemberType, type TarIndex, type TarLimits } from './tar-index';
import { DEFAULT_DECOMPRESS_LIMITS, decompressToCache, inflateToCache, sniffCompression, type DecompressLimits, type ProgressFn } from './decompress';
import * as crypto from 'node:crypto';
import { ensureDir, resolveCacheDir } from '../cache';
import { DEFAULT_IMAGE_VALUES, DEFAULT_TOTAL_VALUES } from '../criu/protobuf-codec';

export type ArchiveFormat = 'tar' | 'tar.gz' | 'tar.zst' | 'folder' | 'image-folder';

export interface ArchiveEntry {
  name: string;
  type: MemberType;
  size: number;
  mode: number;
  mtime?: Date;
  linkTarget?: string;
  /** The raw name when it was absolute or climbed out with `..` (never used as a host path). */
  unsafeName?: string;
  truncated?: boolean;
}

export interface ArchiveLimits extends TarLimits, DecompressLimits {
  /** Largest metadata file (config.dump, spec.dump, ...) or CRIU image read whole into memory. */
  maxMetadataBytes: number;
  maxImageBytes: number;
  /** Protobuf values (fields, packed elements) one image may decode to, and all images together (`--max-values`). */
  maxImageValues: number;
  maxTotalValues: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  ...DEFAULT_TAR_LIMITS,
  ...DEFAULT_DECOMPRESS_LIMITS,
  maxMetadataBytes: 64 * 1024 * 1024,
  maxImageBytes: 512 * 1024 * 1024,
  maxImageValues: DEFAULT_IMAGE_VALUES,
  maxTotalValues: DEFAULT_TOTAL_VALUES,
};

export interface OpenOptions {
  cacheDir?: string;
  /** Stops hashing / decompression of a compressed archive (the partial output is removed). */
  signal?: AbortSignal;
  limits?: Partial<ArchiveLimits>;
  onProgress?: ProgressFn;
  /**
   * For a folder: read its top level only. A CRIU image folder has no sub-folders, and a parent link found in
   * evidence must never make Kensa walk a tree it points at.
   */
  flatFolder?: boolean;
}

interface Backing {
  entries: Map<string, ArchiveEntry>;
  order: ArchiveEntry[];
  open(e: ArchiveEntry): ByteSource;
  close(): void;
  warnings: string[];
  /** Parts that could not be read (a cut or corrupt archive): a partial result. */
  damage: string[];
  truncated: boolean;
}

export const ROOTFS_DIFF = 'rootfs-diff.tar';

export class CheckpointArchive {
  /** `checkpoint` for engine archives, `` for a bare image folder. */
  readonly imageDir: string;
  /** Oddities that were neutralised (unsafe or duplicate names): the result is still complete. */
  readonly warnings: string[];
  /** Parts that could not be read (cut short, corrupt stream): the result is partial. */
  readonly damage: string[];
  private rootfsDiffIndex: { index: TarIndex; source: ByteSource; gzip: boolean } | null | undefined;
  /** A gzip rootfs-diff.tar inflated into the cache when the archive was opened, or why it could not be. */
  private inflatedDiff?: { source: ByteSource } | { error: KensaError };

  private constructor(
    /** The path as the user gave it (used in messages). */
    readonly source: string,
    readonly format: ArchiveFormat,
    private readonly backing: Backing,
    readonly limits: ArchiveLimits,
    /** SHA-256 of the compressed evidence (compressed archives only; computed for the cache key). */
    readonly compressedSha256?: string,
    /** Path of the decompressed tar in the cache (compressed archives only). */
    readonly cachedTar?: string,
  ) {
    this.warnings = [...backing.warnings];
    this.damage = [...backing.damage];
    if (format === 'image-folder') this.imageDir = '';
    else if (backing.entries.has('checkpoint') || [...backing.entries.keys()].some((n) => n.startsWith('checkpoint/'))) this.imageDir = 'checkpoint';
    else if (backing.entries.has('inventory.img')) this.imageDir = '';
    // A Podman pre-checkpoint export (`--pre-checkpoint -e`) holds its images in pre-checkpoint/ instead
    // (criu-format.md §1.5); it is the parent archive of a later `--with-previous` checkpoint.
    else if (backing.entries.has('pre-checkpoint') || [...backing.entries.keys()].some((n) => n.startsWith('pre-checkpoint/'))) this.imageDir = 'pre-checkpoint';
    else throw new FormatError('not a checkpoint: no checkpoint/ directory and no inventory.img', { source });
  }

  /** True when the archive ended early; what it holds is still readable. */
  get truncated(): boolean {
    return this.backing.truncated;
  }

  static async open(file: string, opts: OpenOptions = {}): Promise<CheckpointArchive> {
    const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...(opts.limits ?? {}) };
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch (e) {
      throw new KensaError('io', `cannot open: ${systemErrorText(e)}`, { source: file });
    }
    if (st.isDirectory()) {
      const backing = folderBacking(file, limits, opts.flatFolder ? 0 : MAX_FOLDER_DEPTH);
      const format: ArchiveFormat = backing.entries.has('checkpoint') ? 'folder' : 'image-folder';
      return new CheckpointArchive(file, format, backing, limits).prepared(opts);
    }
    const src = new FileSource(file);
    if (src.size === 0) {
      src.close();
      throw new FormatError('empty file: expected a tar, tar.gz or tar.zst checkpoint archive', { source: file, offset: 0 });
    }
    const kind = sniffCompression(src.read(0, Math.min(8, src.size)));
    if (kind === 'none') {
      return new CheckpointArchive(file, 'tar', tarBacking(src, limits, file), limits).prepared(opts);
    }
    src.close();
    const dec = await decompressToCache(file, kind, resolveCacheDir(opts.cacheDir), limits, opts.onProgress, opts.signal);
    const tarSrc = new FileSource(dec.tarPath);
    const format: ArchiveFormat = kind === 'gzip' ? 'tar.gz' : 'tar.zst';
    const backing = tarBacking(tarSrc, limits, file);
    if (dec.incomplete) {
      backing.damage.unshift(dec.incomplete);
      backing.truncated = true;
    }
    if (dec.trailing) backing.warnings.unshift(dec.trailing);
    return new CheckpointArchive(file, format, backing, limits, dec.sha256, dec.tarPath).prepared(opts);
  }

  /**
   * containerd writes rootfs-diff.tar gzip-compressed. It is inflated like the archive itself: streamed into
   * the cache (keyed by its SHA-256) under --max-unpacked and --max-ratio, never whole in memory; a limit
   * or a corrupt stream makes rootfs-diff.tar unavailable and is named as damage when it is first used, so
   * the rest of the checkpoint stays readable.
   */
  private async prepared(opts: OpenOptions): Promise<CheckpointArchive> {
    const e = this.backing.entries.get(ROOTFS_DIFF);
    if (!e || e.type !== 'file' || e.size === 0) return this;
    const src = this.backing.open(e);
    const where = { source: this.source, member: ROOTFS_DIFF };
    try {
      if (sniffCompression(src.read(0, Math.min(8, src.size))) !== 'gzip') return this;
      const dir = ensureDir(path.join(resolveCacheDir(opts.cacheDir), 'archives'));
      const dec = await inflateToCache({ where, size: src.size, chunks: () => sourceChunks(src) }, sha256OfSource(src), 'gzip', dir, this.limits, opts.onProgress, opts.signal);
      if (dec.incomplete) {
        this.damage.push(`${ROOTFS_DIFF}: ${dec.incomplete}`);
      }
      if (dec.trailing) this.warnings.push(`${ROOTFS_DIFF}: ${dec.trailing}`);
      this.inflatedDiff = { source: new FileSource(dec.tarPath) };
    } catch (err) {
      if (!(err instanceof KensaError) || err instanceof CancelledError) {
        this.close();
        throw err;
      }
      this.inflatedDiff = { error: err.within(where) };
    } finally {
      src.close();
    }
    return this;
  }

  entries(): ArchiveEntry[] {
    return this.backing.order;
  }

  entry(name: string): ArchiveEntry | undefined {
    return this.backing.entries.get(normaliseMemberName(name).name);
  }

  has(name: string): boolean {
    return this.entry(name) !== undefined;
  }

  /** Member name of a CRIU image (`core-6.img` -> `checkpoint/core-6.img`). */
  imageMember(imageName: string): string {
    return this.imageDir ? `${this.imageDir}/${imageName}` : imageName;
  }

  /** Names (without the image folder) of the files in the CRIU image folder. */
  imageNames(): string[] {
    const prefix = this.imageDir ? this.imageDir + '/' : '';
    const out: string[] = [];
    for (const e of this.backing.order) {
      if (e.type !== 'file' || !e.name.startsWith(prefix)) continue;
      const rest = e.name.slice(prefix.length);
      if (rest && !rest.includes('/')) out.push(rest);
    }
    return out;
  }

  /** Random access to a member's bytes. Paths through rootfs-diff.tar are accepted. */
  open(name: string): ByteSource {
    const norm = normaliseMemberName(name).name;
    const direct = this.backing.entries.get(norm);
    if (direct) {
      if (direct.type !== 'file') throw notAFile(direct.type, { source: this.source, member: norm });
      return this.backing.open(direct);
    }
    if (norm.startsWith(ROOTFS_DIFF + '/')) {
      const inner = norm.slice(ROOTFS_DIFF.length + 1);
      const diff = this.rootfsDiff();
      if (!diff && this.inflatedDiff && 'error' in this.inflatedDiff) throw this.inflatedDiff.error;
      // A name holding bytes that are not UTF-8 or invisible characters cannot be typed: it is also found by the
      // text `kensa ls` prints for it (cli-conventions: MEMBER names a file as ls prints it).
      const m = diff?.index.byName.get(inner) ?? diff?.index.members.find((x) => x.name !== inner && escapeText(x.name) === inner);
      if (!diff || !m) throw new KensaError('missing', `no such member`, { source: this.source, member: norm });
      if (m.type !== 'file') throw notAFile(m.type, { source: this.source, member: norm });
      return new SliceSource(diff.source, m.dataOffset, Math.min(m.size, diff.source.size - m.dataOffset));
    }
    throw new KensaError('missing', `no such member`, { source: this.source, member: norm });
  }

  /**
   * The size a member's header declares (a member of rootfs-diff.tar too), which is more than `open(name).size`
   * when the archive is cut short inside it; undefined when there is no such member.
   */
  declaredSize(name: string): number | undefined {
    const norm = normaliseMemberName(name).name;
    const direct = this.backing.entries.get(norm);
    if (direct) return direct.size;
    if (!norm.startsWith(ROOTFS_DIFF + '/')) return undefined;
    return this.rootfsDiff()?.index.byName.get(norm.slice(ROOTFS_DIFF.length + 1))?.size;
  }

  /** A whole member in memory, refused above `maxBytes` (metadata files, CRIU images). */
  readFile(name: string, maxBytes = this.limits.maxMetadataBytes): Buffer {
    const src = this.open(name);
    try {
      if (src.size > maxBytes) {
        throw new LimitError(`member is ${src.size} bytes, over the ${maxBytes}-byte limit for files read whole`, '--max-image', { source: this.source, member: name });
      }
      return Buffer.from(src.read(0, src.size));
    } catch (e) {
      throw e instanceof KensaError ? e.within({ source: this.source, member: normaliseMemberName(name).name }) : e;
    } finally {
      src.close();
    }
  }

  /** A member if present, else undefined. */
  tryReadFile(name: string, maxBytes?: number): Buffer | undefined {
    return this.has(name) ? this.readFile(name, maxBytes) : undefined;
  }

  /** A CRIU image's bytes, or undefined when the image is absent. */
  readImage(imageName: string): Buffer | undefined {
    return this.tryReadFile(this.imageMember(imageName), this.limits.maxImageBytes);
  }

  /** The index of rootfs-diff.tar (plain, or gzip as containerd writes it), or null when absent. */
  rootfsDiff(): { index: TarIndex; source: ByteSource; gzip: boolean } | null {
    if (this.rootfsDiffIndex !== undefined) return this.rootfsDiffIndex;
    const e = this.backing.entries.get(ROOTFS_DIFF);
    if (!e || e.type !== 'file' || e.size === 0) return (this.rootfsDiffIndex = null);
    let src = this.backing.open(e);
    let gzip = false;
    if (this.inflatedDiff) {
      gzip = true;
      if ('error' in this.inflatedDiff) {
        // the rest of the checkpoint stays readable; what rootfs-diff.tar would have given is missing (exit 3)
        const { member, offset } = this.inflatedDiff.error.location;
        this.damage.push(describeLocation({ member, offset }) + this.inflatedDiff.error.message);
        return (this.rootfsDiffIndex = null);
      }
      src = this.inflatedDiff.source;
    }
    try {
      const index = indexTar(src, this.limits, ROOTFS_DIFF);
      for (const w of index.warnings) this.warnings.push(`${ROOTFS_DIFF}: ${w}`);
      if (index.truncated) this.damage.push(`${ROOTFS_DIFF}: cut short; files after the cut are missing`);
      this.rootfsDiffIndex = { index, source: src, gzip };
    } catch (err) {
      throw err instanceof KensaError ? err.within({ source: this.source, member: ROOTFS_DIFF }) : err;
    }
    return this.rootfsDiffIndex;
  }

  close(): void {
    this.backing.close();
    if (this.inflatedDiff && 'source' in this.inflatedDiff) this.inflatedDiff.source.close();
  }
}

/** A source's bytes in 1 MiB pieces. */
async function* sourceChunks(src: ByteSource): AsyncGenerator<Buffer> {
  const step = 1 << 20;
  for (let off = 0; off < src.size; off += step) yield src.read(off, Math.min(step, src.size - off));
}

/** SHA-256 (hex) of a source's bytes, read in 1 MiB pieces. */
function sha256OfSource(src: ByteSource): string {
  const hash = crypto.createHash('sha256');
  const step = 1 << 20;
  for (let off = 0; off < src.size; off += step) hash.update(src.read(off, Math.min(step, src.size - off)));
  return hash.digest('hex');
}

/**
 * Asking for a folder or a link as a file is a usage error; a FIFO, device or socket where a file belongs is
 * bad input (it is never opened: reading one could block for ever).
 */
function notAFile(type: MemberType, where: { source: string; member: string }): KensaError {
  if (type === 'dir' || type === 'symlink' || type === 'hardlink') return new KensaError('usage', `${where.member} is a ${type}, not a file`, where);
  return new FormatError(`${where.member} is a ${type}, not a regular file: refused (reading it could block or never end)`, where);
}

function tarBacking(src: ByteSource, limits: ArchiveLimits, sourceName: string): Backing {
  let index: TarIndex;
  try {
    index = indexTar(src, limits);
  } catch (e) {
    src.close();
    throw e instanceof KensaError ? e.within({ source: sourceName }) : e;
  }
  const entries = new Map<string, ArchiveEntry>();
  const order: ArchiveEntry[] = [];
  for (const m of index.members) {
    const e: ArchiveEntry = { name: m.name, type: m.type, size: m.size, mode: m.mode, mtime: m.mtime };
    if (m.linkTarget !== undefined) e.linkTarget = m.linkTarget;
    if (m.unsafeName !== undefined) e.unsafeName = m.unsafeName;
    if (m.truncated) e.truncated = true;
    order.push(e);
    if (m.name) entries.set(m.name, e);
  }
  const offsets = new Map<ArchiveEntry, { start: number; size: number }>();
  index.members.forEach((m, i) => offsets.set(order[i], { start: m.dataOffset, size: Math.min(m.size, Math.max(0, src.size - m.dataOffset)) }));
  const warnings = [...index.warnings];
  const damage = index.truncated ? ['archive is cut short: members after the cut are missing'] : [];
  return {
    entries,
    order,
    warnings,
    damage,
    truncated: index.truncated,
    open: (e) => {
      const o = offsets.get(e)!;
      return new SliceSource(src, o.start, o.size);
    },
    close: () => src.close(),
  };
}

/** Deepest sub-folder of an evidence folder that is listed (an engine archive folder needs 2 or 3 levels). */
const MAX_FOLDER_DEPTH = 32;

/** Walk an evidence folder without following symlinks (a link is listed, never read through). */
function folderBacking(root: string, limits: ArchiveLimits, maxDepth: number): Backing {
  const entries = new Map<string, ArchiveEntry>();
  const order: ArchiveEntry[] = [];
  const open: FileSource[] = [];
  const walk = (rel: string, depth: number): void => {
    const dir = path.join(root, rel);
    for (const d of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const name = rel ? `${rel}/${d.name}` : d.name;
      if (order.length >= limits.maxMembers) throw new LimitError(`folder holds more than ${limits.maxMembers} files`, '--max-members', { source: root });
      const st = fs.lstatSync(path.join(root, name));
      const type: MemberType = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() || st.isBlockDevice() ? 'device' : 'other';
      const e: ArchiveEntry = { name, type, size: type === 'file' ? st.size : 0, mode: st.mode & 0o7777, mtime: st.mtime };
      if (type === 'symlink') e.linkTarget = fs.readlinkSync(path.join(root, name));
      entries.set(name, e);
      order.push(e);
      if (type === 'dir' && depth < maxDepth) walk(name, depth + 1);
    }
  };
  walk('', 0);
  return {
    entries,
    order,
    warnings: [],
    damage: [],
    truncated: false,
    open: (e) => {
      const f = new FileSource(path.join(root, e.name));
      open.push(f);
      return f;
    },
    close: () => open.forEach((f) => f.close()),
  };
}
