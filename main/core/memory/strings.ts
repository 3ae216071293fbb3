/**
 * Printable strings in a process's memory with their addresses (`kensa strings`), like GNU strings on the
 * address space: runs of printable ASCII (0x20-0x7e and tab) at least `min` long, or with `utf16` the same
 * characters as UTF-16LE code units (`strings -e l`).
 *
 * Only bytes the checkpoint gives are read (ranges.ts CONTENT_ORIGINS); untouched zero pages are skipped
 * without reading; strings run on across page, run and VMA boundaries where addresses are contiguous.
 * A run longer than MAX_STRING is reported in MAX_STRING pieces, each at its own address.
 */
import type { AddressSpace } from './address-space';
import { contentRanges, fillFromExtents, isPlainZero } from './ranges';
import { parseVmaFilters, vmaWindows } from './search';
import type { Extent } from './address-space';

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

const ASCII_RUN = /[\t\x20-\x7e]+/g;
const UTF16_RUN = /(?:[\t\x20-\x7e]\x00)+/g;

/** Maximal runs of extents that are not plain zero: zeros end strings and need not be read. */
function dataRuns(extents: Extent[]): { start: bigint; end: bigint; extents: Extent[] }[] {
  const out: { start: bigint; end: bigint; extents: Extent[] }[] = [];
  let cur: { start: bigint; end: bigint; extents: Extent[] } | undefined;
  for (const e of extents) {
    if (isPlainZero(e)) {
      cur = undefined;
      continue;
    }
    if (cur && cur.end === e.start) {
      cur.extents.push(e);
      cur.end = e.end;
    } else {
      cur = { start: e.start, end: e.end, extents: [e] };
      out.push(cur);
    }
  }
  return out;
}

export function* extractStrings(space: AddressSpace, opts: StringsOptions = {}): Generator<FoundString> {
  const min = Math.max(1, Math.floor(opts.min ?? 6));
  const utf16 = Boolean(opts.utf16);
  const unit = utf16 ? 2 : 1;
  const encoding = utf16 ? 'utf16le' : 'ascii';
  const filter = opts.vma && opts.vma.length ? parseVmaFilters(opts.vma) : undefined;
  const windows = space.vmas.flatMap((v) => vmaWindows(v, filter));
  const buf = Buffer.allocUnsafe(WINDOW);
  const re = new RegExp((utf16 ? UTF16_RUN : ASCII_RUN).source, 'g');

  for (const range of contentRanges(space, windows)) {
    for (const run of dataRuns(range.extents)) {
      // A string may continue from one window into the next: `pending` holds its start and text so far.
      let pendingStart = 0n;
      let pending = '';
      const flush = function* (): Generator<FoundString> {
        if (pending.length / unit >= min) yield { address: pendingStart, text: utf16 ? Buffer.from(pending, 'latin1').toString('utf16le') : pending, encoding };
        pending = '';
      };
      for (let at = run.start; at < run.end; ) {
        const len = Number(run.end - at < BigInt(WINDOW) ? run.end - at : BigInt(WINDOW));
        const chunk = buf.subarray(0, len);
        fillFromExtents(run.extents, at, at + BigInt(len), chunk);
        const text = chunk.toString('latin1');
        re.lastIndex = 0;
        let m = re.exec(text);
        // A string pending from the previous window goes on only if this window starts with its next character.
        if (pending && !(m && m.index === 0)) yield* flush();
        for (; m; m = re.exec(text)) {
          let s = m[0];
          if (!pending) pendingStart = at + BigInt(m.index);
          // Pieces of at most MAX_STRING characters.
          while (pending.length + s.length > MAX_STRING * unit) {
            const take = MAX_STRING * unit - pending.length;
            pending += s.slice(0, take);
            s = s.slice(take);
            yield* flush();
            pendingStart += BigInt(MAX_STRING * unit);
          }
          pending += s;
          if (m.index + m[0].length < len) yield* flush();
        }
        at += BigInt(len);
      }
      yield* flush();
    }
  }
}
