import { useRef } from 'react';
import type { KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useKensaShallow } from '../../stores/hooks';
import { ErrorMessage } from '../../components/ErrorMessage';
import { NoteButton } from '../../components/NoteButton';
import { CsvButtons } from '../../components/CsvButtons';
import { FilterBox, useTableView } from '../../components/TableView';
import { bytesToAscii, formatBytes, hexToBytes, visible } from '../../util/text';

const ROW_HEIGHT = 22;

function patternLabel(p: { text?: string; hex?: string; regex?: string }): string {
  return p.text !== undefined ? `text "${p.text}"` : p.hex !== undefined ? `hex ${p.hex}` : `regex /${p.regex}/`;
}

/**
 * Every hit of the last search, streamed in while it runs; a click (or Enter) shows it in the hex view with
 * its bytes selected. Only the rows on screen exist (virtualized): 100,000 hits cost what 30 do.
 */
export function SearchResults() {
  const { search, openHit } = useKensaShallow((s) => ({ search: s.search, openHit: s.openHit }));
  const scrollRef = useRef<HTMLDivElement>(null);
  const hits = search.result?.hits ?? search.streamed ?? [];
  const table = useTableView(hits, [(h) => h.pid, (h) => h.address, (h) => `${h.vma.perms} ${visible(h.vma.name)}`, (h) => h.origin, (h) => bytesToAscii(hexToBytes(h.match))]);
  const shown = table.rows;
  // A hit's place in the search (what openHit and activeHit count) when the view is filtered or sorted.
  const hitIndex = (viewIndex: number): number => (shown === hits ? viewIndex : hits.indexOf(shown[viewIndex]));
  const active = search.activeHit !== undefined && search.activeHit !== null ? hits[search.activeHit] : undefined;
  const virtualizer = useVirtualizer({ count: shown.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 10 });
  if (search.status === 'idle') return null;
  if (search.status === 'error' && search.error) return <div className="results"><ErrorMessage context="Search" error={search.error} /></div>;
  if (search.status === 'cancelled') return <div className="results muted" style={{ padding: 6 }}>Search cancelled.</div>;
  const running = search.status === 'running';
  const label = search.request ? patternLabel(search.request.pattern as { text?: string; hex?: string; regex?: string }) : '';
  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const i = active ? shown.indexOf(active) : -1;
    const next = e.key === 'ArrowDown' ? Math.min(shown.length - 1, i + 1) : e.key === 'ArrowUp' ? Math.max(0, i - 1) : -2;
    if (next === -2) return;
    e.preventDefault();
    void openHit(hitIndex(next));
    virtualizer.scrollToIndex(next);
    requestAnimationFrame(() => (scrollRef.current?.querySelector(`[data-hit="${next}"]`) as HTMLElement | null)?.focus());
  };
  return (
    <div className="results" data-testid="search-results">
      {running ? (
        <div className="muted loading-inline" style={{ padding: '3px 8px' }} data-testid="search-progress">
          Searching {visible(label)}… {hits.length} hit{hits.length === 1 ? '' : 's'} so far
        </div>
      ) : (
        <div className="muted" style={{ padding: '3px 8px' }} data-testid="search-summary">
          {hits.length} hit{hits.length === 1 ? '' : 's'} for {visible(label)}
          {search.result?.truncated ? ' (stopped at the hit limit)' : ''}
          {search.result?.scanned ? `, ${formatBytes(search.result.scanned)} scanned` : ''}{' '}
          {hits.length ? <FilterBox view={table} what="hits" /> : null}{' '}
          {hits.length ? (
            <CsvButtons name="search-hits" header={['pid', 'address', 'length', 'vma start', 'vma perms', 'vma name', 'origin', 'member', 'member offset', 'match hex']} rows={() => hits.map((h) => [h.pid, h.address, h.length, h.vma.start, h.vma.perms, visible(h.vma.name), h.origin, h.member !== undefined ? visible(h.member) : '', h.memberOffset ?? '', h.match])} />
          ) : null}
        </div>
      )}
      {hits.length ? (
        <>
          <div className="hit-row hit-head">
            {table.cell('PID', 0)}
            {table.cell('Address', 1)}
            {table.cell('VMA', 2)}
            {table.cell('Origin', 3)}
            {table.cell('Context', 4)}
            <span />
          </div>
          <div ref={scrollRef} className="hit-list" onKeyDown={onKey} role="listbox" aria-label="Search hits">
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualizer.getVirtualItems().map((v) => {
                const h = shown[v.index];
                return (
                  <div
                    key={v.key}
                    className="hit-row selectable"
                    role="option"
                    data-hit={v.index}
                    data-pid={h.pid}
                    data-address={h.address}
                    tabIndex={h === (active ?? shown[0]) ? 0 : -1}
                    aria-selected={h === active}
                    style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
                    onClick={() => void openHit(hitIndex(v.index))}
                    onKeyDown={(e) => e.key === 'Enter' && void openHit(hitIndex(v.index))}
                  >
                    <span className="mono">{h.pid}</span>
                    <span className="mono">{h.address}</span>
                    <span className="mono" title={visible(h.vma.name)}>
                      {h.vma.perms} {visible(h.vma.name) || `[${h.vma.kind}]`}
                    </span>
                    <span title={h.member !== undefined ? `${visible(h.member)}${h.memberOffset !== undefined ? ` at offset ${h.memberOffset}` : ''}` : undefined}>{h.origin}</span>
                    <span className="mono">
                      <span className="muted">{bytesToAscii(hexToBytes(h.before))}</span>
                      <mark>{bytesToAscii(hexToBytes(h.match))}</mark>
                      <span className="muted">{bytesToAscii(hexToBytes(h.after))}</span>
                    </span>
                    <span>
                      <NoteButton target={{ kind: 'search-hit', pid: h.pid, address: h.address, length: h.length, pattern: label }} label={`search hit at ${h.address} in process ${h.pid}`} />
                    </span>
                  </div>
                );
              })}
            </div>
          </div>
        </>
      ) : null}
    </div>
  );
}
