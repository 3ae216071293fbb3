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

/** Fixed-width address for tables and hex views (16 hex digits for 64-bit). */
export function hexPad(v: number | bigint, width = 16): string {
  return v.toString(16).padStart(width, '0');
}

/** Parse `123` or `0x7b` (cli-conventions.md: numbers are decimal or 0x hex). */
export function parseNumber(text: string): bigint | undefined {
  const t = text.trim().replace(/_/g, '');
  if (/^0x[0-9a-fA-F]+$/.test(t)) return BigInt(t);
  if (/^[0-9]+$/.test(t)) return BigInt(t);
  return undefined;
}

/**
 * Text from evidence, made safe to print: control characters (C0, DEL, C1), escape sequences and lone
 * surrogates are shown as `\xNN` / `\u{...}`; backslash itself is doubled so the output is unambiguous.
 */
export function escapeText(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x5c) out += '\\\\';
    else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) out += '\\x' + c.toString(16).padStart(2, '0');
    else if ((c >= 0xd800 && c <= 0xdfff) || c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
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
