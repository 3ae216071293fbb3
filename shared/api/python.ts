/**
 * Python stacks (issue 15): main/core/python through main/services/python-stacks.ts.
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 */
import type { Hex64 } from './common';

/** A Python value as the CPython reader decodes it (simple types exactly, containers as short previews). */
export interface PyValueInfo {
  type: string;
  address: Hex64;
  repr?: string;
  value?: string | number | boolean | null;
  size?: number;
  truncated?: boolean;
}

export interface PyLocalInfo {
  name: string;
  kind: 'local' | 'cell' | 'free';
  /** Absent when the variable is not bound. */
  value?: PyValueInfo;
}

export interface PyFrameInfo {
  function: string;
  file: string;
  line?: number;
  firstLine: number;
  /** The _PyInterpreterFrame's address: pythonLocals and python-frame bookmarks name the frame by it. */
  frame: Hex64;
  code: Hex64;
  owner: 'thread' | 'generator' | 'frame-object';
}

export interface PyThreadInfo {
  /** The checkpoint's tid (in the container's pid namespace), when paired. */
  tid?: number;
  nativeThreadId: number;
  ident: Hex64;
  name?: string;
  /** Innermost first. */
  frames: PyFrameInfo[];
  warning?: string;
}

/** An asyncio task; a suspended one is on no thread's stack. */
export interface PyTaskInfo {
  name?: string;
  address: Hex64;
  state: 'suspended' | 'running' | 'created' | 'done';
  /** threading name of the thread running its event loop. */
  thread?: string;
  /** The await chain, innermost first. */
  frames: PyFrameInfo[];
  awaiting?: PyValueInfo;
  warning?: string;
}

export type PythonStacksInfo =
  | { pid: number; available: true; version: string; binary: string; origin: string; threads: PyThreadInfo[]; tasks: PyTaskInfo[]; warnings: string[] }
  /**
   * Why there is no stack: `not-python`, `unsupported` (a CPython version without a structure table), or
   * `unreadable` (the interpreter binary is not available: open the archive with its rootfs).
   */
  | { pid: number; available: false; why: 'not-python' | 'unsupported' | 'unreadable'; reason: string; version?: string };

export interface PythonLocalsInfo {
  pid: number;
  frame: Hex64;
  function: string;
  locals: PyLocalInfo[];
  warning?: string;
}
