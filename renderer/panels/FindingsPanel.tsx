import { useEffect } from 'react';
import { SEVERITIES, type EvidencePointer, type Finding, type FindingBookmark } from '#shared/api/contract';
import { useKensaShallow } from '../stores/hooks';
import { PanelTitle } from '../components/PanelTitle';
import { ErrorMessage } from '../components/ErrorMessage';
import { NoteButton } from '../components/NoteButton';
import { visible } from '../util/text';

/** Evidence pointers a bookmark keeps (main/core/evidence/case.ts MAX_FINDING_EVIDENCE). */
const BOOKMARK_POINTERS = 32;

const HEADINGS = { high: 'High', medium: 'Medium', low: 'Low', info: 'Info' } as const;

/** What following a pointer opens, for its tooltip. */
function destination(e: EvidencePointer): string {
  switch (e.kind) {
    case 'vma':
    case 'memory':
      return 'Open in the hex view';
    case 'socket':
      return 'Show the process\'s sockets';
    case 'fd':
    case 'file':
      return 'Show in Files';
    default:
      return 'Show the process';
  }
}

function bookmark(f: Finding): FindingBookmark {
  return {
    kind: 'triage-finding', id: f.id, severity: f.severity, technique: f.technique, technique_name: f.technique_name, title: f.title,
    evidence: f.evidence.slice(0, BOOKMARK_POINTERS).map((e) => e.label), ...(f.pid !== null ? { pid: f.pid } : {}),
  };
}

function FindingCard({ f, open }: { f: Finding; open: (e: EvidencePointer) => void }) {
  return (
    <article className={`finding sev-${f.severity}`} data-finding={f.id} data-severity={f.severity} data-family={f.family}>
      <div className="finding-head">
        <span className="finding-title">{visible(f.title)}</span>
        <span className="technique mono" title={f.technique_name}>
          {f.technique} {f.technique_name}
        </span>
        <NoteButton target={bookmark(f)} label={`finding ${f.id}: ${f.title}`} title="Bookmark this finding into the case report" />
      </div>
      <div className="why">{visible(f.explanation)}</div>
      <ul className="evidence">
        {f.evidence.map((e, i) => (
          <li key={i}>
            <button type="button" className="mono" data-evidence={e.kind} title={destination(e)} onClick={() => open(e)}>
              {e.kind}: {visible(e.label)}
            </button>
          </li>
        ))}
      </ul>
    </article>
  );
}

/**
 * What looks wrong in the checkpoint (kensa triage), the first page after opening an archive: findings
 * grouped by severity with their ATT&CK technique, why they matter and what would make them benign; each
 * evidence pointer opens its process, mapping or bytes in the hex view, socket, fd or file; each finding can
 * be bookmarked into the case.
 */
export function FindingsPanel() {
  const { triage, runTriage, openEvidence, session } = useKensaShallow((s) => ({ triage: s.triage, runTriage: s.runTriage, openEvidence: s.openEvidence, session: s.session }));
  useEffect(() => {
    if (session && triage.status === 'idle') void runTriage();
  }, [session, triage.status, runTriage]);
  const r = triage.value;
  return (
    <>
      <PanelTitle title="Findings" sub="what looks wrong in this checkpoint, with the evidence (kensa triage)">
        {triage.status === 'error' ? (
          <button type="button" onClick={() => void runTriage()}>
            Run the triage again
          </button>
        ) : null}
      </PanelTitle>
      <div className="findings" data-testid="panel-findings">
        {triage.status === 'loading' ? <div className="empty">Running the triage rules (one pass over memory)…</div> : null}
        {triage.status === 'error' && triage.error ? <ErrorMessage context="Triage" error={triage.error} /> : null}
        {r ? (
          <>
            <div className="summary" data-testid="findings-summary">
              {r.summary.total} finding{r.summary.total === 1 ? '' : 's'}: {SEVERITIES.map((s) => `${r.summary.by_severity[s]} ${s}`).join(', ')}. Secrets are {r.summary.secrets_shown ? 'shown' : 'redacted'}.
            </div>
            {r.summary.total === 0 ? <div className="empty">No finding: nothing here looks like an attack.</div> : null}
            {SEVERITIES.map((sev) => {
              const list = r.findings.filter((f) => f.severity === sev);
              if (!list.length) return null;
              return (
                <section key={sev} data-testid={`findings-${sev}`}>
                  <h3>
                    {HEADINGS[sev]} ({list.length})
                  </h3>
                  {list.map((f) => (
                    <FindingCard key={f.id} f={f} open={(e) => void openEvidence(e)} />
                  ))}
                </section>
              );
            })}
          </>
        ) : null}
      </div>
    </>
  );
}
