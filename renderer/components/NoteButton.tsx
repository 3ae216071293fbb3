import type { NoteTarget } from '#shared/api/contract';
import { useKensa } from '../stores/hooks';

/** "Add to report": a note on this target in the open case (hidden when this build has no evidence cases). */
export function NoteButton({ target, label, title }: { target: NoteTarget; label: string; title?: string }) {
  const available = useKensa((s) => s.hello?.capabilities.evidenceCase ?? false);
  const beginNote = useKensa((s) => s.beginNote);
  if (!available) return null;
  return (
    <button className="note-btn" title={title ?? 'Add a note about this to the case report'} onClick={(e) => { e.stopPropagation(); beginNote(target, label); }}>
      + Report
    </button>
  );
}
