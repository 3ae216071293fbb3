import { useEffect } from 'react';
import { useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { KeyValue } from '../components/KeyValue';
import { visible } from '../util/text';
import { Problems } from '../components/Problems';

/** Namespaces: the CRIU namespace and object ids of every process (equal ids: shared), and the UTS names. */
export function NamespacesPanel() {
  const { namespaces, ensureDetail } = useKensaShallow((s) => ({ namespaces: s.namespaces, ensureDetail: s.ensureDetail }));
  useEffect(() => {
    void ensureDetail('namespaces');
  }, [ensureDetail, namespaces.status]);
  return (
    <div data-testid="panel-namespaces">
      <PanelTitle title="Namespaces" sub="CRIU ids: processes with the same id share the namespace or object" />
      <Problems members={[/^ids-\d+\.img$/, /^utsns-\d+\.img$/]} />
      <LoadView load={namespaces} what="namespaces">
        {(n) => {
          const keys = [...new Set(n.processes.flatMap((p) => Object.keys(p.ids)))].sort((a, b) => Number(b.endsWith('_ns')) - Number(a.endsWith('_ns')) || a.localeCompare(b));
          return (
            <>
              <KeyValue rows={[['UTS nodename', visible(n.uts.nodename)], ['UTS domainname', visible(n.uts.domainname)]]} />
              <table className="data" style={{ marginTop: 10 }} data-testid="ns-table">
                <thead>
                  <tr>
                    <th>PID</th>
                    <th>Command</th>
                    {keys.map((k) => (
                      <th key={k}>{k.replace(/_ns$/, '')}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {n.processes.map((p) => (
                    <tr key={p.pid}>
                      <td className="mono">{p.pid}</td>
                      <td className="mono">{visible(p.comm)}</td>
                      {keys.map((k) => (
                        <td key={k} className="mono">
                          {p.ids[k] ?? ''}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          );
        }}
      </LoadView>
    </div>
  );
}
