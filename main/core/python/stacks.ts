/**
 * Every thread's Python stack from a checkpoint, as `py-spy dump` would print it from the live process:
 * _PyRuntime → interpreters → thread states → cframe->current_frame → previous …, each frame's code object
 * giving its qualified name, file and (through the location table) the line of prev_instr.
 *
 * The interpreter's memory is input like any other: lists that loop, pointers outside memory and absurd
 * sizes end the walk of what they belong to with a warning (a partial stack), never a hang or a crash.
 */
import type { Checkpoint } from '../model/checkpoint';
import { KensaError } from '../errors';
import { findInterpreter, type PythonInterpreter } from './interpreter';
import type { PythonLayout } from './layouts';
import { MemoryFault, RemoteMemory } from './remote-memory';
import { asyncioTasks, type PyTask } from './asyncio-tasks';
import { FrameReader, hex, MAX_FRAMES, MAX_INTERPRETERS, MAX_THREADS, type PyFrame, type StackOptions } from './frames';

export type { PyTask } from './asyncio-tasks';
export { MAX_FRAMES, MAX_INTERPRETERS, MAX_READS, MAX_THREADS, type PyFrame, type PyLocal, type StackOptions } from './frames';

export interface PyThread {
  /** The in-namespace tid (native_thread_id) when the checkpoint holds that thread. */
  tid?: number;
  /** native_thread_id as the thread state holds it (gettid() in the process's pid namespace). */
  nativeThreadId: number;
  /** thread_id: pthread_self(), threading.get_ident(). */
  ident: string;
  /** threading.Thread name, when the threading module's _active registry could be read. */
  name?: string;
  /** The interpreter's first (main) thread state is the last in its list. */
  interpreterId: number;
  threadState: string;
  frames: PyFrame[];
  /** Set when the stack is partial; says why. */
  warning?: string;
}

export interface PyProcessStacks {
  pid: number;
  interpreter: { binary: string; origin: string; version: string; hexversion?: string; runtime: string; bias: string };
  threads: PyThread[];
  /** asyncio tasks (asyncio.tasks._all_tasks): a suspended one is on no thread's stack. */
  tasks: PyTask[];
  /** Problems met while walking: each one means the result is partial. */
  warnings: string[];
}


/** Why a process's stacks cannot be read: not Python, or Python of a version without a table. */
export class NotReadableAsPython extends KensaError {
  constructor(
    message: string,
    readonly interpreter?: PythonInterpreter,
  ) {
    super('missing', message);
    this.name = 'NotReadableAsPython';
  }
}

class Walker extends FrameReader {
  /** The frames of one thread, innermost first; a fault ends the walk with a warning. */
  frames(tstate: bigint): { frames: PyFrame[]; warning?: string } {
    const frames: PyFrame[] = [];
    const seen = new Set<bigint>();
    try {
      const cframe = this.mem.u64(tstate + BigInt(this.L.thread.cframe), 'cframe');
      let frame = cframe ? this.mem.u64(cframe + BigInt(this.L.cframe.currentFrame), 'current_frame') : 0n;
      while (frame) {
        this.budget();
        if (seen.has(frame)) return { frames, warning: `the frame list loops back to ${hex(frame)}` };
        if (seen.size >= MAX_FRAMES) return { frames, warning: `more than ${MAX_FRAMES} frames; the rest are not shown` };
        seen.add(frame);
        const r = this.frame(frame);
        if (r.frame) frames.push(r.frame);
        frame = r.previous;
      }
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
      return { frames, warning: e.message };
    }
    return { frames };
  }

  /** threading._active: {ident: Thread}, read from sys.modules['threading'] (else a frame's globals). */
  threadNames(interp: bigint, globalsHint: bigint[]): Map<bigint, string> {
    const names = new Map<bigint, string>();
    const o = this.objects;
    let threadingDict: bigint | undefined;
    try {
      const modules = this.mem.u64(interp + BigInt(this.L.interp.modules), 'interp->modules');
      const mod = modules && o.typeName(modules) === 'dict' ? o.dictGet(modules, 'threading') : undefined;
      if (mod && o.typeName(mod) === 'module') threadingDict = this.mem.u64(mod + BigInt(this.L.module.dict), 'module dict');
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
    }
    for (const g of globalsHint) {
      if (threadingDict) break;
      try {
        if (o.typeName(g) === 'dict' && o.str(o.dictGet(g, '__name__') ?? 0n)?.text === 'threading') threadingDict = g;
      } catch (e) {
        if (!(e instanceof MemoryFault)) throw e;
      }
    }
    if (!threadingDict) return names;
    try {
      const active = o.dictGet(threadingDict, '_active');
      if (!active || o.typeName(active) !== 'dict') return names;
      for (const [k, thread] of o.dictItems(active, MAX_THREADS).items) {
        try {
          const ident = o.int(k);
          const name = o.attribute(thread, '_name');
          const text = name ? o.str(name, 1024)?.text : undefined;
          if (ident !== undefined && text !== undefined) names.set(BigInt.asUintN(64, ident), text);
        } catch (e) {
          if (!(e instanceof MemoryFault)) throw e;
        }
      }
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
      this.warnings.push(`threading._active could not be read: ${e.message}`);
    }
    return names;
  }
}

/** The Python stacks of one process. Throws NotReadableAsPython for a process that is not (readable) CPython. */
export function pythonStacks(cp: Checkpoint, pid: number, opts: StackOptions = {}): PyProcessStacks {
  const interp = findInterpreter(cp, pid);
  if (!interp) throw new NotReadableAsPython(`pid ${pid} (${cp.exe(pid) ?? cp.process(pid)?.comm ?? '?'}) is not a CPython process: neither its executable nor a mapped libpython exports _PyRuntime`);
  if (!interp.layout || interp.runtime === undefined) throw new NotReadableAsPython(`pid ${pid}: ${interp.refusal ?? 'unsupported interpreter'}`, interp);
  const space = cp.addressSpace(pid);
  if (!space) throw new NotReadableAsPython(`pid ${pid} has no memory in the checkpoint`, interp);
  return walkStacks(new RemoteMemory(space), interp.layout, interp, cp.threads(pid).map((t) => ({ tid: t.tid, fsBase: t.regs.fs_base })), opts);
}

/**
 * The walk itself, over any memory (tests give it a crafted one): `threads` are the checkpoint's tids with
 * their thread pointer (fs_base = pthread_self() on x86_64), to pair thread states with them.
 */
export function walkStacks(
  mem: RemoteMemory,
  L: PythonLayout,
  interp: Pick<PythonInterpreter, 'binary' | 'origin' | 'version' | 'hexversion' | 'bias' | 'runtime'>,
  threads: { tid: number; fsBase?: bigint }[],
  opts: StackOptions = {},
): PyProcessStacks {
  const w = new Walker(mem, L, opts);
  const runtime = interp.runtime ?? 0n;
  const out: PyThread[] = [];
  const tasks: PyTask[] = [];
  const tids = new Set(threads.map((t) => t.tid));
  const seenInterps = new Set<bigint>();
  const pending: { thread: PyThread; ident: bigint }[] = [];
  try {
    let ip = mem.u64(runtime + BigInt(L.runtime.interpretersHead), '_PyRuntime.interpreters.head');
    while (ip) {
      if (seenInterps.has(ip)) {
        w.warnings.push(`the interpreter list loops back to ${hex(ip)}`);
        break;
      }
      if (seenInterps.size >= MAX_INTERPRETERS) {
        w.warnings.push(`more than ${MAX_INTERPRETERS} interpreters; the rest are not shown`);
        break;
      }
      seenInterps.add(ip);
      const interpId = Number(mem.i64(ip + BigInt(L.interp.id), 'interpreter id'));
      const seenStates = new Set<bigint>();
      const globals: bigint[] = [];
      const first = out.length;
      try {
        let ts = mem.u64(ip + BigInt(L.interp.threadsHead), 'interp->threads.head');
        while (ts) {
          if (seenStates.has(ts)) {
            w.warnings.push(`interpreter ${interpId}: the thread-state list loops back to ${hex(ts)}`);
            break;
          }
          if (seenStates.size >= MAX_THREADS) {
            w.warnings.push(`interpreter ${interpId}: more than ${MAX_THREADS} thread states; the rest are not shown`);
            break;
          }
          seenStates.add(ts);
          const ident = mem.u64(ts + BigInt(L.thread.threadId), 'thread_id');
          const native = Number(mem.u64(ts + BigInt(L.thread.nativeThreadId), 'native_thread_id') & 0xffffffffn);
          const { frames, warning } = w.frames(ts);
          for (const f of frames) if (f.file.endsWith('threading.py')) globals.push(mem.u64(BigInt(f.frame) + BigInt(L.frame.globals)));
          const thread: PyThread = { nativeThreadId: native, ident: hex(ident), interpreterId: interpId, threadState: hex(ts), frames };
          // native_thread_id is gettid() as the thread saw it, in its own pid namespace: the checkpoint's tids
          // are in that namespace too. thread_id (pthread_self) equals the thread pointer (fs_base) on x86_64.
          const byFs = threads.find((t) => t.fsBase !== undefined && t.fsBase === ident);
          if (tids.has(native)) thread.tid = native;
          else if (byFs) thread.tid = byFs.tid;
          if (warning) {
            thread.warning = warning;
            w.warnings.push(`thread ${thread.tid ?? native}: ${warning}; the stack is partial`);
          }
          out.push(thread);
          pending.push({ thread, ident });
          ts = mem.u64(ts + BigInt(L.thread.next), 'PyThreadState.next');
        }
      } catch (e) {
        if (!(e instanceof MemoryFault)) throw e;
        w.warnings.push(`interpreter ${interpId}: ${e.message}; its thread list is partial`);
      }
      const names = w.threadNames(ip, globals);
      for (const p of pending.slice(first)) {
        const n = names.get(p.ident);
        if (n !== undefined) p.thread.name = n;
      }
      try {
        const modules = mem.u64(ip + BigInt(L.interp.modules), 'interp->modules');
        if (modules && w.objects.typeName(modules) === 'dict') tasks.push(...asyncioTasks(w, modules, names));
      } catch (e) {
        if (!(e instanceof MemoryFault)) throw e;
        w.warnings.push(`interpreter ${interpId}: asyncio tasks not read: ${e.message}`);
      }
      ip = mem.u64(ip + BigInt(L.interp.next), 'PyInterpreterState.next');
    }
  } catch (e) {
    if (!(e instanceof MemoryFault)) throw e;
    w.warnings.push(`${e.message}; the interpreter list is partial`);
  }
  // Main thread first, then by tid, as py-spy and the checkpoint list them.
  out.sort((a, b) => (a.tid ?? Number.MAX_SAFE_INTEGER) - (b.tid ?? Number.MAX_SAFE_INTEGER));
  return {
    pid: mem.space.pid,
    interpreter: {
      binary: interp.binary,
      origin: interp.origin,
      version: interp.version,
      hexversion: interp.hexversion !== undefined ? '0x' + interp.hexversion.toString(16) : undefined,
      runtime: hex(runtime),
      bias: hex(interp.bias),
    },
    threads: out,
    tasks,
    warnings: [...w.warnings, ...tasks.filter((t) => t.warning).map((t) => `asyncio task ${t.name ?? t.address}: ${t.warning}; its await chain is partial`)],
  };
}
