/**
 * Files deleted while a process had them open or mapped, whose content CRIU carried in the checkpoint
 * ("ghost files", criu-format.md §1.3 and §2.7).
 *
 * remap-fpath.img ties a files.img id (orig_id) to a remap: LINKED 0 (CRIU hard-linked the file under a new
 * name on its own file system: the content is not in the checkpoint), GHOST 1 (the content is in
 * `ghost-file-<remap_id %x>.img`), PROCFS 2 (a /proc/<pid> entry of a dead task). A ghost image is a
 * ghost_file_entry, then either the raw content to EOF, or, with `chunks` set, repeated
 * `[u32 size][ghost_chunk_entry{len 1, off 2}][len bytes]`, each placed at file offset `off`, with holes
 * (zeros) between them and up to `size`. CRIU 4.x (files-reg.c dump_ghost_file) writes chunks, found with
 * SEEK_DATA / SEEK_HOLE, for regular files of 3 × 4096 bytes and more, and then always sets `size`; smaller
 * files are raw and carry no `size`, so files.img's reg_file_entry.size says how long they were. Directories,
 * devices and fifos carry no content.
 *
 * The image is indexed in place (one small read per chunk header), never loaded whole: a ghost can be as big
 * as `criu dump --ghost-limit` allowed. A cut image keeps what it still holds: file bytes before the cut are
 * known (`knownEnd`), the rest are not, and the cut is reported with the member and offset.
 */
import type { ByteSource } from '../io/byte-source';
import { FormatError, KensaError, type ErrorLocation } from '../errors';
import { decodeMessage, IMG_COMMON_MAGIC, imageTypeByName, type GhostChunkEntry, type GhostFileEntry, type ImageWarning } from '../criu';
import type { GhostContent, GhostPiece } from '../memory/address-space';

/** remap_file_path_entry.remap_type (remap-file-path.proto). */
export const REMAP_TYPES: Record<number, RemapKind> = { 0: 'linked', 1: 'ghost', 2: 'procfs' };
export type RemapKind = 'linked' | 'ghost' | 'procfs';
/** Images older than `remap_type` flag a ghost by the top bit of remap_id (files-reg.c collect_one_remap). */
const REMAP_GHOST_BIT = 0x8000_0000;

/** Most chunks indexed in one ghost image: a file fragmented every 4 KiB up to 16 GiB. */
export const MAX_GHOST_CHUNKS = 1 << 21;
/** Largest ghost_file_entry / ghost_chunk_entry message accepted (real ones are tens of bytes). */
const MAX_ENTRY_BYTES = 64 * 1024;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export interface RemapEntry {
  /** files.img id of the deleted file. */
  fileId: number;
  remapId: number;
  kind: RemapKind | `type ${number}`;
}

/** remap-fpath.img entries, normalised as CRIU reads them (a missing remap_type from the remap_id bit). */
export function remapEntries(entries: Record<string, unknown>[]): RemapEntry[] {
  return entries.map((e) => {
    let remapId = Number(e.remap_id ?? 0) >>> 0;
    let type = e.remap_type;
    if (type === undefined) {
      type = remapId & REMAP_GHOST_BIT ? 1 : 0;
      remapId = (remapId & ~REMAP_GHOST_BIT) >>> 0;
    }
    const t = Number(type);
    return { fileId: Number(e.orig_id ?? 0) >>> 0, remapId, kind: REMAP_TYPES[t] ?? (`type ${t}` as const) };
  });
}

/** The image holding a ghost's content (image-desc.c: `ghost-file-%x.img`). */
export function ghostImageName(remapId: number): string {
  return `ghost-file-${remapId.toString(16)}.img`;
}

/** One stored run of the file: file bytes [off, off + len) at `imageOffset` in the image. */
interface Chunk {
  off: number;
  len: number;
  imageOffset: number;
}

export interface GhostOpenOptions {
  /** The evidence, for error locations. */
  source?: string;
  /** The image's member name (`checkpoint/ghost-file-1.img`). */
  member: string;
  /** reg_file_entry.size of the file in files.img, the only length a raw (unchunked) ghost has. */
  expectedSize?: number;
}

/**
 * A ghost file's content as a ByteSource of `size` bytes: stored chunks, zeros in the holes between them. Reads
 * past `knownEnd` (a cut image) fail with the member and offset of the cut.
 */
export class GhostFile implements ByteSource, GhostContent {
  readonly member: string;
  readonly image: ByteSource;
  readonly size: number;
  /** File bytes [0, knownEnd) are known. Equal to `size` unless the image was cut short. */
  readonly knownEnd: number;
  /** 'raw' content to EOF, 'chunks', or 'none' (directories, devices, fifos, symlinks carry no content). */
  readonly form: 'raw' | 'chunks' | 'none';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime?: Date;
  /** What was wrong with the image (a cut, a disagreement with files.img); the content up to knownEnd stands. */
  readonly problems: KensaError[];
  private readonly chunks: Chunk[];
  private readonly where: ErrorLocation;

  private constructor(image: ByteSource, where: ErrorLocation, f: { member: string; size: number; knownEnd: number; form: GhostFile['form']; entry: GhostFileEntry; chunks: Chunk[]; problems: KensaError[] }) {
    this.image = image;
    this.where = where;
    this.member = f.member;
    this.size = f.size;
    this.knownEnd = f.knownEnd;
    this.form = f.form;
    this.chunks = f.chunks;
    this.problems = f.problems;
    this.mode = Number(f.entry.mode ?? 0) >>> 0;
    this.uid = Number(f.entry.uid ?? 0) >>> 0;
    this.gid = Number(f.entry.gid ?? 0) >>> 0;
    const mt = f.entry.mtim;
    if (mt?.tv_sec !== undefined) this.mtime = new Date(Number(mt.tv_sec) * 1000 + Math.floor(Number(mt.tv_usec ?? 0) / 1000));
  }

  /** 'file', 'dir', 'symlink' or 'other', from the mode CRIU saved. */
  get type(): 'file' | 'dir' | 'symlink' | 'other' {
    const t = this.mode & S_IFMT;
    return t === S_IFREG ? 'file' : t === S_IFDIR ? 'dir' : t === S_IFLNK ? 'symlink' : 'other';
  }

  /** Bytes of file content the image stores (holes excluded). */
  get storedBytes(): number {
    if (this.form === 'raw') return this.knownEnd;
    return this.chunks.reduce((n, c) => n + c.len, 0);
  }

  /**
   * Index a ghost image. Throws FormatError only when not even its ghost_file_entry can be read; a cut or
   * inconsistent rest is kept in `problems` with the content before it.
   */
  static open(image: ByteSource, opts: GhostOpenOptions): GhostFile {
    const where: ErrorLocation = { source: opts.source, member: opts.member };
    const problems: KensaError[] = [];
    const fail = (message: string, offset: number): FormatError => new FormatError(message, { ...where, offset });
    const { start, u32 } = readMagics(image, where);
    const head = readFrame(image, start, u32, where, 'ghost_file_entry');
    if (!head) throw fail('ghost image ends before its ghost_file_entry', start);
    const entry = decodeAt<GhostFileEntry>('ghost_file_entry', head, where, problems);
    const dataStart = head.end;
    const mode = Number(entry.mode ?? 0) & S_IFMT;
    const hasContent = mode === S_IFREG || mode === 0; // a mode of 0 (missing field) is read as a regular file
    const make = (size: number, knownEnd: number, form: GhostFile['form'], chunks: Chunk[]): GhostFile =>
      new GhostFile(image, where, { member: opts.member, size, knownEnd, form, entry, chunks, problems });

    if (!hasContent) {
      if (image.size > dataStart) problems.push(fail(`${image.size - dataStart} bytes follow the entry of a ghost that is not a regular file; ignored`, dataStart));
      return make(0, 0, 'none', []);
    }

    if (!entry.chunks) {
      // Raw content to EOF; only files.img says how long the file was.
      const stored = image.size - dataStart;
      let size = entry.size !== undefined ? safeNumber(entry.size, 'ghost file size', head.start, where) : stored;
      if (entry.size === undefined && opts.expectedSize !== undefined) size = opts.expectedSize;
      if (stored < size) problems.push(fail(`ghost file content is cut short: ${stored} of ${size} bytes are in the image`, image.size));
      else if (stored > size) {
        problems.push(fail(`ghost file content holds ${stored} bytes but the file had ${size}; the content is taken as it is`, dataStart + size));
        size = stored;
      }
      return make(size, Math.min(stored, size), 'raw', [{ off: 0, len: Math.min(stored, size), imageOffset: dataStart }]);
    }

    // Chunked: CRIU refuses to restore one without a size (files-reg.c mkreg_ghost); the chunks still give a lower bound.
    const chunks: Chunk[] = [];
    let pos = dataStart;
    let prevEnd = 0;
    let knownEnd: number | undefined;
    while (pos < image.size) {
      if (chunks.length >= MAX_GHOST_CHUNKS) throw new KensaError('limit', `ghost image holds more than ${MAX_GHOST_CHUNKS} chunks`, { ...where, offset: pos });
      const frame = readFrame(image, pos, u32, where, 'ghost_chunk_entry');
      if (!frame) {
        problems.push(fail(`ghost image is cut inside a chunk header (${image.size - pos} bytes left)`, pos));
        knownEnd = prevEnd;
        break;
      }
      const c = decodeAt<GhostChunkEntry>('ghost_chunk_entry', frame, where, problems);
      const off = safeNumber(c.off ?? 0n, 'ghost chunk offset', frame.start, where);
      const len = safeNumber(c.len ?? 0n, 'ghost chunk length', frame.start, where);
      if (off < prevEnd) {
        // SEEK_DATA walks forward: chunks are in file order and disjoint. Anything else is not CRIU's.
        problems.push(fail(`ghost chunk at file offset ${off} overlaps or precedes the previous chunk (ending at ${prevEnd}); the rest is ignored`, frame.start));
        knownEnd = prevEnd;
        break;
      }
      const avail = image.size - frame.end;
      if (len > avail) {
        problems.push(fail(`ghost chunk at file offset ${off} (${len} bytes) is cut short: only ${avail} bytes remain in the image`, frame.end));
        if (avail > 0) chunks.push({ off, len: avail, imageOffset: frame.end });
        knownEnd = off + avail;
        break;
      }
      if (len > 0) chunks.push({ off, len, imageOffset: frame.end });
      prevEnd = off + len;
      pos = frame.end + len;
    }
    const last = chunks.length ? chunks[chunks.length - 1].off + chunks[chunks.length - 1].len : 0;
    let size: number;
    if (entry.size === undefined) {
      problems.push(fail('chunked ghost file has no size; the end of its last chunk is taken', head.start));
      size = Math.max(last, opts.expectedSize ?? 0);
    } else {
      size = safeNumber(entry.size, 'ghost file size', head.start, where);
      if (last > size) {
        problems.push(fail(`ghost chunks reach file offset ${last}, past the file size ${size}; the size is raised to cover them`, head.start));
        size = last;
      }
    }
    return make(size, Math.min(knownEnd ?? size, size), 'chunks', chunks);
  }

  /** The pieces of file range [from, to) (to ≤ knownEnd): stored bytes at `imageOffset`, or holes (zeros). */
  pieces(from: number, to: number): GhostPiece[] {
    const out: GhostPiece[] = [];
    if (to > this.knownEnd) to = this.knownEnd;
    let cur = from;
    let i = this.chunkIndex(from);
    while (cur < to) {
      const c = this.chunks[i];
      if (!c || c.off >= to) {
        out.push({ start: cur, end: to });
        break;
      }
      if (c.off > cur) {
        out.push({ start: cur, end: c.off });
        cur = c.off;
      }
      const end = Math.min(c.off + c.len, to);
      if (end > cur) out.push({ start: cur, end, imageOffset: c.imageOffset + (cur - c.off) });
      cur = Math.max(cur, end);
      i++;
    }
    return out;
  }

  /** Index of the first chunk ending after `off`. */
  private chunkIndex(off: number): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.chunks[mid].off + this.chunks[mid].len <= off) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  read(offset: number, length: number): Buffer {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new FormatError(`read of ${length} bytes at file offset ${offset} is outside the ${this.size}-byte ghost file`, { ...this.where, offset });
    }
    if (offset + length > this.knownEnd) {
      throw new FormatError(`the ghost image is cut short: file bytes from offset ${this.knownEnd} on are not in it`, { ...this.where, offset: this.cutOffset() });
    }
    const buf = Buffer.alloc(length);
    this.readInto(offset, length, buf, 0);
    return buf;
  }

  /** Up to `length` known bytes at `offset` (holes as zeros); stops at knownEnd. */
  readInto(offset: number, length: number, target: Buffer, targetOffset: number): number {
    const to = Math.min(offset + length, this.knownEnd);
    if (to <= offset) return 0;
    for (const p of this.pieces(offset, to)) {
      const at = targetOffset + (p.start - offset);
      const n = p.end - p.start;
      if (p.imageOffset === undefined) target.fill(0, at, at + n);
      else {
        const got = this.image.readInto(p.imageOffset, n, target, at);
        if (got !== n) throw new FormatError(`short read of ghost content: ${got} of ${n} bytes`, { ...this.where, offset: p.imageOffset + got });
      }
    }
    return to - offset;
  }

  /** Member offset where the content stops (the first problem's offset when it is a cut). */
  private cutOffset(): number {
    const at = this.problems[0]?.location.offset;
    return at !== undefined ? Number(at) : this.image.size;
  }

  close(): void {}
}

function safeNumber(v: bigint | number, what: string, offset: number, where: ErrorLocation): number {
  const n = typeof v === 'bigint' ? v : BigInt(v);
  if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`${what} ${n} is out of range`, { ...where, offset });
  return Number(n);
}

/** The head and type magic (§1.1), in either byte order; pre-1.1 images have the type magic alone. */
function readMagics(image: ByteSource, where: ErrorLocation): { start: number; u32: (b: Buffer, at: number) => number } {
  const ghostMagic = imageTypeByName('GHOST_FILE')!.magic;
  const n = Math.min(8, image.size);
  if (n < 4) throw new FormatError(`ghost image is ${image.size} bytes long, too short for a magic`, { ...where, offset: 0 });
  const b = image.read(0, n);
  for (const u32 of [(x: Buffer, at: number) => x.readUInt32LE(at), (x: Buffer, at: number) => x.readUInt32BE(at)]) {
    if (u32(b, 0) === ghostMagic) return { start: 4, u32 };
    if (u32(b, 0) === IMG_COMMON_MAGIC) {
      if (n < 8) throw new FormatError('ghost image ends after its head magic', { ...where, offset: 4 });
      if (u32(b, 4) !== ghostMagic) throw new FormatError(`expected the GHOST_FILE magic 0x${ghostMagic.toString(16)}, found 0x${u32(b, 4).toString(16)}`, { ...where, offset: 4 });
      return { start: 8, u32 };
    }
  }
  throw new FormatError(`expected a CRIU image magic, found 0x${b.readUInt32LE(0).toString(16)}`, { ...where, offset: 0 });
}

interface Frame {
  /** Offset of the u32 size prefix. */
  start: number;
  /** The message bytes. */
  bytes: Buffer;
  /** Offset just past the message. */
  end: number;
}

/** One `u32 size + message` frame at `pos`, or undefined when the image ends inside it. */
function readFrame(image: ByteSource, pos: number, u32: (b: Buffer, at: number) => number, where: ErrorLocation, what: string): Frame | undefined {
  if (image.size - pos < 4) return undefined;
  const size = u32(image.read(pos, 4), 0);
  if (size > MAX_ENTRY_BYTES) throw new FormatError(`${what} claims ${size} bytes (at most ${MAX_ENTRY_BYTES} expected)`, { ...where, offset: pos });
  if (size > image.size - pos - 4) return undefined;
  return { start: pos, bytes: image.read(pos + 4, size), end: pos + 4 + size };
}

/** Decode a frame's message; protobuf errors carry the member offset, lesser problems go to `problems`. */
function decodeAt<T>(type: 'ghost_file_entry' | 'ghost_chunk_entry', frame: Frame, where: ErrorLocation, problems: KensaError[]): T {
  const warnings: ImageWarning[] = [];
  const at = (o: number | bigint | undefined): number => frame.start + 4 + Number(o ?? 0);
  let m: T;
  try {
    m = decodeMessage(type, frame.bytes, { where, warnings }) as T;
  } catch (e) {
    if (e instanceof KensaError) throw new FormatError(e.message, { ...where, offset: at(e.location.offset) });
    throw e;
  }
  for (const w of warnings) problems.push(new FormatError(w.message, { ...where, offset: at(w.offset) }));
  return m;
}
