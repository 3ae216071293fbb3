/**
 * `crit show` output, byte for byte (docs/crit-json.md): pycriu's pb2dict(pretty=True) conversion of every
 * entry, the payload handlers' "extra" values, and json.dumps(indent=4) plus a newline.
 *
 * pb2dict's rules, in the order pycriu applies them to one value:
 *  - message → object of its present fields in field-number order; the parent's hex flag is inherited;
 *  - bytes → quoted-printable for `(criu).conv = "unix_name"`, else base64 in 76-character lines;
 *  - enum → the value's name (a value the enum lacks is, in Python's proto2, an unknown field: not shown);
 *  - integers → hex string when the field or an enclosing message field is `(criu).hex`, else "major:minor"
 *    for `(criu).dev` (glibc encoding with `(criu).odev`), else flag names for `(criu).flags` (hex when the
 *    table is missing), else the `(criu).dict` name (the number when the map lacks it), else the number;
 *  - repeated `(criu).ipadd` u32 fields → a one-element list with the address text.
 */
import { KensaError } from '../errors.js';
import { CRIT_DICT_MAPS, CRIT_FLAGS_MAPS } from './crit-tables.generated.js';
import type { DecodedImage, EntryPayload } from './image.js';
import { imageTypeByName } from './magic.js';
import {
  AsciiWriter,
  indentAt,
  pyBase64Lines,
  pyIPv4,
  pyIPv6,
  pyJsonString,
  pyJsonWrite,
  pyQuopri,
  type PyDict,
  type PyValue,
} from './pyformat.js';
import { messagePlan, type FieldPlan, type MessagePlan } from './schema.js';

/** Linux's new dev_t encoding keeps the minor number in the low 20 bits (kernel MINORBITS; pycriu kern_minorbits). */
const KERNEL_MINOR_BITS = 20;

/** Marks a value pb2dict would not list (an enum number outside the enum). */
const NOT_SHOWN = Symbol('not shown');

type Fields = Record<string, unknown>;

/** "0x%x" % value: lowercase, and a leading minus for negative values. */
function pyHex(value: number | bigint): string {
  if (typeof value === 'number') return value < 0 ? '-0x' + (-value).toString(16) : '0x' + value.toString(16);
  return value < 0n ? '-0x' + (-value).toString(16) : '0x' + value.toString(16);
}

/** pycriu encode_dev: "major:minor", kernel encoding, or glibc's (os.major / os.minor) for odev fields. */
function devString(value: number | bigint, odev: boolean): string {
  const v = BigInt(value);
  if (odev) {
    // glibc gnu_dev_major / gnu_dev_minor (what Python's os.major / os.minor call)
    const major = ((v >> 8n) & 0xfffn) | ((v >> 32n) & 0xfffff000n);
    const minor = (v & 0xffn) | ((v >> 12n) & 0xffffff00n);
    return `${major}:${minor}`;
  }
  return `${v >> BigInt(KERNEL_MINOR_BITS)}:${v & ((1n << BigInt(KERNEL_MINOR_BITS)) - 1n)}`;
}

/** A flags table with its bits pre-converted, and the sum pycriu clears leftover bits with. */
interface FlagsTable {
  names: string[];
  bits: bigint[];
  sum: bigint;
  /** Whether every bit and the sum fit 32 bits, so 32-bit values can use number arithmetic. */
  fits32: boolean;
}

const flagsTables = new Map<string, FlagsTable>();

function flagsTable(name: string): FlagsTable | undefined {
  let table = flagsTables.get(name);
  if (table === undefined) {
    const pairs = CRIT_FLAGS_MAPS[name];
    if (!pairs) return undefined;
    const bits = pairs.map(([, bit]) => BigInt(bit));
    const sum = bits.reduce((a, b) => a + b, 0n);
    table = { names: pairs.map(([n]) => n), bits, sum, fits32: sum <= 0xffffffffn };
    flagsTables.set(name, table);
  }
  return table;
}

/** pycriu map_flags: names of set bits in table order, leftover bits (value & ~sum) as hex, joined by " | ". */
function flagsString(value: number | bigint, table: FlagsTable): string {
  const names: string[] = [];
  if (typeof value === 'number' && table.fits32 && value >= 0 && value <= 0xffffffff) {
    for (let i = 0; i < table.bits.length; i++) if ((value & Number(table.bits[i]!)) !== 0) names.push(table.names[i]!);
    const leftover = (value & ~Number(table.sum)) >>> 0;
    if (leftover !== 0) names.push(pyHex(leftover));
    return names.join(' | ');
  }
  let v = BigInt(value);
  for (let i = 0; i < table.bits.length; i++) if ((v & table.bits[i]!) !== 0n) names.push(table.names[i]!);
  v &= ~table.sum;
  if (v !== 0n) names.push(pyHex(v));
  return names.join(' | ');
}

/**
 * The address in a repeated `(criu).ipadd` field: one word is IPv4, four are IPv6; each word holds the
 * address bytes in network order, read here as the little-endian host that wrote the fixtures (pycriu ntohl).
 */
function ipString(words: readonly number[]): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < Math.min(words.length, 4); i++) bytes.writeUInt32LE(words[i]! >>> 0, i * 4);
  if (words.length === 1) return pyIPv4(bytes.readUInt32BE(0));
  return pyIPv6(bytes);
}

function critValue(f: FieldPlan, value: unknown, hex: boolean, pretty: boolean): PyValue | typeof NOT_SHOWN {
  const isHex = hex || f.crit.hex === true;
  switch (f.kind) {
    case 'message':
      return critMessage(f.message!, value as Fields, isHex, pretty);
    case 'bytes':
      return f.crit.conv === 'unix_name' ? pyQuopri(value as Buffer) : pyBase64Lines(value as Buffer);
    case 'enum':
      return f.enumNames!.get(value as number) ?? NOT_SHOWN;
    case 'bool':
      return value as boolean;
    case 'string':
      return value as string;
    case 'double':
    case 'float':
      return value as number;
  }
  const n = value as number | bigint;
  if (!pretty) return n;
  if (isHex) return pyHex(n);
  if (f.crit.dev) return devString(n, f.crit.odev === true);
  if (f.crit.flags !== undefined) {
    const table = flagsTable(f.crit.flags);
    return table ? flagsString(n, table) : pyHex(n);
  }
  if (f.crit.dict !== undefined) {
    // pycriu: dict_maps[dict][0][field.name].get(value, value)
    return CRIT_DICT_MAPS[f.crit.dict]?.[f.name]?.[String(n)] ?? n;
  }
  return n;
}

/** pb2dict(message, pretty, is_hex). */
function critMessage(plan: MessagePlan, message: Fields, hex: boolean, pretty: boolean): PyDict {
  const out: PyDict = new Map();
  for (const f of plan.fields) {
    const value = message[f.name];
    if (value === undefined) continue;
    if (!f.repeated) {
      const v = critValue(f, value, hex, pretty);
      if (v !== NOT_SHOWN) out.set(f.name, v);
      continue;
    }
    const list = value as unknown[];
    if (list.length === 0) continue;
    // pycriu formats ipadd lists of one word as IPv4 and otherwise reads words 0-3 as IPv6 (it fails on
    // two or three words; those are printed element by element here).
    if (pretty && f.crit.ipadd && (list.length === 1 || list.length >= 4)) {
      out.set(f.name, [ipString(list as number[])]);
      continue;
    }
    const items: PyValue[] = [];
    for (const item of list) {
      const v = critValue(f, item, hex, pretty);
      if (v !== NOT_SHOWN) items.push(v);
    }
    if (items.length > 0) out.set(f.name, items);
  }
  return out;
}

/** The "extra" value pycriu's payload handlers add to an entry (images.py *_extra_handler.load). */
function critExtra(payload: EntryPayload): PyValue {
  switch (payload.kind) {
    case 'pipe-data':
    case 'sk-queue':
    case 'ipc-shm':
    case 'ghost-contents':
    case 'ghost-chunk':
      return pyBase64Lines(payload.data);
    case 'bpfmap-data':
      return pyBase64Lines(Buffer.concat([payload.keys, payload.values]));
    case 'tcp-stream':
      return new Map<string, PyValue>([
        ['inq', pyBase64Lines(payload.inq)],
        ['outq', pyBase64Lines(payload.outq)],
      ]);
    case 'ipc-sem':
      return [...payload.values];
    case 'ipc-msg': {
      // pycriu lists each message as pb2dict(msg) without pretty printing, followed by its text in base64.
      const out: PyValue[] = [];
      const plan = messagePlan('ipc_msg');
      for (const q of payload.messages) {
        out.push(critMessage(plan, q.message as Fields, false, false));
        out.push(pyBase64Lines(q.data));
      }
      return out;
    }
  }
}

/**
 * What `crit show` prints for the image (CRIU 4.2), including the final newline.
 * Raw and opaque images have no crit form (crit refuses them): a KensaError('format').
 * Types pycriu has no handler for (SIGNAL, BINFMT_MISC, PIDFD) are printed with the same rules.
 */
export function critJson(img: DecodedImage): string {
  if (img.kind !== 'entries') {
    const what = img.kind === 'raw' ? `${img.magicName} is a raw image` : `unknown magic 0x${img.magic.toString(16)}`;
    throw new KensaError('format', `crit cannot show this image: ${what}`, {
      ...(img.source !== undefined ? { source: img.source } : {}),
      ...(img.member !== undefined ? { member: img.member } : {}),
    });
  }
  const type = imageTypeByName(img.magicName);
  // json.dumps({"magic": NAME, "entries": [...]}, indent=4), written entry by entry so that a large image
  // never holds every converted entry at once.
  const w = new AsciiWriter();
  w.write('{' + indentAt(1) + '"magic": ' + pyJsonString(img.magicName) + ',' + indentAt(1) + '"entries": ');
  if (img.entries.length === 0) w.write('[]');
  else {
    w.write('[');
    img.entries.forEach((message, i) => {
      const record = img.records[i]!;
      const dict = critMessage(messagePlan(record.type), message as Fields, false, true);
      if (record.payload) dict.set('extra', critExtra(record.payload));
      // An ipc_shm_entry whose contents live in pagemap-shmem has nothing inline; pycriu's handler reads
      // `size` bytes regardless (criu-format.md §1.3), which at the end of the image yields '' and otherwise
      // swallows the next entries. Show the empty string, never someone else's bytes.
      else if (type?.payload === 'ipc-shm') dict.set('extra', '');
      w.write((i === 0 ? '' : ',') + indentAt(2));
      pyJsonWrite(w, dict, 2);
    });
    w.write(indentAt(1) + ']');
  }
  w.write(indentAt(0) + '}\n');
  return w.toString();
}
