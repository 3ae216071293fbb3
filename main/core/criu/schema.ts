/**
 * The CRIU message schemas at run time: proto/criu/criu.json (the protobufjs JSON descriptor that
 * build/gen-proto-criu.ts produces from our proto/criu/*.proto) turned into flat, number-indexed codec plans.
 *
 * Loaded lazily, once, on the first decode or encode: nothing here runs when the CLI merely starts.
 * The descriptor is read directly rather than through protobufjs's Root.fromJSON: requiring protobufjs and
 * building its reflection tree for our 168 types costs 50-70 ms on the reference machine, walking the same
 * JSON ourselves costs a few, and the codec never needed more than names, numbers, types, labels and the
 * `(criu)` options. protobufjs stays the parser that produced the descriptor (the build script) and the
 * independent decoder the tests check ours against.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { KensaError } from '../errors.js';
import { WireType } from './wire-types.js';

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
}

const WIRE_TYPE_BY_KIND: Record<FieldKind, number> = {
  int32: WireType.VARINT, uint32: WireType.VARINT, sint32: WireType.VARINT,
  int64: WireType.VARINT, uint64: WireType.VARINT, sint64: WireType.VARINT,
  bool: WireType.VARINT, enum: WireType.VARINT,
  fixed64: WireType.FIXED64, sfixed64: WireType.FIXED64, double: WireType.FIXED64,
  fixed32: WireType.FIXED32, sfixed32: WireType.FIXED32, float: WireType.FIXED32,
  string: WireType.LEN, bytes: WireType.LEN, message: WireType.LEN,
};

/** Shapes of the protobufjs JSON descriptor that we read. */
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
}

export interface CriuSchema {
  messages: ReadonlyMap<string, MessagePlan>;
  message(name: string): MessagePlan;
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

function buildSchema(root: JsonNamespace): CriuSchema {
  const topLevel = root.nested ?? {};

  /** protobuf name resolution, reduced to what CRIU uses: a type nested in the message, else a dotted path from the root. */
  const resolve = (scope: JsonNamespace, typeName: string): JsonNamespace | undefined => {
    const inScope = scope.nested?.[typeName];
    if (inScope) return inScope;
    let node: JsonNamespace | undefined = root;
    for (const part of typeName.split('.')) node = node?.nested?.[part];
    return node;
  };

  interface MutablePlan extends MessagePlan {
    fields: FieldPlan[];
    byNumber: Array<FieldPlan | undefined>;
    byName: Map<string, FieldPlan>;
    required: FieldPlan[];
  }
  const plans = new Map<string, MutablePlan>();
  const jsonOf = new Map<JsonNamespace, string>();
  for (const [name, node] of Object.entries(topLevel)) {
    if (!node.fields) continue;
    plans.set(name, { name, fields: [], byNumber: [], byName: new Map(), required: [] });
    jsonOf.set(node, name);
  }

  for (const [name, node] of Object.entries(topLevel)) {
    const plan = plans.get(name);
    if (!plan || !node.fields) continue;
    for (const [fieldName, f] of Object.entries(node.fields)) {
      const label = f.rule ?? 'optional';
      let kind: FieldKind;
      let message: MessagePlan | undefined;
      let enumNames: Map<number, string> | undefined;
      let enumValues: Map<string, number> | undefined;
      if (f.type in WIRE_TYPE_BY_KIND && f.type !== 'enum' && f.type !== 'message') {
        kind = f.type as ScalarKind;
      } else {
        const target = resolve(node, f.type);
        if (target?.values) {
          kind = 'enum';
          enumNames = new Map();
          enumValues = new Map();
          for (const [valueName, value] of Object.entries(target.values)) {
            if (!enumNames.has(value)) enumNames.set(value, valueName);
            enumValues.set(valueName, value);
          }
        } else if (target?.fields) {
          kind = 'message';
          message = plans.get(jsonOf.get(target)!);
        } else {
          throw new KensaError('format', `CRIU schema: ${name}.${fieldName} has unknown type ${f.type}`);
        }
      }
      const packable = kind !== 'string' && kind !== 'bytes' && kind !== 'message';
      const field: FieldPlan = {
        name: fieldName,
        number: f.id,
        kind,
        label,
        repeated: label === 'repeated',
        packed: label === 'repeated' && packable && f.options?.['packed'] === true,
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
    message(name: string): MessagePlan {
      const plan = plans.get(name);
      if (!plan) throw new KensaError('usage', `no CRIU message type named ${name}`);
      return plan;
    },
  };
}
