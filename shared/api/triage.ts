/**
 * Triage findings (issue 11). One shape for main/core/triage, the CLI's `--json`, the services, the Findings
 * page and the reports: snake_case keys as in `kensa triage --json`, addresses as Hex64.
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 */
import type { Hex64, TaskRequest } from './common';

export type Severity = 'high' | 'medium' | 'low' | 'info';
/** Most severe first: the order findings are listed and grouped in. */
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info'];

/** Where a finding's evidence is: something the CLI, the UI and the reports can point at and follow. */
export type EvidencePointer =
  | { kind: 'process'; pid: number; tid?: number; label: string }
  | { kind: 'fd'; pid: number; fd: number; path: string; label: string }
  | { kind: 'socket'; pid: number; fd: number; inode?: number; family: string; tuple: string; state?: string; label: string }
  | { kind: 'vma'; pid: number; start: Hex64; end: Hex64; perms: string; name: string; label: string }
  | { kind: 'memory'; pid: number; address: Hex64; length: number; member?: string; member_offset?: number; origin?: string; preview?: string; label: string }
  | { kind: 'env'; pid: number; name: string; label: string }
  | { kind: 'file'; path: string; member?: string; member_offset?: number; label: string };

export interface Finding {
  /** Stable: derived from the rule and what it found (the same evidence gives the same id on every run). */
  id: string;
  severity: Severity;
  /** MITRE ATT&CK technique id, e.g. `T1574.006`. */
  technique: string;
  technique_name: string;
  /** The rule family (`fileless`, `injection`, `shell`, `network`, `masquerade`, `hijack`, `secrets`, `disk`, `privilege`, `history`). */
  family: string;
  title: string;
  /** Why it matters, and what would make it benign. */
  explanation: string;
  /** The process it is about; null for findings about the file system or the container. */
  pid: number | null;
  evidence: EvidencePointer[];
}

export interface TriageSummary {
  total: number;
  by_severity: Record<Severity, number>;
  by_family: Record<string, number>;
  /** Bytes of memory the content rules read (one pass). */
  scanned_bytes: number;
  /** Whether secret values are shown in full (`--show-secrets`); else redacted. */
  secrets_shown: boolean;
}

export interface TriageResult {
  findings: Finding[];
  summary: TriageSummary;
}

export interface TriageRequest extends TaskRequest {
  /** Show secret values in full (default: redacted, as `kensa triage` without --show-secrets). */
  showSecrets?: boolean;
}

/** What a bookmarked finding keeps: enough to list it in the report with its evidence pointers. */
export interface FindingBookmark {
  kind: 'triage-finding';
  id: string;
  severity: Severity;
  technique: string;
  technique_name: string;
  title: string;
  pid?: number;
  /** The evidence pointers' labels (at most 32). */
  evidence: string[];
}
