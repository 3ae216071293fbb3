/**
 * CRIU image files: framing, entries and the raw payloads between them (docs/criu-format.md §1).
 *
 *   image  := [HEAD_MAGIC:u32] TYPE_MAGIC:u32 entry*
 *   entry  := SIZE:u32 PROTOBUF[SIZE] [PAYLOAD]
 *
 * Every length read from the image is checked against the bytes that remain before anything is decoded or
 * sliced, so a size field claiming gigabytes costs nothing and fails with the offset of that size field.
 * Nothing is copied: messages' bytes fields and payloads are views into the caller's buffer.
 *
 * Round trip: decode → encode gives back CRIU's bytes exactly, because protobuf-c writes canonical protobuf
 * (fields in number order, minimal varints, repeated scalars unpacked, negative int32 sign-extended to ten
 * bytes, no unknown fields) and the payload padding is zero. Input that is valid but not canonical comes back
 * canonical instead, so not byte-identical: fields out of number order, packed repeated scalars, overlong
 * varints, a singular field given twice (only the last value, or the merged message, survives), unknown
 * fields placed between known ones (they are written after them), bools other than 0/1, and non-zero
 * payload padding (written as zeros; decoding warns about it).
 */
import { FormatError, KensaError, type ErrorLocation } from '../errors.js';
import {
  HEAD_MAGICS,
  IMG_COMMON_MAGIC,
  IMG_SERVICE_MAGIC,
  imageTypeByMagic,
  imageTypeByName,
  rawImageTypeForFileName,
  type HeadMagicName,
  type ImageType,
  type PayloadKind,
} from './magic.js';
import { MessageDecoder, MessageEncoder, type ValueBudget } from './protobuf-codec.js';
import type { GhostChunkEntry, GhostFileEntry, IpcMsg } from './messages.generated.js';
import { messagePlan, type MessagePlan } from './schema.js';
import type { CriuMessage, ImageWarning } from './wire-types.js';

export type ByteOrder = 'little' | 'big';

/** One message queued on a SysV message queue (ipcns-msg payload, §1.3). */
export interface IpcQueuedMessage {
  /** Member offset of the message's u32 size prefix. */
  offset: number;
  message: IpcMsg;
  /** `msize` bytes of message text (padding to 8 is not included). */
  data: Buffer;
}

/** Raw data that follows an entry (§1.3), as views into the image buffer. */
export type EntryPayload =
  | { kind: 'pipe-data'; data: Buffer } // pipes-data / fifo-data: pipe buffer contents
  | { kind: 'sk-queue'; data: Buffer } // sk-queues: queued socket data
  | { kind: 'tcp-stream'; inq: Buffer; outq: Buffer } // receive queue, send queue
  | { kind: 'ipc-sem'; values: number[] } // semaphore values
  | { kind: 'ipc-msg'; messages: IpcQueuedMessage[] }
  | { kind: 'ipc-shm'; data: Buffer } // segment contents, only when !in_pagemaps
  | { kind: 'bpfmap-data'; keys: Buffer; values: Buffer }
  | { kind: 'ghost-contents'; data: Buffer } // ghost file without chunks: its contents, to EOF
  | { kind: 'ghost-chunk'; data: Buffer }; // the bytes of one ghost_chunk_entry (placed at its `off`)

/** Where an entry sits in the image and what follows it; parallel to DecodedImage.entries. */
export interface EntryRecord {
  /** Message type name, e.g. `pstree_entry`, `pagemap_head`. */
  type: string;
  /** Member offset of the entry's u32 size prefix. */
  offset: number;
  /** Size of the protobuf message in bytes (the prefix's value). */
  size: number;
  payload?: EntryPayload;
  /** Member offset where the payload starts (when there is one). */
  payloadOffset?: number;
}

/**
 * A decoded image.
 *  - kind 'entries': a CRIU protobuf image. `entries` are the messages in file order (plain objects, see
 *    messages.generated.ts); `records[i]` tells where entries[i] was and carries its payload.
 *  - kind 'raw': a headerless image known by its file name (pages-N.img, iproute2 dumps, tmpfs tarballs); `data`.
 *  - kind 'opaque': an unknown magic, or a magic whose contents are not protobuf entries (KDAT); `data`.
 */
export interface DecodedImage {
  kind: 'entries' | 'raw' | 'opaque';
  /** crit's name for the type (`PSTREE`, `PAGES`), or `UNKNOWN` for an unrecognised magic. */
  magicName: string;
  /** The type magic as read (0 for raw images). */
  magic: number;
  /** The head magic found before the type magic (v1.1 images), or null (inventory.img, pre-1.1, raw). */
  headMagic: HeadMagicName | null;
  /** Byte order of the magics and size prefixes (host order of the dumping machine, §6). */
  byteOrder: ByteOrder;
  entries: CriuMessage[];
  records: EntryRecord[];
  warnings: ImageWarning[];
  /** For raw and opaque images: the whole image (a view of the input). */
  data?: Buffer;
  /** Image size in bytes. */
  size: number;
  source?: string;
  member?: string;
}

export interface ImageLocation {
  /** The evidence file or folder, for error messages. */
  source?: string;
  /** The member (file) name inside it; its base name also identifies raw images. */
  member?: string;
}

/** Cursor over the image, reading magics and size prefixes in the image's byte order. */
class ImageReader {
  pos = 0;
  /** Where the frame read last began (its size prefix) and its message size. */
  frameOffset = 0;
  frameSize = 0;
  private readonly decoder: MessageDecoder;

  constructor(
    readonly buf: Buffer,
    readonly byteOrder: ByteOrder,
    readonly where: ErrorLocation,
    readonly warnings: ImageWarning[],
    budget: ValueBudget | undefined,
  ) {
    this.decoder = new MessageDecoder(buf, budget ? { base: 0, where, warnings, budget } : { base: 0, where, warnings });
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  u32(at: number): number {
    return this.byteOrder === 'little' ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at);
  }

  error(message: string, at: number): FormatError {
    return new FormatError(message, { ...this.where, offset: at });
  }

  /** Takes `length` bytes (a bigint or number from an entry field) or fails naming `what` and where it began. */
  take(length: number | bigint, what: string): Buffer {
    const at = this.pos;
    if (length > this.remaining) {
      throw this.error(`${what} claims ${length} bytes but only ${this.remaining} remain in the image`, at);
    }
    const n = Number(length);
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }

  /** Skips zero padding up to `alignedLength`; non-zero padding is worth a warning (it could hide data). */
  skipPadding(dataLength: number, alignedLength: number, what: string): void {
    const pad = this.take(alignedLength - dataLength, `padding of ${what}`);
    if (pad.some((b) => b !== 0)) {
      this.warnings.push({ offset: this.pos - pad.length, message: `non-zero padding after ${what}` });
    }
  }

  /** Reads one `u32 size + message` frame (§1.1) and decodes the message; sets frameOffset / frameSize. */
  frame<T extends object>(plan: MessagePlan): T {
    const offset = this.pos;
    const remaining = this.buf.length - offset;
    if (remaining < 4) {
      throw this.error(`truncated entry: ${remaining} byte(s) where a 4-byte size is expected`, offset);
    }
    const size = this.u32(offset);
    if (size > remaining - 4) {
      throw this.error(`entry claims ${size} bytes but only ${remaining - 4} remain in the image (${plan.name})`, offset);
    }
    const message = this.decoder.decode(plan, offset + 4, offset + 4 + size) as T;
    this.pos = offset + 4 + size;
    this.frameOffset = offset;
    this.frameSize = size;
    return message;
  }
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function locationOf(where: ImageLocation): ErrorLocation {
  const loc: ErrorLocation = {};
  if (where.source !== undefined) loc.source = where.source;
  if (where.member !== undefined) loc.member = where.member;
  return loc;
}

/** Recognises the head and type magic in either byte order (§1.1; big-endian hosts write big-endian images, §6). */
function readMagics(
  buf: Buffer,
  loc: ErrorLocation,
): { byteOrder: ByteOrder; headMagic: HeadMagicName | null; magic: number; type: ImageType | undefined; start: number } {
  for (const byteOrder of ['little', 'big'] as const) {
    const u32 = (at: number): number => (byteOrder === 'little' ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
    const first = u32(0);
    if (first === IMG_COMMON_MAGIC || first === IMG_SERVICE_MAGIC) {
      if (buf.length < 8) throw new FormatError('image ends after its head magic, before the type magic', { ...loc, offset: 4 });
      const magic = u32(4);
      return {
        byteOrder,
        headMagic: first === IMG_COMMON_MAGIC ? 'IMG_COMMON' : 'IMG_SERVICE',
        magic,
        type: imageTypeByMagic(magic),
        start: 8,
      };
    }
    const type = imageTypeByMagic(first);
    if (type) return { byteOrder, headMagic: null, magic: first, type, start: 4 };
  }
  return { byteOrder: 'little', headMagic: null, magic: buf.readUInt32LE(0), type: undefined, start: 4 };
}

/**
 * Decodes a CRIU image.
 * Throws FormatError (with source, member and byte offset) for truncated or malformed images; returns an
 * 'opaque' result for an unknown magic and a 'raw' one for headerless images named like pages-N.img.
 * `budget` bounds the values decoded (LimitError past it; default: DEFAULT_IMAGE_VALUES for this image).
 */
export function decodeImage(bytes: Buffer, where: ImageLocation = {}, budget?: ValueBudget): DecodedImage {
  const loc = locationOf(where);
  const base = { warnings: [] as ImageWarning[], size: bytes.length, ...loc };

  const rawType = where.member !== undefined || where.source !== undefined
    ? rawImageTypeForFileName(where.member ?? where.source!)
    : undefined;
  if (rawType) {
    return {
      ...base, kind: 'raw', magicName: rawType.name, magic: rawType.magic, headMagic: null,
      byteOrder: 'little', entries: [], records: [], data: bytes,
    };
  }
  if (bytes.length < 4) {
    throw new FormatError(`image is ${bytes.length} byte(s) long, too short for a magic`, { ...loc, offset: 0 });
  }

  const { byteOrder, headMagic, magic, type, start } = readMagics(bytes, loc);
  if (!type || type.layout === 'undecodable' || !type.entry) {
    return {
      ...base, kind: 'opaque', magicName: type?.name ?? 'UNKNOWN', magic, headMagic, byteOrder,
      entries: [], records: [], data: bytes,
    };
  }

  const image: DecodedImage = {
    ...base, kind: 'entries', magicName: type.name, magic, headMagic, byteOrder, entries: [], records: [],
  };
  const r = new ImageReader(bytes, byteOrder, loc, image.warnings, budget);
  r.pos = start;

  if (type.layout === 'ghost-file') {
    decodeGhostFile(r, image);
    return image;
  }

  let plan = messagePlan(type.entry);
  const { entries, records } = image;
  while (r.pos < bytes.length) {
    const message = r.frame<CriuMessage>(plan);
    const record: EntryRecord = { type: plan.name, offset: r.frameOffset, size: r.frameSize };
    if (type.payload) readPayload(type.payload, r, message as Fields, record);
    entries.push(message);
    records.push(record);
    // §1.4: a PAGEMAP image is one pagemap_head, then pagemap_entry records.
    if (type.layout === 'pagemap' && entries.length === 1) plan = messagePlan('pagemap_entry');
  }
  return image;
}

/** §1.3 ghost-file: a ghost_file_entry, then chunks `[u32 size][ghost_chunk_entry][len bytes]` or contents to EOF. */
function decodeGhostFile(r: ImageReader, image: DecodedImage): void {
  const head = r.frame<GhostFileEntry>(messagePlan('ghost_file_entry'));
  const record: EntryRecord = { type: 'ghost_file_entry', offset: r.frameOffset, size: r.frameSize };
  image.entries.push(head);
  image.records.push(record);
  if (!head.chunks) {
    record.payloadOffset = r.pos;
    record.payload = { kind: 'ghost-contents', data: r.take(r.remaining, 'ghost file contents') };
    return;
  }
  const chunkPlan = messagePlan('ghost_chunk_entry');
  while (r.remaining > 0) {
    const chunk = r.frame<GhostChunkEntry>(chunkPlan);
    const offset = r.frameOffset;
    const size = r.frameSize;
    const payloadOffset = r.pos;
    const data = r.take(chunk.len ?? 0n, `ghost chunk at ${offset}`);
    image.entries.push(chunk);
    image.records.push({ type: 'ghost_chunk_entry', offset, size, payloadOffset, payload: { kind: 'ghost-chunk', data } });
  }
}

type Fields = Record<string, unknown>;

function numberField(message: Fields, name: string): number {
  const v = message[name];
  return typeof v === 'number' ? v : 0;
}

/** Reads the payload that follows an entry (§1.3); lengths come from the entry's own fields. */
function readPayload(kind: PayloadKind, r: ImageReader, m: Fields, record: EntryRecord): void {
  const at = r.pos;
  const where = `payload of the entry at ${record.offset}`;
  let payload: EntryPayload | undefined;
  switch (kind) {
    case 'pipe-data':
      // pipe_data_entry.bytes (2) is the payload length; `size` (3) is the pipe's capacity, not data.
      payload = { kind, data: r.take(numberField(m, 'bytes'), where) };
      break;
    case 'sk-queue':
      payload = { kind, data: r.take(numberField(m, 'length'), where) };
      break;
    case 'tcp-stream': {
      const inq = r.take(numberField(m, 'inq_len'), `receive queue (${where})`);
      const outq = r.take(numberField(m, 'outq_len'), `send queue (${where})`);
      payload = { kind, inq, outq };
      break;
    }
    case 'ipc-sem': {
      // nsems u16 values, zero-padded to a multiple of 8 bytes (CRIU ipc_sysctl.c; go-criu gets the rounding wrong).
      const nsems = numberField(m, 'nsems');
      const raw = r.take(nsems * 2, `semaphore values (${where})`);
      const values = new Array<number>(nsems);
      for (let i = 0; i < nsems; i++) values[i] = r.byteOrder === 'little' ? raw.readUInt16LE(i * 2) : raw.readUInt16BE(i * 2);
      r.skipPadding(nsems * 2, roundUp(nsems * 2, 8), `semaphore values (${where})`);
      payload = { kind, values };
      break;
    }
    case 'ipc-msg': {
      const messages: IpcQueuedMessage[] = [];
      const qnum = numberField(m, 'qnum');
      const msgPlan = messagePlan('ipc_msg');
      for (let i = 0; i < qnum; i++) {
        const message = r.frame<IpcMsg>(msgPlan);
        const offset = r.frameOffset;
        const msize = message.msize ?? 0;
        const data = r.take(msize, `text of queued message ${i} (${where})`);
        r.skipPadding(msize, roundUp(msize, 8), `queued message ${i} (${where})`);
        messages.push({ offset, message, data });
      }
      payload = { kind, messages };
      break;
    }
    case 'ipc-shm': {
      // Current CRIU sets in_pagemaps and keeps the contents in pagemap-shmem-<id>.img; only old images inline them.
      if (m['in_pagemaps'] === true) return;
      const size = typeof m['size'] === 'bigint' ? m['size'] : 0n;
      const data = r.take(size, `shared memory contents (${where})`);
      r.skipPadding(data.length, roundUp(data.length, 4), `shared memory contents (${where})`);
      payload = { kind, data };
      break;
    }
    case 'bpfmap-data': {
      const keys = r.take(numberField(m, 'keys_bytes'), `map keys (${where})`);
      const values = r.take(numberField(m, 'values_bytes'), `map values (${where})`);
      payload = { kind, keys, values };
      break;
    }
  }
  record.payload = payload;
  record.payloadOffset = at;
}

// ---------------------------------------------------------------------------------------------------------
// Encoding

/** What encodeImage needs of each entry besides its message; a DecodedImage's records qualify. */
export interface EncodableRecord {
  /** Message type; defaults from the image type (pagemap_head then pagemap_entry, and so on). */
  type?: string;
  payload?: EntryPayload;
}

export interface EncodableImage {
  /** crit's name of the image type, e.g. `PSTREE`. */
  magicName: string;
  /** The messages, in order. */
  entries: readonly object[];
  /** Parallel to entries: types and payloads (required for images whose entries carry payloads). */
  records?: ReadonlyArray<EncodableRecord | undefined>;
  /** Head magic to write; undefined = what CRIU 4.2 writes for this type, null = none (pre-1.1 images). */
  headMagic?: HeadMagicName | null;
  byteOrder?: ByteOrder;
  /** For raw / opaque images: the bytes, written unchanged. */
  data?: Buffer;
  kind?: DecodedImage['kind'];
}

function usage(message: string): KensaError {
  return new KensaError('usage', message);
}

/**
 * Encodes an image: the inverse of decodeImage (a DecodedImage is a valid input). Payload lengths must agree
 * with the entry fields that announce them (e.g. pipe_data_entry.bytes = payload.data.length).
 */
export function encodeImage(img: EncodableImage): Buffer {
  if (img.kind === 'raw' || img.kind === 'opaque') {
    if (!img.data) throw usage(`encodeImage: a ${img.kind} image needs its data`);
    return Buffer.from(img.data);
  }
  const type = imageTypeByName(img.magicName);
  if (!type || !type.entry || type.layout === 'raw' || type.layout === 'undecodable') {
    throw usage(`encodeImage: ${img.magicName} is not a CRIU protobuf image type`);
  }
  const byteOrder = img.byteOrder ?? 'little';
  const w = new ImageWriter(byteOrder);

  const headMagic = img.headMagic === undefined ? type.headMagic : img.headMagic;
  if (headMagic) w.u32(HEAD_MAGICS[headMagic]);
  w.u32(type.magic);

  img.entries.forEach((message, index) => {
    const record = img.records?.[index];
    const entryType = record?.type ?? defaultEntryType(type, index);
    w.frame(messagePlan(entryType), message);
    writePayload(type, entryType, message as Fields, record?.payload, w, byteOrder);
  });
  return w.finish();
}

/** Growable output buffer for an image: magics and size prefixes in the image's byte order, bytes as given. */
class ImageWriter {
  private buf = Buffer.allocUnsafe(1024);
  private length = 0;
  private readonly encoder = new MessageEncoder();

  constructor(private readonly byteOrder: ByteOrder) {}

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u32(value: number): void {
    this.reserve(4);
    if (this.byteOrder === 'little') this.buf.writeUInt32LE(value >>> 0, this.length);
    else this.buf.writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** One `u32 size + message` frame (§1.1). */
  frame(plan: MessagePlan, message: object): void {
    const body = this.encoder.encode(plan, message);
    this.u32(body.length);
    this.bytes(body);
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

function defaultEntryType(type: ImageType, index: number): string {
  if (type.layout === 'pagemap') return index === 0 ? 'pagemap_head' : 'pagemap_entry';
  if (type.layout === 'ghost-file') return index === 0 ? 'ghost_file_entry' : 'ghost_chunk_entry';
  return type.entry!;
}

function expectLength(entryType: string, field: string, announced: unknown, actual: number): void {
  const announcedNumber = typeof announced === 'bigint' ? Number(announced) : typeof announced === 'number' ? announced : 0;
  if (announcedNumber !== actual) {
    throw usage(`encodeImage: ${entryType}.${field} is ${String(announced ?? 0)} but the payload has ${actual} bytes`);
  }
}

function writePayload(
  type: ImageType,
  entryType: string,
  m: Fields,
  p: EntryPayload | undefined,
  w: ImageWriter,
  byteOrder: ByteOrder,
): void {
  const expectedKind =
    type.layout === 'ghost-file'
      ? entryType === 'ghost_file_entry'
        ? (m['chunks'] ? undefined : 'ghost-contents')
        : 'ghost-chunk'
      : type.payload === 'ipc-shm' && m['in_pagemaps'] === true
        ? undefined
        : type.payload;
  if (expectedKind === undefined) {
    if (p) throw usage(`encodeImage: a ${entryType} in ${type.name} carries no payload`);
    return;
  }
  if (!p || p.kind !== expectedKind) {
    if (expectedKind === 'ghost-contents' && !p) return; // an empty ghost file
    throw usage(`encodeImage: ${entryType} in ${type.name} needs a '${expectedKind}' payload`);
  }
  const pad = (n: number): void => w.bytes(Buffer.alloc(n));
  switch (p.kind) {
    case 'pipe-data':
      expectLength(entryType, 'bytes', m['bytes'], p.data.length);
      w.bytes(p.data);
      return;
    case 'sk-queue':
      expectLength(entryType, 'length', m['length'], p.data.length);
      w.bytes(p.data);
      return;
    case 'tcp-stream':
      expectLength(entryType, 'inq_len', m['inq_len'], p.inq.length);
      expectLength(entryType, 'outq_len', m['outq_len'], p.outq.length);
      w.bytes(p.inq);
      w.bytes(p.outq);
      return;
    case 'ipc-sem': {
      expectLength(entryType, 'nsems', m['nsems'], p.values.length);
      const b = Buffer.alloc(roundUp(p.values.length * 2, 8));
      p.values.forEach((v, i) => (byteOrder === 'little' ? b.writeUInt16LE(v, i * 2) : b.writeUInt16BE(v, i * 2)));
      w.bytes(b);
      return;
    }
    case 'ipc-msg': {
      expectLength(entryType, 'qnum', m['qnum'], p.messages.length);
      for (const q of p.messages) {
        expectLength('ipc_msg', 'msize', q.message.msize, q.data.length);
        w.frame(messagePlan('ipc_msg'), q.message);
        w.bytes(q.data);
        pad(roundUp(q.data.length, 8) - q.data.length);
      }
      return;
    }
    case 'ipc-shm':
      expectLength(entryType, 'size', m['size'], p.data.length);
      w.bytes(p.data);
      pad(roundUp(p.data.length, 4) - p.data.length);
      return;
    case 'bpfmap-data':
      expectLength(entryType, 'keys_bytes', m['keys_bytes'], p.keys.length);
      expectLength(entryType, 'values_bytes', m['values_bytes'], p.values.length);
      w.bytes(p.keys);
      w.bytes(p.values);
      return;
    case 'ghost-chunk':
      expectLength(entryType, 'len', m['len'], p.data.length);
      w.bytes(p.data);
      return;
    case 'ghost-contents':
      w.bytes(p.data);
      return;
  }
}
