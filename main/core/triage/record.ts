/**
 * A triage run as the case's custody log records it (the workstation's Findings page, issue 11): the counts
 * and the findings with their first evidence pointers, so the report's triage section can list what the
 * analyst saw. Secrets are recorded as the run showed them (redacted unless --show-secrets was asked for).
 */
import type { TriageResult } from '#shared/api/contract';

export const TRIAGE_EVENT = 'triage';
/** Findings written into one custody entry, and evidence pointers per finding. */
export const LOGGED_FINDINGS = 200;
export const LOGGED_POINTERS = 4;

export function triageRecord(r: TriageResult): Record<string, unknown> {
  return {
    summary: { total: r.summary.total, by_severity: r.summary.by_severity, scanned_bytes: r.summary.scanned_bytes, secrets_shown: r.summary.secrets_shown },
    findings: r.findings.slice(0, LOGGED_FINDINGS).map((f) => ({
      id: f.id,
      severity: f.severity,
      technique: f.technique,
      title: f.title,
      ...(f.pid !== null ? { pid: f.pid } : {}),
      evidence: f.evidence.slice(0, LOGGED_POINTERS).map((e) => e.label),
    })),
  };
}
