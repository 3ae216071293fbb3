import { useKensa, useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { KeyValue } from '../components/KeyValue';
import { PanelTitle } from '../components/PanelTitle';
import { ErrorMessage } from '../components/ErrorMessage';
import { formatBytes, visible } from '../util/text';
import { formatSizeOrAbsent } from '#shared/format';

/** Overview: what the container was, when it was checkpointed, its addresses, sizes, dump statistics, hashes. */
/**
 * An ISO 8601 time as the archive records it, with a break allowed between the date and the time (a narrow
 * card otherwise splits the digits); the exact text is kept, nothing is converted to local time.
 */
function Timestamp({ iso }: { iso: string | undefined }) {
  const text = visible(iso);
  const t = text.indexOf('T');
  if (t <= 0) return <span className="mono">{text}</span>;
  return (
    <span className="mono">
      {text.slice(0, t)}
      <wbr />
      {text.slice(t)}
    </span>
  );
}

export function OverviewPanel() {
  const { overview, hashes, hashEvidence } = useKensaShallow((s) => ({ overview: s.overview, hashes: s.hashes, hashEvidence: s.hashEvidence }));
  const session = useKensa((s) => s.session);
  return (
    <div data-testid="panel-overview">
      <PanelTitle title="Overview" sub={session ? visible(session.archive) : undefined} />
      <LoadView load={overview} what="the overview">
        {(o) => (
          <>
            <div className="notice-box" role="note" data-testid="sensitivity-notice">
              <strong>Sensitive evidence. </strong>
              {o.notice}
            </div>
            <div className="cards">
              <div className="card">
                <h3>Container</h3>
                <KeyValue
                  testId="overview-container"
                  rows={[
                    ['Name', visible(o.containerName)],
                    ['Image', visible(o.image)],
                    ['Image ref', visible(o.imageRef)],
                    ['ID', o.id ? <span className="mono">{visible(o.id)}</span> : undefined],
                    ['Engine', o.engine ?? (o.layout === 'image-folder' ? 'none (bare CRIU images)' : undefined)],
                    ['Runtime', visible(o.runtime)],
                    ['Pod', visible(o.podName)],
                    ['Namespace', visible(o.podNamespace)],
                    ['Hostname', visible(o.hostname)],
                    ['Domain', visible(o.domainname)],
                    ['Architecture', o.arch],
                    ['Layout', o.layout],
                  ]}
                />
              </div>
              <div className="card">
                <h3>Times</h3>
                <KeyValue
                  rows={[
                    ['Created', <Timestamp iso={o.created} />],
                    ['Checkpointed', o.checkpointed ? <Timestamp iso={o.checkpointed} /> : <span className="muted">not recorded in this archive</span>],
                    ['Host uptime at dump', o.uptimeAtDump ? `${o.uptimeAtDump.monotonic.toFixed(3)} s (boot time ${o.uptimeAtDump.boottime.toFixed(3)} s)` : undefined],
                    ['CRIU run id', o.criuRunId ? <span className="mono">{visible(o.criuRunId)}</span> : undefined],
                  ]}
                />
                <h3>Network</h3>
                <KeyValue
                  testId="overview-network"
                  rows={[
                    ['IP', o.ips.length ? <span className="mono">{o.ips.map(visible).join(', ')}</span> : <span className="muted">none recorded</span>],
                    ['MAC', o.macs.length ? <span className="mono">{o.macs.map(visible).join(', ')}</span> : undefined],
                    ...o.networks.map((n): [string, string] => [`${visible(n.network)} / ${visible(n.interface)}`, [n.addresses.map(visible).join(', '), n.gateways.length ? `gw ${n.gateways.map(visible).join(', ')}` : '', n.mac ? `mac ${visible(n.mac)}` : ''].filter(Boolean).join('  ')]),
                  ]}
                />
              </div>
              <div className="card">
                <h3>Sizes</h3>
                <KeyValue
                  rows={[
                    ['Checkpoint', formatBytes(o.sizes.total)],
                    ['Memory pages', formatBytes(o.sizes.memoryPages)],
                    ['Root FS diff', formatSizeOrAbsent(o.sizes.rootfsDiff)],
                    ['AMD GPU pages', o.sizes.amdGpuMemoryPages ? formatBytes(o.sizes.amdGpuMemoryPages) : undefined],
                    ['Processes', String(o.processes)],
                    ['Threads', String(o.threads)],
                  ]}
                />
                <h3>Dump statistics</h3>
                {o.statistics.length ? (
                  <KeyValue rows={o.statistics.map((s): [string, string] => [s.label, s.display])} />
                ) : (
                  <div className="muted">No stats-dump in this checkpoint.</div>
                )}
              </div>
              <div className="card" style={{ gridColumn: '1 / -1' }}>
                <h3>Evidence hashes (SHA-256)</h3>
                {o.hashes.length ? (
                  <table className="data" data-testid="evidence-hashes">
                    <tbody>
                      {o.hashes.map((h) => (
                        <tr key={h.path}>
                          <td className="wrap">{visible(h.path)}</td>
                          <td>{formatBytes(h.size)}</td>
                          <td className="mono wrap">{h.sha256}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <div className="muted">Not hashed yet{o.layout === 'tar' || o.layout === 'folder' || o.layout === 'image-folder' ? ' (a plain tar or folder is read in place)' : ''}.</div>
                )}
                <div className="row" style={{ marginTop: 6 }}>
                  <button onClick={() => void hashEvidence()} disabled={hashes.status === 'loading'}>
                    {o.hashes.length ? 'Hash again' : 'Compute SHA-256'}
                  </button>
                  {hashes.status === 'error' && hashes.error && hashes.error.kind !== 'cancelled' ? <ErrorMessage error={hashes.error} /> : null}
                </div>
              </div>
            </div>
            {o.truncated ? <ErrorMessage error={{ kind: 'format', message: 'the archive is cut short: members after the cut are missing', source: o.source }} /> : null}
            {o.problems.length ? (
              <>
                <h3>Problems reading this checkpoint ({o.problems.length})</h3>
                <ul className="mono" data-testid="overview-problems">
                  {o.problems.map((p) => (
                    <li key={p.text}>{visible(p.text)}</li>
                  ))}
                </ul>
              </>
            ) : null}
          </>
        )}
      </LoadView>
    </div>
  );
}
