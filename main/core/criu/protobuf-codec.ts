/**
 * Protobuf (proto2) decoding and encoding of one CRIU message with protobufjs.
 *
 * The wire work is protobufjs's: the decoder and encoder of each message type are the functions protobufjs
 * generates from its reflection type (schema.ts; `protobuf.decoder(type)` / `protobuf.encoder(type)`),
 * compiled on first use of that type, and they read and write through protobufjs's Reader and Writer. Around
 * them this module keeps the codec's contract:
 *
 * Decoding is lenient where the wire allows a reading, strict where it does not:
 *  - a field the schema does not know, or a known number arriving with another wire type, is kept in
 *    `$unknown` (protobufjs retains it when the reader's `discardUnknown` is off; we split its raw bytes into
 *    {field, wireType, bytes}), so newer CRIU fields and tampering stay visible; the wrong wire type is also
 *    a warning;
 *  - a `required` field that is absent is a warning, not a failure (the reflection types have no required
 *    fields, see schema.ts; the plans still know which ones are);
 *  - bytes protobufjs cannot read (a value running past the end of its message, a varint longer than 10
 *    bytes, field number 0, an invalid wire type, nesting deeper than protobufjs's recursion limit of 100)
 *    are a FormatError at the byte offset within the member, located from where the reader was.
 * Values: decoded messages are plain objects with only the fields present on the wire; 64-bit integers are
 * bigint (the reader converts protobufjs's Long as it reads), 32-bit integers and enums numbers, bytes
 * zero-copy Buffer views of the input, strings UTF-8 (bytes that are not UTF-8 are kept, see
 * decodeUtf8Exact); a repeated message or scalar appends, a repeated occurrence of a singular
 * message merges into it;
 * packed repeated scalars are accepted, and an empty packed field leaves no (empty) array behind.
 *
 * Encoding checks and converts the values (encode-values.ts: ranges, enum names, bigint → {low, high}), then lets
 * protobufjs's generated encoder write them: known fields in field-number order and repeated scalars
 * unpacked (proto2 without [packed=true]), exactly as protobuf-c (which CRIU uses) does, then any `$unknown`
 * fields in their original order, so decode → encode reproduces CRIU's bytes.
 */
import { isUtf8 } from 'node:buffer';
import { decodeUtf8Exact, encodeUtf8Exact } from '#shared/format';
import type * as Protobuf from 'protobufjs/light';

import { FormatError, KensaError, LimitError, type ErrorLocation } from '../errors.js';
import { criuSchema, type MessagePlan, type ProtobufLibrary } from './schema.js';
import { WireType, type CriuMessage, type ImageWarning, type UnknownField } from './wire-types.js';
import { prepareMessage } from './encode-values.js';

export interface DecodeContext {
  /** Where `buf[0]` sits within the member, so errors and warnings carry member offsets. */
  readonly base: number;
  readonly where: ErrorLocation;
  readonly warnings: ImageWarning[];
  /** How many values decoding may still produce (default: a fresh DEFAULT_IMAGE_VALUES budget). */
  readonly budget?: ValueBudget;
}

/**
 * Values (field occurrences and packed elements) one image may decode to. A value costs one byte of wire at
 * least but tens of bytes of heap (a BigInt, an array slot, a message object), so the bytes limit alone lets
 * a few MiB of one-byte varints exhaust the heap: 4 Mi values stay under ~200 MiB, and real images are far
 * below (200k VMAs or 1M thread ids are ~2 Mi).
 */
export const DEFAULT_IMAGE_VALUES = 4 * 1024 * 1024;
/** Values all decoded images of one checkpoint may hold together (they stay cached while it is open). */
export const DEFAULT_TOTAL_VALUES = 8 * DEFAULT_IMAGE_VALUES;

/**
 * A count of values still allowed, shared by every reader of one image and (through `parent`) by every image
 * of one checkpoint. Counts are taken before protobufjs reads, so nothing is allocated past the limit.
 */
export class ValueBudget {
  left: number;
  constructor(
    readonly limit: number,
    /** What the limit covers, for the message: `image`, `checkpoint`. */
    readonly scope: string,
    readonly parent?: ValueBudget,
  ) {
    this.left = limit;
  }

  /** Takes `n` values; the budget that ran out (this one or a parent), or undefined when there were enough. */
  take(n: number): ValueBudget | undefined {
    this.left -= n;
    if (this.left < 0) return this;
    return this.parent?.take(n);
  }

  /** A budget for one image drawing on this one (a checkpoint's total). */
  image(limit: number): ValueBudget {
    return new ValueBudget(limit, 'image', this);
  }
}

type MutableMessage = Record<string, unknown> & CriuMessage & { $unknowns?: Buffer[] };

/** What the codec tracks while protobufjs reads, to name fields and byte offsets in warnings and errors. */
interface CriuReader extends Protobuf.BufferReader {
  overBudget(spent: ValueBudget, at: number): LimitError;
  buf: Buffer;
  readonly ctx: DecodeContext;
  /** The message being decoded (innermost). */
  plan: MessagePlan | undefined;
  /**
   * Where the last tag began. Only this is recorded as protobufjs reads (every field passes here); the
   * rare paths that need the tag itself or where its value starts read it again (fieldAt).
   */
  tagAt: number;
  readonly budget: ValueBudget;
}

/**
 * protobufjs's generated decoder: (reader, length, end-group tag, depth, message to merge into). The
 * generated code of a message calls `types[i].decode(...)` of its nested message types with the same
 * signature, so a TypeCodec stands in for protobufjs's Type there.
 */
type DecodeFn = (r: CriuReader, length?: number, endGroup?: number, depth?: number, into?: MutableMessage) => MutableMessage;
/** protobufjs's generated encoder: (message, writer, depth). */
type EncodeFn = (message: object, w: Protobuf.Writer, depth?: number) => Protobuf.Writer;

interface Runtime {
  readonly pb: ProtobufLibrary;
  readonly Reader: new (buf: Buffer, ctx: DecodeContext) => CriuReader;
  readonly codecs: Map<string, TypeCodec>;
}

let runtime: Runtime | undefined;

function codecRuntime(): Runtime {
  if (!runtime) {
    const pb = criuSchema().protobuf;
    runtime = { pb, Reader: criuReaderClass(pb), codecs: new Map() };
  }
  return runtime;
}

function codecOf(plan: MessagePlan): TypeCodec {
  const rt = codecRuntime();
  let codec = rt.codecs.get(plan.name);
  if (!codec) rt.codecs.set(plan.name, (codec = new TypeCodec(plan, rt)));
  return codec;
}

const TWO_POW_32 = 4294967296;
/** 2^53 / 2^32: high halves below this give an exactly representable double. */
const SAFE_HIGH_LIMIT = 0x200000;

function unsignedOfLong(value: Protobuf.Long): bigint {
  const lo = value.low >>> 0;
  const hi = value.high >>> 0;
  if (hi === 0) return BigInt(lo);
  if (hi < SAFE_HIGH_LIMIT) return BigInt(hi * TWO_POW_32 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function signedOfLong(value: Protobuf.Long): bigint {
  return value.high < 0 ? BigInt.asIntN(64, unsignedOfLong(value)) : unsignedOfLong(value);
}

/** The tag at `tagAt`, read again: its field number and wire type, and where its value begins (null: unreadable). */
function fieldAt(pb: ProtobufLibrary, r: CriuReader, end: number): { fieldNo: number; wireType: number; valueAt: number } | null {
  const probe = pb.Reader.create(r.buf);
  probe.pos = r.tagAt;
  probe.len = Math.min(end, r.buf.length);
  try {
    const tag = probe.tag();
    return { fieldNo: tag >>> 3, wireType: tag & 7, valueAt: probe.pos };
  } catch {
    return null;
  }
}

/** A protobufjs BufferReader that keeps unknown fields, reads 64-bit values as bigint and tracks tags. */
function criuReaderClass(pb: ProtobufLibrary): Runtime['Reader'] {
  class Reader extends pb.BufferReader {
    plan: MessagePlan | undefined = undefined;
    tagAt = 0;
    readonly budget: ValueBudget;

    constructor(
      buf: Buffer,
      readonly ctx: DecodeContext,
    ) {
      super(buf);
      this.discardUnknown = false;
      this.budget = ctx.budget ?? new ValueBudget(DEFAULT_IMAGE_VALUES, 'image');
    }

    /** Every field occurrence (scalar, message, unknown field, packed run) starts with a tag: one value each. */
    override tag(): number {
      this.tagAt = this.pos;
      const spent = this.budget.take(1);
      if (spent) throw this.overBudget(spent, this.pos);
      return super.tag();
    }

    /** The limit error, at `at` (member offset of the field that would pass it). */
    overBudget(spent: ValueBudget, at: number): LimitError {
      const field = this.plan?.byNumber[fieldAt(pb, this as unknown as CriuReader, this.len)?.fieldNo ?? 0];
      const what = this.plan ? ` (${this.plan.name}${field ? '.' + field.name : ''})` : '';
      return new LimitError(
        `decoding would pass ${spent.limit} protobuf values in this ${spent.scope}${what}; crafted repeated fields?`,
        '--max-values',
        { ...this.ctx.where, offset: this.ctx.base + at },
      );
    }

    /**
     * Elements of the packed run at `pos` (length prefix, then values), counted without decoding: varints
     * by their last bytes (high bit clear), fixed-width values by length / width. The run is clamped to the
     * message; protobufjs then rejects a run that overflows it.
     */
    packedCount(width: number): number {
      const start = this.pos;
      const length = this.size();
      const from = this.pos;
      this.pos = start;
      const end = Math.min(from + length, this.len);
      if (width > 0) return Math.floor((end - from) / width);
      const buf = this.buf;
      let count = 0;
      for (let i = from; i < end; i++) if (buf[i]! < 0x80) count++;
      return count;
    }

    /**
     * protobufjs decodes strings with replacement characters, which hide the bytes. Linux names (files,
     * sockets, comm) may hold any byte and CRIU (protobuf-c) stores them unchecked, so a string that is not
     * UTF-8 is decoded again byte-exact (decodeUtf8Exact: each stray byte kept, shown as `\xNN`): nothing is lost.
     */
    override string(): string {
      const prefixAt = this.pos;
      const text = super.string();
      return text.includes('\ufffd') ? this.exactString(prefixAt, text) : text;
    }

    private exactString(prefixAt: number, text: string): string {
      const end = this.pos;
      this.pos = prefixAt;
      this.size();
      const bytes = (this.buf as Buffer).subarray(this.pos, end);
      this.pos = end;
      return isUtf8(bytes) ? text : decodeUtf8Exact(bytes);
    }
  }
  // protobufjs reads 64-bit integers as Long (the `long` package); the codec's values are bigint, converted
  // as they are read (packed 64-bit fields read through these too). Most uint64 / int64 values in images are
  // small: a varint of up to 4 bytes (< 2^28) is read as a 32-bit one, which allocates nothing.
  const proto = Reader.prototype as unknown as Record<string, () => unknown>;
  const base = pb.Reader.prototype as unknown as Record<string, (this: Protobuf.Reader) => number & Protobuf.Long>;
  const readUint32 = base['uint32']!;
  for (const [method, signed, varint] of [
    ['uint64', false, true], ['int64', true, true], ['sint64', true, false], ['fixed64', false, false], ['sfixed64', true, false],
  ] as const) {
    const readLong = base[method]!;
    const toBigint = signed ? signedOfLong : unsignedOfLong;
    proto[method] = varint
      ? function (this: Protobuf.Reader): bigint {
          const start = this.pos;
          const value = readUint32.call(this);
          if (this.pos - start < 5) return BigInt(value);
          this.pos = start;
          return toBigint(readLong.call(this));
        }
      : function (this: Protobuf.Reader): bigint {
          return toBigint(readLong.call(this));
        };
  }
  // Packed repeated scalars (protobufjs reads a whole run in one call): count the run's elements against
  // the budget before protobufjs allocates them. Width 0: varints.
  const packed: Array<[string, number]> = [
    ['uint32s', 0], ['int32s', 0], ['sint32s', 0], ['bools', 0], ['uint64s', 0], ['int64s', 0], ['sint64s', 0],
    ['fixed32s', 4], ['sfixed32s', 4], ['floats', 4], ['fixed64s', 8], ['sfixed64s', 8], ['doubles', 8],
  ];
  const basePacked = pb.Reader.prototype as unknown as Record<string, (this: Protobuf.Reader, into?: unknown[]) => unknown[]>;
  for (const [method, width] of packed) {
    const readRun = basePacked[method]!;
    (proto as unknown as Record<string, (this: InstanceType<typeof Reader>, into?: unknown[]) => unknown[]>)[method] = function (into) {
      const spent = this.budget.take(this.packedCount(width));
      if (spent) throw this.overBudget(spent, this.tagAt);
      return readRun.call(this, into);
    };
  }
  return Reader as unknown as Runtime['Reader'];
}

/** Bytes of the varint encoding of a 32-bit unsigned value. */
function varintSize(value: number): number {
  let size = 1;
  for (let v = value >>> 7; v !== 0; v >>>= 7) size++;
  return size;
}

/** An unknown field as protobufjs keeps it (tag and value, raw) → {field, wireType, bytes} (see UnknownField). */
function unknownField(pb: ProtobufLibrary, raw: Buffer): UnknownField {
  const r = pb.Reader.create(raw);
  const tag = r.tag();
  const field = tag >>> 3;
  const wireType = tag & 7;
  if (wireType === WireType.LEN) r.size();
  // a group's contents run up to its end tag (same field, wire type 4)
  const end = wireType === WireType.START_GROUP ? raw.length - varintSize(((field << 3) | WireType.END_GROUP) >>> 0) : raw.length;
  return { field, wireType, bytes: raw.subarray(r.pos, end) };
}

/** Moves protobufjs's retained unknown fields of one message into `$unknown`, warning about known numbers. */
function keepUnknownFields(pb: ProtobufLibrary, m: MutableMessage, plan: MessagePlan, r: CriuReader): void {
  const list = m.$unknown ?? (m.$unknown = []);
  for (const raw of m.$unknowns!) {
    const u = unknownField(pb, raw);
    list.push(u);
    const f = plan.byNumber[u.field];
    if (f !== undefined) {
      r.ctx.warnings.push({
        offset: r.ctx.base + raw.byteOffset - r.buf.byteOffset,
        message: `${plan.name}.${f.name} (field ${u.field}) arrived with wire type ${u.wireType}, ` +
          `expected ${f.wireType}; kept as an unknown field`,
      });
    }
  }
  delete m.$unknowns;
}

/**
 * Turns what protobufjs threw while decoding a message of `plan` (content in [start, end)) into a FormatError
 * at the byte that could not be read. A failure before the message read any field of its own (its length
 * runs past the enclosing message) belongs to the enclosing message's field: it is passed up unchanged,
 * unless there is no enclosing message.
 */
function describeFailure(
  pb: ProtobufLibrary,
  error: unknown,
  r: CriuReader,
  plan: MessagePlan,
  start: number,
  end: number,
  nested: boolean,
): unknown {
  if (error instanceof KensaError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const at = (offset: number, message: string): FormatError =>
    new FormatError(message, { ...r.ctx.where, offset: r.ctx.base + offset });
  // protobufjs checks the depth on entering a message: this one is too deep
  if (/max depth/.test(text)) return at(start, `messages nested deeper than ${pb.Reader.recursionLimit}`);
  // tags are read in order, so a tag at or after `start` is this message's (or a descendant's, which has
  // described its own failure already)
  if (r.tagAt < start) return nested ? error : at(start, `${plan.name} cannot be read: ${text}`);
  const field = fieldAt(pb, r, end);
  if (field === null) {
    // protobufjs refuses tags past 32 bits; otherwise the tag ran out of bytes, which happens only inside a
    // group (skipping one reads tags until its end tag)
    return at(r.tagAt, /tag encoding/.test(text) ? 'tag does not fit 32 bits' : 'truncated tag: a group without its end tag?');
  }
  const { fieldNo, wireType, valueAt } = field;
  const f = plan.byNumber[fieldNo];
  const what = f !== undefined ? `${plan.name}.${f.name}` : `field ${fieldNo}`;
  if (/field number 0/.test(text)) return at(r.tagAt, 'field number 0');
  if (/invalid wire type/.test(text)) return at(valueAt, `invalid wire type ${wireType} for field ${fieldNo}`);
  if (/end group/.test(text)) return at(valueAt, `group ${fieldNo} is not closed by its own end tag`);
  if (wireType === WireType.LEN) {
    // Read the length prefix again (with protobufjs) to say what it claimed.
    const probe = pb.Reader.create(r.buf);
    probe.pos = valueAt;
    probe.len = Math.min(end, r.buf.length);
    let claimed: bigint;
    try {
      claimed = unsignedOfLong(probe.uint64() as unknown as Protobuf.Long);
    } catch (e) {
      return at(valueAt, /varint encoding/.test((e as Error).message) ? 'varint longer than 10 bytes' : 'truncated varint');
    }
    const remaining = end - probe.pos;
    if (claimed > BigInt(remaining)) {
      return at(valueAt, `${what} claims ${claimed} bytes but only ${remaining} remain in the message`);
    }
    return at(valueAt, `${what}: a value inside its ${claimed} bytes is truncated or malformed`);
  }
  if (/varint encoding/.test(text)) return at(valueAt, 'varint longer than 10 bytes');
  if (wireType === WireType.VARINT) return at(valueAt, `truncated varint (${what})`);
  if (wireType === WireType.FIXED64 || wireType === WireType.FIXED32) {
    const size = wireType === WireType.FIXED64 ? 8 : 4;
    return at(valueAt, `truncated value: ${size} bytes needed, ${end - valueAt} left in the message (${what})`);
  }
  return at(valueAt, `${what} cannot be read: ${text}`);
}

/**
 * One message type's codec: protobufjs's generated decoder and encoder, compiled on first use, with the
 * bookkeeping described at the top around the decoder.
 */
class TypeCodec {
  constructor(
    readonly plan: MessagePlan,
    private readonly rt: Runtime,
  ) {}

  decode: DecodeFn = (r, length, endGroup, depth, into) => {
    this.decode = this.compileDecoder();
    return this.decode(r, length, endGroup, depth, into);
  };

  encode: EncodeFn = (message, w, depth) => {
    this.encode = this.compileEncoder();
    return this.encode(message, w, depth);
  };

  /** What protobufjs's generated code finds in `types[i]`: our codec for message fields, the Enum otherwise. */
  private fieldTypes(): unknown[] {
    return this.plan.type.fieldsArray.map((f) => {
      const nested = this.plan.byName.get(f.name)!.message;
      return nested !== undefined ? codecOf(nested) : f.resolvedType;
    });
  }

  private compileDecoder(): DecodeFn {
    const { pb } = this.rt;
    // `C: Object`: protobufjs creates each message with `new C`, so messages are plain objects.
    const generated = pb.decoder(this.plan.type)({ Reader: pb.Reader, types: this.fieldTypes(), util: pb.util, C: Object }) as DecodeFn;
    const plan = this.plan;
    const required = plan.required.map((f) => f.name);
    const packable = plan.fields.filter((f) => f.repeated && f.packable).map((f) => f.name);
    return function decode(r, length, endGroup, depth, into) {
      const start = r.pos;
      const outer = r.plan;
      r.plan = plan;
      let m: MutableMessage;
      try {
        m = generated(r, length, endGroup, depth, into);
      } catch (e) {
        const end = length === undefined ? r.len : start + length;
        throw describeFailure(pb, e, r, plan, start, end, (depth ?? 0) > 0);
      }
      r.plan = outer;
      if (m.$unknowns !== undefined) keepUnknownFields(pb, m, plan, r);
      for (const name of required) {
        if (m[name] === undefined) {
          const f = plan.byName.get(name)!;
          r.ctx.warnings.push({ offset: r.ctx.base + start, message: `${plan.name}.${name} (field ${f.number}) is required but missing` });
        }
      }
      // a packed field of length 0 leaves protobufjs's empty array: nothing was there
      for (const name of packable) {
        const list = m[name] as unknown[] | undefined;
        if (list !== undefined && list.length === 0) delete m[name];
      }
      return m;
    };
  }

  private compileEncoder(): EncodeFn {
    const { pb } = this.rt;
    return pb.encoder(this.plan.type)({ Writer: pb.Writer, types: this.fieldTypes(), util: pb.util }) as EncodeFn;
  }
}

/**
 * Decodes messages from one buffer with one protobufjs reader: an image of 100k entries should not cost 100k
 * readers. `ctx.base` is the member offset of buf[0].
 */
export class MessageDecoder {
  private readonly reader: CriuReader;
  private lastPlan: MessagePlan | undefined;
  private lastCodec: TypeCodec | undefined;

  constructor(buf: Buffer, ctx: DecodeContext) {
    const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from((buf as Uint8Array).buffer, (buf as Uint8Array).byteOffset, (buf as Uint8Array).byteLength);
    this.reader = new (codecRuntime().Reader)(bytes, ctx);
  }

  /**
   * Decodes the message in buf[start, end). Throws FormatError (with the member offset) when the bytes cannot
   * be read as protobuf at all; lesser problems go to ctx.warnings.
   */
  decode(plan: MessagePlan, start: number, end: number): CriuMessage {
    const r = this.reader;
    r.pos = start;
    r.len = end;
    r.plan = undefined;
    const spent = r.budget.take(1);
    if (spent) throw r.overBudget(spent, start);
    if (plan !== this.lastPlan) {
      this.lastPlan = plan;
      this.lastCodec = codecOf(plan);
    }
    return this.lastCodec!.decode(r, end - start, undefined, 0, undefined);
  }
}

/** Decodes one message from buf[start, end) (see MessageDecoder). */
export function decodeMessageBytes(
  plan: MessagePlan,
  buf: Buffer,
  start: number,
  end: number,
  ctx: DecodeContext,
): CriuMessage {
  return new MessageDecoder(buf, ctx).decode(plan, start, end);
}

// ---------------------------------------------------------------------------------------------------------
// Encoding

/**
 * Encodes messages with one protobufjs writer (an image of 100k entries should not cost 100k writers).
 * Each result is a view of the writer's buffer, valid until the next encode.
 */
export class MessageEncoder {
  private writer: Protobuf.Writer | undefined;

  encode(plan: MessagePlan, message: object): Uint8Array {
    const prepared = prepareMessage(codecRuntime().pb, plan, message, 0);
    const w = (this.writer ??= exactStringWriter(codecRuntime().pb.Writer.create()));
    w.reset();
    try {
      return codecOf(plan).encode(prepared, w, 0).finish(true);
    } catch (e) {
      this.writer = undefined; // never reuse a writer left mid-message
      throw e;
    }
  }
}

/**
 * A writer whose strings keep the bytes decoding kept: a string holding escaped bytes (decodeUtf8Exact) is
 * written as those bytes, with the same length-delimited wire form, so decode → encode stays exact.
 */
function exactStringWriter(w: Protobuf.Writer): Protobuf.Writer {
  const plain = w.string.bind(w);
  w.string = (value: string): Protobuf.Writer => (/[\udc80-\udcff]/.test(value) ? w.bytes(Buffer.from(encodeUtf8Exact(value))) : plain(value));
  return w;
}

/** Encodes a message object (decoded, or written by hand with the same conventions) to protobuf bytes. */
export function encodeMessageBytes(plan: MessagePlan, message: object): Buffer {
  return Buffer.from(new MessageEncoder().encode(plan, message));
}
