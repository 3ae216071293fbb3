import { useEffect, useState } from 'react';
import { useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { formatBytes, visible, visibleLines } from '../util/text';

/** Logs: CRIU's dump.log and the container's log, as text. */
export function LogsPanel() {
  const { logs, ensureDetail, searchMemoryFor } = useKensaShallow((s) => ({ logs: s.logs, ensureDetail: s.ensureDetail, searchMemoryFor: s.searchMemoryFor }));
  const [active, setActive] = useState(0);
  useEffect(() => {
    void ensureDetail('logs');
  }, [ensureDetail, logs.status]);
  return (
    <div className="logs" data-testid="panel-logs">
      <PanelTitle title="Logs" />
      <LoadView load={logs} what="logs">
        {(list) => {
          if (!list.length) return <div className="muted">This checkpoint carries no dump.log and no container log.</div>;
          const log = list[Math.min(active, list.length - 1)];
          return (
            <>
              <div className="tabs" role="tablist">
                {list.map((l, i) => (
                  <button key={l.member} role="tab" aria-selected={l === log} onClick={() => setActive(i)}>
                    {visible(l.name)} <span className="muted">{formatBytes(l.size)}</span>
                  </button>
                ))}
              </div>
              <div className="muted mono" style={{ marginBottom: 4 }}>
                <button
                  className="link"
                  data-testid="log-search-selection"
                  title="Select text in the log, then search every process's memory for it"
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => void searchMemoryFor((window.getSelection()?.toString() ?? '').trim().slice(0, 4096))}
                >
                  Search memory for the selected text
                </button>{' '}
                {visible(log.member)}
                {log.truncated ? ` (first ${formatBytes(log.text.length)} shown)` : ''}
              </div>
              <pre className="mono" data-testid="log-text">{visibleLines(log.text)}</pre>
            </>
          );
        }}
      </LoadView>
    </div>
  );
}
