/** Strings per process for the workstation (main/services/strings.ts over main/core/memory/strings.ts, as `kensa strings`). */
import type { Hex64, TaskRequest } from './common';

export interface StringsRequest extends TaskRequest {
  pid: number;
  /** Shortest run reported, in characters (default 6, 1-65536). */
  min?: number;
  /** UTF-16LE strings instead of ASCII (`strings -e l`). */
  utf16?: boolean;
  /** Keep only strings holding this text, ignoring case (applied while scanning, before the limit). */
  filter?: string;
  /** At most this many strings are returned (default 100,000, at most 200,000); `truncated` says when more were found. */
  maxStrings?: number;
}

export interface StringInfo {
  address: Hex64;
  text: string;
  encoding: 'ascii' | 'utf16le';
}

export interface StringsResult {
  pid: number;
  strings: StringInfo[];
  /** More strings matched than `maxStrings`: the scan stopped there. */
  truncated: boolean;
}
