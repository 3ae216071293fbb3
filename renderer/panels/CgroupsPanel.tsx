import { useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { visible } from '../util/text';
import { Problems } from '../components/Problems';

/** cgroups of the selected process: controller -> path. */
export function CgroupsPanel() {
  const { cgroups, pid } = useKensaShallow((s) => ({ cgroups: s.cgroups, pid: s.selectedPid }));
  if (pid === null) return <div className="empty">Select a process in the process tree.</div>;
  return (
    <div data-testid="panel-cgroups">
      <PanelTitle title="cgroups" sub={`process ${pid}`} />
      <Problems members={['cgroup.img', `core-${pid}.img`]} />
      <LoadView load={cgroups} what="cgroups">
        {(list) =>
          list.length ? (
            <table className="data" data-testid="cgroup-table">
              <thead>
                <tr>
                  <th>Controller</th>
                  <th>Path</th>
                </tr>
              </thead>
              <tbody>
                {list.map((c) => (
                  <tr key={c.controller}>
                    <td className="mono">{visible(c.controller)}</td>
                    <td className="mono wrap">{visible(c.path)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <div className="muted">No cgroup image in this checkpoint.</div>
          )
        }
      </LoadView>
    </div>
  );
}
