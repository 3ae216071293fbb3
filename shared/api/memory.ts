/**
 * Memory: VMAs and where their bytes came from, reading bytes, and searching memory.
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 */
import type { Hex64, TaskRequest } from './common';

/** Where a byte came from (the address space's provenance of every byte; main/core uses this union too). */
export type ByteOriginName =
  | 'pages'
  | 'shmem'
  | 'parent'
  | 'rootfs-diff'
  | 'rootfs'
  | 'ghost-file'
  | 'zero'
  | 'not-dumped'
  /** File pages wholly past the end of the mapped file: SIGBUS in the live process, no content. */
  | 'past-eof'
  | 'missing-parent'
  | 'missing-lazy'
  | 'missing-file'
  | 'missing-pages'
  | 'unmapped';

// Which origins are content, present or missing: shared/byte-origins.ts.

export interface ExtentInfo {
  start: Hex64;
  end: Hex64;
  origin: ByteOriginName;
}

export interface VmaInfo {
  index: number;
  start: Hex64;
  end: Hex64;
  size: number;
  perms: string;
  kind: string;
  /** What /proc/PID/maps shows in its last column. */
  name: string;
  offset: Hex64;
  /** Bytes with content in the checkpoint (pages, shmem, parent). */
  present: number;
  /** Bytes whose content is missing (lazy, parent not given, file not found). */
  missing: number;
  /** Bytes by origin. */
  origins: Partial<Record<ByteOriginName, number>>;
  /** The VMA as runs of one origin, for the map (merged to at most 256 runs). */
  runs: ExtentInfo[];
  notDumped: boolean;
  file?: { path: string; deleted?: boolean; buildId?: string };
}

export interface ReadMemoryRequest {
  pid: number;
  address: Hex64;
  /** At most 1 MiB per call. */
  length: number;
}

export interface MemoryChunk {
  pid: number;
  address: Hex64;
  length: number;
  /** The bytes, base64; bytes without content read as zero and `extents` says which. */
  data: string;
  extents: ExtentInfo[];
}

export type SearchPatternSpec = { text: string; utf16?: boolean; ignoreCase?: boolean } | { hex: string } | { regex: string; ignoreCase?: boolean };

export interface SearchRequest extends TaskRequest {
  pattern: SearchPatternSpec;
  /** No pids: every process. */
  pids?: number[];
  /** `kensa mem --vma` filters: `START-END`, `rw-`, `[heap]`, `[stack]`, `[anon]`, `[shared]`, path substring. */
  vma?: string[];
  /** Bytes of context before and after each hit (default 16, at most 256). */
  context?: number;
  /** Stop after this many hits (default 1000). */
  maxHits?: number;
}

export interface SearchHitInfo {
  pid: number;
  address: Hex64;
  length: number;
  vma: { start: Hex64; end: Hex64; perms: string; name: string; kind: string; offset: Hex64 };
  /** Where the first matched byte came from, and the file holding it with its offset there when it is in one. */
  origin: ByteOriginName;
  member?: string;
  memberOffset?: number;
  /** Lowercase hex of the matched bytes and their context. */
  match: string;
  before: string;
  after: string;
}

export interface SearchResult {
  hits: SearchHitInfo[];
  /** True when `maxHits` stopped the search. */
  truncated: boolean;
  /** Bytes scanned. */
  scanned: number;
}
