import type { KeyboardEvent } from 'react';
import { useKensaShallow } from '../../stores/hooks';
import { ErrorMessage } from '../../components/ErrorMessage';
import { NoteButton } from '../../components/NoteButton';
import { bytesToAscii, formatBytes, hexToBytes, visible } from '../../util/text';

function patternLabel(p: { text?: string; hex?: string; regex?: string }): string {
  return p.text !== undefined ? `text "${p.text}"` : p.hex !== undefined ? `hex ${p.hex}` : `regex /${p.regex}/`;
}

/** Every hit of the last search; a click (or Enter) shows it in the hex view with its bytes selected. */
export function SearchResults() {
  const { search, openHit } = useKensaShallow((s) => ({ search: s.search, openHit: s.openHit }));
  if (search.status === 'idle') return null;
  if (search.status === 'error' && search.error) return <div className="results"><ErrorMessage context="Search" error={search.error} /></div>;
  if (search.status === 'cancelled') return <div className="results muted" style={{ padding: 6 }}>Search cancelled.</div>;
  if (search.status === 'running' || !search.result) return <div className="results loading" style={{ padding: 6 }}>Searching…</div>;
  const { hits, truncated, scanned } = search.result;
  const label = search.request ? patternLabel(search.request.pattern as { text?: string; hex?: string; regex?: string }) : '';
  const onKey = (e: KeyboardEvent<HTMLTableSectionElement>): void => {
    const i = search.activeHit ?? -1;
    const next = e.key === 'ArrowDown' ? Math.min(hits.length - 1, i + 1) : e.key === 'ArrowUp' ? Math.max(0, i - 1) : -2;
    if (next === -2) return;
    e.preventDefault();
    void openHit(next);
    (e.currentTarget.querySelectorAll('tr')[next] as HTMLElement | undefined)?.focus();
  };
  return (
    <div className="results" data-testid="search-results">
      <div className="muted" style={{ padding: '3px 8px' }} data-testid="search-summary">
        {hits.length} hit{hits.length === 1 ? '' : 's'} for {visible(label)}
        {truncated ? ' (stopped at the hit limit)' : ''}
        {scanned ? `, ${formatBytes(scanned)} scanned` : ''}
      </div>
      {hits.length ? (
        <table className="data">
          <thead>
            <tr>
              <th>PID</th>
              <th>Address</th>
              <th>VMA</th>
              <th>Origin</th>
              <th>Context</th>
              <th />
            </tr>
          </thead>
          <tbody onKeyDown={onKey}>
            {hits.map((h, i) => (
              <tr key={`${h.pid}:${h.address}`} className="selectable" data-hit={i} data-pid={h.pid} data-address={h.address} tabIndex={i === (search.activeHit ?? 0) ? 0 : -1} aria-selected={i === search.activeHit} onClick={() => void openHit(i)}>
                <td className="mono">{h.pid}</td>
                <td className="mono">{h.address}</td>
                <td className="mono">
                  {h.vma.perms} {visible(h.vma.name) || `[${h.vma.kind}]`}
                </td>
                <td title={h.member !== undefined ? `${h.member}${h.memberOffset !== undefined ? ` at offset ${h.memberOffset}` : ''}` : undefined}>
                  {h.origin}
                  {h.member !== undefined ? <div className="muted">{visible(h.member)}{h.memberOffset !== undefined ? ` @ 0x${h.memberOffset.toString(16)}` : ''}</div> : null}
                </td>
                <td className="mono">
                  <span className="muted">{bytesToAscii(hexToBytes(h.before))}</span>
                  <mark>{bytesToAscii(hexToBytes(h.match))}</mark>
                  <span className="muted">{bytesToAscii(hexToBytes(h.after))}</span>
                </td>
                <td>
                  <NoteButton target={{ kind: 'search-hit', pid: h.pid, address: h.address, length: h.length, pattern: label }} label={`search hit at ${h.address} in process ${h.pid}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
