/**
 * The CRIU message schemas at run time: proto/criu/criu.json (the protobufjs JSON descriptor that
 * build/gen-proto-criu.ts produces from our proto/criu/*.proto) loaded with protobufjs's reflection
 * (Root.fromJSON), plus a flat, number-indexed plan per message for the printers (field order, labels, enum
 * names, the `(criu)` options) and the codec (protobuf-codec.ts).
 *
 * Loaded lazily, once, on the first decode, encode or printer call: nothing here runs, and protobufjs is not
 * even required, when the CLI merely starts. The load is the first decode's fixed cost, about 70 ms on the
 * 2-core reference machine when idle: requiring protobufjs ~40 ms, Root.fromJSON of the 168 types (which
 * resolves them all) ~30 ms; each message type's decoder is then generated on its first use (~1 ms).
 *
 * The reflection types are the proto2 schemas with two deliberate changes, both made to the descriptor in
 * memory before Root.fromJSON (the committed files stay CRIU's schemas):
 *  - `required` fields become plain optional (explicit presence) fields. A forensic reader must show a
 *    message with a required field missing (reported as a warning by the codec) rather than refuse it, and
 *    protobufjs's generated encoder writes a required field unconditionally (an absent one as 0), which would
 *    add bytes CRIU never wrote. The plans keep the `required` label.
 *  - enums are OPEN (`features.enum_type`), as in protobuf-c, which stores any number in a C enum: a value
 *    the enum lacks stays the field's number instead of moving to the unknown fields (protobufjs's proto2
 *    default, CLOSED).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Protobuf from 'protobufjs/light';

import { KensaError } from '../errors.js';
import { WireType } from './wire-types.js';

export type ProtobufLibrary = typeof Protobuf;

export type ScalarKind =
  | 'int32' | 'uint32' | 'sint32' | 'fixed32' | 'sfixed32'
  | 'int64' | 'uint64' | 'sint64' | 'fixed64' | 'sfixed64'
  | 'bool' | 'double' | 'float' | 'string' | 'bytes';

export type FieldKind = ScalarKind | 'enum' | 'message';

/** The `(criu)` field options of opts.proto, which tell crit how to print a value (docs/crit-json.md). */
export interface CritOptions {
  readonly hex?: boolean;
  readonly ipadd?: boolean;
  readonly flags?: string;
  readonly dev?: boolean;
  readonly odev?: boolean;
  readonly dict?: string;
  readonly conv?: string;
}

export interface FieldPlan {
  readonly name: string;
  readonly number: number;
  readonly kind: FieldKind;
  readonly label: 'required' | 'optional' | 'repeated';
  readonly repeated: boolean;
  /** Encode repeated scalars packed (none in CRIU 4.2; decoding accepts both forms regardless). */
  readonly packed: boolean;
  /** Wire type of one value of this field. */
  readonly wireType: number;
  /** Whether a repeated field of this kind may arrive packed (numeric and bool kinds). */
  readonly packable: boolean;
  /** Message or enum type name, e.g. `fown_entry`, `core_entry.march`. */
  readonly typeName: string;
  /** For message fields: the nested message's plan. */
  readonly message: MessagePlan | undefined;
  /** For enum fields: value → name (first name wins for aliases). */
  readonly enumNames: ReadonlyMap<number, string> | undefined;
  /** For enum fields: name → value (lets encoders accept names). */
  readonly enumValues: ReadonlyMap<string, number> | undefined;
  readonly crit: CritOptions;
}

export interface MessagePlan {
  readonly name: string;
  /** Fields in field-number order (protobuf-c writes them in this order; crit prints them in it). */
  readonly fields: readonly FieldPlan[];
  /** byNumber[n] is the field numbered n, or undefined. */
  readonly byNumber: ReadonlyArray<FieldPlan | undefined>;
  readonly byName: ReadonlyMap<string, FieldPlan>;
  readonly required: readonly FieldPlan[];
  /** The protobufjs reflection type the codec generates its decoder and encoder from. */
  readonly type: Protobuf.Type;
}

const WIRE_TYPE_BY_KIND: Record<FieldKind, number> = {
  int32: WireType.VARINT, uint32: WireType.VARINT, sint32: WireType.VARINT,
  int64: WireType.VARINT, uint64: WireType.VARINT, sint64: WireType.VARINT,
  bool: WireType.VARINT, enum: WireType.VARINT,
  fixed64: WireType.FIXED64, sfixed64: WireType.FIXED64, double: WireType.FIXED64,
  fixed32: WireType.FIXED32, sfixed32: WireType.FIXED32, float: WireType.FIXED32,
  string: WireType.LEN, bytes: WireType.LEN, message: WireType.LEN,
};

/** Shapes of the protobufjs JSON descriptor that we adjust before loading it. */
interface JsonField {
  type: string;
  id: number;
  rule?: 'required' | 'optional' | 'repeated';
  options?: Record<string, unknown>;
}
interface JsonNamespace {
  fields?: Record<string, JsonField>;
  values?: Record<string, number>;
  nested?: Record<string, JsonNamespace>;
  options?: Record<string, unknown>;
}

export interface CriuSchema {
  messages: ReadonlyMap<string, MessagePlan>;
  message(name: string): MessagePlan;
  /** protobufjs (the light build: reflection and codecs, no .proto parser). */
  readonly protobuf: ProtobufLibrary;
}

let loaded: CriuSchema | undefined;

/** The schema, loaded on first use. */
export function criuSchema(): CriuSchema {
  if (!loaded) loaded = buildSchema(readDescriptor());
  return loaded;
}

/** The codec plan of a message type; a KensaError('usage') for a name CRIU 4.2 does not define. */
export function messagePlan(name: string): MessagePlan {
  return criuSchema().message(name);
}

function descriptorCandidates(): string[] {
  const fromEnv = process.env.KENSA_PROTO_DIR;
  return [
    ...(fromEnv ? [path.join(fromEnv, 'criu.json')] : []),
    // compiled: dist/main/core/criu → repository root is four levels up
    path.resolve(__dirname, '..', '..', '..', '..', 'proto', 'criu', 'criu.json'),
    // run from source (tsx): main/core/criu → three levels up
    path.resolve(__dirname, '..', '..', '..', 'proto', 'criu', 'criu.json'),
  ];
}

function readDescriptor(): JsonNamespace {
  const tried = descriptorCandidates();
  for (const file of tried) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    return JSON.parse(text) as JsonNamespace;
  }
  throw new KensaError('missing', `CRIU schema descriptor not found (looked in ${tried.join(', ')})`);
}

function critOptionsOf(options: Record<string, unknown> | undefined): CritOptions {
  if (!options) return {};
  const out: { -readonly [K in keyof CritOptions]: CritOptions[K] } = {};
  for (const [key, value] of Object.entries(options)) {
    const m = /^\(criu\)\.(\w+)$/.exec(key);
    if (!m) continue;
    switch (m[1]) {
      case 'hex': case 'ipadd': case 'dev': case 'odev':
        out[m[1]] = value === true;
        break;
      case 'flags': case 'dict': case 'conv':
        out[m[1]] = String(value);
        break;
    }
  }
  return out;
}

/**
 * Applies the two changes described at the top to the parsed descriptor (in place) and returns the
 * `required` fields it relaxed, as "message.field".
 */
function relaxForDecoding(root: JsonNamespace): Set<string> {
  const required = new Set<string>();
  const visit = (node: JsonNamespace, name: string): void => {
    if (node.values) node.options = { ...node.options, features: { enum_type: 'OPEN' } };
    for (const [fieldName, f] of Object.entries(node.fields ?? {})) {
      if (f.rule === 'required') {
        required.add(`${name}.${fieldName}`);
        delete f.rule;
      }
    }
    for (const [nestedName, nested] of Object.entries(node.nested ?? {})) visit(nested, `${name}.${nestedName}`);
  };
  for (const [name, node] of Object.entries(root.nested ?? {})) visit(node, name);
  return required;
}

function loadProtobuf(): ProtobufLibrary {
  // Required here, not imported at the top: loading protobufjs is part of the schema's lazy cost.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('protobufjs/light') as ProtobufLibrary;
}

function buildSchema(descriptor: JsonNamespace): CriuSchema {
  const required = relaxForDecoding(descriptor);
  const pb = loadProtobuf();
  const root = pb.Root.fromJSON(descriptor as Protobuf.INamespace);

  interface MutablePlan extends MessagePlan {
    fields: FieldPlan[];
    byNumber: Array<FieldPlan | undefined>;
    byName: Map<string, FieldPlan>;
    required: FieldPlan[];
  }
  const plans = new Map<string, MutablePlan>();
  for (const nested of root.nestedArray) {
    if (nested instanceof pb.Type) {
      plans.set(nested.name, { name: nested.name, fields: [], byNumber: [], byName: new Map(), required: [], type: nested });
    }
  }

  for (const plan of plans.values()) {
    for (const f of plan.type.fieldsArray) {
      f.resolve();
      const target = f.resolvedType;
      let kind: FieldKind;
      let message: MessagePlan | undefined;
      let enumNames: Map<number, string> | undefined;
      let enumValues: Map<string, number> | undefined;
      if (target instanceof pb.Enum) {
        kind = 'enum';
        enumNames = new Map();
        enumValues = new Map();
        for (const [valueName, value] of Object.entries(target.values)) {
          if (!enumNames.has(value)) enumNames.set(value, valueName);
          enumValues.set(valueName, value);
        }
      } else if (target instanceof pb.Type) {
        kind = 'message';
        message = plans.get(target.name);
        if (!message || target.parent !== root) {
          throw new KensaError('format', `CRIU schema: ${plan.name}.${f.name} refers to ${f.type}, not a top-level message`);
        }
      } else if (f.type in WIRE_TYPE_BY_KIND && f.type !== 'enum' && f.type !== 'message') {
        kind = f.type as ScalarKind;
      } else {
        throw new KensaError('format', `CRIU schema: ${plan.name}.${f.name} has unknown type ${f.type}`);
      }
      const label = f.repeated ? 'repeated' : required.has(`${plan.name}.${f.name}`) ? 'required' : 'optional';
      const packable = kind !== 'string' && kind !== 'bytes' && kind !== 'message';
      const field: FieldPlan = {
        name: f.name,
        number: f.id,
        kind,
        label,
        repeated: f.repeated,
        packed: f.repeated && packable && f.packed,
        wireType: WIRE_TYPE_BY_KIND[kind],
        packable,
        typeName: f.type,
        message,
        enumNames,
        enumValues,
        crit: critOptionsOf(f.options),
      };
      plan.fields.push(field);
      plan.byNumber[field.number] = field;
      plan.byName.set(field.name, field);
      if (label === 'required') plan.required.push(field);
    }
    plan.fields.sort((a, b) => a.number - b.number);
  }

  return {
    messages: plans,
    protobuf: pb,
    message(name: string): MessagePlan {
      const plan = plans.get(name);
      if (!plan) throw new KensaError('usage', `no CRIU message type named ${name}`);
      return plan;
    },
  };
}
