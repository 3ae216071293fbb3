import { useRef } from 'react';
import type { KeyboardEvent } from 'react';
import { useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { NoteButton } from '../components/NoteButton';
import { visible } from '../util/text';
import { treeOrder } from './tree-order';
import { CsvButtons } from '../components/CsvButtons';
import { ProcessDetailsView } from './ProcessDetailsView';

/** The process tree: selecting a process drives every other panel. */
export function ProcessPanel() {
  const { processes, selectedPid, selectProcess, setPanel } = useKensaShallow((s) => ({ processes: s.processes, selectedPid: s.selectedPid, selectProcess: s.selectProcess, setPanel: s.setPanel }));
  const body = useRef<HTMLTableSectionElement>(null);
  return (
    <div data-testid="panel-processes">
      <PanelTitle title="Process tree" sub="select a process: threads, memory, files and gdb follow it">
        {processes.value?.length ? (
          <CsvButtons name="processes" header={['pid', 'ppid', 'pgid', 'sid', 'command', 'command line', 'threads', 'uid', 'gid', 'state']} rows={() => (processes.value ?? []).map((p) => [p.pid, p.ppid, p.pgid, p.sid, visible(p.comm), p.cmdline !== undefined ? visible(p.cmdline) : '', p.threads, p.uid ?? '', p.gid ?? '', p.state])} />
        ) : null}
      </PanelTitle>
      <LoadView load={processes} what="the process tree">
        {(list) => {
          const rows = treeOrder(list);
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
            if (rows[next]) {
              void selectProcess(rows[next].p.pid);
              (body.current?.querySelectorAll('tr')[next] as HTMLElement | undefined)?.focus();
            }
          };
          return (
            <table className="data" data-testid="process-table">
              <thead>
                <tr>
                  <th>PID</th>
                  <th>PPID</th>
                  <th>Command</th>
                  <th>Command line</th>
                  <th>Threads</th>
                  <th>UID</th>
                  <th>State</th>
                  <th />
                </tr>
              </thead>
              <tbody ref={body} onKeyDown={onKey}>
                {rows.map(({ p, prefix }) => (
                  <tr
                    key={p.pid}
                    className="selectable"
                    data-pid={p.pid}
                    tabIndex={p.pid === selectedPid || (selectedPid === null && p === rows[0].p) ? 0 : -1}
                    aria-selected={p.pid === selectedPid}
                    onClick={() => void selectProcess(p.pid)}
                    onDoubleClick={() => setPanel('threads')}
                  >
                    <td className="mono">{p.pid}</td>
                    <td className="mono">{p.ppid}</td>
                    <td className="mono">
                      <span className="tree-indent">{prefix}</span>
                      <span className="comm">{visible(p.comm)}</span>
                    </td>
                    <td className="mono wrap cmdline">{p.cmdline !== undefined ? visible(p.cmdline) : <span className="muted">not readable</span>}</td>
                    <td className="mono">{p.tids.join(', ')}</td>
                    <td className="mono">{p.uid ?? ''}</td>
                    <td>{p.state}</td>
                    <td>
                      <NoteButton target={{ kind: 'process', pid: p.pid }} label={`process ${p.pid} (${visible(p.comm)})`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </LoadView>
      {selectedPid !== null ? <ProcessDetailsView pid={selectedPid} /> : null}
    </div>
  );
}
