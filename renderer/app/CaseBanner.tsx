import { useKensaShallow } from '../stores/hooks';
import { visible } from '../util/text';

/** One line under the top bar: the case the work is recorded in, and whether it verified. */
export function CaseBanner() {
  const { caseInfo, verification, setPanel, verifyCase, addEvidence, session, available } = useKensaShallow((s) => ({
    addEvidence: s.addEvidence,
    session: s.session,
    caseInfo: s.caseInfo,
    verification: s.verification,
    setPanel: s.setPanel,
    verifyCase: s.verifyCase,
    available: s.hello?.capabilities.evidenceCase ?? false,
  }));
  if (!available) return <div className="banner">Evidence cases are not available in this build: notes and reports are off.</div>;
  const c = caseInfo.value;
  if (!c?.open) {
    return (
      <div className="banner" data-testid="case-banner">
        No case open: findings are not being recorded.
        <button className="link" onClick={() => setPanel('case')}>
          Open or create a case…
        </button>
      </div>
    );
  }
  const ok = verification.value?.ok;
  return (
    <div className={'banner' + (ok === true ? ' ok' : ok === false ? ' bad' : '')} data-testid="case-banner">
      Case <span className="mono">{c.id}</span> in <span className="mono">{visible(c.dir)}</span> · {c.evidence.length} evidence · {c.notes.length} note{c.notes.length === 1 ? '' : 's'}
      {!session ? (
        ' · no archive open'
      ) : c.archiveEvidenceId ? (
        <span data-testid="banner-evidence">
          {' · open archive: evidence '}
          <strong className="mono">{c.archiveEvidenceId}</strong>
        </span>
      ) : (
        <span className="danger" data-testid="banner-evidence">
          {' · the open archive is not in this case: notes about it cannot be saved '}
          <button className="link" onClick={() => void addEvidence()}>
            Add it to the case
          </button>
        </span>
      )}
      {ok === true ? ' · case verified' : ok === false ? ' · VERIFICATION FAILED' : ''}
      <button className="link" onClick={() => void verifyCase()}>
        Verify
      </button>
      <button className="link" onClick={() => setPanel('case')}>
        Details
      </button>
    </div>
  );
}
