import { useKensaShallow } from '../stores/hooks';
import { ErrorMessage } from '../components/ErrorMessage';

/** Errors from actions (opening, searching, ...) as readable messages until dismissed. */
export function Notices() {
  const { notices, dismissNotice } = useKensaShallow((s) => ({ notices: s.notices, dismissNotice: s.dismissNotice }));
  if (!notices.length) return null;
  return (
    <div className="notices" data-testid="notices">
      {notices.map((n) => (
        <ErrorMessage key={n.id} context={n.context} error={n.error} onDismiss={() => dismissNotice(n.id)} />
      ))}
    </div>
  );
}
