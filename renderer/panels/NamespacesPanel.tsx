import { useEffect } from 'react';
import { useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { KeyValue } from '../components/KeyValue';
import { visible } from '../util/text';
import { Problems } from '../components/Problems';
import { FilterBox, useTableView, useVirtualRows, VirtualTable } from '../components/TableView';

/** Namespaces: the CRIU namespace and object ids of every process (equal ids: shared), and the UTS names. */
export function NamespacesPanel() {
  const { namespaces, ensureDetail } = useKensaShallow((s) => ({ namespaces: s.namespaces, ensureDetail: s.ensureDetail }));
  useEffect(() => {
    void ensureDetail('namespaces');
  }, [ensureDetail, namespaces.status]);
  const processes = namespaces.value?.processes ?? [];
  // Namespace kinds first, then the other shared objects (files, fs, sighand, …).
  const keys = [...new Set(processes.flatMap((p) => Object.keys(p.ids)))].sort((a, b) => Number(b.endsWith('_ns')) - Number(a.endsWith('_ns')) || a.localeCompare(b));
  const table = useTableView(processes, [(p) => p.pid, (p) => visible(p.comm), ...keys.map((k) => (p: (typeof processes)[number]) => p.ids[k] ?? -1)]);
  // One row per process: a checkpoint of tens of thousands of processes draws only the rows on screen.
  const virtual = useVirtualRows(table.rows.length);
  return (
    <div data-testid="panel-namespaces">
      <PanelTitle title="Namespaces" sub="CRIU ids: processes with the same id share the namespace or object" />
      <Problems members={[/^ids-\d+\.img$/, /^utsns-\d+\.img$/]} />
      <LoadView load={namespaces} what="namespaces">
        {(n) => (
          <>
            <KeyValue rows={[['UTS nodename', visible(n.uts.nodename)], ['UTS domainname', visible(n.uts.domainname)]]} />
            <h3>
              Processes <FilterBox view={table} what="processes" />
            </h3>
            <VirtualTable
              rows={table.rows}
              virtual={virtual}
              testId="ns-table"
              columns={2 + keys.length}
              head={
                <>
                  {table.header('PID', 0)}
                  {table.header('Command', 1)}
                  {keys.map((k, i) => table.header(k.replace(/_ns$/, ''), 2 + i))}
                </>
              }
              row={(p, _i, measure) => (
                <tr key={p.pid} {...measure}>
                  <td className="mono">{p.pid}</td>
                  <td className="mono">{visible(p.comm)}</td>
                  {keys.map((k) => (
                    <td key={k} className="mono">
                      {p.ids[k] ?? ''}
                    </td>
                  ))}
                </tr>
              )}
            />
          </>
        )}
      </LoadView>
    </div>
  );
}
