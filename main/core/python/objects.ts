/**
 * Python objects read from a checkpoint: strings, bytes, ints, floats, bool, None, and short previews of
 * tuples, lists and dicts, with size and depth caps; anything else is shown by its type name and address.
 * Nothing here calls into the target (it is not running): values are decoded from the object layouts of
 * layouts.ts, and every read is bounds-checked by RemoteMemory.
 */
import type { PythonLayout } from './layouts';
import { MemoryFault, type RemoteMemory } from './remote-memory';

/** Caps on what a preview reads (a hostile object may claim any size). */
export interface PreviewLimits {
  /** Characters of a string, bytes of a bytes object. */
  maxString: number;
  /** Items of a tuple / list / dict shown. */
  maxItems: number;
  /** Nesting of containers. */
  maxDepth: number;
  /** Decimal digits of an int (a longer int is shown as its size). */
  maxIntDigits: number;
}

export const DEFAULT_PREVIEW_LIMITS: PreviewLimits = { maxString: 200, maxItems: 8, maxDepth: 2, maxIntDigits: 4000 };

/** Longest type name read (tp_name is a C string). */
const MAX_TYPE_NAME = 256;
/** Entries of a dict walked when looking a key up (sys.modules and threading's globals hold a few hundred). */
export const MAX_DICT_ENTRIES = 1 << 16;
/** Dict entries scanned for one read (1 Mi entries = 24 MiB of memory at most). */
const MAX_DICT_SCAN = 1 << 20;
/** Items a tuple or list may claim (2^26 pointers = 512 MiB: larger is a corrupt header, not a real list). */
const MAX_CONTAINER_ITEMS = 1 << 26;
/** Bytes a bytes object or str may claim (the 47-bit user address space of x86_64 and aarch64). */
const MAX_OBJECT_BYTES = 2 ** 47;
/** Characters of a str read when the whole value is needed (names, file paths). */
const MAX_NAME_CHARS = 4096;

export interface PyValue {
  /** Python type name (`str`, `dict`, `SelectSelector`). */
  type: string;
  /** Object address, `0x…`. */
  address: string;
  /** A Python-like repr for simple types and previews; absent for other objects. */
  repr?: string;
  /** The exact value for str / int / float / bool / None / bytes (hex), when read whole. */
  value?: string | number | boolean | null;
  /** The object's size (characters, bytes, items) when it has one. */
  size?: number;
  /** Set when the preview was cut by a cap. */
  truncated?: boolean;
}

export class ObjectReader {
  private readonly typeNames = new Map<bigint, string>();

  constructor(
    readonly mem: RemoteMemory,
    readonly layout: PythonLayout,
    readonly limits: PreviewLimits = DEFAULT_PREVIEW_LIMITS,
  ) {}

  typeOf(obj: bigint): bigint {
    return this.mem.u64(obj + BigInt(this.layout.object.type), 'ob_type');
  }

  /** tp_name without its module prefix (`_asyncio.Task` → `Task`), as type(x).__name__ gives it. */
  typeName(obj: bigint): string {
    const type = this.typeOf(obj);
    let name = this.typeNames.get(type);
    if (name === undefined) {
      const tpName = this.mem.u64(type + BigInt(this.layout.type.name), 'tp_name');
      const full = this.mem.cString(tpName, MAX_TYPE_NAME, 'tp_name').toString('latin1');
      name = full.slice(full.lastIndexOf('.') + 1);
      this.typeNames.set(type, name);
    }
    return name;
  }

  /** A str object's value (at most `max` characters); undefined if `obj` is not a str. */
  str(obj: bigint, max = MAX_NAME_CHARS): { text: string; length: number } | undefined {
    if (this.typeName(obj) !== 'str') return undefined;
    return this.strUnchecked(obj, max);
  }

  private strUnchecked(obj: bigint, max: number): { text: string; length: number } {
    const L = this.layout.unicode;
    const length = this.mem.i64(obj + BigInt(L.length), 'str length');
    const state = this.mem.u8(obj + BigInt(L.state), 'str state');
    const kind = (state >> 2) & 7;
    const compact = (state >> 5) & 1;
    const ascii = (state >> 6) & 1;
    if (length < 0n || length > BigInt(MAX_OBJECT_BYTES)) throw new MemoryFault(obj, 0, `str of absurd length ${length}`);
    if (!compact || ![1, 2, 4].includes(kind)) throw new MemoryFault(obj, 0, `str in a form not read (kind ${kind}, compact ${compact})`);
    const n = Number(length < BigInt(max) ? length : BigInt(max));
    const data = obj + BigInt(ascii ? L.asciiData : L.compactData);
    const raw = this.mem.bytes(data, n * kind, 'str data');
    let text: string;
    if (kind === 1) text = raw.toString('latin1');
    else if (kind === 2) text = raw.toString('utf16le');
    else {
      const cps: number[] = [];
      for (let i = 0; i < n; i++) cps.push(Math.min(raw.readUInt32LE(i * 4), 0x10ffff));
      text = String.fromCodePoint(...cps);
    }
    return { text, length: Number(length) };
  }

  /** A str's value or a placeholder; for names and file paths. */
  name(obj: bigint): string {
    const s = this.str(obj);
    return s ? s.text : `<${this.typeName(obj)} at 0x${obj.toString(16)}>`;
  }

  /** An int's value as a BigInt, or undefined when it has more digits than the cap allows. */
  int(obj: bigint): bigint | undefined {
    const L = this.layout.long;
    const size = this.mem.i64(obj + BigInt(L.size), 'int size');
    const count = size < 0n ? -size : size;
    if (count * BigInt(L.digitBits) > BigInt(this.limits.maxIntDigits) * 4n) return undefined;
    const raw = this.mem.bytes(obj + BigInt(L.digits), Number(count) * 4, 'int digits');
    let v = 0n;
    for (let i = Number(count) - 1; i >= 0; i--) v = (v << BigInt(L.digitBits)) | BigInt(raw.readUInt32LE(i * 4) & ((1 << L.digitBits) - 1));
    return size < 0n ? -v : v;
  }

  /** ob_size, checked against `limit` (items of a container, or bytes: no object is larger than the address space). */
  private varSize(obj: bigint, what: string, limit = MAX_CONTAINER_ITEMS): number {
    const n = this.mem.i64(obj + BigInt(this.layout.object.varSize), `${what} size`);
    if (n < 0n || n > BigInt(limit)) throw new MemoryFault(obj, 0, `${what} of absurd size ${n}`);
    return Number(n);
  }

  /** The items of a tuple (at most `max`), e.g. co_localsplusnames. */
  tupleItems(obj: bigint, max: number): { items: bigint[]; size: number } {
    const size = this.varSize(obj, 'tuple');
    const n = Math.min(size, max);
    const raw = this.mem.bytes(obj + BigInt(this.layout.tuple.items), n * 8, 'tuple items');
    const items: bigint[] = [];
    for (let i = 0; i < n; i++) items.push(raw.readBigUInt64LE(i * 8));
    return { items, size };
  }

  private listItems(obj: bigint, max: number): { items: bigint[]; size: number } {
    const size = this.varSize(obj, 'list');
    const n = Math.min(size, max);
    const arr = this.mem.u64(obj + BigInt(this.layout.list.items), 'list ob_item');
    const raw = n ? this.mem.bytes(arr, n * 8, 'list items') : Buffer.alloc(0);
    const items: bigint[] = [];
    for (let i = 0; i < n; i++) items.push(raw.readBigUInt64LE(i * 8));
    return { items, size };
  }

  /** A bytes object's content (at most `max` bytes). */
  bytesValue(obj: bigint, max: number): { data: Buffer; size: number } {
    const size = this.varSize(obj, 'bytes', MAX_OBJECT_BYTES);
    return { data: this.mem.bytes(obj + BigInt(this.layout.bytes.data), Math.min(size, max), 'bytes data'), size };
  }

  /**
   * The (key, value) pairs of a dict in entry order, at most `max` (combined and split tables, 3.11
   * pycore_dict.h: general entries {hash, key, value}, unicode entries {key, value}; a split table keeps
   * its values in ma_values).
   */
  dictItems(obj: bigint, max: number): { items: [bigint, bigint][]; size: number } {
    const D = this.layout.dict;
    const used = this.mem.i64(obj + BigInt(D.used), 'dict ma_used');
    if (used < 0n || used > BigInt(MAX_CONTAINER_ITEMS)) throw new MemoryFault(obj, 0, `dict of absurd size ${used}`);
    const keys = this.mem.u64(obj + BigInt(D.keys), 'dict ma_keys');
    const values = this.mem.u64(obj + BigInt(D.values), 'dict ma_values');
    return { items: this.keysItems(keys, values, max), size: Number(used) };
  }

  /** Entries of a PyDictKeysObject, values from the entries or (split) from `values`. */
  keysItems(keys: bigint, values: bigint, max: number): [bigint, bigint][] {
    const K = this.layout.dictKeys;
    const head = this.mem.bytes(keys, K.indices, 'dict keys');
    const log2IndexBytes = head[K.log2IndexBytes];
    const kind = head[K.kind];
    const nentries = head.readBigInt64LE(K.nentries);
    if (log2IndexBytes > 40 || nentries < 0n || nentries > BigInt(MAX_CONTAINER_ITEMS)) throw new MemoryFault(keys, 0, `dict keys of absurd size (${nentries} entries)`);
    const entrySize = kind === 0 ? 24 : 16; // DICT_KEYS_GENERAL has me_hash first
    const entries = keys + BigInt(K.indices) + (1n << BigInt(log2IndexBytes));
    // Entries scanned at most: deleted entries leave holes, but a table claiming millions is read no further.
    const n = Math.min(Number(nentries), MAX_DICT_SCAN);
    const out: [bigint, bigint][] = [];
    const chunk = 256;
    for (let i = 0; i < n && out.length < max; i += chunk) {
      const m = Math.min(chunk, n - i);
      const raw = this.mem.bytes(entries + BigInt(i * entrySize), m * entrySize, 'dict entries');
      const vals = values ? this.mem.bytes(values + BigInt(i * 8), m * 8, 'dict values') : undefined;
      for (let j = 0; j < m && out.length < max; j++) {
        const at = j * entrySize + (kind === 0 ? 8 : 0);
        const key = raw.readBigUInt64LE(at);
        const value = vals ? vals.readBigUInt64LE(j * 8) : raw.readBigUInt64LE(at + 8);
        if (key && value) out.push([key, value]);
      }
    }
    return out;
  }

  /** The value of a str key in a dict, if present. */
  dictGet(dict: bigint, key: string): bigint | undefined {
    for (const [k, v] of this.dictItems(dict, MAX_DICT_ENTRIES).items) {
      if (this.str(k, key.length + 1)?.text === key) return v;
    }
    return undefined;
  }

  /**
   * An instance attribute: its __dict__ when the type has a managed dict (3.11: dict pointer at -3 words,
   * else its values at -4 words with the keys shared in the heap type's ht_cached_keys).
   */
  attribute(obj: bigint, name: string): bigint | undefined {
    const type = this.typeOf(obj);
    const flags = this.mem.u64(type + BigInt(this.layout.type.flags), 'tp_flags');
    if (!(flags & this.layout.managedDictFlag)) return undefined;
    const dict = this.mem.u64(obj - 24n, 'managed dict');
    if (dict) return this.dictGet(dict, name);
    const values = this.mem.u64(obj - 32n, 'managed values');
    const keys = this.mem.u64(type + BigInt(this.layout.type.heapCachedKeys), 'ht_cached_keys');
    if (!values || !keys) return undefined;
    for (const [k, v] of this.keysItems(keys, values, MAX_DICT_ENTRIES)) if (this.str(k, name.length + 1)?.text === name) return v;
    return undefined;
  }

  /** A preview of any object: exact values for simple types, short previews of containers. */
  preview(obj: bigint, depth = 0): PyValue {
    const address = '0x' + obj.toString(16);
    let type: string;
    try {
      type = this.typeName(obj);
    } catch (e) {
      if (e instanceof MemoryFault) return { type: '?', address, repr: `<unreadable object at ${address}>` };
      throw e;
    }
    try {
      return { type, address, ...this.valueOf(obj, type, depth) };
    } catch (e) {
      if (e instanceof MemoryFault) return { type, address, repr: `<${type} object at ${address}: unreadable>` };
      throw e;
    }
  }

  private valueOf(obj: bigint, type: string, depth: number): Omit<PyValue, 'type' | 'address'> {
    const lim = this.limits;
    switch (type) {
      case 'NoneType':
        return { repr: 'None', value: null };
      case 'bool': {
        const v = this.int(obj) !== 0n;
        return { repr: v ? 'True' : 'False', value: v };
      }
      case 'int': {
        const v = this.int(obj);
        if (v === undefined) return { repr: '<int too large to show>' };
        const safe = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER);
        return { repr: v.toString(), value: safe ? Number(v) : v.toString() };
      }
      case 'float': {
        const v = this.mem.bytes(obj + BigInt(this.layout.float.value), 8, 'float').readDoubleLE(0);
        return { repr: floatRepr(v), value: Number.isFinite(v) ? v : String(v) };
      }
      case 'str': {
        const s = this.strUnchecked(obj, lim.maxString);
        const truncated = s.length > lim.maxString;
        return { repr: pyStrRepr(s.text) + (truncated ? '…' : ''), value: truncated ? undefined : s.text, size: s.length, truncated: truncated || undefined };
      }
      case 'bytes': {
        const b = this.bytesValue(obj, lim.maxString);
        const truncated = b.size > lim.maxString;
        return { repr: pyBytesRepr(b.data) + (truncated ? '…' : ''), value: truncated ? undefined : b.data.toString('hex'), size: b.size, truncated: truncated || undefined };
      }
      case 'tuple':
      case 'list': {
        const { items, size } = type === 'tuple' ? this.tupleItems(obj, lim.maxItems) : this.listItems(obj, lim.maxItems);
        const truncated = size > items.length;
        if (depth >= lim.maxDepth) return { repr: `<${type} of ${size} items>`, size };
        const parts = items.map((i) => this.preview(i, depth + 1).repr ?? this.opaque(i));
        if (truncated) parts.push('…');
        const body = parts.join(', ');
        const repr = type === 'tuple' ? `(${body}${size === 1 ? ',' : ''})` : `[${body}]`;
        return { repr, size, truncated: truncated || undefined };
      }
      case 'dict': {
        const { items, size } = this.dictItems(obj, lim.maxItems);
        const truncated = size > items.length;
        if (depth >= lim.maxDepth) return { repr: `<dict of ${size} items>`, size };
        const parts = items.map(([k, v]) => `${this.preview(k, depth + 1).repr ?? this.opaque(k)}: ${this.preview(v, depth + 1).repr ?? this.opaque(v)}`);
        if (truncated) parts.push('…');
        return { repr: `{${parts.join(', ')}}`, size, truncated: truncated || undefined };
      }
      case 'function': {
        const q = this.str(this.mem.u64(obj + BigInt(this.layout.function.qualname), 'func_qualname'), lim.maxString);
        return q ? { repr: `<function ${q.text} at 0x${obj.toString(16)}>` } : {};
      }
      default:
        return {};
    }
  }

  private opaque(obj: bigint): string {
    return `<${this.typeName(obj)} object at 0x${obj.toString(16)}>`;
  }
}

/** repr() of a str: single quotes unless the text holds one and no double quote (unicode_repr). */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0x80 && c < 0xa0) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** repr() of a bytes object (bytes_repr). */
export function pyBytesRepr(b: Buffer): string {
  const quote = b.includes(0x27) && !b.includes(0x22) ? '"' : "'";
  let out = 'b' + quote;
  for (const c of b) {
    if (c === quote.charCodeAt(0) || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += String.fromCharCode(c);
  }
  return out + quote;
}

/** repr() of a float: the shortest round-tripping form, as Python prints it (`1.0`, `1e+16`, `inf`). */
export function floatRepr(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return v.toFixed(1);
  const s = String(v);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}
