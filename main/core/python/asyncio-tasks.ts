/**
 * Suspended asyncio tasks: a coroutine waiting in `await` is on no thread's stack, so `py-spy dump` (and the
 * thread walk) never shows it. asyncio keeps every live task in `asyncio.tasks._all_tasks` (a WeakSet, shared
 * with the C accelerator); each task's coroutine chain is followed as CPython's _PyGen_yf does: a suspended
 * coroutine stopped before a RESUME with oparg >= 2 is awaiting the object on top of its stack.
 */
import { hex, MAX_FRAMES, type FrameReader, type PyFrame } from './frames';
import type { PyValue } from './objects';
import { MemoryFault } from './remote-memory';

/** Tasks listed at most (a set claiming more is corrupt or a server with far more than anyone reads). */
export const MAX_TASKS = 10_000;
const GENERATOR_TYPES = new Set(['coroutine', 'generator', 'async_generator']);

export interface PyTask {
  name?: string;
  /** The Task object's address. */
  address: string;
  /** `suspended` (waiting), `running` (its frames are on a thread's stack), `created` (not started), `done`. */
  state: 'suspended' | 'running' | 'created' | 'done';
  /** threading name of the thread whose event loop runs it (the loop's _thread_id), when known. */
  thread?: string;
  /** The coroutine chain, innermost first. */
  frames: PyFrame[];
  /** What the innermost coroutine awaits when that is not a coroutine (a Future, a FutureIter). */
  awaiting?: PyValue;
  warning?: string;
}

/** Every task in asyncio.tasks._all_tasks, given sys.modules; [] when asyncio was never imported. */
export function asyncioTasks(r: FrameReader, modules: bigint, threadNames: Map<bigint, string>): PyTask[] {
  const o = r.objects;
  const L = r.L;
  const mod = o.dictGet(modules, 'asyncio.tasks');
  if (!mod || o.typeName(mod) !== 'module') return [];
  const all = o.dictGet(r.mem.u64(mod + BigInt(L.module.dict), 'module dict'), '_all_tasks');
  if (!all || o.typeName(all) !== 'WeakSet') return [];
  const data = o.attribute(all, 'data');
  if (!data || o.typeName(data) !== 'set') return [];
  const mask = r.mem.i64(data + BigInt(L.set.mask), 'set mask');
  if (mask < 0n || mask >= BigInt(MAX_TASKS * 8)) throw new MemoryFault(data, 0, `set of absurd size (mask ${mask})`);
  const table = r.mem.bytes(r.mem.u64(data + BigInt(L.set.table), 'set table'), (Number(mask) + 1) * 16, 'set entries');
  const tasks: PyTask[] = [];
  for (let i = 0; i <= Number(mask) && tasks.length < MAX_TASKS; i++) {
    const ref = table.readBigUInt64LE(i * 16);
    if (!ref) continue;
    try {
      if (o.typeName(ref) !== 'ReferenceType') continue; // the set's dummy entry, or not a weak reference
      const task = r.mem.u64(ref + BigInt(L.weakref.object), 'wr_object');
      if (!task || isNone(r, task)) continue; // a task already collected
      tasks.push(readTask(r, task, threadNames));
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
      tasks.push({ address: hex(ref), state: 'done', frames: [], warning: e.message });
    }
  }
  return tasks;
}

function readTask(r: FrameReader, task: bigint, threadNames: Map<bigint, string>): PyTask {
  const o = r.objects;
  const L = r.L;
  // The C Task keeps its fields in the struct; the pure-Python one (asyncio.tasks._PyTask) in its __dict__.
  const coro = o.attribute(task, '_coro') ?? r.mem.u64(task + BigInt(L.task.coro), 'task_coro');
  const nameObj = o.attribute(task, '_name') ?? r.mem.u64(task + BigInt(L.task.name), 'task_name');
  const loop = o.attribute(task, '_loop') ?? r.mem.u64(task + BigInt(L.task.loop), 'fut_loop');
  const out: PyTask = { address: hex(task), state: 'done', frames: [] };
  const name = nameObj ? o.str(nameObj, 1024)?.text : undefined;
  if (name !== undefined) out.name = name;
  try {
    const ident = loop ? o.attribute(loop, '_thread_id') : undefined;
    const id = ident ? o.int(ident) : undefined;
    const thread = id !== undefined ? threadNames.get(BigInt.asUintN(64, id)) : undefined;
    if (thread !== undefined) out.thread = thread;
  } catch (e) {
    if (!(e instanceof MemoryFault)) throw e;
  }
  const chain: PyFrame[] = [];
  const seen = new Set<bigint>();
  let cur = coro;
  try {
    while (cur && chain.length < MAX_FRAMES) {
      r.budget();
      if (seen.has(cur)) {
        out.warning = `the await chain loops back to ${hex(cur)}`;
        break;
      }
      seen.add(cur);
      if (!GENERATOR_TYPES.has(typeNameOrEmpty(r, cur))) {
        if (chain.length) out.awaiting = o.preview(cur);
        break;
      }
      const state = r.mem.bytes(cur + BigInt(L.gen.frameState), 1, 'gi_frame_state').readInt8(0);
      if (chain.length === 0) {
        out.state = state === L.frameStates.executing ? 'running' : state === L.frameStates.created ? 'created' : state === L.frameStates.suspended ? 'suspended' : 'done';
        if (out.state === 'running' || out.state === 'done') break; // running: its frames are on a thread's stack
      }
      if (state !== L.frameStates.suspended && state !== L.frameStates.created) break;
      const iframe = cur + BigInt(L.gen.iframe);
      const f = r.frame(iframe).frame;
      if (f) chain.push(f);
      if (state !== L.frameStates.suspended) break;
      cur = awaited(r, iframe);
    }
  } catch (e) {
    if (!(e instanceof MemoryFault)) throw e;
    out.warning = e.message;
  }
  out.frames = chain.reverse();
  return out;
}

/** _PyGen_yf (genobject.c, 3.11): the object a suspended frame awaits, or 0n. */
function awaited(r: FrameReader, iframe: bigint): bigint {
  const F = r.L.frame;
  const prevInstr = r.mem.u64(iframe + BigInt(F.prevInstr), 'prev_instr');
  const next = r.mem.bytes(prevInstr + 2n, 2, 'next instruction');
  if (!r.L.resumeOpcodes.includes(next[0]) || next[1] < 2) return 0n;
  const stacktop = r.mem.i32(iframe + BigInt(F.stacktop), 'stacktop');
  if (stacktop < 1 || stacktop > 1 << 20) return 0n;
  return r.mem.u64(iframe + BigInt(F.localsplus) + BigInt(stacktop - 1) * 8n, 'awaited object');
}

/**
 * Whether `obj` is None. The C Task's type lives in the _asyncio extension module: without that file (no
 * rootfs, only the interpreter in rootfs-diff) its name cannot be read, but the task itself still can.
 */
function isNone(r: FrameReader, obj: bigint): boolean {
  return typeNameOrEmpty(r, obj) === 'NoneType';
}

/** The type name, or '' when it cannot be read (an extension module's type without its file). */
function typeNameOrEmpty(r: FrameReader, obj: bigint): string {
  try {
    return r.objects.typeName(obj);
  } catch (e) {
    if (!(e instanceof MemoryFault)) throw e;
    return '';
  }
}
