/**
 * Values as CRIU images store them, made readable: numbers that may be bigint, capability words, inet
 * addresses (u32 words in network order), unix socket names.
 */
import { pyIPv4, pyIPv6 } from '../criu/pyformat';
import { decodeUtf8Exact } from '#shared/format';

export function num(v: unknown, fallback = 0): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return fallback;
}

export function capHex(words: unknown): string {
  // Capabilities are stored as u32 words, low word first (criu-format.md §2.3).
  if (!Array.isArray(words) || words.length === 0) return '0x0';
  let v = 0n;
  words.forEach((w, i) => (v |= BigInt(num(w) >>> 0) << BigInt(32 * i)));
  return '0x' + v.toString(16);
}

/** Words an inet_sk_entry address holds (criu-format.md §2.7): one for AF_INET (2), four for AF_INET6 (10). */
function inetWordCount(family: number, words: readonly unknown[]): number {
  return family === 2 || (family !== 10 && words.length === 1) ? 1 : 4;
}

/** Why an inet_sk_entry address cannot be read as an address of its family (undefined when it can). */
export function inetAddressProblem(words: unknown, family: number): string | undefined {
  if (!Array.isArray(words) || words.length === 0) return undefined;
  const need = inetWordCount(family, words);
  return words.length === need ? undefined : `holds ${words.length} word${words.length === 1 ? '' : 's'}; an ${need === 1 ? 'IPv4' : 'IPv6'} address is ${need}`;
}

/**
 * inet_sk_entry addresses: u32 words holding network-order bytes (criu-format.md §2.7), as text for people:
 * IPv6 compressed as Python/RFC 5952 do, IPv4-mapped ones dotted (`::ffff:127.0.0.1`, easier to read than
 * crit's `::ffff:7f00:1`). Undefined when absent or malformed (inetAddressProblem says why).
 */
export function inetAddress(words: unknown, family: number): string | undefined {
  if (!Array.isArray(words) || words.length === 0 || inetAddressProblem(words, family)) return undefined;
  const b = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => b.writeUInt32LE(num(w) >>> 0, i * 4));
  if (b.length === 4) return pyIPv4(b.readUInt32BE(0));
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b.readUInt16BE(10) === 0xffff;
  return mapped ? `::ffff:${pyIPv4(b.readUInt32BE(12))}` : pyIPv6(b);
}

/**
 * A unix socket's address as ss(8) shows it, or undefined for an unnamed socket (socketpair, unbound): an
 * empty address is no name; only an address starting with a NUL byte is abstract (shown with a leading @).
 */
export function unixName(name: unknown, dir?: string): string | undefined {
  if (!(name instanceof Uint8Array) || name.length === 0) return undefined;
  const buf = Buffer.from(name);
  // Abstract socket names start with a NUL byte; shown with a leading @ like ss(8).
  const text = buf[0] === 0 ? '@' + decodeUtf8Exact(buf.subarray(1)).replace(/\0+$/, '') : decodeUtf8Exact(buf).replace(/\0+$/, '');
  return dir && !text.startsWith('/') && !text.startsWith('@') ? `${dir}/${text}` : text;
}
