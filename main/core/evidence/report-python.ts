/**
 * Python stacks in reports (issue 15): for every process the analyst bookmarked (a note on the process, a
 * thread, its memory, a socket of it, or a Python frame), its threads' Python frames as `kensa py` prints
 * them, when the process runs a CPython the reader supports. Locals are left out: a report quotes what the
 * analyst chose (a bookmarked frame's locals are in the case through its note), not every variable.
 */
import type { Checkpoint } from '../model/checkpoint';
import { KensaError } from '../errors';
import { pythonStacks, NotReadableAsPython } from '../python';
import type { NoteRecord } from './case';

export interface ReportPythonFrame {
  function: string;
  file: string;
  line?: number;
}

export interface ReportPythonThread {
  tid?: number;
  nativeThreadId: number;
  name?: string;
  frames: ReportPythonFrame[];
  warning?: string;
}

/** A suspended asyncio task: on no thread's stack, so listed apart. */
export interface ReportPythonTask {
  name?: string;
  thread?: string;
  state: string;
  frames: ReportPythonFrame[];
  awaiting?: string;
}

export interface ReportPythonProcess {
  pid: number;
  /** `3.11.2` and the interpreter binary, when read. */
  version?: string;
  binary?: string;
  threads: ReportPythonThread[];
  /** asyncio tasks not running on a thread (absent when there are none). */
  tasks?: ReportPythonTask[];
  warnings: string[];
  /** Why the stacks could not be read (unsupported version, the binary not available). */
  error?: string;
}

/** The pid a note points into, if any. */
function notePid(n: NoteRecord): number | undefined {
  const t = n.target;
  return 'pid' in t ? t.pid : undefined;
}

/** Python stacks of the bookmarked processes of one checkpoint (processes that are not Python are left out). */
export function bookmarkedPythonStacks(cp: Checkpoint, notes: NoteRecord[]): ReportPythonProcess[] {
  const pids = [...new Set(notes.map(notePid).filter((p): p is number => p !== undefined && cp.process(p) !== undefined))].sort((a, b) => a - b);
  const out: ReportPythonProcess[] = [];
  for (const pid of pids) {
    try {
      const r = pythonStacks(cp, pid);
      out.push({
        pid,
        version: r.interpreter.version,
        binary: r.interpreter.binary,
        warnings: r.warnings,
        threads: r.threads.map((t) => ({
          ...(t.tid !== undefined ? { tid: t.tid } : {}),
          nativeThreadId: t.nativeThreadId,
          ...(t.name !== undefined ? { name: t.name } : {}),
          frames: t.frames.map((f) => ({ function: f.function, file: f.file, ...(f.line !== undefined ? { line: f.line } : {}) })),
          ...(t.warning ? { warning: t.warning } : {}),
        })),
      });
      const waiting = r.tasks.filter((t) => t.state !== 'running');
      if (waiting.length) {
        out[out.length - 1].tasks = waiting.map((t) => ({
          ...(t.name !== undefined ? { name: t.name } : {}),
          ...(t.thread !== undefined ? { thread: t.thread } : {}),
          state: t.state,
          frames: t.frames.map((f) => ({ function: f.function, file: f.file, ...(f.line !== undefined ? { line: f.line } : {}) })),
          ...(t.awaiting ? { awaiting: t.awaiting.repr ?? `<${t.awaiting.type} object at ${t.awaiting.address}>` } : {}),
        }));
      }
    } catch (e) {
      if (!(e instanceof KensaError)) throw e;
      // A process that is not Python has no Python stacks to report; a Python one that cannot be read says why.
      if (e instanceof NotReadableAsPython && !e.interpreter) continue;
      out.push({ pid, threads: [], warnings: [], error: e.message });
    }
  }
  return out;
}

/** `function (file:line)` lines of one thread or task, innermost first, as kensa py prints them. */
export function pythonFrameLines(t: { frames: ReportPythonFrame[]; awaiting?: string }): string[] {
  return [...(t.awaiting ? [`awaiting ${t.awaiting}`] : []), ...t.frames.map((f) => `${f.function} (${f.file}:${f.line ?? '?'})`)];
}

/** `asyncio task "client-7" on thread aio-loop (suspended)` */
export function pythonTaskTitle(t: ReportPythonTask): string {
  return `asyncio task${t.name !== undefined ? ` "${t.name}"` : ''}${t.thread !== undefined ? ` on thread ${t.thread}` : ''} (${t.state})`;
}

/** `Thread 6 "ingest"` */
export function pythonThreadTitle(t: ReportPythonThread): string {
  return `Thread ${t.tid ?? `native ${t.nativeThreadId}`}${t.name !== undefined ? ` "${t.name}"` : ''}`;
}
