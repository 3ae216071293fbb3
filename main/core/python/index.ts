/**
 * Python stacks from a checkpoint (issue 15): the CPython reader's public face for the CLI, the services
 * and the reports. Fed by the address space (main/core/memory) and the rootfs (main/core/rootfs) through
 * the Checkpoint; nothing here runs or needs the target's Python.
 */
import type { Checkpoint } from '../model/checkpoint';
import { KensaError } from '../errors';
import { findInterpreter, pythonByName } from './interpreter';

export { pythonStacks, walkStacks, NotReadableAsPython, type PyProcessStacks, type PyThread, type PyFrame, type PyLocal, type PyTask, type StackOptions } from './stacks';
export type { PyValue, PreviewLimits } from './objects';
export { findInterpreter, type PythonInterpreter } from './interpreter';
export { supportedVersions } from './layouts';

/** What `kensa ps` and the process list say about a process's Python. */
export interface PythonMark {
  /** `3.11.2`, or `3.11` / `3` when only the file name tells (no binary to read). */
  version: string;
  binary?: string;
  /** True when Kensa has a structure table for this version and found _PyRuntime. */
  supported: boolean;
  /** Set when the version was read from the file name only (no --rootfs, nothing in rootfs-diff). */
  byName?: boolean;
  /** Why its stacks cannot be read, when they cannot. */
  refusal?: string;
}

/**
 * Whether a process runs CPython, and which; undefined for other processes. Reads only files named like an
 * interpreter (python3.X, libpython3.X), so listing processes opens no other binary. Never throws for bad input.
 */
export function pythonMark(cp: Checkpoint, pid: number): PythonMark | undefined {
  try {
    const it = findInterpreter(cp, pid, { namedOnly: true });
    if (!it) return undefined;
    return { version: it.version, binary: it.binary, supported: Boolean(it.layout && it.runtime !== undefined), refusal: it.refusal };
  } catch (e) {
    if (!(e instanceof KensaError)) throw e;
    const name = pythonByName(cp, pid);
    return name ? { version: name, supported: false, byName: true, refusal: e.message } : undefined;
  }
}
