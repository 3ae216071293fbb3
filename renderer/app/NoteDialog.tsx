import { useEffect, useRef, useState } from 'react';
import { useKensaShallow } from '../stores/hooks';
import { visible } from '../util/text';

/** "Add to report": a note about one target, saved in the open case. */
export function NoteDialog() {
  const { draft, cancelNote, saveNote, caseInfo, setPanel } = useKensaShallow((s) => ({ draft: s.noteDraft, cancelNote: s.cancelNote, saveNote: s.saveNote, caseInfo: s.caseInfo, setPanel: s.setPanel }));
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    setText('');
    ref.current?.focus();
  }, [draft]);
  if (!draft) return null;
  const open = caseInfo.value?.open;
  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === 'Escape' && cancelNote()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Add to report">
        <strong>Add to report: {visible(draft.label)}</strong>
        {open ? (
          <>
            <textarea ref={ref} aria-label="Note" placeholder="What this shows, why it matters" value={text} onChange={(e) => setText(e.target.value)} />
            <div className="row" style={{ justifyContent: 'flex-end' }}>
              <button onClick={cancelNote}>Cancel</button>
              <button className="primary" disabled={!text.trim()} onClick={() => void saveNote(text.trim())}>
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
