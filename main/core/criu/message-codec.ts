/**
 * Protobuf (proto2) decoding and encoding of one CRIU message, driven by the plans in schema.ts.
 *
 * Decoding is lenient where the wire allows a reading, strict where it does not:
 *  - a field the schema does not know, or a known number arriving with another wire type, is kept in
 *    `$unknown` (never dropped), so newer CRIU fields and tampering stay visible;
 *  - a `required` field that is absent is a warning, not a failure (proto2 parsers would reject the message);
 *  - a value running past the end of its message, a varint longer than 10 bytes, a field number 0 or an
 *    invalid wire type is a FormatError at the exact byte offset within the member.
 * Values: 64-bit integers are bigint, 32-bit integers and enums numbers, bytes zero-copy Buffer views of the
 * input, strings decoded as UTF-8 (invalid UTF-8 is reported as a warning and shown with U+FFFD), a repeated
 * message or scalar appends, a repeated occurrence of a singular message merges into it (protobuf rules).
 *
 * Encoding writes fields in field-number order and repeated scalars unpacked, exactly as protobuf-c (which
 * CRIU uses) does, then any `$unknown` fields in their original order, so decode → encode reproduces CRIU's
 * bytes.
 */
import { isUtf8 } from 'node:buffer';

import { FormatError, KensaError, type ErrorLocation } from '../errors.js';
import type { FieldPlan, MessagePlan } from './schema.js';
import { WireType, type CriuMessage, type ImageWarning, type UnknownField } from './wire-types.js';

/** Deeper nesting than this is hostile input (CRIU's deepest real chain is about 5; cgroup dirs recurse). */
export const MAX_MESSAGE_DEPTH = 100;

export interface DecodeContext {
  /** Where `buf[0]` sits within the member, so errors and warnings carry member offsets. */
  readonly base: number;
  readonly where: ErrorLocation;
  readonly warnings: ImageWarning[];
}

type MutableMessage = Record<string, unknown> & CriuMessage;

/** Cursor over the bytes of the message being decoded; `end` (exclusive) is the current message's end. */
class Cursor {
  pos: number;
  end: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    end: number,
  ) {
    this.pos = start;
    this.end = end;
  }
}

// The last varint read, as unsigned 32-bit halves: module-level scratch keeps varint decoding allocation-free.
let varintLo = 0;
let varintHi = 0;

function fail(message: string, ctx: DecodeContext, at: number): never {
  throw new FormatError(message, { ...ctx.where, offset: ctx.base + at });
}

/** Reads a varint of up to 10 bytes into varintLo / varintHi (unsigned 32-bit halves). */
function readVarint(c: Cursor, ctx: DecodeContext): void {
  const buf = c.buf;
  const end = c.end;
  const start = c.pos;
  let pos = start;
  let lo = 0;
  let hi = 0;
  let b: number;
  // Bytes 0-3 carry bits 0-27 of the low half.
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) fail('truncated varint', ctx, start);
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) {
      c.pos = pos;
      varintLo = lo >>> 0;
      varintHi = 0;
      return;
    }
  }
  // Byte 4 carries bits 28-31 of the low half and bits 0-2 of the high half.
  if (pos >= end) fail('truncated varint', ctx, start);
  b = buf[pos++]!;
  lo |= (b & 0x0f) << 28;
  hi = (b & 0x7f) >> 4;
  if (b < 0x80) {
    c.pos = pos;
    varintLo = lo >>> 0;
    varintHi = hi;
    return;
  }
  // Bytes 5-9 carry bits 3-31 of the high half (bits past 64 are dropped, as every protobuf decoder does).
  for (let shift = 3; shift < 32; shift += 7) {
    if (pos >= end) fail('truncated varint', ctx, start);
    b = buf[pos++]!;
    hi |= (b & 0x7f) << shift;
    if (b < 0x80) {
      c.pos = pos;
      varintLo = lo >>> 0;
      varintHi = hi >>> 0;
      return;
    }
  }
  fail('varint longer than 10 bytes', ctx, start);
}

/** A varint that must fit 32 bits unsigned (tags, lengths); returns the low half and checks the rest is zero. */
function readVarint32(c: Cursor, ctx: DecodeContext, what: string): number {
  const start = c.pos;
  readVarint(c, ctx);
  if (varintHi !== 0) fail(`${what} does not fit 32 bits`, ctx, start);
  return varintLo;
}

const TWO_POW_32 = 4294967296;
/** 2^53 / 2^32: high halves below this give an exactly representable double. */
const SAFE_HIGH_LIMIT = 0x200000;

function unsigned64(lo: number, hi: number): bigint {
  if (hi === 0) return BigInt(lo);
  if (hi < SAFE_HIGH_LIMIT) return BigInt(hi * TWO_POW_32 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function signed64(lo: number, hi: number): bigint {
  return hi >= 0x80000000 ? BigInt.asIntN(64, unsigned64(lo, hi)) : unsigned64(lo, hi);
}

/** zigzag: 0 → 0, 1 → -1, 2 → 1, 3 → -2 … */
function zigzag64(lo: number, hi: number): bigint {
  const negative = (lo & 1) !== 0;
  const magLo = ((lo >>> 1) | (hi << 31)) >>> 0;
  const magHi = hi >>> 1;
  const magnitude = unsigned64(magLo, magHi);
  return negative ? -magnitude - 1n : magnitude;
}

/** Decodes one value of a non-LEN, non-message field at the cursor. */
function readScalar(f: FieldPlan, c: Cursor, ctx: DecodeContext): unknown {
  switch (f.kind) {
    case 'uint32':
      readVarint(c, ctx);
      return varintLo;
    case 'int32':
    case 'enum':
      readVarint(c, ctx);
      return varintLo | 0;
    case 'sint32':
      readVarint(c, ctx);
      return (varintLo >>> 1) ^ -(varintLo & 1);
    case 'uint64':
      readVarint(c, ctx);
      return unsigned64(varintLo, varintHi);
    case 'int64':
      readVarint(c, ctx);
      return signed64(varintLo, varintHi);
    case 'sint64':
      readVarint(c, ctx);
      return zigzag64(varintLo, varintHi);
    case 'bool':
      readVarint(c, ctx);
      return (varintLo | varintHi) !== 0;
    case 'fixed32':
      need(c, 4, ctx);
      c.pos += 4;
      return c.buf.readUInt32LE(c.pos - 4);
    case 'sfixed32':
      need(c, 4, ctx);
      c.pos += 4;
      return c.buf.readInt32LE(c.pos - 4);
    case 'float':
      need(c, 4, ctx);
      c.pos += 4;
      return c.buf.readFloatLE(c.pos - 4);
    case 'fixed64':
      need(c, 8, ctx);
      c.pos += 8;
      return unsigned64(c.buf.readUInt32LE(c.pos - 8), c.buf.readUInt32LE(c.pos - 4));
    case 'sfixed64':
      need(c, 8, ctx);
      c.pos += 8;
      return signed64(c.buf.readUInt32LE(c.pos - 8), c.buf.readUInt32LE(c.pos - 4));
    case 'double':
      need(c, 8, ctx);
      c.pos += 8;
      return c.buf.readDoubleLE(c.pos - 8);
    default:
      throw new Error(`readScalar called for ${f.kind}`);
  }
}

function need(c: Cursor, n: number, ctx: DecodeContext): void {
  if (c.end - c.pos < n) fail(`truncated value: ${n} bytes needed, ${c.end - c.pos} left in the message`, ctx, c.pos);
}

/**
 * Reads a length prefix and returns the end of the value, checked against the enclosing message. The value
 * is named by `owner.field` or `field N` (built only when reporting a problem).
 */
function readLengthDelimited(c: Cursor, ctx: DecodeContext, owner: string | undefined, field: string | number): number {
  const at = c.pos;
  readVarint(c, ctx);
  if (varintHi !== 0 || varintLo > c.end - c.pos) {
    const what = owner !== undefined ? `${owner}.${field}` : `field ${field}`;
    const length = unsigned64(varintLo, varintHi);
    fail(`${what} claims ${length} bytes but only ${c.end - c.pos} remain in the message`, ctx, at);
  }
  return c.pos + varintLo;
}

function appendTo(target: MutableMessage, name: string, value: unknown): void {
  const list = target[name] as unknown[] | undefined;
  if (list === undefined) target[name] = [value];
  else list.push(value);
}

/** Skips one value of the given wire type and returns its wire bytes (see UnknownField). */
function readUnknownValue(c: Cursor, wireType: number, fieldNo: number, ctx: DecodeContext, depth: number): Buffer {
  const start = c.pos;
  switch (wireType) {
    case WireType.VARINT:
      readVarint(c, ctx);
      return c.buf.subarray(start, c.pos);
    case WireType.FIXED64:
      need(c, 8, ctx);
      c.pos += 8;
      return c.buf.subarray(start, c.pos);
    case WireType.FIXED32:
      need(c, 4, ctx);
      c.pos += 4;
      return c.buf.subarray(start, c.pos);
    case WireType.LEN: {
      const end = readLengthDelimited(c, ctx, undefined, fieldNo);
      const bytes = c.buf.subarray(c.pos, end);
      c.pos = end;
      return bytes;
    }
    case WireType.START_GROUP: {
      // Groups are obsolete and never written by protobuf-c, but are valid wire data: skip to the matching end.
      if (depth >= MAX_MESSAGE_DEPTH) fail(`groups nested deeper than ${MAX_MESSAGE_DEPTH}`, ctx, start);
      for (;;) {
        const tagAt = c.pos;
        if (tagAt >= c.end) fail(`group ${fieldNo} has no end`, ctx, start);
        const tag = readVarint32(c, ctx, 'tag');
        const innerType = tag & 7;
        if (innerType === WireType.END_GROUP) {
          if (tag >>> 3 !== fieldNo) fail(`group ${fieldNo} closed by end of group ${tag >>> 3}`, ctx, tagAt);
          return c.buf.subarray(start, tagAt);
        }
        readUnknownValue(c, innerType, tag >>> 3, ctx, depth + 1);
      }
    }
    case WireType.END_GROUP:
      return fail(`unexpected end of group ${fieldNo}`, ctx, start);
    default:
      return fail(`invalid wire type ${wireType} for field ${fieldNo}`, ctx, start);
  }
}

function decodeString(c: Cursor, end: number, owner: string, f: FieldPlan, ctx: DecodeContext): string {
  const start = c.pos;
  c.pos = end;
  const buf = c.buf;
  // Fast path: pure ASCII needs no validation.
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (buf[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii && !isUtf8(buf.subarray(start, end))) {
    ctx.warnings.push({
      offset: ctx.base + start,
      message: `${owner}.${f.name} is not valid UTF-8; shown with U+FFFD replacements`,
    });
  }
  return buf.toString('utf8', start, end);
}

/**
 * Decodes the message in c.buf[c.pos, end) into `target` (a fresh object, or an existing one when a singular
 * message field occurs twice and must be merged). Leaves c.pos at end.
 */
function decodeInto(
  plan: MessagePlan,
  c: Cursor,
  end: number,
  target: MutableMessage,
  ctx: DecodeContext,
  depth: number,
): MutableMessage {
  if (depth > MAX_MESSAGE_DEPTH) fail(`messages nested deeper than ${MAX_MESSAGE_DEPTH}`, ctx, c.pos);
  const outerEnd = c.end;
  const messageStart = c.pos;
  c.end = end;
  const byNumber = plan.byNumber;
  while (c.pos < end) {
    const tagAt = c.pos;
    const tag = readVarint32(c, ctx, 'tag');
    const fieldNo = tag >>> 3;
    const wireType = tag & 7;
    if (fieldNo === 0) fail('field number 0', ctx, tagAt);
    const f = fieldNo < byNumber.length ? byNumber[fieldNo] : undefined;
    if (f !== undefined && wireType === f.wireType) {
      if (f.kind === 'message') {
        const valueEnd = readLengthDelimited(c, ctx, plan.name, f.name);
        if (f.repeated) {
          appendTo(target, f.name, decodeInto(f.message!, c, valueEnd, {}, ctx, depth + 1));
        } else {
          const existing = target[f.name] as MutableMessage | undefined;
          target[f.name] = decodeInto(f.message!, c, valueEnd, existing ?? {}, ctx, depth + 1);
        }
        c.end = end;
      } else if (f.kind === 'string' || f.kind === 'bytes') {
        const valueEnd = readLengthDelimited(c, ctx, plan.name, f.name);
        const value =
          f.kind === 'string' ? decodeString(c, valueEnd, plan.name, f, ctx) : c.buf.subarray(c.pos, valueEnd);
        c.pos = valueEnd;
        if (f.repeated) appendTo(target, f.name, value);
        else target[f.name] = value;
      } else if (f.repeated) {
        appendTo(target, f.name, readScalar(f, c, ctx));
      } else {
        target[f.name] = readScalar(f, c, ctx);
      }
    } else if (f !== undefined && f.repeated && f.packable && wireType === WireType.LEN) {
      // Packed repeated scalars: protobuf parsers must accept them whatever the declaration says.
      const valueEnd = readLengthDelimited(c, ctx, plan.name, f.name);
      c.end = valueEnd;
      let list = target[f.name] as unknown[] | undefined;
      if (list === undefined) target[f.name] = list = [];
      while (c.pos < valueEnd) list.push(readScalar(f, c, ctx));
      c.end = end;
      if (list.length === 0) delete target[f.name];
    } else {
      const bytes = readUnknownValue(c, wireType, fieldNo, ctx, depth);
      const unknown: UnknownField = { field: fieldNo, wireType, bytes };
      if (target.$unknown === undefined) target.$unknown = [unknown];
      else target.$unknown.push(unknown);
      if (f !== undefined) {
        ctx.warnings.push({
          offset: ctx.base + tagAt,
          message: `${plan.name}.${f.name} (field ${fieldNo}) arrived with wire type ${wireType}, ` +
            `expected ${f.wireType}; kept as an unknown field`,
        });
      }
    }
  }
  c.end = outerEnd;
  for (const f of plan.required) {
    if (target[f.name] === undefined) {
      ctx.warnings.push({
        offset: ctx.base + messageStart,
        message: `${plan.name}.${f.name} (field ${f.number}) is required but missing`,
      });
    }
  }
  return target;
}

/**
 * Decodes messages from one buffer, reusing its cursor: an image of 100k entries should not cost 100k
 * cursors. `ctx.base` is the member offset of buf[0].
 */
export class MessageDecoder {
  private readonly cursor: Cursor;

  constructor(
    private readonly buf: Buffer,
    private readonly ctx: DecodeContext,
  ) {
    this.cursor = new Cursor(buf, 0, buf.length);
  }

  /**
   * Decodes the message in buf[start, end). Throws FormatError (with the member offset) when the bytes cannot
   * be read as protobuf at all; lesser problems go to ctx.warnings.
   */
  decode(plan: MessagePlan, start: number, end: number): CriuMessage {
    const c = this.cursor;
    c.pos = start;
    c.end = end;
    return decodeInto(plan, c, end, {}, this.ctx, 0);
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

/** Growable output buffer. */
export class ProtoWriter {
  private buf: Buffer;
  length = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** Unsigned varint of a value in [0, 2^32). */
  varint32(value: number): void {
    this.reserve(5);
    let v = value >>> 0;
    while (v >= 0x80) {
      this.buf[this.length++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.length++] = v;
  }

  /** Unsigned varint of a value in [0, 2^64). */
  varint64(value: bigint): void {
    if (value < 0x100000000n) {
      this.varint32(Number(value));
      return;
    }
    this.reserve(10);
    let v = value;
    while (v >= 0x80n) {
      this.buf[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.length++] = Number(v);
  }

  uint32le(value: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(value >>> 0, this.length);
    this.length += 4;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  tag(fieldNo: number, wireType: number): void {
    this.varint32(((fieldNo << 3) | wireType) >>> 0);
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function encodeError(plan: MessagePlan, f: FieldPlan | undefined, message: string): KensaError {
  return new KensaError('usage', `encode ${plan.name}${f ? '.' + f.name : ''}: ${message}`);
}

function asInteger(plan: MessagePlan, f: FieldPlan, value: unknown, min: bigint, max: bigint): bigint {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isInteger(value)) v = BigInt(value);
  else throw encodeError(plan, f, `expected an integer, got ${typeof value}`);
  if (v < min || v > max) throw encodeError(plan, f, `${v} is out of range for ${f.kind}`);
  return v;
}

function writeScalar(w: ProtoWriter, plan: MessagePlan, f: FieldPlan, value: unknown): void {
  switch (f.kind) {
    case 'uint32':
      w.varint32(Number(asInteger(plan, f, value, 0n, 0xffffffffn)));
      return;
    case 'int32':
    case 'enum': {
      let v: unknown = value;
      if (f.kind === 'enum' && typeof value === 'string') {
        v = f.enumValues!.get(value);
        if (v === undefined) throw encodeError(plan, f, `${value} is not a value of ${f.typeName}`);
      }
      const n = asInteger(plan, f, v, -0x80000000n, 0x7fffffffn);
      // Negative int32 values are sign-extended to 64 bits on the wire (10 bytes), as protobuf-c does.
      if (n < 0n) w.varint64(BigInt.asUintN(64, n));
      else w.varint32(Number(n));
      return;
    }
    case 'sint32': {
      const n = Number(asInteger(plan, f, value, -0x80000000n, 0x7fffffffn));
      w.varint32(((n << 1) ^ (n >> 31)) >>> 0);
      return;
    }
    case 'uint64':
      w.varint64(asInteger(plan, f, value, 0n, UINT64_MAX));
      return;
    case 'int64':
      w.varint64(BigInt.asUintN(64, asInteger(plan, f, value, INT64_MIN, INT64_MAX)));
      return;
    case 'sint64': {
      const n = asInteger(plan, f, value, INT64_MIN, INT64_MAX);
      w.varint64(n < 0n ? -n * 2n - 1n : n * 2n);
      return;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw encodeError(plan, f, `expected a boolean, got ${typeof value}`);
      w.varint32(value ? 1 : 0);
      return;
    case 'fixed32':
      w.uint32le(Number(asInteger(plan, f, value, 0n, 0xffffffffn)));
      return;
    case 'sfixed32':
      w.uint32le(Number(asInteger(plan, f, value, -0x80000000n, 0x7fffffffn)) >>> 0);
      return;
    case 'fixed64':
    case 'sfixed64': {
      const n =
        f.kind === 'fixed64'
          ? asInteger(plan, f, value, 0n, UINT64_MAX)
          : BigInt.asUintN(64, asInteger(plan, f, value, INT64_MIN, INT64_MAX));
      w.uint32le(Number(n & 0xffffffffn));
      w.uint32le(Number(n >> 32n));
      return;
    }
    case 'float':
    case 'double': {
      if (typeof value !== 'number') throw encodeError(plan, f, `expected a number, got ${typeof value}`);
      const b = Buffer.alloc(f.kind === 'float' ? 4 : 8);
      if (f.kind === 'float') b.writeFloatLE(value);
      else b.writeDoubleLE(value);
      w.bytes(b);
      return;
    }
    case 'string': {
      if (typeof value !== 'string') throw encodeError(plan, f, `expected a string, got ${typeof value}`);
      const b = Buffer.from(value, 'utf8');
      w.varint32(b.length);
      w.bytes(b);
      return;
    }
    case 'bytes': {
      if (!(value instanceof Uint8Array)) throw encodeError(plan, f, 'expected a Buffer / Uint8Array');
      w.varint32(value.length);
      w.bytes(value);
      return;
    }
    case 'message': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw encodeError(plan, f, 'expected an object');
      }
      const inner = new ProtoWriter();
      encodeInto(f.message!, value as MutableMessage, inner, 1);
      w.varint32(inner.length);
      w.bytes(inner.finish());
      return;
    }
  }
}

function encodeInto(plan: MessagePlan, message: MutableMessage, w: ProtoWriter, depth: number): void {
  if (depth > MAX_MESSAGE_DEPTH) throw encodeError(plan, undefined, `nested deeper than ${MAX_MESSAGE_DEPTH}`);
  for (const key of Object.keys(message)) {
    if (key !== '$unknown' && !plan.byName.has(key)) throw encodeError(plan, undefined, `no field named ${key}`);
  }
  for (const f of plan.fields) {
    const value = message[f.name];
    if (value === undefined) continue;
    if (f.repeated) {
      if (!Array.isArray(value)) throw encodeError(plan, f, 'expected an array');
      if (f.packed && value.length > 0) {
        const inner = new ProtoWriter();
        for (const v of value) writeScalar(inner, plan, f, v);
        w.tag(f.number, WireType.LEN);
        w.varint32(inner.length);
        w.bytes(inner.finish());
      } else {
        for (const v of value) {
          w.tag(f.number, f.wireType);
          writeScalar(w, plan, f, v);
        }
      }
    } else {
      w.tag(f.number, f.wireType);
      writeScalar(w, plan, f, value);
    }
  }
  const unknown = message.$unknown;
  if (unknown !== undefined) {
    if (!Array.isArray(unknown)) throw encodeError(plan, undefined, '$unknown must be an array');
    for (const u of unknown) writeUnknown(w, plan, u);
  }
}

function writeUnknown(w: ProtoWriter, plan: MessagePlan, u: UnknownField): void {
  if (!Number.isInteger(u.field) || u.field < 1 || u.field > 0x1fffffff || !(u.bytes instanceof Uint8Array)) {
    throw encodeError(plan, undefined, `malformed $unknown entry for field ${String(u.field)}`);
  }
  switch (u.wireType) {
    case WireType.VARINT:
    case WireType.FIXED64:
    case WireType.FIXED32:
      w.tag(u.field, u.wireType);
      w.bytes(u.bytes);
      return;
    case WireType.LEN:
      w.tag(u.field, u.wireType);
      w.varint32(u.bytes.length);
      w.bytes(u.bytes);
      return;
    case WireType.START_GROUP:
      w.tag(u.field, WireType.START_GROUP);
      w.bytes(u.bytes);
      w.tag(u.field, WireType.END_GROUP);
      return;
    default:
      throw encodeError(plan, undefined, `$unknown field ${u.field} has invalid wire type ${u.wireType}`);
  }
}

/** Encodes a message object (decoded, or written by hand with the same conventions) to protobuf bytes. */
export function encodeMessageBytes(plan: MessagePlan, message: object): Buffer {
  const w = new ProtoWriter();
  encodeInto(plan, message as MutableMessage, w, 0);
  return w.finish();
}
