import { useEffect } from 'react';
import { useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { visible } from '../util/text';
import { Problems } from '../components/Problems';
import { CsvButtons } from '../components/CsvButtons';
import { FilterBox, useTableView, useVirtualRows, VirtualTable } from '../components/TableView';

/** Mounts: CRIU's mount tree, the engine's OCI mounts and bind mounts. */
export function MountsPanel() {
  const { mounts, ensureDetail } = useKensaShallow((s) => ({ mounts: s.mounts, ensureDetail: s.ensureDetail }));
  useEffect(() => {
    void ensureDetail('mounts');
  }, [ensureDetail, mounts.status]);
  const table = useTableView(mounts.value?.mountpoints ?? [], [(x) => x.mntId, (x) => x.parentMntId, (x) => visible(x.mountpoint), (x) => visible(x.fstype), (x) => visible(x.source), (x) => visible(x.root), (x) => visible(x.options), (x) => visible(x.external)]);
  const virtual = useVirtualRows(table.rows.length);
  return (
    <div data-testid="panel-mounts">
      <PanelTitle title="Mounts" />
      <Problems members={[/^mountpoints-\d+\.img$/, 'spec.dump', 'bind.mounts']} />
      <LoadView load={mounts} what="mounts">
        {(m) => (
          <>
            <h3>
              Mount tree ({m.mountpoints.length}) <FilterBox view={table} what="mounts" />{' '}
              <CsvButtons name="mounts" header={['id', 'parent', 'mount point', 'type', 'source', 'root', 'options', 'external']} rows={() => m.mountpoints.map((x) => [x.mntId, x.parentMntId, visible(x.mountpoint), visible(x.fstype), visible(x.source), visible(x.root), visible(x.options), visible(x.external)])} />
            </h3>
            <VirtualTable
              rows={table.rows}
              virtual={virtual}
              testId="mount-table"
              columns={8}
              head={
                <>
                  {table.header('ID', 0)}
                  {table.header('Parent', 1)}
                  {table.header('Mount point', 2)}
                  {table.header('Type', 3)}
                  {table.header('Source', 4)}
                  {table.header('Root', 5)}
                  {table.header('Options', 6)}
                  {table.header('External', 7)}
                </>
              }
              row={(x, _i, measure) => (
                <tr key={x.mntId} {...measure} data-mnt-id={x.mntId}>
                  <td className="mono">{x.mntId}</td>
                  <td className="mono">{x.parentMntId}</td>
                  <td className="mono nowrap">{visible(x.mountpoint)}</td>
                  <td>{visible(x.fstype)}</td>
                  <td className="mono wrap">{visible(x.source)}</td>
                  <td className="mono wrap">{visible(x.root)}</td>
                  <td className="mono wrap">{visible(x.options)}</td>
                  <td className="mono nowrap">{visible(x.external)}</td>
                </tr>
              )}
            />
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
                        <td className="mono nowrap">{visible(x.destination)}</td>
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
