/**
 * Strings per process for the workstation: `kensa strings` (main/core/memory/strings.ts extractStrings) as a
 * cancellable task with progress, filtered while it scans (ignoring case) and stopped at a limit so that a
 * process with millions of strings never builds an unbounded reply.
 */
import type { StringsRequest, StringsResult } from '#shared/api/contract';
import { hex } from '#shared/format';
import type { Checkpoint } from '../core/model/checkpoint';
import { extractStrings, MAX_STRING } from '../core/memory/strings';
import { bool, int, obj, optInt, optStr, RequestError } from './results';
import type { TaskRegistry } from './tasks';

const DEFAULT_MAX = 100_000;
const LIMIT_MAX = 200_000;
/** Strings scanned between two yields to the event loop (the scan is synchronous; other requests go on). */
const SLICE = 2000;

export async function processStrings(ctx: { cp(): Checkpoint; tasks: TaskRegistry }, req: StringsRequest): Promise<StringsResult> {
  const r = obj(req, 'strings');
  const pid = int(r.pid, 'pid', 0, 0x7fffffff);
  const min = optInt(r.min, 'min', 1, 65536) ?? 6;
  const utf16 = bool(r.utf16, 'utf16') ?? false;
  const filter = (optStr(r.filter, 'filter', MAX_STRING) ?? '').toLowerCase();
  const max = optInt(r.maxStrings, 'maxStrings', 1, LIMIT_MAX) ?? DEFAULT_MAX;
  const taskId = optStr(r.taskId, 'taskId', 200);
  const cp = ctx.cp();
  const p = cp.process(pid);
  if (!p) throw new RequestError(`no process ${pid} in this checkpoint`);
  const space = cp.addressSpace(pid);
  if (!space) throw new RequestError(`process ${pid} (${p.comm}, ${p.state}) has no memory in this checkpoint`);
  const total = space.vmas.reduce((n, v) => n + Number(v.end - v.start), 0);
  // Progress: the bytes of the mappings below the string reached (strings come in address order).
  const bytesBefore = (at: bigint): number => space.vmas.reduce((n, v) => n + Number((at < v.start ? v.start : at > v.end ? v.end : at) - v.start), 0);
  return ctx.tasks.run(taskId, `strings of process ${pid}`, async (task) => {
    const out: StringsResult = { pid, strings: [], truncated: false };
    let n = 0;
    for (const s of extractStrings(space, { min, utf16 })) {
      if (++n % SLICE === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        task.check();
        task.progress(bytesBefore(s.address), total, 'reading strings');
      }
      if (filter && !s.text.toLowerCase().includes(filter)) continue;
      if (out.strings.length === max) {
        out.truncated = true;
        break;
      }
      out.strings.push({ address: hex(s.address), text: s.text, encoding: s.encoding });
    }
    return out;
  });
}
