/**
 * Printable strings in a process's memory with their addresses (`kensa strings`), like GNU strings on the
 * address space: runs of printable ASCII (0x20-0x7e and tab) at least `min` long, or with `utf16` the same
 * characters as UTF-16LE code units (`strings -e l`).
 *
 * Only bytes the checkpoint gives are read (shared/byte-origins.ts CONTENT_ORIGINS); untouched zero pages are skipped
 * without reading; strings run on across page, run and VMA boundaries where addresses are contiguous.
 * A run longer than MAX_STRING is reported in MAX_STRING pieces, each at its own address.
 */
import type { AddressSpace } from './address-space';
import { contentRanges, contiguousRuns, fillFromExtents, isPlainZero } from './ranges';
import { parseVmaFilters, vmaWindows } from './search';

export interface StringsOptions {
  /** Shortest run reported, in characters (default 6). */
  min?: number;
  /** UTF-16LE strings instead of ASCII. */
  utf16?: boolean;
  /** `--vma` filters (search.ts parseVmaFilters). */
  vma?: string[];
}

export interface FoundString {
  address: bigint;
  text: string;
  encoding: 'ascii' | 'utf16le';
}

/** Longest string reported in one piece, in characters. */
export const MAX_STRING = 64 * 1024;
/** Bytes converted to one latin1 string for the regex scan (kept below V8's large-object threshold). */
const WINDOW = 64 * 1024;

/** Printable characters, as GNU strings has them: ASCII graphic characters, space and tab. */
const CHAR = '[\\t\\x20-\\x7e]';

function printable(b: number): boolean {
  return b === 9 || (b >= 0x20 && b <= 0x7e);
}

export function* extractStrings(space: AddressSpace, opts: StringsOptions = {}): Generator<FoundString> {
  const min = Math.max(1, Math.floor(opts.min ?? 6));
  const utf16 = Boolean(opts.utf16);
  const unit = utf16 ? 2 : 1;
  const encoding = utf16 ? 'utf16le' : 'ascii';
  const filter = opts.vma && opts.vma.length ? parseVmaFilters(opts.vma) : undefined;
  const windows = space.vmas.flatMap((v) => vmaWindows(v, filter));
  const buf = Buffer.allocUnsafe(WINDOW);
  const unitSource = utf16 ? `${CHAR}\\x00` : CHAR;
  // Only runs of at least `min` characters are matched inside a window (random data holds hundreds of
  // millions of shorter ones per GiB); runs touching a window edge are carried over by hand.
  const runs = new RegExp(`(?:${unitSource}){${min},}`, 'g');
  const prefix = new RegExp(`(?:${unitSource})*`, 'y');

  /** The string at `start` (latin1 text of its bytes), in MAX_STRING pieces, if it is long enough. */
  const pieces = (start: bigint, raw: string): FoundString[] => {
    if (raw.length / unit < min) return [];
    const out: FoundString[] = [];
    const step = MAX_STRING * unit;
    for (let i = 0; i < raw.length; i += step) {
      const piece = raw.slice(i, i + step);
      out.push({ address: start + BigInt(i), text: utf16 ? Buffer.from(piece, 'latin1').toString('utf16le') : piece, encoding });
    }
    return out;
  };

  for (const range of contentRanges(space, windows)) {
    // Zeros end strings and need not be read.
    for (const run of contiguousRuns(range.extents, (e) => !isPlainZero(e))) {
      // A run of printable characters that reached the previous window's end (any length so far).
      let pending = '';
      let pendingStart = 0n;
      for (let at = run.start; at < run.end; ) {
        const len = Number(run.end - at < BigInt(WINDOW) ? run.end - at : BigInt(WINDOW));
        const chunk = buf.subarray(0, len);
        fillFromExtents(run.extents, at, at + BigInt(len), chunk);
        const text = chunk.toString('latin1');
        let from = 0;
        if (pending) {
          prefix.lastIndex = 0;
          const head = prefix.exec(text)![0].length;
          pending += text.slice(0, head);
          if (head === len) {
            at += BigInt(len);
            continue;
          }
          yield* pieces(pendingStart, pending);
          pending = '';
          from = head;
        }
        // The printable run that reaches this window's end, whatever its length, waits for the next one.
        let tail = len;
        if (utf16) while (tail - 2 >= from && chunk[tail - 1] === 0 && printable(chunk[tail - 2])) tail -= 2;
        else while (tail > from && printable(chunk[tail - 1])) tail--;
        runs.lastIndex = from;
        for (let m = runs.exec(text); m && m.index + m[0].length <= tail; m = runs.exec(text)) yield* pieces(at + BigInt(m.index), m[0]);
        if (tail < len) {
          pending = text.slice(tail);
          pendingStart = at + BigInt(tail);
        }
        at += BigInt(len);
      }
      if (pending) yield* pieces(pendingStart, pending);
    }
  }
}
