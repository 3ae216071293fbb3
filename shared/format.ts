/**
 * Formatting helpers shared by the CLI and the renderer. Pure: no Node, no DOM.
 */

/** Sizes as checkpointctl prints them: `45 B`, `3.0 KiB`, `242.3 KiB`, `1.0 GiB` (binary units). */
export function formatBytes(n: number | bigint): string {
  const v = typeof n === 'bigint' ? Number(n) : n;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  if (v < 1024) return `${v} B`;
  let x = v;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x.toFixed(1)} ${units[i]}`;
}

/** What a size the archive does not have (no rootfs-diff.tar at all) is called on screen, in tables and reports. */
export const ABSENT = 'absent';

/** A size that may be absent from the archive: `absent`, never a made-up 0 B. */
export function formatSizeOrAbsent(n: number | bigint | undefined): string {
  return n === undefined ? ABSENT : formatBytes(n);
}

/** A CRIU statistic in microseconds: `389 µs`, `1.482 ms`, `101.77 ms`, `2.5 s` (5 significant digits). */
export function formatMicros(us: number): string {
  const trim = (x: number): string => {
    const s = x.toPrecision(5);
    return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  };
  if (us < 1000) return `${us} µs`;
  if (us < 1_000_000) return `${trim(us / 1000)} ms`;
  return `${trim(us / 1_000_000)} s`;
}

/** `0x7ffc…` lowercase, no padding. */
export function hex(v: number | bigint): string {
  return '0x' + v.toString(16);
}

/** Parse `123` or `0x7b` (cli-conventions.md: numbers are decimal or 0x hex). */
export function parseNumber(text: string): bigint | undefined {
  const t = text.trim().replace(/_/g, '');
  if (/^0x[0-9a-fA-F]+$/.test(t)) return BigInt(t);
  if (/^[0-9]+$/.test(t)) return BigInt(t);
  return undefined;
}

/**
 * Bytes from evidence as text without losing one: valid UTF-8 decodes as such (a BOM included); every byte
 * that is not part of a valid UTF-8 sequence becomes the lone surrogate U+DC80 + byte, as Python's
 * surrogateescape (PEP 383) does, so escapeText shows it as `\xNN` and JSON carries it as `\udcNN`
 * (Python's `s.encode('utf-8', 'surrogateescape')` gives the byte back). Valid UTF-8 never yields a lone
 * surrogate, so the two cannot be confused. Never U+FFFD: a replacement character hides which bytes were there.
 * (Written out rather than with TextDecoder, which shared/ cannot assume: it is pure ECMAScript.)
 */
export function decodeUtf8Exact(bytes: Uint8Array): string {
  const n = bytes.length;
  const units: number[] = [];
  let out = '';
  const flush = (): void => {
    out += String.fromCharCode(...units);
    units.length = 0;
  };
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => k < n && bytes[k]! >= lo && bytes[k]! <= hi;
  for (let i = 0; i < n; ) {
    const b = bytes[i]!;
    let len = 0;
    // Well-formed UTF-8 byte sequences (The Unicode Standard, table 3-7).
    if (b < 0x80) len = 1;
    else if (b >= 0xc2 && b <= 0xdf) len = cont(i + 1) ? 2 : 0;
    else if (b === 0xe0) len = cont(i + 1, 0xa0) && cont(i + 2) ? 3 : 0;
    else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) len = cont(i + 1) && cont(i + 2) ? 3 : 0;
    else if (b === 0xed) len = cont(i + 1, 0x80, 0x9f) && cont(i + 2) ? 3 : 0;
    else if (b === 0xf0) len = cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    else if (b >= 0xf1 && b <= 0xf3) len = cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    else if (b === 0xf4) len = cont(i + 1, 0x80, 0x8f) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    if (len === 0) units.push(0xdc00 + b);
    else if (len === 1) units.push(b);
    else if (len === 2) units.push(((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f));
    else if (len === 3) units.push(((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f));
    else {
      const cp = (((b & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) | (bytes[i + 3]! & 0x3f)) - 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    }
    i += len || 1;
    if (units.length >= 8192) flush();
  }
  flush();
  return out;
}

/** The bytes decodeUtf8Exact read: UTF-8, with each escaped byte (a lone U+DC80-U+DCFF) written back as itself. */
export function encodeUtf8Exact(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xdc80 && c <= 0xdcff) out.push(c - 0xdc00);
    else if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/**
 * Characters that change how text reads without being seen: format characters (bidi embeddings, overrides
 * and isolates U+202A-U+202E / U+2066-U+2069, marks U+200E / U+200F / U+061C, zero-width U+200B-U+200D, word
 * joiner, BOM, soft hyphen, tags), line and paragraph separators, every space but U+0020, and the blank
 * letters (combining grapheme joiner, Hangul fillers).
 */
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\p{Zs}\u034f\u115f\u1160\u3164\uffa0]/u;
const PLAIN = /^[\x20-\x5b\x5d-\x7e]*$/;

/**
 * Text from evidence, made safe and exact to print. `\xNN` is a byte: a C0 control or DEL, or a byte that was
 * not valid UTF-8 (decodeUtf8Exact's U+DC80-U+DCFF); `\u{…}` is a character that would not be seen or would
 * reorder what is seen: C1 controls, lone surrogates, and the INVISIBLE set; a backslash is doubled, so the
 * output is unambiguous. Everything else prints as itself.
 */
export function escapeText(s: string): string {
  if (PLAIN.test(s)) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x5c) out += '\\\\';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0xdc80 && c <= 0xdcff) out += '\\x' + (c - 0xdc00).toString(16);
    else if (c === 0x20) out += ch;
    else if ((c > 0x7f && c < 0xa0) || (c >= 0xd800 && c <= 0xdfff) || INVISIBLE.test(ch)) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return out;
}

/** What escapeText makes visible, less what JSON.stringify escapes already (C0 controls, lone surrogates). */
const JSON_INVISIBLE = /[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u034f\u115f\u1160\u3164\uffa0]/gu;

/**
 * JSON text safe to print on a terminal (cli-conventions: archive strings never reach it raw): the same value
 * as JSON.stringify(jsonSafe(value)), with DEL, C1 controls, bidi and other invisible characters written as
 * `\uXXXX` escapes, which any JSON reader turns back into the same characters.
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(jsonSafe(value), null, indent).replace(JSON_INVISIBLE, (ch) =>
    Array.from({ length: ch.length }, (_, i) => '\\u' + ch.charCodeAt(i).toString(16).padStart(4, '0')).join(''),
  );
}

/** Multi-line text (logs, files) made safe line by line: newlines and tabs kept, a CR before a newline dropped. */
export function escapeLines(s: string): string {
  return s
    .split('\n')
    .map((line) => line.replace(/\r$/, '').split('\t').map(escapeText).join('\t'))
    .join('\n');
}

/** Two lowercase hex digits. */
export function hexByte(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}

export function bytesToHex(bytes: Uint8Array, sep = ' '): string {
  return Array.from(bytes, hexByte).join(sep);
}

/** Printable ASCII as itself, everything else as '.' (hex views). */
export function bytesToAscii(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return s;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** JSON-ready value: bigint -> number when exact, else decimal string (cli-conventions.md). */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = jsonSafe(x);
    return out;
  }
  return v;
}

/**
 * URL-decoding of a log line, as an analyst reads a request line: every run of `%XX` escapes becomes the
 * UTF-8 text it encodes (RFC 3986 percent-encoding); a run that is not valid UTF-8, a lone `%` and `+` are
 * left as written (`+` is a space only in form-encoded query strings, which a log line does not say it is).
 * The result still goes through escapeText before it is shown: `%0a` or `%1b` become visible, never raw.
 */
export function urlDecode(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
