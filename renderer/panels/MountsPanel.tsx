import { useEffect } from 'react';
import { useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { visible } from '../util/text';
import { Problems } from '../components/Problems';

/** Mounts: CRIU's mount tree, the engine's OCI mounts and bind mounts. */
export function MountsPanel() {
  const { mounts, ensureDetail } = useKensaShallow((s) => ({ mounts: s.mounts, ensureDetail: s.ensureDetail }));
  useEffect(() => {
    void ensureDetail('mounts');
  }, [ensureDetail, mounts.status]);
  return (
    <div data-testid="panel-mounts">
      <PanelTitle title="Mounts" />
      <Problems members={[/^mountpoints-\d+\.img$/, 'spec.dump', 'bind.mounts']} />
      <LoadView load={mounts} what="mounts">
        {(m) => (
          <>
            <h3>Mount tree ({m.mountpoints.length})</h3>
            <table className="data" data-testid="mount-table">
              <thead>
                <tr>
                  <th>ID</th>
                  <th>Parent</th>
                  <th>Mount point</th>
                  <th>Type</th>
                  <th>Source</th>
                  <th>Root</th>
                  <th>Options</th>
                  <th>External</th>
                </tr>
              </thead>
              <tbody>
                {m.mountpoints.map((x) => (
                  <tr key={x.mntId}>
                    <td className="mono">{x.mntId}</td>
                    <td className="mono">{x.parentMntId}</td>
                    <td className="mono wrap">{visible(x.mountpoint)}</td>
                    <td>{visible(x.fstype)}</td>
                    <td className="mono wrap">{visible(x.source)}</td>
                    <td className="mono wrap">{visible(x.root)}</td>
                    <td className="mono wrap">{visible(x.options)}</td>
                    <td className="mono wrap">{visible(x.external)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {m.oci.length ? (
              <>
                <h3>OCI mounts (spec.dump)</h3>
                <table className="data">
                  <thead>
                    <tr>
                      <th>Destination</th>
                      <th>Type</th>
                      <th>Source</th>
                      <th>Options</th>
                    </tr>
                  </thead>
                  <tbody>
                    {m.oci.map((x, i) => (
                      <tr key={i}>
                        <td className="mono wrap">{visible(x.destination)}</td>
                        <td>{visible(x.type)}</td>
                        <td className="mono wrap">{visible(x.source)}</td>
                        <td className="mono wrap">{(x.options ?? []).map(visible).join(',')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            ) : null}
            {m.bind.length ? (
              <>
                <h3>Bind mounts</h3>
                <table className="data">
                  <thead>
                    <tr>
                      <th>Source</th>
                      <th>Destination</th>
                      <th>Type</th>
                    </tr>
                  </thead>
                  <tbody>
                    {m.bind.map((x, i) => (
                      <tr key={i}>
                        <td className="mono wrap">{visible(x.source)}</td>
                        <td className="mono wrap">{visible(x.destination)}</td>
                        <td>{visible(x.fileType)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            ) : null}
          </>
        )}
      </LoadView>
    </div>
  );
}
