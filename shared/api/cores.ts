/**
 * Core files and gdb: writing a process as an ELF core and the gdb sessions opened on it.
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 */
import type { Hex64, TaskRequest } from './common';

export interface CoreWriteRequest extends TaskRequest {
  pid: number;
}

export interface CoreWriteInfo {
  pid: number;
  path: string;
  size: number;
  sha256: string;
  threads: number[];
  segments: number;
  missing: { start: Hex64; end: Hex64; reason: string; file?: string }[];
}

export interface GdbStartRequest extends TaskRequest {
  pid: number;
  cols: number;
  rows: number;
}

export interface GdbSessionInfo {
  sessionId: string;
  pid: number;
  /** The archive the session's core was written from (the session ends when that archive is closed). */
  archive: string;
  /** gdb's argv as run (shown above the terminal). */
  argv: string[];
  corePath: string;
  sysroot?: string;
}
