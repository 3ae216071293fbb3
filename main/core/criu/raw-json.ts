/**
 * `kensa decode --format raw`: the decoded image with plain values and nothing interpreted
 * (docs/cli-conventions.md): integers as numbers, or decimal strings beyond ±(2^53-1); enums as numbers;
 * bytes as lowercase hex; fields in field-number order; fields the schema does not know listed under
 * `$unknown` as {field, wireType, bytes}; where each entry sits; payloads as hex; warnings.
 */
import type { DecodedImage, EntryPayload } from './image.js';
import { messagePlan, type MessagePlan } from './schema.js';
import type { UnknownField } from './wire-types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Fields = Record<string, unknown>;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function plainInteger(v: number | bigint): Json {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : String(v);
  return v > MAX_SAFE || v < -MAX_SAFE ? v.toString() : Number(v);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function plainValue(v: unknown, plan: MessagePlan | undefined): Json {
  if (typeof v === 'bigint' || typeof v === 'number') return plainInteger(v);
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof Uint8Array) return hex(v);
  return plainMessage(plan!, v as Fields);
}

function plainUnknown(u: UnknownField): Json {
  return { field: u.field, wireType: u.wireType, bytes: hex(u.bytes) };
}

function plainMessage(plan: MessagePlan, message: Fields): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const f of plan.fields) {
    const v = message[f.name];
    if (v === undefined) continue;
    out[f.name] = f.repeated ? (v as unknown[]).map((item) => plainValue(item, f.message)) : plainValue(v, f.message);
  }
  const unknown = message['$unknown'] as UnknownField[] | undefined;
  if (unknown && unknown.length > 0) out['$unknown'] = unknown.map(plainUnknown);
  return out;
}

function plainPayload(p: EntryPayload): { [key: string]: Json } {
  switch (p.kind) {
    case 'pipe-data':
    case 'sk-queue':
    case 'ipc-shm':
    case 'ghost-contents':
    case 'ghost-chunk':
      return { kind: p.kind, data: hex(p.data) };
    case 'tcp-stream':
      return { kind: p.kind, inq: hex(p.inq), outq: hex(p.outq) };
    case 'bpfmap-data':
      return { kind: p.kind, keys: hex(p.keys), values: hex(p.values) };
    case 'ipc-sem':
      return { kind: p.kind, values: [...p.values] };
    case 'ipc-msg': {
      const plan = messagePlan('ipc_msg');
      return {
        kind: p.kind,
        messages: p.messages.map((q) => ({
          offset: q.offset,
          fields: plainMessage(plan, q.message as Fields),
          data: hex(q.data),
        })),
      };
    }
  }
}

/** Bytes shown of an opaque image (its start usually says what it is). */
const OPAQUE_PREVIEW_BYTES = 64;

/** The raw JSON document for an image, 4-space indented, with a final newline. */
export function rawJson(img: DecodedImage): string {
  const doc: { [key: string]: Json } = {
    magic: img.magicName,
    magic_value: '0x' + img.magic.toString(16).padStart(8, '0'),
    kind: img.kind,
    head_magic: img.headMagic,
    byte_order: img.byteOrder,
    size: img.size,
  };
  if (img.kind === 'entries') {
    doc['entries'] = img.entries.map((message, i) => {
      const record = img.records[i]!;
      const entry: { [key: string]: Json } = {
        type: record.type,
        offset: record.offset,
        size: record.size,
        fields: plainMessage(messagePlan(record.type), message as Fields),
      };
      if (record.payload) {
        entry['payload_offset'] = record.payloadOffset ?? null;
        entry['payload'] = plainPayload(record.payload);
      }
      return entry;
    });
  } else if (img.kind === 'opaque' && img.data) {
    doc['data_head'] = hex(img.data.subarray(0, OPAQUE_PREVIEW_BYTES));
  }
  doc['warnings'] = img.warnings.map((w) => ({ offset: w.offset, message: w.message }));
  return JSON.stringify(doc, null, 4) + '\n';
}
