/**
 * Python standard-library formatting that `crit show` output depends on, reproduced byte for byte:
 * json.dumps(indent=4) with ensure_ascii, base64.encodebytes, quopri.encodestring (binascii.b2a_qp) and
 * ipaddress's text forms. Pure functions, no CRIU knowledge.
 */

/** A Python value as json.dumps sees it; dicts are Maps so that key order is exactly insertion order. */
export type PyValue = null | boolean | number | bigint | string | PyValue[] | PyDict;
export type PyDict = Map<string, PyValue>;

/**
 * json.dumps string encoding with ensure_ascii=True: `"` and `\` escaped, \b \f \n \r \t by name, every other
 * code unit outside printable ASCII (0x20-0x7e, so DEL too) as a lowercase \uXXXX; astral characters become
 * their UTF-16 surrogate pair, which is what iterating JS code units gives.
 */
export function pyJsonString(s: string): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(runStart, i);
    runStart = i + 1;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default: out += '\\u' + c.toString(16).padStart(4, '0');
    }
  }
  return out + s.slice(runStart) + '"';
}

/** Python's repr of a float, as json.dumps writes it. */
function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return v.toFixed(1);
  // JS and Python both print the shortest round-trip digits; Python pads exponents to two digits.
  return String(v).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Newline plus indentation for each depth, built once. */
const INDENTS: string[] = [];
export function indentAt(depth: number): string {
  for (let d = INDENTS.length; d <= depth; d++) INDENTS.push('\n' + '    '.repeat(d));
  return INDENTS[depth]!;
}

/** Dict keys repeat (field names): encode each once. */
const KEY_CACHE = new Map<string, string>();
function pyJsonKey(key: string): string {
  let encoded = KEY_CACHE.get(key);
  if (encoded === undefined) {
    encoded = pyJsonString(key) + ': ';
    if (KEY_CACHE.size < 4096) KEY_CACHE.set(key, encoded);
  }
  return encoded;
}

/**
 * Output buffer for JSON text that is pure ASCII (ensure_ascii guarantees it). Writing bytes keeps the live
 * heap to one buffer however many tokens a large image prints, where collected strings or ropes would all
 * survive until the end and make the garbage collector copy them.
 */
export class AsciiWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  private length = 0;

  write(s: string): void {
    const n = s.length;
    if (this.length + n > this.buf.length) this.grow(n);
    if (n < 24) {
      const buf = this.buf;
      let at = this.length;
      for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
      this.length = at;
    } else {
      this.length += this.buf.write(s, this.length, 'latin1');
    }
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  toString(): string {
    return this.buf.toString('latin1', 0, this.length);
  }
}

/**
 * Writes json.dumps(value, indent=4) for a value nested `depth` levels deep: item separator ',' and key
 * separator ': ' when indenting, empty containers as [] and {}. `floats` lists numbers that are Python
 * floats rather than ints (none in CRIU's schemas).
 */
export function pyJsonWrite(w: AsciiWriter, v: PyValue, depth: number, floats?: ReadonlySet<number>): void {
  if (v === null) w.write('null');
  else if (v === true) w.write('true');
  else if (v === false) w.write('false');
  else if (typeof v === 'bigint') w.write(v.toString());
  else if (typeof v === 'number') w.write(Number.isInteger(v) && !floats?.has(v) ? String(v) : pyFloat(v));
  else if (typeof v === 'string') w.write(pyJsonString(v));
  else if (Array.isArray(v)) {
    if (v.length === 0) {
      w.write('[]');
      return;
    }
    const inner = indentAt(depth + 1);
    w.write('[');
    for (let i = 0; i < v.length; i++) {
      w.write(i === 0 ? inner : ',' + inner);
      pyJsonWrite(w, v[i]!, depth + 1, floats);
    }
    w.write(indentAt(depth));
    w.write(']');
  } else {
    if (v.size === 0) {
      w.write('{}');
      return;
    }
    const inner = indentAt(depth + 1);
    const separator = ',' + inner;
    w.write('{');
    let first = true;
    for (const [key, item] of v) {
      w.write(first ? inner : separator);
      w.write(pyJsonKey(key));
      pyJsonWrite(w, item, depth + 1, floats);
      first = false;
    }
    w.write(indentAt(depth));
    w.write('}');
  }
}

/** json.dumps(value, indent=4). */
export function pyJsonDumps(value: PyValue, floats?: ReadonlySet<number>): string {
  const w = new AsciiWriter();
  pyJsonWrite(w, value, 0, floats);
  return w.toString();
}

/** base64.encodebytes(b).decode(): lines of at most 76 characters, each ending in a newline; b'' gives ''. */
export function pyBase64Lines(data: Uint8Array): string {
  const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 76) out += b64.slice(i, i + 76) + '\n';
  return out;
}

/** binascii's MAXLINESIZE for quoted-printable output. */
const QP_MAX_LINE = 76;
const HEX_UPPER = '0123456789ABCDEF';

/**
 * quopri.encodestring(data) with its defaults (quotetabs=False, header=False), i.e. CPython's
 * binascii.b2a_qp(data, quotetabs=0, istext=1, header=0), decoded as text. Follows binascii.c's encoding
 * pass statement by statement: `=XX` for bytes > 126, `=`, control bytes other than CR/LF/tab/space, a
 * lone `.` starting a line, and tab/space at the very end; soft line breaks (`=\n`) keep lines under 76
 * characters; whitespace before a line break is quoted; CRLF line ends are kept if the first LF has a CR.
 */
export function pyQuopri(data: Uint8Array): string {
  const len = data.length;
  const firstLf = data.indexOf(0x0a);
  const crlf = firstLf > 0 && data[firstLf - 1] === 0x0d;
  const out: number[] = [];
  let lineLen = 0;
  let i = 0;
  const softBreak = (): void => {
    out.push(0x3d);
    if (crlf) out.push(0x0d);
    out.push(0x0a);
    lineLen = 0;
  };
  while (i < len) {
    const c = data[i]!;
    const next = i + 1 < len ? data[i + 1]! : -1;
    const mustQuote =
      c > 126 ||
      c === 0x3d ||
      (c === 0x2e && lineLen === 0 && (i + 1 === len || next === 0x0a || next === 0x0d || next === 0)) ||
      ((c === 0x09 || c === 0x20) && i + 1 === len) ||
      (c < 33 && c !== 0x0d && c !== 0x0a && c !== 0x09 && c !== 0x20);
    if (mustQuote) {
      if (lineLen + 3 >= QP_MAX_LINE) softBreak();
      out.push(0x3d, HEX_UPPER.charCodeAt(c >> 4), HEX_UPPER.charCodeAt(c & 15));
      i++;
      lineLen += 3;
    } else if (c === 0x0a || (c === 0x0d && i + 1 < len && next === 0x0a)) {
      lineLen = 0;
      // Protect against whitespace on end of line.
      const last = out.length > 0 ? out[out.length - 1]! : -1;
      if (last === 0x20 || last === 0x09) {
        out[out.length - 1] = 0x3d;
        out.push(HEX_UPPER.charCodeAt(last >> 4), HEX_UPPER.charCodeAt(last & 15));
      }
      if (crlf) out.push(0x0d);
      out.push(0x0a);
      i += c === 0x0d ? 2 : 1;
    } else {
      if (i + 1 !== len && next !== 0x0a && lineLen + 1 >= QP_MAX_LINE) softBreak();
      lineLen++;
      out.push(c);
      i++;
    }
  }
  return Buffer.from(out).toString('latin1');
}

/** str(ipaddress.IPv4Address(n)) for an address in host order. */
export function pyIPv4(address: number): string {
  return [address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff].join('.');
}

/**
 * str(ipaddress.IPv6Address(bytes)) as Python 3.11 prints it (CRIU 4.2's crit on Debian 12, the reference):
 * eight lowercase hextets without leading zeros, the longest run (the first if tied) of two or more zero
 * hextets compressed to `::` (_compress_hextets), and never a dotted quad: IPv4-mapped addresses print as
 * `::ffff:7f00:1` (Python 3.13 changed that to `::ffff:127.0.0.1`, gh-87799; crit's reference is 3.11;
 * crit-json.md, ipadd).
 */
export function pyIPv6(bytes: Uint8Array): string {
  const hextets: number[] = [];
  for (let i = 0; i < 16; i += 2) hextets.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  let runLen = 0;
  hextets.forEach((h, index) => {
    if (h === 0) {
      runLen++;
      if (runStart === -1) runStart = index;
      if (runLen > bestLen) {
        bestLen = runLen;
        bestStart = runStart;
      }
    } else {
      runLen = 0;
      runStart = -1;
    }
  });
  const text = hextets.map((h) => h.toString(16));
  if (bestLen > 1) {
    const head = text.slice(0, bestStart).join(':');
    const tail = text.slice(bestStart + bestLen).join(':');
    return head + '::' + tail;
  }
  return text.join(':');
}
