/**
 * The checking half of encoding (protobuf-codec.ts writes): every value of a message object checked against
 * its field (integer ranges by proto kind, enum names, booleans, strings, bytes, nesting depth) and converted
 * to what protobufjs's generated encoder takes (64-bit values as its {low, high} Long), and `$unknown`
 * entries turned back into their wire bytes, which the encoder appends as they are. A value that does not fit
 * is a usage error naming the message and field, never silently truncated.
 */
import type * as Protobuf from 'protobufjs/light';

import { KensaError } from '../errors.js';
import type { FieldPlan, MessagePlan, ProtobufLibrary } from './schema.js';
import { WireType, type CriuMessage, type UnknownField } from './wire-types.js';

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

/** A 64-bit value as protobufjs's writer takes it (its Long interface: two's complement halves). */
function longOf(value: bigint, unsigned: boolean): Protobuf.Long {
  const bits = BigInt.asUintN(64, value);
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0, unsigned };
}

/** Checks one value against its field and converts it to what protobufjs's encoder expects. */
function prepareValue(pb: ProtobufLibrary, plan: MessagePlan, f: FieldPlan, value: unknown, depth: number): unknown {
  switch (f.kind) {
    case 'uint32':
    case 'fixed32':
      return Number(asInteger(plan, f, value, 0n, 0xffffffffn));
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return Number(asInteger(plan, f, value, -0x80000000n, 0x7fffffffn));
    case 'enum': {
      let v: unknown = value;
      if (typeof value === 'string') {
        v = f.enumValues!.get(value);
        if (v === undefined) throw encodeError(plan, f, `${value} is not a value of ${f.typeName}`);
      }
      return Number(asInteger(plan, f, v, -0x80000000n, 0x7fffffffn));
    }
    case 'uint64':
    case 'fixed64':
      return longOf(asInteger(plan, f, value, 0n, UINT64_MAX), true);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return longOf(asInteger(plan, f, value, INT64_MIN, INT64_MAX), false);
    case 'bool':
      if (typeof value !== 'boolean') throw encodeError(plan, f, `expected a boolean, got ${typeof value}`);
      return value;
    case 'float':
    case 'double':
      if (typeof value !== 'number') throw encodeError(plan, f, `expected a number, got ${typeof value}`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw encodeError(plan, f, `expected a string, got ${typeof value}`);
      return value;
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw encodeError(plan, f, 'expected a Buffer / Uint8Array');
      return value;
    case 'message':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw encodeError(plan, f, 'expected an object');
      }
      return prepareMessage(pb, f.message!, value, depth + 1);
  }
}

/** An `$unknown` entry back to its wire bytes (tag, value), which protobufjs's encoder appends as they are. */
function unknownWireBytes(pb: ProtobufLibrary, plan: MessagePlan, u: UnknownField): Uint8Array {
  if (!Number.isInteger(u.field) || u.field < 1 || u.field > 0x1fffffff || !(u.bytes instanceof Uint8Array)) {
    throw encodeError(plan, undefined, `malformed $unknown entry for field ${String(u.field)}`);
  }
  const w = pb.Writer.create();
  switch (u.wireType) {
    case WireType.VARINT:
    case WireType.FIXED64:
    case WireType.FIXED32:
      w.uint32(((u.field << 3) | u.wireType) >>> 0).raw(u.bytes);
      break;
    case WireType.LEN:
      w.uint32(((u.field << 3) | u.wireType) >>> 0).bytes(u.bytes);
      break;
    case WireType.START_GROUP:
      w.uint32(((u.field << 3) | WireType.START_GROUP) >>> 0).raw(u.bytes).uint32(((u.field << 3) | WireType.END_GROUP) >>> 0);
      break;
    default:
      throw encodeError(plan, undefined, `$unknown field ${u.field} has invalid wire type ${u.wireType}`);
  }
  return w.finish();
}

/** The message with every value checked and converted, and `$unknown` as protobufjs's `$unknowns`. */
export function prepareMessage(pb: ProtobufLibrary, plan: MessagePlan, value: object, depth: number): Record<string, unknown> {
  const message = value as Record<string, unknown> & CriuMessage;
  if (depth > pb.util.recursionLimit) throw encodeError(plan, undefined, `nested deeper than ${pb.util.recursionLimit}`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(message)) {
    if (key === '$unknown') continue;
    const f = plan.byName.get(key);
    if (f === undefined) throw encodeError(plan, undefined, `no field named ${key}`);
    const value = message[key];
    if (value === undefined) continue;
    if (f.repeated) {
      if (!Array.isArray(value)) throw encodeError(plan, f, 'expected an array');
      out[key] = value.map((v) => prepareValue(pb, plan, f, v, depth));
    } else {
      out[key] = prepareValue(pb, plan, f, value, depth);
    }
  }
  const unknown = message.$unknown;
  if (unknown !== undefined) {
    if (!Array.isArray(unknown)) throw encodeError(plan, undefined, '$unknown must be an array');
    out['$unknowns'] = unknown.map((u) => unknownWireBytes(pb, plan, u));
  }
  return out;
}
