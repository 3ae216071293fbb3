import { useEffect } from 'react';
import type { KeyboardEvent } from 'react';
import type { SocketInfo } from '#shared/api/contract';
import { useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { KeyValue } from '../components/KeyValue';
import { NoteButton } from '../components/NoteButton';
import { Problems } from '../components/Problems';
import { CsvButtons } from '../components/CsvButtons';
import { FilterBox, useTableView, useVirtualRows, VirtualTable } from '../components/TableView';
import { visible } from '../util/text';
import { SocketDetailPane } from './SocketDetailPane';

/** Network: the container's addresses and every socket of every process. */
export function NetworkPanel() {
  const { sockets, overview, ensureDetail, processes, openFd, selected, selectSocket } = useKensaShallow((s) => ({ sockets: s.sockets, overview: s.overview, ensureDetail: s.ensureDetail, processes: s.processes, openFd: s.openFd, selected: s.selectedSocket, selectSocket: s.selectSocket }));
  useEffect(() => {
    void ensureDetail('sockets');
  }, [ensureDetail, sockets.status]);
  const comm = new Map((processes.value ?? []).map((p) => [p.pid, p.comm]));
  const local = (s: SocketInfo): string => (s.family === 'UNIX' ? visible(s.name) : s.src !== undefined ? `${s.family === 'INET6' ? `[${s.src}]` : s.src}:${s.srcPort}` : '');
  const remote = (s: SocketInfo): string => (s.family === 'UNIX' ? (s.peerInode ? `peer ${s.peerInode}` : '') : s.dst !== undefined ? `${s.family === 'INET6' ? `[${s.dst}]` : s.dst}:${s.dstPort}` : '');
  const table = useTableView(sockets.value ?? [], [(s) => s.pid, (s) => String(s.fd), (s) => s.family, (s) => s.type, (s) => s.protocol ?? '', (s) => s.state ?? '', local, remote, (s) => s.inode ?? -1]);
  const virtual = useVirtualRows(table.rows.length, 30);
  const o = overview.value;
  const isSelected = (s: SocketInfo): boolean => selected?.pid === s.pid && selected.fd === s.fd;
  /** ↑/↓ move the selection among the rows as they are sorted and filtered; Enter or Space selects the focused row. */
  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, s: SocketInfo): void => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      void selectSocket(s.pid, s.fd);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const i = table.rows.indexOf(s) + (e.key === 'ArrowDown' ? 1 : -1);
      const next = table.rows[i];
      if (!next) return;
      // Only the rows on screen exist: bring the next one in, then focus it once drawn.
      virtual.virtualizer.scrollToIndex(i);
      requestAnimationFrame(() => (virtual.scrollRef.current?.querySelector(`tr[data-socket="${next.pid}:${next.fd}"]`) as HTMLElement | null)?.focus());
      void selectSocket(next.pid, next.fd);
    }
  };
  return (
    <div data-testid="panel-network">
      <PanelTitle title="Network & sockets">
        {sockets.value?.length ? (
          <CsvButtons
            name="sockets"
            header={['pid', 'fd', 'family', 'type', 'protocol', 'state', 'local', 'remote', 'inode', 'send buffer', 'receive buffer']}
            rows={() => (sockets.value ?? []).map((s) => [s.pid, s.fd, s.family, s.type, s.protocol ?? '', s.state ?? '', s.family === 'UNIX' ? visible(s.name) : s.src !== undefined ? `${s.src}:${s.srcPort}` : '', s.family === 'UNIX' ? (s.peerInode ?? '') : s.dst !== undefined ? `${s.dst}:${s.dstPort}` : '', s.inode ?? '', s.sendBuf ?? '', s.recvBuf ?? ''])}
          />
        ) : null}
      </PanelTitle>
      <Problems members={['files.img', /^fdinfo-\d+\.img$/, /^netns-\d+\.img$/, 'config.dump', 'spec.dump']} />
      {o ? (
        <KeyValue
          rows={[
            ['IP', o.ips.length ? <span className="mono">{o.ips.map(visible).join(', ')}</span> : <span className="muted">none recorded</span>],
            ['MAC', o.macs.length ? <span className="mono">{o.macs.map(visible).join(', ')}</span> : undefined],
            ['Hostname', visible(o.hostname)],
            ...o.networks.map((n): [string, string] => [`${visible(n.network)} ${visible(n.interface)}`, `${n.addresses.map(visible).join(', ')}${n.gateways.length ? ' via ' + n.gateways.map(visible).join(', ') : ''}`]),
          ]}
        />
      ) : null}
      <h3>
        Sockets <FilterBox view={table} what="sockets" />
      </h3>
      <LoadView load={sockets} what="sockets">
        {(all) =>
          all.length ? (
            <VirtualTable
              rows={table.rows}
              virtual={virtual}
              testId="socket-table"
              columns={11}
              maxHeight="40vh"
              head={
                <>
                  {table.header('PID', 0)}
                  {table.header('FD', 1)}
                  {table.header('Family', 2)}
                  {table.header('Type', 3)}
                  {table.header('Proto', 4)}
                  {table.header('State', 5)}
                  {table.header('Local', 6)}
                  {table.header('Remote / peer', 7)}
                  {table.header('Inode', 8)}
                  <th>Buffers (snd/rcv)</th>
                  <th />
                </>
              }
              row={(s, _i, measure) => (
                <tr
                  key={`${s.pid}:${s.fd}`}
                  {...measure}
                  data-testid="socket-row"
                  data-socket={`${s.pid}:${s.fd}`}
                  tabIndex={0}
                  aria-selected={isSelected(s)}
                  title="Select to see the socket in detail (Enter)"
                  onClick={(e) => {
                    // the pid and fd links open Files; a click on them is not a selection
                    if (!(e.target as HTMLElement).closest('button')) void selectSocket(s.pid, s.fd);
                  }}
                  onKeyDown={(e) => onRowKey(e, s)}
                >
                  <td className="mono">
                    <button className="link" data-testid="socket-process" title={`Select process ${s.pid} and show its fd ${s.fd} in Files`} onClick={() => void openFd(s.pid, s.fd)}>
                      {s.pid}
                    </button>{' '}
                    <span className="muted">{visible(comm.get(s.pid))}</span>
                  </td>
                  <td className="mono">
                    <button className="link" data-testid="socket-fd" title={`Show fd ${s.fd} of process ${s.pid} in Files`} onClick={() => void openFd(s.pid, s.fd)}>
                      {s.fd}
                    </button>
                  </td>
                  <td>{s.family}</td>
                  <td>{s.type}</td>
                  <td>{s.protocol ?? ''}</td>
                  <td>{s.state ?? ''}</td>
                  <td className="mono wrap">{s.family === 'UNIX' ? visible(s.name) : s.src !== undefined ? `${s.family === 'INET6' ? `[${s.src}]` : s.src}:${s.srcPort}` : ''}</td>
                  <td className="mono wrap">{s.family === 'UNIX' ? (s.peerInode ? `peer ${s.peerInode}` : '') : s.dst !== undefined ? `${s.family === 'INET6' ? `[${s.dst}]` : s.dst}:${s.dstPort}` : ''}</td>
                  <td className="mono">{s.inode ?? ''}</td>
                  <td className="mono">{s.sendBuf !== undefined ? `${s.sendBuf} / ${s.recvBuf ?? ''}` : ''}</td>
                  <td>{s.inode !== undefined ? <NoteButton target={{ kind: 'socket', pid: s.pid, inode: s.inode }} label={`socket ${s.inode} of process ${s.pid}`} /> : null}</td>
                </tr>
              )}
            />
          ) : (
            <div className="muted">No sockets.</div>
          )
        }
      </LoadView>
      {selected ? <SocketDetailPane pid={selected.pid} fd={selected.fd} comm={comm.get(selected.pid)} /> : sockets.value?.length ? <p className="muted">Select a socket (click or Enter) to see it in detail: options, TCP sequence numbers and windows, queued bytes.</p> : null}
    </div>
  );
}
