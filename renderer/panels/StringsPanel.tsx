import { useState } from 'react';
import type { FormEvent } from 'react';
import type { Result, StringsResult } from '#shared/api/contract';
import { useKensaShallow } from '../stores/hooks';
import { PanelTitle } from '../components/PanelTitle';
import { ErrorMessage } from '../components/ErrorMessage';
import { CsvButtons } from '../components/CsvButtons';
import { FilterBox, useTableView, useVirtualRows, VirtualTable } from '../components/TableView';
import { visible } from '../util/text';
import { usePanelMemory } from '../util/panel-memory';

/**
 * Strings of the selected process (`kensa strings` in the workstation): the scan's own filter (text the
 * strings must hold, applied before the limit), the shortest length and UTF-16; then the table sorts, filters
 * again as you type, copies and exports; a string opens the hex view at its address.
 */
export function StringsPanel() {
  const { selectedPid, runTask, client, showAddress, openedAt } = useKensaShallow((s) => ({ selectedPid: s.selectedPid, runTask: s.runTask, client: s.client, showAddress: s.showAddress, openedAt: s.session?.openedAt }));
  // The form and the last listing stay while another panel is shown (per archive; a listing is per process).
  const scope = openedAt !== undefined ? String(openedAt) : undefined;
  const [min, setMin] = usePanelMemory(scope, 'strings.min', 6);
  const [utf16, setUtf16] = usePanelMemory(scope, 'strings.utf16', false);
  const [scanFilter, setScanFilter] = usePanelMemory(scope, 'strings.filter', '');
  const [last, setLast] = usePanelMemory<{ pid: number; result: Result<StringsResult> } | null>(scope, 'strings.result', null);
  const result = last && last.pid === selectedPid ? last.result : null;
  const [running, setRunning] = useState(false);
  const list = result?.ok && result.value.pid === selectedPid ? result.value.strings : [];
  const table = useTableView(list, [(s) => s.address, (s) => s.text.length, (s) => visible(s.text), (s) => s.encoding]);
  const virtual = useVirtualRows(table.rows.length, 22);
  const run = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (selectedPid === null) return;
    setRunning(true);
    const pid = selectedPid;
    const r = await runTask(`Strings of process ${pid}`, (taskId) => client.strings({ pid, min, utf16, ...(scanFilter ? { filter: scanFilter } : {}), taskId }));
    setRunning(false);
    setLast({ pid, result: r });
  };
  return (
    <div data-testid="panel-strings">
      <PanelTitle title="Strings" sub={selectedPid === null ? 'select a process first' : `process ${selectedPid}`}>
        {list.length ? <CsvButtons name="strings" header={['address', 'length', 'encoding', 'text']} rows={() => list.map((s) => [s.address, s.text.length, s.encoding, visible(s.text)])} /> : null}
      </PanelTitle>
      <form className="row" data-testid="strings-form" onSubmit={(e) => void run(e)} style={{ gap: 8, flexWrap: 'wrap', alignItems: 'center', marginBottom: 6 }}>
        <input type="search" aria-label="Strings holding" placeholder="strings holding (optional)" style={{ width: 220 }} value={scanFilter} onChange={(e) => setScanFilter(e.target.value)} />
        <label>
          shortest <input type="number" aria-label="Shortest string" min={1} max={65536} value={min} onChange={(e) => setMin(Math.max(1, Math.min(65536, Number(e.target.value) || 1)))} style={{ width: 70 }} />
        </label>
        <label>
          <input type="checkbox" aria-label="UTF-16" checked={utf16} onChange={(e) => setUtf16(e.target.checked)} /> UTF-16LE
        </label>
        <button type="submit" disabled={selectedPid === null || running}>
          {running ? 'Reading…' : 'List strings'}
        </button>
      </form>
      {!result && !running ? (
        <div className="empty" data-testid="strings-empty">
          {selectedPid === null ? 'Select a process in the process tree first.' : `List strings reads the printable text in the memory of process ${selectedPid}; "strings holding" narrows the scan before its limit.`}
        </div>
      ) : null}
      {result && !result.ok ? <ErrorMessage context="Strings" error={result.error} /> : null}
      {result?.ok ? (
        <div className="muted" data-testid="strings-summary" style={{ marginBottom: 4 }}>
          {result.value.strings.length} string{result.value.strings.length === 1 ? '' : 's'} in process {result.value.pid}
          {result.value.truncated ? ' (stopped at the limit: narrow with "strings holding")' : ''} <FilterBox view={table} what="strings" />
          {table.filter ? ` ${table.rows.length} shown` : ''}
        </div>
      ) : null}
      {list.length ? (
        <VirtualTable
          rows={table.rows}
          virtual={virtual}
          testId="strings-table"
          columns={4}
          maxHeight="calc(100vh - 260px)"
          head={
            <>
              {table.header('Address', 0)}
              {table.header('Length', 1)}
              {table.header('Text', 2)}
              {table.header('Encoding', 3)}
            </>
          }
          row={(s, _i, measure) => (
            <tr key={s.address} {...measure} className="selectable" data-address={s.address} title="Open in the hex view" onClick={() => selectedPid !== null && void showAddress(selectedPid, BigInt(s.address), s.encoding === 'utf16le' ? s.text.length * 2 : s.text.length)}>
              <td className="mono">{s.address}</td>
              <td className="mono">{s.text.length}</td>
              <td className="mono wrap">{visible(s.text)}</td>
              <td>{s.encoding}</td>
            </tr>
          )}
        />
      ) : null}
    </div>
  );
}
