import { useMemo } from 'react';
import type { KeyboardEvent } from 'react';
import { useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { NoteButton } from '../components/NoteButton';
import { visible } from '../util/text';
import { treeOrder } from './tree-order';
import { CsvButtons } from '../components/CsvButtons';
import { ProcessDetailsView } from './ProcessDetailsView';
import { FilterBox, useTableView, useVirtualRows, VirtualTable } from '../components/TableView';

/** The process tree: selecting a process drives every other panel. Sorting by a column leaves tree order. */
export function ProcessPanel() {
  const { processes, selectedPid, selectProcess, setPanel } = useKensaShallow((s) => ({ processes: s.processes, selectedPid: s.selectedPid, selectProcess: s.selectProcess, setPanel: s.setPanel }));
  const ordered = useMemo(() => treeOrder(processes.value ?? []), [processes.value]);
  const table = useTableView(ordered, [(r) => r.p.pid, (r) => r.p.ppid, (r) => visible(r.p.comm), (r) => (r.p.cmdline !== undefined ? visible(r.p.cmdline) : ''), (r) => r.p.threads, (r) => r.p.uid ?? -1, (r) => r.p.state]);
  const virtual = useVirtualRows(table.rows.length, 26);
  const rows = table.rows;
  const onKey = (e: KeyboardEvent<HTMLTableSectionElement>): void => {
    const i = rows.findIndex((r) => r.p.pid === selectedPid);
    let next = i;
    if (e.key === 'ArrowDown') next = Math.min(rows.length - 1, i + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, i - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = rows.length - 1;
    else if (e.key === 'Enter' && i >= 0) {
      setPanel('threads');
      return;
    } else return;
    e.preventDefault();
    if (!rows[next]) return;
    const pid = rows[next].p.pid;
    void selectProcess(pid);
    virtual.virtualizer.scrollToIndex(next);
    requestAnimationFrame(() => (virtual.scrollRef.current?.querySelector(`tr[data-pid="${pid}"]`) as HTMLElement | null)?.focus());
  };
  return (
    <div data-testid="panel-processes">
      <PanelTitle title="Process tree" sub="select a process: threads, memory, files and gdb follow it">
        {processes.value?.length ? (
          <>
            <FilterBox view={table} what="processes" />
            <CsvButtons name="processes" header={['pid', 'ppid', 'pgid', 'sid', 'command', 'command line', 'threads', 'uid', 'gid', 'state']} rows={() => (processes.value ?? []).map((p) => [p.pid, p.ppid, p.pgid, p.sid, visible(p.comm), p.cmdline !== undefined ? visible(p.cmdline) : '', p.threads, p.uid ?? '', p.gid ?? '', p.state])} />
          </>
        ) : null}
      </PanelTitle>
      <LoadView load={processes} what="the process tree">
        {() => (
          <VirtualTable
            rows={rows}
            virtual={virtual}
            testId="process-table"
            columns={8}
            maxHeight="45vh"
            onKeyDown={onKey}
            head={
              <>
                {table.header('PID', 0)}
                {table.header('PPID', 1)}
                {table.header('Command', 2)}
                {table.header('Command line', 3)}
                {table.header('Threads', 4)}
                {table.header('UID', 5)}
                {table.header('State', 6)}
                <th />
              </>
            }
            row={({ p, prefix }, index, measure) => (
              <tr
                key={p.pid}
                {...measure}
                className="selectable"
                data-pid={p.pid}
                tabIndex={p.pid === selectedPid || (selectedPid === null && index === 0) ? 0 : -1}
                aria-selected={p.pid === selectedPid}
                onClick={() => void selectProcess(p.pid)}
                onDoubleClick={() => setPanel('threads')}
              >
                <td className="mono">{p.pid}</td>
                <td className="mono">{p.ppid}</td>
                <td className="mono">
                  {table.sorted ? null : <span className="tree-indent">{prefix}</span>}
                  <span className="comm">{visible(p.comm)}</span>
                </td>
                <td className="mono wrap cmdline">{p.cmdline !== undefined ? visible(p.cmdline) : <span className="muted">not readable</span>}</td>
                <td className="mono" title={`thread ids: ${p.tids.join(', ')}`}>
                  {p.tids.length}
                  {p.tids.length > 1 || p.tids[0] !== p.pid ? <span className="muted"> ({p.tids.length > 4 ? `${p.tids.slice(0, 4).join(', ')}, …` : p.tids.join(', ')})</span> : null}
                </td>
                <td className="mono">{p.uid ?? ''}</td>
                <td>{p.state}</td>
                <td>
                  <NoteButton target={{ kind: 'process', pid: p.pid }} label={`process ${p.pid} (${visible(p.comm)})`} />
                </td>
              </tr>
            )}
          />
        )}
      </LoadView>
      {selectedPid !== null ? <ProcessDetailsView pid={selectedPid} /> : null}
    </div>
  );
}
