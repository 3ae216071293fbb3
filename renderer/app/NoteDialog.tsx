import { useEffect, useRef } from 'react';
import { useKensaShallow } from '../stores/hooks';
import { visible } from '../util/text';
import { noteTargetText } from '../util/note-target';

/**
 * "Add to report": a note about one target, saved in the open case. It always names the evidence it is
 * about; when the open archive is not in the case it says so and offers to add it first. The text lives in
 * the store, so switching panels (Alt+key) does not lose it; Ctrl+Enter saves, Escape cancels.
 */
export function NoteDialog() {
  const { draft, cancelNote, saveNote, setNoteText, caseInfo, setPanel, addEvidence, session } = useKensaShallow((s) => ({
    draft: s.noteDraft,
    cancelNote: s.cancelNote,
    saveNote: s.saveNote,
    setNoteText: s.setNoteText,
    caseInfo: s.caseInfo,
    setPanel: s.setPanel,
    addEvidence: s.addEvidence,
    session: s.session,
  }));
  const ref = useRef<HTMLTextAreaElement>(null);
  const target = draft?.target;
  useEffect(() => {
    ref.current?.focus();
  }, [target]);
  if (!draft) return null;
  const c = caseInfo.value;
  const text = draft.text;
  const moved = draft.archive !== session?.archive;
  const canSave = Boolean(c?.open && draft.evidenceId && !moved && text.trim());
  const save = (): void => {
    if (canSave) void saveNote(text.trim());
  };
  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === 'Escape' && cancelNote()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Add to report">
        <strong>Add to report: {visible(draft.label)}</strong>
        <div className="muted" data-testid="note-target">{noteTargetText(draft.target)}</div>
        {c?.open ? (
          <>
            {moved ? (
              <div className="danger" data-testid="note-evidence">
                This note was begun on {visible(draft.archive ?? 'no archive')}, which is no longer open: it cannot be saved against the archive open now.
              </div>
            ) : draft.evidenceId ? (
              <div data-testid="note-evidence">
                About evidence <strong className="mono">{draft.evidenceId}</strong> of case <span className="mono">{c.id}</span>: <span className="mono">{visible(draft.archive ?? '')}</span>
              </div>
            ) : (
              <div className="danger" data-testid="note-evidence">
                The open archive <span className="mono">{visible(session?.archive ?? '')}</span> is not evidence in case <span className="mono">{c.id}</span>. Add it (it is hashed and
                recorded) before noting anything about it.{' '}
                <button onClick={() => void addEvidence()}>Add the open archive to the case</button>
              </div>
            )}
            <textarea
              ref={ref}
              aria-label="Note"
              placeholder="What this shows, why it matters (Ctrl+Enter saves)"
              value={text}
              onChange={(e) => setNoteText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  save();
                }
              }}
            />
            <div className="row" style={{ justifyContent: 'flex-end' }}>
              <button onClick={cancelNote}>Cancel</button>
              <button className="primary" disabled={!canSave} onClick={save} title="Ctrl+Enter">
                Save note
              </button>
            </div>
          </>
        ) : (
          <>
            <div>No case is open. Open or create a case first; notes and the report live in the case folder.</div>
            <div className="row" style={{ justifyContent: 'flex-end' }}>
              <button onClick={cancelNote}>Cancel</button>
              <button
                className="primary"
                onClick={() => {
                  cancelNote();
                  setPanel('case');
                }}
              >
                Go to Case
              </button>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
