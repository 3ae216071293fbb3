import { useEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent, ReactElement } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { formatBytes, visible } from '../util/text';
import { urlDecode } from '#shared/format';
import { logMessage } from '../util/log-line';

const LINE_HEIGHT = 18;

/** A line as shown: URL-decoded when asked, tabs kept, the rest made visible (escapeText). */
function shownLine(raw: string, decode: boolean): string {
  return (decode ? urlDecode(raw) : raw).replace(/\r$/, '').split('\t').map(visible).join('\t');
}

/** The line with every case-insensitive occurrence of `query` marked. */
function Marked({ text, query }: { text: string; query: string }) {
  if (!query) return <>{text}</>;
  const lower = text.toLowerCase();
  const parts: ReactElement[] = [];
  let at = 0;
  for (let i = lower.indexOf(query); i >= 0; i = lower.indexOf(query, i + query.length)) {
    parts.push(<span key={`t${at}`}>{text.slice(at, i)}</span>, <mark key={`m${i}`}>{text.slice(i, i + query.length)}</mark>);
    at = i + query.length;
  }
  parts.push(<span key={`t${at}`}>{text.slice(at)}</span>);
  return <>{parts}</>;
}

/**
 * Logs: CRIU's dump.log and the container's log, line by line (virtualized: a log of a million lines costs
 * what 40 do). Search keeps the lines holding the text (ignoring case) and marks it; URL-decoding shows
 * `%2F`-escaped request lines as text; a selected line (click, arrows) can be searched for in memory.
 */
export function LogsPanel() {
  const { logs, ensureDetail, searchMemoryFor } = useKensaShallow((s) => ({ logs: s.logs, ensureDetail: s.ensureDetail, searchMemoryFor: s.searchMemoryFor }));
  const [active, setActive] = useState(0);
  const [query, setQuery] = useState('');
  const [decode, setDecode] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    void ensureDetail('logs');
  }, [ensureDetail, logs.status]);
  const list = logs.value ?? [];
  const log = list.length ? list[Math.min(active, list.length - 1)] : undefined;
  // A log ends with a newline: no empty line after the last one.
  const lines = useMemo(() => (log ? log.text.replace(/\n$/, '').split('\n').map((raw) => shownLine(raw, decode)) : []), [log, decode]);
  const needle = query.trim().toLowerCase();
  // Line numbers (0-based) of the lines shown: all, or those holding the search text.
  const shown = useMemo(() => {
    const all = lines.map((_, i) => i);
    return needle ? all.filter((i) => lines[i].toLowerCase().includes(needle)) : all;
  }, [lines, needle]);
  const virtualizer = useVirtualizer({ count: shown.length, getScrollElement: () => scrollRef.current, estimateSize: () => LINE_HEIGHT, overscan: 20 });
  const select = (viewIndex: number): void => {
    setSelected(shown[viewIndex]);
    virtualizer.scrollToIndex(viewIndex);
  };
  // The message as shown (decoded when asked), without the writer's prefix: that is what a process held.
  const searchLine = (n: number): void => void searchMemoryFor(logMessage(lines[n]));
  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const i = selected === null ? -1 : shown.indexOf(selected);
    const next = e.key === 'ArrowDown' ? Math.min(shown.length - 1, i + 1) : e.key === 'ArrowUp' ? Math.max(0, i - 1) : e.key === 'Enter' && selected !== null ? -3 : -2;
    if (next === -3) searchLine(selected!);
    if (next < 0) return;
    e.preventDefault();
    select(next);
  };
  return (
    <div className="logs" data-testid="panel-logs">
      <PanelTitle title="Logs" />
      <LoadView load={logs} what="logs">
        {(all) => {
          if (!all.length || !log) return <div className="muted">This checkpoint carries no dump.log and no container log.</div>;
          return (
            <>
              <div className="tabs" role="tablist">
                {all.map((l, i) => (
                  <button
                    key={l.member}
                    role="tab"
                    aria-selected={l === log}
                    onClick={() => {
                      setActive(i);
                      setSelected(null);
                    }}
                  >
                    {visible(l.name)} <span className="muted">{formatBytes(l.size)}</span>
                  </button>
                ))}
              </div>
              <div className="log-tools">
                <input type="search" aria-label="Search the log" placeholder="search the log" value={query} onChange={(e) => setQuery(e.target.value)} />
                <label>
                  <input type="checkbox" aria-label="URL-decode" checked={decode} onChange={(e) => setDecode(e.target.checked)} /> URL-decode
                </label>
                <span className="muted" data-testid="log-count">
                  {needle ? `${shown.length} of ${lines.length} lines` : `${lines.length} lines`}
                </span>
                <button data-testid="log-search-line" disabled={selected === null} title="Search every process's memory for the selected line's message, without the log's time stamp (Enter)" onClick={() => selected !== null && searchLine(selected)}>
                  Search memory for this line
                </button>
                <button
                  className="link"
                  data-testid="log-search-selection"
                  title="Select text in the log, then search every process's memory for it"
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => void searchMemoryFor(window.getSelection()?.toString() ?? '')}
                >
                  Search memory for the selected text
                </button>
                <span className="muted mono">
                  {visible(log.member)}
                  {log.truncated ? ` (first ${formatBytes(log.text.length)} shown)` : ''}
                </span>
              </div>
              <div ref={scrollRef} className="log-lines mono" data-testid="log-text" role="listbox" aria-label="Log lines" tabIndex={0} onKeyDown={onKey}>
                <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
                  {virtualizer.getVirtualItems().map((v) => {
                    const n = shown[v.index];
                    return (
                      <div
                        key={v.key}
                        className="log-line"
                        role="option"
                        data-line={n + 1}
                        aria-selected={n === selected}
                        style={{ position: 'absolute', top: 0, left: 0, right: 0, height: LINE_HEIGHT, transform: `translateY(${v.start}px)` }}
                        onClick={() => setSelected(n)}
                      >
                        <span className="line-no">{n + 1}</span>
                        <span className="text">
                          <Marked text={lines[n]} query={needle} />
                        </span>
                      </div>
                    );
                  })}
                </div>
              </div>
            </>
          );
        }}
      </LoadView>
    </div>
  );
}
