import { useKensaShallow } from '../stores/hooks';
import { formatBytes, visible } from '../util/text';

/** Long work in progress: a bar per task (determinate when the total is known) and its Cancel button. */
export function TaskBar() {
  const { tasks, cancelTask } = useKensaShallow((s) => ({ tasks: s.tasks, cancelTask: s.cancelTask }));
  if (!tasks.length) return null;
  return (
    <div className="taskbar" data-testid="taskbar" aria-live="polite">
      {tasks.map((t) => (
        <div key={t.taskId} className="task">
          <span>{visible(t.label)}</span>
          {t.total > 0 ? <progress max={t.total} value={Math.min(t.done, t.total)} /> : <progress />}
          <span className="muted">
            {t.phase}
            {t.done ? ` ${formatBytes(t.done)}` : ''}
            {t.total ? ` of ${formatBytes(t.total)}` : ''}
          </span>
          <button onClick={() => void cancelTask(t.taskId)}>Cancel</button>
        </div>
      ))}
    </div>
  );
}
