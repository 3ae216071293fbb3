import { useEffect, useState } from 'react';
import type { ProcessDetails, Result } from '#shared/api/contract';
import { useKensa, useKensaShallow } from '../stores/hooks';
import { ErrorMessage } from '../components/ErrorMessage';
import { KeyValue } from '../components/KeyValue';
import { visible } from '../util/text';

/** The selected process in detail: exe, argv as a list, cwd and root, credentials (capabilities by name), seccomp, environment. */
export function ProcessDetailsView({ pid }: { pid: number }) {
  const client = useKensa((s) => s.client);
  const { searchMemoryFor, openedAt } = useKensaShallow((s) => ({ searchMemoryFor: s.searchMemoryFor, openedAt: s.session?.openedAt }));
  const [details, setDetails] = useState<Result<ProcessDetails> | null>(null);
  useEffect(() => {
    let live = true;
    setDetails(null);
    void client.processDetails({ pid }).then((r) => live && setDetails(r));
    return () => {
      live = false;
    };
  }, [client, pid, openedAt]);
  if (!details) return <div className="loading">Loading process {pid}…</div>;
  if (!details.ok) return <ErrorMessage context={`Process ${pid}`} error={details.error} />;
  const d = details.value;
  const c = d.creds;
  const ids = (a: number, b: number, s: number, f: number): string => (a === b && b === s && s === f ? String(a) : `real ${a}, effective ${b}, saved ${s}, fs ${f}`);
  const caps = (names: string[]): string => (names.length === 0 ? 'none' : names.length >= 41 ? `all (${names.length})` : names.join(', '));
  return (
    <div className="process-details" data-testid="process-details">
      <h3>Process {pid}</h3>
      <KeyValue
        rows={[
          ['Executable', <span className="mono">{d.exe !== undefined ? visible(d.exe) : 'unknown'}</span>],
          ['Working directory', <span className="mono" data-testid="detail-cwd">{d.cwd !== undefined ? visible(d.cwd) : 'unknown'}</span>],
          ['Root', <span className="mono">{d.root !== undefined ? visible(d.root) : 'unknown'}</span>],
          ...(d.umask ? ([['umask', <span className="mono">{d.umask}</span>]] as [string, React.ReactNode][]) : []),
          ['User', c ? ids(c.uid, c.euid, c.suid, c.fsuid) : 'unknown'],
          ['Group', c ? `${ids(c.gid, c.egid, c.sgid, c.fsgid)}${c.groups.length ? `; groups ${c.groups.join(', ')}` : ''}` : 'unknown'],
          ['Capabilities (effective)', <span className="mono wrap" data-testid="detail-cap-eff">{c ? caps(c.capEff) : 'unknown'}</span>],
          ['Capabilities (permitted)', <span className="mono wrap">{c ? caps(c.capPrm) : 'unknown'}</span>],
          ['Capabilities (bounding)', <span className="mono wrap">{c ? caps(c.capBnd) : 'unknown'}</span>],
          ['no_new_privs', c?.noNewPrivs === undefined ? 'unknown' : c.noNewPrivs ? 'set' : 'not set'],
          ...(c?.lsmProfile ? ([['LSM profile', <span className="mono">{visible(c.lsmProfile)}</span>]] as [string, React.ReactNode][]) : []),
          ['seccomp', <span data-testid="detail-seccomp">{d.seccomp ?? 'unknown'}</span>],
        ]}
      />
      <h3>
        Arguments{' '}
        {d.argv?.length ? (
          <button className="link search-this" data-testid="search-cmdline" title="Search every process's memory for the command line (arguments joined by spaces, as ps shows it)" onClick={() => void searchMemoryFor(d.argv!.join(' ').slice(0, 4096))}>
            search memory for the command line
          </button>
        ) : null}
      </h3>
      {d.argv ? (
        <ol className="argv-list mono" start={0} data-testid="detail-argv">
          {d.argv.map((a, i) => (
            <li key={i}>
              <span className="arg">{visible(a)}</span>
            </li>
          ))}
        </ol>
      ) : (
        <div className="muted">not readable</div>
      )}
      <h3>Environment {d.env ? <span className="muted">({d.env.length})</span> : null}</h3>
      {d.env ? (
        <table className="data" data-testid="detail-env">
          <tbody>
            {d.env.map((e, i) => {
              const eq = e.indexOf('=');
              const name = eq >= 0 ? e.slice(0, eq) : e;
              const value = eq >= 0 ? e.slice(eq + 1) : '';
              return (
                <tr key={i}>
                  <td className="mono">{visible(name)}</td>
                  <td className="mono wrap">{visible(value)}</td>
                  <td>
                    {value ? (
                      <button className="link" data-testid="env-search" title="Search every process's memory for this value" onClick={() => void searchMemoryFor(value.slice(0, 4096))}>
                        search memory
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : (
        <div className="muted">not readable (the environment pages are not in the checkpoint)</div>
      )}
    </div>
  );
}
