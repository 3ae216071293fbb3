/**
 * Search patterns compiled to byte matchers (cli-conventions.md: `--hex` takes hex digit pairs, `--regex`
 * is a JavaScript regular expression over the bytes read as latin1, so any byte can be matched).
 *
 * Text is matched as its UTF-8 bytes (or UTF-16LE with `utf16`). Case folding never goes through a
 * latin1 view of UTF-8 (that would fold the wrong bytes): each character's case variants are encoded
 * and matched as byte sequences.
 */
import { KensaError } from '../errors';
import { maxOf } from '#shared/arrays';

/**
 * `anchors` (regex only, for callers that know their pattern): every match holds one of these strings,
 * `offset` bytes after the match's start. The scan then looks for the anchors with Buffer.indexOf and runs
 * the regex only where a match would start, instead of converting every window to text and running the
 * regex over all of it.
 */
export interface RegexAnchor {
  text: string;
  offset?: number;
}

export type SearchPattern = { text: string; utf16?: boolean; ignoreCase?: boolean } | { hex: string } | { regex: string; ignoreCase?: boolean; anchors?: RegexAnchor[] };

/**
 * Longest regex match reported. Chunks overlap by this much so that matches crossing chunk boundaries are
 * found; a longer match is reported cut to the bytes in its window (a literal is never cut).
 */
export const REGEX_MAX_MATCH = 4096;
/** Bytes before a regex's scan position kept in view for lookbehind and `\b` at window starts. */
export const REGEX_LOOKBEHIND = 256;

/**
 * Finds a byte string fast. Buffer.indexOf (V8's string search) switches to Boyer-Moore-Horspool for
 * needles of 7 bytes and more, which on varied data shifts by at most the needle length: measured on
 * random bytes, a 12-byte needle ran at 690 ms/GiB against 190 ms/GiB for a 6-byte one, which V8 finds
 * with memchr on its first byte. So longer needles are looked up by a 6-byte piece and then compared whole.
 */
export class LiteralFinder {
  private static readonly PIECE = 6;
  private readonly piece: Buffer;
  private readonly pieceAt: number;

  constructor(readonly needle: Buffer) {
    if (needle.length <= LiteralFinder.PIECE) {
      this.piece = needle;
      this.pieceAt = 0;
      return;
    }
    // Start the piece at a byte that is not common filler in memory (0x00, 0xff, space), when there is one.
    let at = 0;
    for (let k = 0; k + LiteralFinder.PIECE <= needle.length; k++) {
      const b = needle[k];
      if (b !== 0 && b !== 0xff && b !== 0x20) {
        at = k;
        break;
      }
    }
    this.pieceAt = at;
    this.piece = needle.subarray(at, at + LiteralFinder.PIECE);
  }

  /** Index of the first whole needle at or after `from` in `buf`, or -1. */
  find(buf: Buffer, from: number): number {
    const m = this.needle.length;
    if (this.piece === this.needle) return buf.indexOf(this.needle, from);
    for (let i = from + this.pieceAt; ; ) {
      const j = buf.indexOf(this.piece, i);
      if (j === -1) return -1;
      const s = j - this.pieceAt;
      if (s + m > buf.length) return -1;
      if (this.needle.compare(buf, s, s + m) === 0) return s;
      i = j + 1;
    }
  }
}

export interface CompiledPattern {
  kind: 'literal' | 'regex';
  /** The bytes of a literal pattern. */
  literal?: Buffer;
  /** Finds `literal` (literal patterns) or `prefilter` (regex patterns). */
  finder?: LiteralFinder;
  /** A global regex over latin1 text (regex patterns and case-insensitive text). */
  regex?: RegExp;
  /** Bytes every regex match contains: windows without them are not converted or scanned. */
  prefilter?: Buffer;
  /** Finders of the anchors every match holds (SearchPattern.anchors), with their offsets, and the regex made sticky. */
  starts?: { finder: LiteralFinder; offset: number }[];
  sticky?: RegExp;
  /** Bytes a match can span beyond its start minus one: consecutive chunks overlap by this much. */
  overlap: number;
  /** False when no match can consist of zero bytes only: long zero runs need not be scanned. */
  matchesZeros: boolean;
  /** How the pattern reads in messages and JSON. */
  describe: string;
  /** A regex the user wrote (`--regex`): it may backtrack without end, so it runs in a worker (regex-scan.ts). */
  userRegex?: boolean;
}

function usage(message: string): KensaError {
  return new KensaError('usage', message);
}

/** `--hex` bytes: hex digit pairs, whitespace (and an optional `0x`) allowed. */
export function parseHexBytes(text: string): Buffer {
  const t = text.replace(/\s+/g, '').replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]*$/.test(t)) throw usage(`--hex takes hex digit pairs, not ${JSON.stringify(text)}`);
  if (t.length === 0) throw usage('--hex needs at least one byte');
  if (t.length % 2) throw usage(`--hex takes whole bytes (an even number of hex digits), got ${t.length} digits`);
  return Buffer.from(t, 'hex');
}

function byteEscape(b: number): string {
  return '\\x' + b.toString(16).padStart(2, '0');
}

/** A regex source matching `text` encoded as bytes, each character in any of its case variants. */
function caseInsensitiveSource(text: string, utf16: boolean): string {
  let src = '';
  for (const ch of text) {
    const variants = new Set([ch, ch.toLowerCase(), ch.toUpperCase()].filter((v) => [...v].length === 1));
    const encoded = [...variants].map((v) => [...Buffer.from(v, utf16 ? 'utf16le' : 'utf8')].map(byteEscape).join(''));
    src += encoded.length === 1 ? encoded[0] : `(?:${encoded.join('|')})`;
  }
  return src;
}

/**
 * A user regex made to work on bytes: non-ASCII characters outside character classes become their UTF-8
 * bytes, so `Schlüssel` or `пароль` find the UTF-8 text as --search does (a raw byte 0x80-0xFF is written
 * `\xNN`, which the latin1 view matches exactly, per cli-conventions.md). Inside a class a character is
 * one latin1 byte.
 */
export function byteRegexSource(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      out += c + (source[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      continue;
    }
    const cp = source.codePointAt(i)!;
    if (cp > 0x7f) {
      const ch = String.fromCodePoint(cp);
      out += `(?:${[...Buffer.from(ch, 'utf8')].map(byteEscape).join('')})`;
      i += ch.length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };

/**
 * The longest run of bytes every match of `source` (a non-unicode JS regex) must contain, or undefined
 * when the source is not simple enough to tell. Conservative: only top-level literal characters count;
 * any top-level alternation gives up; an optional character ends the run before it.
 */
export function requiredLiteral(source: string): Buffer | undefined {
  const runs: number[][] = [];
  let run: number[] = [];
  const endRun = (): void => {
    if (run.length) runs.push(run);
    run = [];
  };
  let i = 0;
  /** Skip a group or class starting at i; returns the index after it, or -1 when unbalanced. */
  const skipClass = (j: number): number => {
    for (j++; j < source.length; j++) {
      if (source[j] === '\\') j++;
      else if (source[j] === ']') return j + 1;
    }
    return -1;
  };
  const skipGroup = (j: number): number => {
    let depth = 0;
    for (; j < source.length; j++) {
      const c = source[j];
      if (c === '\\') j++;
      else if (c === '[') {
        j = skipClass(j) - 1;
        if (j < 0) return -1;
      } else if (c === '(') depth++;
      else if (c === ')') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  };
  while (i < source.length) {
    const c = source[i];
    let literal: number | undefined;
    let next = i + 1;
    if (c === '|') return undefined;
    if (c === '\\') {
      const e = source[i + 1];
      if (e === undefined) return undefined;
      next = i + 2;
      if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(source.slice(i + 2, i + 4))) {
        literal = parseInt(source.slice(i + 2, i + 4), 16);
        next = i + 4;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
        const v = parseInt(source.slice(i + 2, i + 6), 16);
        if (v <= 0xff) literal = v;
        next = i + 6;
      } else if (e in SIMPLE_ESCAPES) literal = SIMPLE_ESCAPES[e];
      else if (e === '0' && !/[0-9]/.test(source[i + 2] ?? '')) literal = 0;
      else if (/[A-Za-z0-9]/.test(e)) literal = undefined; // \d \w \s \b \B \cX \k<..> \1 \p ...: not a literal
      else literal = e.charCodeAt(0); // an escaped punctuation character is itself
    } else if (c === '[') {
      next = skipClass(i);
      if (next < 0) return undefined;
    } else if (c === '(') {
      next = skipGroup(i);
      if (next < 0) return undefined;
    } else if (c === '.' || c === '^' || c === '$') {
      literal = undefined;
    } else if (c === ')' || c === ']' || c === '*' || c === '+' || c === '?') {
      return undefined; // a stray quantifier or bracket: let the regex engine judge it
    } else {
      const cp = c.charCodeAt(0);
      literal = cp <= 0xff ? cp : undefined;
    }
    // A quantifier after the atom.
    let min = 1;
    let quantified = false;
    const q = source[next];
    if (q === '*' || q === '?') {
      min = 0;
      quantified = true;
      next++;
    } else if (q === '+') {
      quantified = true;
      next++;
    } else if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(next));
      if (m) {
        min = Number(m[1]);
        quantified = true;
        next += m[0].length;
      }
    }
    if (quantified && source[next] === '?') next++; // lazy
    if (literal === undefined) endRun();
    else if (!quantified) run.push(literal);
    else {
      if (min >= 1) run.push(literal);
      endRun();
    }
    i = next;
  }
  endRun();
  let best: number[] | undefined;
  for (const r of runs) if (!best || r.length > best.length) best = r;
  return best && best.length >= 2 ? Buffer.from(best) : undefined;
}

function makeRegex(source: string, flags: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (e) {
    throw usage(`invalid regular expression: ${(e as Error).message}`);
  }
}

/**
 * Whether the regex matches anything (even an empty string) within a long run of zero bytes. Running a user's
 * regex may backtrack without end, so for `--regex` this is asked in the regex worker (regex-scan.ts).
 */
export function regexMatchesZeros(regex: RegExp): boolean {
  return new RegExp(regex.source, regex.flags.replace('g', '')).test('\0'.repeat(2 * REGEX_MAX_MATCH + 1));
}

export function compilePattern(p: SearchPattern): CompiledPattern {
  if ('hex' in p) {
    const literal = parseHexBytes(p.hex);
    return { kind: 'literal', literal, finder: new LiteralFinder(literal), overlap: literal.length - 1, matchesZeros: literal.every((b) => b === 0), describe: `hex ${literal.toString('hex')}` };
  }
  if ('text' in p) {
    if (typeof p.text !== 'string' || p.text.length === 0) throw usage('the search text is empty');
    const utf16 = Boolean(p.utf16);
    const literal = Buffer.from(p.text, utf16 ? 'utf16le' : 'utf8');
    const describe = `${utf16 ? 'utf16 ' : ''}text ${JSON.stringify(p.text)}${p.ignoreCase ? ' ignoring case' : ''}`;
    const allZero = literal.every((b) => b === 0);
    if (!p.ignoreCase || allZero) return { kind: 'literal', literal, finder: new LiteralFinder(literal), overlap: literal.length - 1, matchesZeros: allZero, describe };
    const source = caseInsensitiveSource(p.text, utf16);
    // Every case variant of a character encodes to the same number of bytes here only for ASCII; allow
    // the longest (UTF-8 variants may differ in length: 'ſ' vs 's').
    const maxLen = [...p.text].reduce((n, ch) => n + maxOf([ch, ch.toLowerCase(), ch.toUpperCase()].map((v) => Buffer.byteLength(v, utf16 ? 'utf16le' : 'utf8'))), 0);
    return { kind: 'regex', regex: makeRegex(source, 'g'), overlap: Math.max(maxLen - 1, 0), matchesZeros: false, describe };
  }
  if ('regex' in p) {
    if (typeof p.regex !== 'string' || p.regex.length === 0) throw usage('the regular expression is empty');
    const source = byteRegexSource(p.regex);
    const flags = p.ignoreCase ? 'gi' : 'g';
    const regex = makeRegex(source, flags);
    const prefilter = p.ignoreCase ? undefined : requiredLiteral(source);
    const anchors = !p.ignoreCase && p.anchors?.length && p.anchors.every((a) => typeof a.text === 'string' && a.text.length > 0 && (a.offset ?? 0) >= 0 && (a.offset ?? 0) < REGEX_LOOKBEHIND) ? p.anchors : undefined;
    return {
      kind: 'regex',
      regex,
      ...(anchors ? { starts: anchors.map((a) => ({ finder: new LiteralFinder(Buffer.from(a.text, 'latin1')), offset: a.offset ?? 0 })), sticky: makeRegex(source, 'y') } : {}),
      prefilter,
      finder: prefilter ? new LiteralFinder(prefilter) : undefined,
      overlap: REGEX_MAX_MATCH,
      // A user regex is not run here (it may backtrack without end): the worker finds this out (regex-scan.ts).
      matchesZeros: anchors ? regexMatchesZeros(regex) : true,
      describe: `regex /${p.regex}/${p.ignoreCase ? 'i' : ''}`,
      // Anchored patterns come from Kensa's own rules (triage), tried only where an anchor is: run in place.
      ...(anchors ? {} : { userRegex: true }),
    };
  }
  throw usage('a search pattern needs text, hex or regex');
}
