import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type { ApiError, SocketDetail, SocketFieldValue, SocketQueueChunk } from '#shared/api/contract';
import { useKensa, useKensaShallow } from '../stores/hooks';
import { KeyValue } from '../components/KeyValue';
import { ErrorMessage } from '../components/ErrorMessage';
import { ByteViewer } from '../components/ByteViewer';
import { NoteButton } from '../components/NoteButton';
import { decodeBase64 } from '../memory/page-cache';
import { visible } from '../util/text';
import { tabArrowKeys } from '../util/tablist';

/** Queue bytes fetched for the viewer (a TCP queue is bounded by the socket's buffer: usually all of it). */
const QUEUE_VIEW_BYTES = 256 * 1024;

function show(v: SocketFieldValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? `[${v.map((x) => visible(String(x))).join(', ')}]` : visible(String(v));
}

/** A collapsible group of the tree, like a protocol layer in Wireshark's packet details (keyboard: Tab, Enter). */
function Group({ title, testId, open = true, children }: { title: string; testId: string; open?: boolean; children: ReactNode }) {
  return (
    <details className="socket-group" open={open} data-testid={testId}>
      <summary>{title}</summary>
      {children}
    </details>
  );
}

function QueueView({ pid, fd, queue, label }: { pid: number; fd: number; queue: string; label: string }) {
  const client = useKensa((s) => s.client);
  const key = `${pid}:${fd}:${queue}`;
  const [chunk, setChunk] = useState<{ key: string; value: SocketQueueChunk; bytes: Uint8Array } | { key: string; error: ApiError } | null>(null);
  useEffect(() => {
    let live = true;
    void client.socketQueue({ pid, fd, queue, length: QUEUE_VIEW_BYTES }).then((r) => {
      if (live) setChunk(r.ok ? { key, value: r.value, bytes: decodeBase64(r.value.data) } : { key, error: r.error });
    });
    return () => {
      live = false;
    };
  }, [client, pid, fd, queue, key]);
  if (!chunk || chunk.key !== key) return <div className="loading">Reading the {label}…</div>;
  if ('error' in chunk) return <ErrorMessage context={`Reading the ${label}`} error={chunk.error} />;
  return <ByteViewer name={label} bytes={chunk.bytes} size={chunk.value.size} testId="socket-queue" />;
}

/** The selected socket in detail: socket, addresses, TCP stream, options, entry fields, queues (bytes in the text/hex viewer). */
export function SocketDetailPane({ pid, fd, comm }: { pid: number; fd: number; comm?: string }) {
  const { client, selectSocket, openFd } = useKensaShallow((s) => ({ client: s.client, selectSocket: s.selectSocket, openFd: s.openFd }));
  const key = `${pid}:${fd}`;
  const [detail, setDetail] = useState<{ key: string; value: SocketDetail } | { key: string; error: ApiError } | null>(null);
  const [queue, setQueue] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setQueue(null);
    void client.socketDetail({ pid, fd }).then((r) => {
      if (live) setDetail(r.ok ? { key, value: r.value } : { key, error: r.error });
    });
    return () => {
      live = false;
    };
  }, [client, pid, fd, key]);
  const title = `Socket: process ${pid}${comm ? ` (${visible(comm)})` : ''}, fd ${fd}`;
  if (!detail || detail.key !== key) return <section className="socket-detail" data-testid="socket-detail" aria-label={title}><div className="loading">Reading socket {fd} of process {pid}…</div></section>;
  if ('error' in detail) return <section className="socket-detail" data-testid="socket-detail" aria-label={title}><ErrorMessage context={title} error={detail.error} /></section>;
  const d = detail.value;
  const s = d.socket;
  const endpoint = (a: string | undefined, port: number | undefined): string | undefined => (a === undefined ? undefined : `${s.family === 'INET6' ? `[${a}]` : a}:${port}`);
  const t = d.tcp;
  const current = d.queues.find((q) => q.id === queue) ?? d.queues[0];
  return (
    <section className="socket-detail" data-testid="socket-detail" aria-label={title}>
      {/* not an h3: headings are upper-cased by the style sheet, and a process name is evidence, shown as it is */}
      <div className="socket-title" role="heading" aria-level={3} data-testid="socket-detail-title">
        <strong>{title}</strong>{' '}
        <button className="link" data-testid="socket-detail-fd" title={`Show fd ${fd} of process ${pid} in Files`} onClick={() => void openFd(pid, fd)}>
          open fd in Files
        </button>{' '}
        {s.inode !== undefined ? <NoteButton target={{ kind: 'socket', pid, inode: s.inode }} label={`socket ${s.inode} of process ${pid}`} /> : null}
      </div>
      <div className="socket-body">
        <div className="socket-tree">
          <Group title={`Socket (${d.entryType})`} testId="socket-group-socket">
            <KeyValue rows={[['Family', s.family], ['Type', s.type], ['Protocol', s.protocol], ['State', s.state], ['Inode', s.inode === undefined ? undefined : String(s.inode)], ['File id', String(d.fileId)], ['Backlog', s.backlog === undefined ? undefined : String(s.backlog)]]} />
          </Group>
          <Group title="Addresses" testId="socket-group-addresses">
            <KeyValue
              rows={[
                ['Local', <span className="mono">{s.family === 'UNIX' ? visible(s.name) || 'unnamed' : endpoint(s.src, s.srcPort)}</span>],
                ['Remote', s.family === 'UNIX' ? undefined : <span className="mono">{endpoint(s.dst, s.dstPort)}</span>],
                [
                  'Peer',
                  d.peer ? (
                    <span data-testid="socket-peer">
                      inode {d.peer.inode}
                      {d.peer.holders.length ? ', held by ' : <span className="muted"> (no process of this checkpoint holds it)</span>}
                      {d.peer.holders.map((h, i) => (
                        <span key={`${h.pid}:${h.fd}`}>
                          {i ? ', ' : ''}
                          <button className="link" data-testid="socket-peer-link" title={`Select process ${h.pid} and show its socket fd ${h.fd}`} onClick={() => void selectSocket(h.pid, h.fd, true)}>
                            process {h.pid} fd {h.fd}
                          </button>
                        </span>
                      ))}
                    </span>
                  ) : undefined,
                ],
              ]}
            />
          </Group>
          {t ? (
            <Group title={`TCP stream (${visible(t.member)})`} testId="socket-tcp">
              <KeyValue
                rows={[
                  ['Receive queue seq (inq_seq)', String(t.inq_seq)], ['Receive queue bytes (inq_len)', String(t.inq_len)],
                  ['Send queue seq (outq_seq)', String(t.outq_seq)], ['Send queue bytes (outq_len)', String(t.outq_len)],
                  ['Not yet sent (unsq_len)', t.unsq_len?.toString()], ['Window update seq (snd_wl1)', t.snd_wl1?.toString()],
                  ['Send window (snd_wnd)', t.snd_wnd?.toString()], ['Largest window (max_window)', t.max_window?.toString()],
                  ['Receive window (rcv_wnd)', t.rcv_wnd?.toString()], ['Last window update (rcv_wup)', t.rcv_wup?.toString()],
                  ['Window scale (snd / rcv)', `${t.snd_wscale} / ${t.rcv_wscale ?? '—'}`], ['MSS clamp', String(t.mss_clamp)],
                  ['Timestamp', t.timestamp?.toString()], ['Nodelay', t.nodelay?.toString()], ['Cork', t.cork?.toString()],
                  ['Options (opt_mask)', `0x${t.opt_mask.toString(16)}${t.options.length ? ` ${t.options.map(visible).join(' | ')}` : ''}`],
                ]}
              />
            </Group>
          ) : null}
          {d.tcpProblem ? (
            <div className="error-box" role="alert" data-testid="socket-tcp-problem">
              <span className="kind">TCP stream not shown</span>
              <span>{visible(d.tcpProblem)}</span>
            </div>
          ) : null}
          <Group title="Options" testId="socket-group-options">
            <KeyValue rows={Object.entries(d.options).map(([k, v]) => [k, <span className="mono">{show(v)}</span>])} />
          </Group>
          <Group title={`Entry fields (${d.entryType})`} testId="socket-group-fields" open={false}>
            <KeyValue rows={Object.entries(d.fields).map(([k, v]) => [k, <span className="mono">{show(v)}</span>])} />
          </Group>
        </div>
        <div className="socket-bytes">
          {d.queueProblem ? (
            <div className="error-box" role="alert">
              <span className="kind">Queued packets not shown</span>
              <span>{visible(d.queueProblem)}</span>
            </div>
          ) : null}
          <Group title={`Queues (${d.queues.length}${d.packetsOmitted ? ` listed, ${d.packetsOmitted} more` : ''})`} testId="socket-group-queues">
            {current ? (
              <>
                <div className="tabs" role="tablist" aria-label="Queue" onKeyDown={(e) => tabArrowKeys(e, d.queues.length, d.queues.indexOf(current), (i) => setQueue(d.queues[i].id))}>
                  {d.queues.map((q) => (
                    <button key={q.id} role="tab" aria-selected={q.id === current.id} tabIndex={q.id === current.id ? 0 : -1} data-testid={`socket-queue-tab-${q.id}`} onClick={() => setQueue(q.id)}>
                      {q.label} ({q.length} B)
                    </button>
                  ))}
                </div>
                <QueueView pid={pid} fd={fd} queue={current.id} label={`${current.label} · ${visible(current.member)} @${current.offset}`} />
              </>
            ) : (
              <div className="muted">Nothing queued in the checkpoint.</div>
            )}
          </Group>
        </div>
      </div>
    </section>
  );
}
