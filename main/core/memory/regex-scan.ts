/**
 * Regex scanning of search chunks, and the worker thread user regexes run in.
 *
 * JavaScript's regex engine backtracks: a pattern like `(\w+\s?)+:` meets a long run of word characters that
 * an attacker planted in memory and takes exponential time on one window. No linear-time engine is fit here
 * (measured, README "Dependencies and why": re2js, a pure-JS RE2, scans `[0-9a-f]{32}` at 2 MB/s, 200 times
 * slower than V8's; V8's own linear engine refuses counted repetition like `{32}`; the native `re2` binding
 * downloads its binary at install time). So a user's `--regex` runs in a worker thread, a chunk at a time,
 * over the search buffer shared with it (no copy): the event loop stays free (`kensa serve` answers, a
 * cancel terminates the worker at once), and a chunk that takes longer than its budget stops the search with
 * a typed error naming the addresses, instead of hanging.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { KensaError, LimitError } from '../errors';
import { compilePattern, regexMatchesZeros, REGEX_LOOKBEHIND, type CompiledPattern, type SearchPattern } from './pattern';

/**
 * Latin1 strings for the regex engine are made per window of this size: a one-byte string above ~128 KiB
 * lands in V8's large-object space and costs a major GC each (measured on 1 GiB: 16 MiB strings 1.7 s,
 * 96 KiB windows 0.65 s).
 */
const REGEX_WINDOW = 96 * 1024;

/**
 * Regex matches in `buf` starting in [from, acceptEnd), scanned window by window (matches that would cross a
 * window's end are left to the next window, which starts REGEX_LOOKBEHIND bytes earlier). Calls
 * `hit(index, length)` until it returns false; returns the end of the last match.
 */
export function scanRegex(p: CompiledPattern, buf: Buffer, from: number, acceptEnd: number, hit: (index: number, length: number) => boolean): number {
  const re = p.regex!;
  let lastEnd = from;
  let pos = from;
  while (pos < acceptEnd) {
    const ws = Math.max(0, pos - REGEX_LOOKBEHIND);
    const we = Math.min(buf.length, ws + REGEX_WINDOW);
    // Matches starting before winAccept fit in the window; later ones are left to the next window.
    const winAccept = we === buf.length ? acceptEnd : Math.min(acceptEnd, we - p.overlap);
    if (p.finder && p.finder.find(we === buf.length ? buf : buf.subarray(0, we), ws) === -1) {
      pos = Math.max(pos, winAccept);
      continue;
    }
    const text = buf.toString('latin1', ws, we);
    re.lastIndex = pos - ws;
    let next = winAccept;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const start = ws + m.index;
      if (start >= winAccept) break;
      const len = m[0].length;
      if (len === 0) {
        re.lastIndex++;
        continue;
      }
      lastEnd = start + len;
      if (lastEnd > next) next = lastEnd;
      if (!hit(start, len)) return lastEnd;
    }
    pos = Math.max(next, pos + 1);
  }
  return lastEnd;
}

/** Default time one chunk of a user regex may take (`--regex-timeout`): V8 scans a 4 MiB chunk in milliseconds. */
export const DEFAULT_REGEX_CHUNK_SECONDS = 10;

interface ScanRequest {
  /** 'zeros': only say whether the regex matches within a long run of zero bytes (regexMatchesZeros). */
  kind?: 'zeros';
  from: number;
  acceptEnd: number;
  length: number;
  maxHits: number;
}

interface ScanReply {
  matchesZeros?: boolean;
  hits: number[];
  lastEnd: number;
  error?: string;
}

/** A user regex running in a worker over a buffer shared with it. */
export class RegexWorker {
  private readonly worker: Worker;
  private failed?: Error;

  constructor(
    pattern: SearchPattern,
    readonly shared: Buffer,
    private readonly budgetMs: number,
  ) {
    if (!(shared.buffer instanceof SharedArrayBuffer)) throw new Error('internal: the regex worker needs a shared buffer');
    this.worker = new Worker(path.join(__dirname, 'regex-scan-worker.js'), { workerData: { pattern, sab: shared.buffer, offset: shared.byteOffset, size: shared.length } });
    this.worker.unref();
    this.worker.on('error', (e: unknown) => (this.failed = e instanceof Error ? e : new Error(String(e))));
  }

  /** Scan `shared[0, length)` like scanRegex; rejects on a cancel (the worker is terminated) or past the budget. */
  scan(req: ScanRequest, where: () => string, signal?: AbortSignal): Promise<ScanReply> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<ScanReply>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.worker.off('message', onMessage);
        this.worker.off('error', onError);
      };
      const onMessage = (r: ScanReply): void => {
        done();
        if (r.error) reject(new KensaError('usage', r.error));
        else resolve(r);
      };
      const onError = (e: Error): void => {
        done();
        reject(e);
      };
      const onAbort = (): void => {
        done();
        void this.worker.terminate();
        reject(signal!.reason ?? new DOMException('The operation was aborted', 'AbortError'));
      };
      const timer = setTimeout(() => {
        done();
        void this.worker.terminate();
        reject(
          new LimitError(
            `the regular expression ran more than ${this.budgetMs / 1000} s on ${where()} without finishing (catastrophic backtracking: nested or overlapping repetition such as (a+)+ meeting a long run of matching bytes); rewrite it, or search for a literal with --search / --hex`,
            '--regex-timeout',
          ),
        );
      }, this.budgetMs);
      this.worker.on('message', onMessage);
      this.worker.on('error', onError);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.worker.postMessage(req);
    });
  }

  /** Whether the regex can match zero bytes only (asked under the same budget). */
  async matchesZeros(signal?: AbortSignal): Promise<boolean> {
    const r = await this.scan({ kind: 'zeros', from: 0, acceptEnd: 0, length: 0, maxHits: 0 }, () => 'a run of zero bytes', signal);
    return r.matchesZeros === true;
  }

  close(): void {
    void this.worker.terminate();
  }
}

/** The worker's side: compile once, then scan each requested range of the shared buffer. */
export function serveRegexScans(port: import('node:worker_threads').MessagePort, data: { pattern: SearchPattern; sab: SharedArrayBuffer; offset: number; size: number }): void {
  const p = compilePattern(data.pattern);
  const buf = Buffer.from(data.sab, data.offset, data.size);
  port.on('message', (req: ScanRequest) => {
    try {
      if (req.kind === 'zeros') {
        port.postMessage({ hits: [], lastEnd: 0, matchesZeros: regexMatchesZeros(p.regex!) } satisfies ScanReply);
        return;
      }
      const hits: number[] = [];
      const lastEnd = scanRegex(p, buf.subarray(0, req.length), req.from, req.acceptEnd, (index, length) => {
        hits.push(index, length);
        return hits.length / 2 < req.maxHits;
      });
      port.postMessage({ hits, lastEnd } satisfies ScanReply);
    } catch (e) {
      port.postMessage({ hits: [], lastEnd: req.from, error: (e as Error).message } satisfies ScanReply);
    }
  });
}
