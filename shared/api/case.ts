/**
 * The evidence case's records, one definition for the engine (main/core/evidence/case.ts keeps them in the
 * case folder), the API contract (caseStatus, caseVerify, addNote) and the UI (CasePanel). Plain JSON:
 * strings and numbers only, so the records travel unchanged over every transport. The requests and the case
 * status the case methods take and return follow the records.
 */
import type { TaskRequest } from './common';
import type { FindingBookmark } from './triage';

/** What a note points at (a bookmark). Addresses and frames are `0x…` hex strings. */
export type NoteTarget =
  | { kind: 'process'; pid: number }
  | { kind: 'thread'; pid: number; tid: number }
  | { kind: 'memory'; pid: number; address: string; length: number }
  | { kind: 'search-hit'; pid: number; address: string; length: number; pattern: string }
  | { kind: 'yara-match'; pid: number; address: string; length: number; rule: string; string: string }
  | { kind: 'file'; member: string }
  | { kind: 'socket'; pid?: number; inode: number }
  /** A Python frame (kensa py, the Threads panel): the interpreter frame's address and what it showed. */
  | { kind: 'python-frame'; pid: number; tid: number; frame: string; function: string; file: string; line?: number }
  /** A triage finding (kensa triage, the Findings page): its id, rating and evidence pointers as shown. */
  | FindingBookmark;

/** A file of an evidence folder: path relative to the folder, `/`-separated, with both digests. */
export interface FolderFileDigest {
  path: string;
  size: number;
  sha256: string;
  sha512: string;
}

export interface EvidenceDescription {
  layout?: string;
  engine?: string;
  container_name?: string;
  image?: string;
  id?: string;
  hostname?: string;
  arch?: string;
  processes?: number;
  /** Why the evidence could not be opened as a checkpoint (it is still recorded and hashed). */
  error?: string;
}

export interface EvidenceRecord {
  /** `E1`, `E2`, ... in intake order: what `kensa case add` prints and `--evidence` takes. */
  id: string;
  /** Absolute path as resolved at intake. */
  path: string;
  name: string;
  kind: 'file' | 'folder';
  size: number;
  sha256: string;
  sha512: string;
  /** Modification time at intake: RFC 3339 (ms) and the exact nanoseconds since the epoch. */
  mtime: string;
  mtimeNs: string;
  /** For folders: every regular file's digests, symlinks (not followed) and other entries. */
  files?: FolderFileDigest[];
  symlinks?: { path: string; target: string }[];
  others?: { path: string; type: string }[];
  description?: EvidenceDescription;
  addedAt: string;
  /** The custody entry that recorded the intake. */
  seq: number;
}

export interface NoteRecord {
  /** `N1`, `N2`, ... */
  id: string;
  evidenceId: string;
  text: string;
  target: NoteTarget;
  /** What the bookmarked bytes were when the note was made (memory and file targets, when checked). */
  capture?: { size: number; sha256: string; origins?: string[] };
  time: string;
  analyst?: string;
  seq: number;
}

export interface VerifyItem {
  id: string;
  path: string;
  ok: boolean;
  problems: string[];
  size?: number;
  sha256?: string;
  sha512?: string;
}

export interface VerifyReport {
  ok: boolean;
  /** RFC 3339 UTC when the check finished. */
  time: string;
  /** Every failure, one line each, naming what changed. */
  problems: string[];
  /** Things worth knowing that are not failures (mtime moved but content identical). */
  warnings: string[];
  chain: { ok: boolean; entries: number; head: string; problems: string[] };
  caseFile: { ok: boolean; problems: string[] };
  evidence: VerifyItem[];
  derived: VerifyItem[];
  /** The custody entry that recorded this verification (absent when not recorded). */
  seq?: number;
}

export interface NoteRequest {
  text: string;
  target: NoteTarget;
  /** The evidence the note was written about (the case's id of the archive open then); refused if another is open now. */
  evidenceId?: string;
}

export interface CaseInfo {
  open: boolean;
  dir?: string;
  id?: string;
  /** The case's evidence records and notes, as the case folder keeps them. */
  evidence: EvidenceRecord[];
  notes: NoteRecord[];
  /** Whether the archive open now is one of the case's evidence records. */
  archiveInCase: boolean;
  /** The case's evidence id of the archive open now (absent when it is not in the case). */
  archiveEvidenceId?: string;
  /** The archive open now, as opened. */
  archive?: string;
}

export interface CaseOpenRequest {
  dir: string;
  /** Create the case folder when it does not exist yet. */
  create?: boolean;
  analyst?: string;
  title?: string;
}

export interface ReportRequest extends TaskRequest {
  format: 'html' | 'pdf' | 'json';
  /** Default: `reports/report-<UTC time>.<format>` in the case folder. */
  outFile?: string;
}

// Reports written from the workstation (main/services/case-reports.ts)

/** A report written: where, its hash, and its name in the case's reports/ folder when it is there (browser mode opens it as `/case-reports/NAME`). */
export interface WrittenReport {
  path: string;
  sha256: string;
  reportName?: string;
}
