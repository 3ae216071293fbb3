/**
 * The report's triage section (issue 11): the findings the analyst bookmarked (triage-finding notes, with
 * their evidence pointers) and the last triage run recorded in the case (a `triage` custody entry,
 * main/core/triage/record.ts) with its counts and findings. The entry is read defensively: the log is
 * evidence too (its chain is verified, its values are still checked).
 */
import type { CustodyEntry } from './custody';
import type { NoteRecord } from './case';
import { LOGGED_FINDINGS, LOGGED_POINTERS, TRIAGE_EVENT } from '../triage/record';
import { SEVERITIES, type Severity } from '#shared/api/contract';

export interface ReportTriageFinding {
  id: string;
  severity: Severity;
  technique: string;
  technique_name?: string;
  title: string;
  pid?: number;
  evidence: string[];
}

export interface ReportTriage {
  /** Bookmarked findings: the note id (N1...) and the finding. */
  bookmarked: { note: string; finding: ReportTriageFinding }[];
  lastRun?: { seq: number; time: string; analyst?: string; bySeverity: Record<Severity, number>; total: number; findings: ReportTriageFinding[] };
}

const text = (v: unknown, max = 4096): string | undefined => (typeof v === 'string' && v.length <= max ? v : undefined);
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

function loggedFinding(v: unknown): ReportTriageFinding | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const id = text(o.id, 64);
  const title = text(o.title);
  const technique = text(o.technique, 32);
  const severity = SEVERITIES.find((s) => s === o.severity);
  if (!id || title === undefined || !technique || !severity) return undefined;
  const evidence = (Array.isArray(o.evidence) ? o.evidence : []).slice(0, LOGGED_POINTERS).map((e) => text(e)).filter((e): e is string => e !== undefined);
  const pid = count(o.pid);
  return { id, severity, technique, title, evidence, ...(pid !== undefined ? { pid } : {}) };
}

/** The triage section, or undefined when the case has neither a finding bookmark nor a recorded run. */
export function triageSection(entries: CustodyEntry[], notes: NoteRecord[]): ReportTriage | undefined {
  const bookmarked = notes.flatMap((n) => {
    const t = n.target;
    if (t.kind !== 'triage-finding') return [];
    return [{ note: n.id, finding: { id: t.id, severity: t.severity, technique: t.technique, technique_name: t.technique_name, title: t.title, evidence: t.evidence, ...(t.pid !== undefined ? { pid: t.pid } : {}) } }];
  });
  const last = [...entries].reverse().find((e) => e.event === TRIAGE_EVENT);
  if (!bookmarked.length && !last) return undefined;
  const out: ReportTriage = { bookmarked };
  if (last) {
    const d = last.details;
    const s = (d.summary ?? {}) as Record<string, unknown>;
    const by = (s.by_severity ?? {}) as Record<string, unknown>;
    out.lastRun = {
      seq: last.seq,
      time: last.time,
      ...(last.analyst ? { analyst: last.analyst } : {}),
      total: count(s.total) ?? 0,
      bySeverity: Object.fromEntries(SEVERITIES.map((v) => [v, count(by[v]) ?? 0])) as Record<Severity, number>,
      findings: (Array.isArray(d.findings) ? d.findings : []).slice(0, LOGGED_FINDINGS).map(loggedFinding).filter((f): f is ReportTriageFinding => f !== undefined),
    };
  }
  return out;
}

/** A finding's heading line, as both renderers print it. */
export function triageFindingLine(f: ReportTriageFinding): string {
  return `[${f.severity.toUpperCase()}] ${f.id}  ${f.technique}${f.technique_name ? ' ' + f.technique_name : ''}${f.pid !== undefined ? `  pid ${f.pid}` : ''}: ${f.title}`;
}

/** The recorded run's heading line. */
export function triageRunLine(r: NonNullable<ReportTriage['lastRun']>): string {
  return `Custody entry ${r.seq} (${r.time}${r.analyst ? `, ${r.analyst}` : ''}): ${r.total} finding${r.total === 1 ? '' : 's'} (${SEVERITIES.map((s) => `${r.bySeverity[s]} ${s}`).join(', ')})`;
}
