/**
 * Memory search for the workstation: the request checked field by field, the core's searchMemory run as a
 * cancellable task, the hits in the contract's shape (searchHitInfo, shared with `kensa mem --search --json`),
 * and the search recorded in the open case's custody log.
 */
import type { SearchHitInfo, SearchPatternSpec, SearchRequest, SearchResult } from '#shared/api/contract';
import { HitStream } from './hit-stream';
import type { Checkpoint } from '../core/model/checkpoint';
import { searchHitInfo, searchMemory } from '../core/memory/search';
import { bool, int, obj, optInt, optStr, RequestError, str } from './results';
import type { TaskRegistry } from './tasks';

export interface SearchContext {
  /** The open checkpoint (asked for after the pattern is checked, so a bad pattern is the error given first). */
  cp(): Checkpoint;
  tasks: TaskRegistry;
  logToCase(event: string, details: Record<string, unknown>): void;
  /** Hits of the search with this task id as they are found (batched by HitStream), before the reply. */
  streamHits?(taskId: string, hits: SearchHitInfo[]): void;
}

export async function searchCheckpoint(ctx: SearchContext, req: SearchRequest): Promise<SearchResult> {
  const r = obj(req, 'search');
  const taskId = optStr(r.taskId, 'taskId', 200);
  const pattern = searchPattern(r.pattern);
  const cp = ctx.cp();
  let pids: number[] | undefined;
  if (r.pids !== undefined) {
    if (!Array.isArray(r.pids) || r.pids.length > 100_000) throw new RequestError('pids must be a list of process ids');
    pids = r.pids.map((p) => int(p, 'pid', 0, 0x7fffffff));
    for (const p of pids) if (!cp.process(p)) throw new RequestError(`no process ${p} in this checkpoint`);
  }
  let vma: string[] | undefined;
  if (r.vma !== undefined) {
    if (!Array.isArray(r.vma) || r.vma.length > 64) throw new RequestError('vma must be a list of at most 64 filters');
    vma = r.vma.map((v) => str(v, 'vma filter', 1024));
  }
  const context = optInt(r.context, 'context', 0, 256) ?? 16;
  const maxHits = optInt(r.maxHits, 'maxHits', 1, 100_000) ?? 1000;
  let scanned = 0;
  // Hits stream to the caller in batches while the search runs (the reply still lists them all).
  const stream = taskId && ctx.streamHits ? new HitStream((batch) => ctx.streamHits!(taskId, batch), maxHits) : undefined;
  const hits = await ctx.tasks.run(taskId, 'the search', (task) =>
    searchMemory(cp, {
      ...(stream ? { onHit: (h) => stream.push(h) } : {}),
      pattern,
      ...(pids ? { pids } : {}),
      ...(vma ? { vma } : {}),
      context,
      maxHits: maxHits + 1,
      signal: task.signal,
      onProgress: (done, total) => {
        scanned = done;
        task.progress(done, total, 'searching');
      },
    }),
  );
  stream?.end();
  const truncated = hits.length > maxHits;
  ctx.logToCase('search', { pattern, ...(pids ? { pids } : {}), ...(vma ? { vma } : {}), hits: Math.min(hits.length, maxHits), truncated });
  return {
    hits: hits.slice(0, maxHits).map(searchHitInfo),
    truncated,
    scanned,
  };
}

function searchPattern(p: unknown): SearchPatternSpec {
  const o = obj(p, 'pattern');
  const kinds = ['text', 'hex', 'regex'].filter((k) => o[k] !== undefined);
  if (kinds.length !== 1) throw new RequestError('pattern needs exactly one of text, hex or regex');
  if (o.text !== undefined) {
    const text = str(o.text, 'text', 4096);
    if (!text) throw new RequestError('the search text is empty');
    return { text, ...(bool(o.utf16, 'utf16') ? { utf16: true } : {}), ...(bool(o.ignoreCase, 'ignoreCase') ? { ignoreCase: true } : {}) };
  }
  if (o.hex !== undefined) {
    const hex = str(o.hex, 'hex', 8192);
    const digits = hex.replace(/\s+/g, '');
    if (!digits || !/^([0-9a-fA-F]{2})+$/.test(digits)) throw new RequestError('hex takes pairs of hex digits (spaces allowed)');
    return { hex };
  }
  const regex = str(o.regex, 'regex', 4096);
  try {
    new RegExp(regex, 'g');
  } catch (e) {
    throw new RequestError(`not a valid regular expression: ${(e as Error).message}`);
  }
  return { regex, ...(bool(o.ignoreCase, 'ignoreCase') ? { ignoreCase: true } : {}) };
}
