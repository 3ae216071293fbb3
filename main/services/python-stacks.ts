/**
 * The workstation's Python stacks (issue 15): the CPython reader of main/core/python behind the
 * pythonStacks / pythonLocals calls of the API contract. A process that is not (readable) CPython is an
 * answer, not an error: `available: false` with the reason, shown beside the native thread state.
 */
import type { PythonLocalsInfo, PythonStacksInfo } from '#shared/api/contract';
import type { Checkpoint } from '../core/model/checkpoint';
import { KensaError } from '../core/errors';
import { pythonStacks, NotReadableAsPython } from '../core/python';
import { RequestError } from './results';

export function pythonStacksInfo(cp: Checkpoint, pid: number): PythonStacksInfo {
  try {
    const r = pythonStacks(cp, pid);
    return { pid, available: true, version: r.interpreter.version, binary: r.interpreter.binary, origin: r.interpreter.origin, threads: r.threads, tasks: r.tasks, warnings: r.warnings };
  } catch (e) {
    // Not Python, an unsupported version, or no binary to read (the rootfs was not given): say so as data.
    if (e instanceof NotReadableAsPython || (e instanceof KensaError && e.kind === 'missing')) {
      const version = e instanceof NotReadableAsPython ? e.interpreter?.version : undefined;
      const why = !(e instanceof NotReadableAsPython) ? 'unreadable' : e.interpreter ? 'unsupported' : 'not-python';
      return { pid, available: false, why, reason: e.message, ...(version ? { version } : {}) };
    }
    throw e;
  }
}

export function pythonLocalsInfo(cp: Checkpoint, pid: number, frame: bigint): PythonLocalsInfo {
  const want = '0x' + frame.toString(16);
  const r = pythonStacks(cp, pid, { localsOf: want });
  for (const t of [...r.threads, ...r.tasks]) {
    const f = t.frames.find((x) => x.frame === want);
    if (f) return { pid, frame: want, function: f.function, locals: f.locals ?? [], ...(f.localsWarning ? { warning: f.localsWarning } : {}) };
  }
  throw new RequestError(`no Python frame at ${want} in process ${pid} (pythonStacks lists them)`);
}
