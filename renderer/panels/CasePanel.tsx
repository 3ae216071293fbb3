import { useState } from 'react';
import type { ApiError, NoteTarget } from '#shared/api/contract';
import { useKensa, useKensaShallow, useKensaStore } from '../stores/hooks';
import { PanelTitle } from '../components/PanelTitle';
import { ErrorMessage } from '../components/ErrorMessage';
import { KeyValue } from '../components/KeyValue';
import { visible, visibleLines } from '../util/text';
import { noteTargetText } from '../util/note-target';
import type { VerifyReport } from '#shared/api/contract';

/** A verification report: the verdict, every problem, each evidence and derived file; the raw report on demand. */
function Verification({ report }: { report: VerifyReport }) {
  const rows = [...report.evidence, ...report.derived];
  return (
    <div data-testid="case-verification">
      <h3>Verification</h3>
      <div className={report.ok ? 'ok' : 'danger'}>
        <strong>{report.ok ? 'Verified' : 'VERIFICATION FAILED'}</strong>
        {report.time ? <span className="muted"> at {visible(report.time)}</span> : null}
      </div>
      {[...report.problems, ...report.chain.problems, ...report.caseFile.problems].map((p) => (
        <div key={p} className="danger mono">✕ {visible(p)}</div>
      ))}
      {report.warnings.map((w) => (
        <div key={w} className="muted mono">! {visible(w)}</div>
      ))}
      <table className="data" style={{ marginTop: 6 }}>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td className={r.ok ? 'ok' : 'danger'}>{r.ok ? '✓' : '✕'}</td>
              <td className="mono">{visible(r.id)}</td>
              <td className="mono wrap">{visible(r.path)}</td>
              <td className="mono wrap danger">{r.problems.map(visible).join('; ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <details>
        <summary className="muted">Full report (JSON)</summary>
        <pre className="mono" style={{ whiteSpace: 'pre-wrap' }}>{visibleLines(JSON.stringify(report, null, 2))}</pre>
      </details>
    </div>
  );
}

/** The evidence case: open or create it, add the archive, verify, notes, and the report. */
export function CasePanel() {
  const { caseInfo, openCase, addEvidence, verifyCase, verification, writeReport, lastReport, session } = useKensaShallow((s) => ({
    caseInfo: s.caseInfo,
    openCase: s.openCase,
    addEvidence: s.addEvidence,
    verifyCase: s.verifyCase,
    verification: s.verification,
    writeReport: s.writeReport,
    lastReport: s.lastReport,
    session: s.session,
  }));
  const caps = useKensa((s) => s.hello?.capabilities);
  const client = useKensa((s) => s.client);
  const [openError, setOpenError] = useState<ApiError | null>(null);
  const openCaseReport = async (name: string): Promise<void> => {
    const r = await client.openCaseReport({ name });
    setOpenError(r.ok ? null : r.error);
  };
  const store = useKensaStore();
  /** A note opens its location: the process, thread, bytes, file or socket it is about. */
  const goToNote = async (t: NoteTarget): Promise<void> => {
    const s = store.getState();
    switch (t.kind) {
      case 'process':
        await s.selectProcess(t.pid);
        s.setPanel('processes');
        return;
      case 'thread':
      case 'python-frame':
        await s.selectProcess(t.pid);
        s.selectThread(t.tid);
        s.setPanel('threads');
        return;
      case 'memory':
      case 'search-hit':
      case 'yara-match':
        await s.showAddress(t.pid, BigInt(t.address), t.length);
        return;
      case 'file':
        s.setPanel('files');
        void s.openFile(t.member);
        return;
      case 'socket': {
        if (t.pid !== undefined) await s.selectProcess(t.pid);
        s.setPanel('network');
        // the socket itself in detail, when the list holds it (a note names it by inode)
        await store.getState().ensureDetail('sockets');
        const hit = store.getState().sockets.value?.find((x) => x.inode === t.inode && (t.pid === undefined || x.pid === t.pid));
        if (hit) await store.getState().selectSocket(hit.pid, hit.fd);
        return;
      }
    }
  };
  const [dir, setDir] = useState('');
  const [create, setCreate] = useState(true);
  const [analyst, setAnalyst] = useState('');
  const [title, setTitle] = useState('');
  if (caps && !caps.evidenceCase) return <div data-testid="panel-case"><PanelTitle title="Case & report" /><div className="muted">Evidence cases are not available in this build of Kensa.</div></div>;
  const c = caseInfo.value;
  return (
    <div data-testid="panel-case">
      <PanelTitle title="Case & report" sub={c?.open ? visible(c.dir) : 'no case open'} />
      {caseInfo.status === 'error' && caseInfo.error ? <ErrorMessage error={caseInfo.error} /> : null}
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          if (dir.trim()) void openCase(dir.trim(), create, analyst, title);
        }}
      >
        <h3>{c?.open ? 'Open another case' : 'Open or create a case'}</h3>
        <div className="row" style={{ flexWrap: 'wrap' }}>
          <input type="text" aria-label="Case folder" placeholder="/path/to/case-folder" value={dir} onChange={(e) => setDir(e.target.value)} style={{ flex: 1, minWidth: 260 }} />
          <label>
            <input type="checkbox" checked={create} onChange={(e) => setCreate(e.target.checked)} /> create when new
          </label>
          <input type="text" aria-label="Analyst" placeholder="analyst" value={analyst} onChange={(e) => setAnalyst(e.target.value)} style={{ width: 130 }} />
          <input type="text" aria-label="Title" placeholder="title" value={title} onChange={(e) => setTitle(e.target.value)} style={{ width: 160 }} />
          <button type="submit" className="primary" disabled={!dir.trim()}>
            Open
          </button>
        </div>
      </form>
      {c?.open ? (
        <>
          <h3>Case</h3>
          <KeyValue rows={[['Folder', visible(c.dir)], ['ID', <span className="mono">{c.id}</span>], ['Evidence', String(c.evidence.length)], ['Notes', String(c.notes.length)]]} />
          <div className="row" style={{ marginTop: 8, flexWrap: 'wrap' }}>
            <button onClick={() => void addEvidence()} disabled={!session || c.archiveInCase}>
              {c.archiveInCase ? 'Open archive is in the case' : 'Add the open archive (hash it)'}
            </button>
            <button onClick={() => void verifyCase()}>Verify hashes and custody log</button>
            {caps?.report ? (
              <>
                <button onClick={() => void writeReport('html')}>Report: HTML</button>
                <button onClick={() => void writeReport('pdf')}>PDF</button>
                <button onClick={() => void writeReport('json')}>JSON</button>
              </>
            ) : (
              <span className="muted">Reports are not available in this build.</span>
            )}
          </div>
          {lastReport ? (
            <div className="notice-box" style={{ marginTop: 8 }}>
              Report written: <span className="mono">{visible(lastReport.path)}</span> (SHA-256 <span className="mono">{lastReport.sha256}</span>)
              {lastReport.reportName !== undefined ? (
                caps?.openReport ? (
                  <>
                    {' '}
                    <button className="link" data-testid="report-open" onClick={() => void openCaseReport(lastReport.reportName!)}>
                      Open the report
                    </button>
                  </>
                ) : caps?.transport === 'websocket' ? (
                  <>
                    {' '}
                    <a data-testid="report-link" href={`/case-reports/${encodeURIComponent(lastReport.reportName)}`} target="_blank" rel="noopener noreferrer">
                      Open the report
                    </a>
                  </>
                ) : null
              ) : null}
            </div>
          ) : null}
          {openError ? <ErrorMessage context="Opening the report" error={openError} /> : null}
          {verification.status === 'ready' && verification.value ? <Verification report={verification.value} /> : null}
          {verification.status === 'error' && verification.error ? <ErrorMessage context="Verification" error={verification.error} /> : null}
          <h3>Evidence</h3>
          <table className="data">
            <tbody>
              {c.evidence.map((e, i) => (
                <tr key={i} className={e.id === c.archiveEvidenceId ? 'sel' : undefined} data-evidence={visible(e.id)}>
                  <td className="mono">{visible(e.id)}{e.id === c.archiveEvidenceId ? ' (open)' : ''}</td>
                  <td className="mono wrap">{visible(e.path)}</td>
                  <td className="mono wrap">{visible(e.sha256)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Notes</h3>
          {c.notes.length === 0 ? <div className="muted" data-testid="case-notes-empty">No notes yet: "+ Report" on a process, thread, frame, socket, file or memory selection adds one.</div> : null}
          <table className="data" data-testid="case-notes">
            <tbody>
              {c.notes.map((n, i) => (
                <tr key={i}>
                  <td className="mono">{visible(n.id)}</td>
                  <td className="mono" title="the evidence this note is about">{visible(n.evidenceId)}</td>
                  <td className="wrap">
                    {n.evidenceId === c.archiveEvidenceId ? (
                      <button className="link" data-testid="note-go" title="Show this in its panel" onClick={() => void goToNote(n.target as NoteTarget)}>
                        {noteTargetText(n.target)}
                      </button>
                    ) : (
                      <span title={`open evidence ${visible(String(n.evidenceId ?? ''))} to go there`}>{noteTargetText(n.target)}</span>
                    )}
                  </td>
                  <td className="wrap">{visible(n.text)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}
