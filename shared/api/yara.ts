/**
 * YARA (issue 12): rules over every process's memory and, optionally, the changed and deleted files.
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 */
import type { Hex64, TaskRequest } from './common';
import type { ByteOriginName } from './memory';

export interface YaraScanRequest extends TaskRequest {
  /** Rule files or folders of .yar / .yara files, on the machine running the services. */
  rulePaths?: string[];
  /** Rule text typed or pasted in the panel (compiled with the files, as `<pasted rule>`). */
  ruleText?: string;
  /** No pids: every process. */
  pids?: number[];
  /** Also scan the files of rootfs-diff.tar and the deleted files the checkpoint kept. */
  files?: boolean;
  /** Most matches returned (default 10,000, at most 100,000); reaching it stops the scan. */
  maxMatches?: number;
  /** Longest the scan may take (default 600 s). */
  timeoutSeconds?: number;
}

export interface YaraMatchInfo {
  rule: string;
  namespace: string;
  tags: string[];
  meta: Record<string, string | number | boolean>;
  /** `$a`, or '' when the rule matched a region by its condition alone. */
  string: string;
  /** The process; absent for a file. */
  pid?: number;
  /** A file scanned with `files`: `rootfs-diff.tar/PATH` or `deleted:/PATH`. */
  file?: string;
  vma?: { start: Hex64; end: Hex64; perms: string; name: string; kind: string };
  /** The address (the offset in the file for a file). */
  address: Hex64;
  length: number;
  origin: ByteOriginName | 'file';
  member?: string;
  memberOffset?: Hex64;
  /** Lowercase hex of the matched bytes (at most 512 of them). */
  data: string;
}

export interface YaraScanResult {
  matches: YaraMatchInfo[];
  /** Rules compiled, regions and bytes scanned. */
  rules: number;
  regions: number;
  scanned: number;
  /** Compiler warnings (`FILE:LINE:COLUMN: message`). */
  ruleWarnings: string[];
  /** Why the result is partial (a limit reached, a file not read), one line each. */
  warnings: string[];
  /** True when a limit stopped the scan. */
  truncated: boolean;
}
