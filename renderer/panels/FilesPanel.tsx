import { useEffect, useState } from 'react';
import type { FileChunk } from '#shared/api/contract';
import { useKensa, useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { ErrorMessage } from '../components/ErrorMessage';
import { NoteButton } from '../components/NoteButton';
import { Problems } from '../components/Problems';
import { decodeBase64 } from '../memory/page-cache';
import { formatBytes, visible } from '../util/text';
import { CsvButtons } from '../components/CsvButtons';
import { FilterBox, useTableView, useVirtualRows, VirtualTable } from '../components/TableView';
import { RootfsBrowser } from './RootfsBrowser';
import { ByteViewer } from '../components/ByteViewer';
import type { ApiError } from '#shared/api/contract';

const VIEW_BYTES = 256 * 1024;

function FileViewer({ member }: { member: string }) {
  const client = useKensa((s) => s.client);
  const [chunk, setChunk] = useState<{ member: string; file: FileChunk; bytes: Uint8Array } | { member: string; error: ApiError } | null>(null);
  useEffect(() => {
    let live = true;
    setChunk(null);
    void client.readFile({ member, offset: 0, length: VIEW_BYTES }).then((r) => {
      if (!live) return;
      setChunk(r.ok ? { member, file: r.value, bytes: decodeBase64(r.value.data) } : { member, error: r.error });
    });
    return () => {
      live = false;
    };
  }, [client, member]);
  if (!chunk || chunk.member !== member) return <div className="viewer"><div className="loading" style={{ padding: 8 }}>Reading {visible(member)}…</div></div>;
  if ('error' in chunk) return <div className="viewer"><ErrorMessage context={`Reading ${visible(member)}`} error={chunk.error} /></div>;
  return <ByteViewer name={visible(member)} bytes={chunk.bytes} size={chunk.file.size} tools={<NoteButton target={{ kind: 'file', member }} label={`file ${visible(member)}`} />} />;
}

/** Files: the selected process's open fds; the root file system tree (image and changes) with a text/hex viewer. */
export function FilesPanel() {
  const { fds, rootfs, ensureDetail, openMember, pid, focusFd } = useKensaShallow((s) => ({ fds: s.fds, rootfs: s.rootfs, ensureDetail: s.ensureDetail, openMember: s.openMember, pid: s.selectedPid, focusFd: s.focusFd }));
  const selectedPid = pid;
  const fdTable = useTableView(fds.value ?? [], [(f) => (typeof f.fd === 'number' ? f.fd : 1e9), (f) => f.type, (f) => visible(f.path), (f) => f.flagsText ?? '', (f) => Number(f.pos ?? -1)]);
  const fdVirtual = useVirtualRows(fdTable.rows.length);
  // A socket or finding that opens an fd here brings its row into view (only the rows on screen are drawn).
  const focusIndex = focusFd?.pid === selectedPid ? fdTable.rows.findIndex((f) => f.fd === focusFd.fd) : -1;
  useEffect(() => {
    if (focusIndex >= 0) fdVirtual.virtualizer.scrollToIndex(focusIndex, { align: 'auto' });
  }, [focusIndex, fdVirtual.virtualizer]);
  useEffect(() => {
    void ensureDetail('rootfs');
  }, [ensureDetail, rootfs.status]);
  return (
    <>
      <PanelTitle title="Files" sub={pid !== null ? `open files of process ${pid}` : undefined}>
        {fds.value?.length ? (
          <>
            <FilterBox view={fdTable} what="files" />
            <CsvButtons name={`fds-${pid}`} header={['fd', 'type', 'path', 'flags', 'position', 'deleted']} rows={() => (fds.value ?? []).map((f) => [f.fd, f.type, visible(f.path), f.flagsText ?? '', f.pos ?? '', f.deleted ? 'deleted' : ''])} />
          </>
        ) : null}
      </PanelTitle>
      <Problems members={['files.img', /^fdinfo-\d+\.img$/, `fs-${pid}.img`, 'rootfs-diff.tar', 'deleted.files', 'remap-fpath.img', /^ghost-file-[0-9a-f]+\.img$/]} />
      <div className="files" data-testid="panel-files">
        <div className="top">
          {pid === null ? (
            <div className="muted">Select a process to see its open files.</div>
          ) : (
            <LoadView load={fds} what="open files">
              {() => (
                <VirtualTable
                  rows={fdTable.rows}
                  virtual={fdVirtual}
                  testId="fd-table"
                  columns={5}
                  maxHeight="100%"
                  head={
                    <>
                      {fdTable.header('FD', 0)}
                      {fdTable.header('Type', 1)}
                      {fdTable.header('Path / description', 2)}
                      {fdTable.header('Flags', 3)}
                      {fdTable.header('Position', 4)}
                    </>
                  }
                  row={(f, _i, measure) => (
                    <tr key={String(f.fd)} {...measure} data-fd={String(f.fd)} aria-selected={focusFd?.pid === selectedPid && focusFd?.fd === f.fd}>
                      <td className="mono">{f.fd}</td>
                      <td>{f.type}</td>
                      <td className={'mono wrap' + (f.deleted ? ' danger' : '')}>
                        {visible(f.path)}
                        {f.ghost ? <span className="muted"> — content in the checkpoint ({f.ghost.knownEnd !== undefined ? `${formatBytes(f.ghost.knownEnd)} of ` : ''}{formatBytes(f.ghost.size)}, {visible(f.ghost.member)})</span> : null}
                      </td>
                      <td className="mono" title={f.flags !== undefined ? '0' + f.flags.toString(8) : undefined}>{f.flagsText ?? (f.flags !== undefined ? '0' + f.flags.toString(8) : '')}{f.cloexec && !/O_CLOEXEC/.test(f.flagsText ?? '') ? ' cloexec' : ''}</td>
                      <td className="mono">{f.pos ?? ''}</td>
                    </tr>
                  )}
                />
              )}
            </LoadView>
          )}
        </div>
        <div className="bottom">
          <RootfsBrowser />
          {openMember ? <FileViewer member={openMember} /> : <div className="viewer"><div className="empty">Select a file to view it as text or hex.</div></div>}
        </div>
      </div>
    </>
  );
}
