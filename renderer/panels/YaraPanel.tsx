import { useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { YaraMatchInfo, YaraScanRequest } from '#shared/api/contract';
import { useKensa, useKensaShallow } from '../stores/hooks';
import { PanelTitle } from '../components/PanelTitle';
import { ErrorMessage } from '../components/ErrorMessage';
import { NoteButton } from '../components/NoteButton';
import { bytesToAscii, formatBytes, hexToBytes, visible } from '../util/text';

const ROW_HEIGHT = 24;

const EXAMPLE = `rule example {
  strings:
    $a = "password"
  condition:
    $a and anonymous and perms matches /w/
}`;

/**
 * YARA over the checkpoint (kensa yara): rule files or folders by path and/or a rule typed here, every
 * process or the selected one, optionally the changed and deleted files; progress and cancel in the task
 * bar; the matches in a virtualized list, each opening the hex view at its bytes and bookmarkable.
 */
export function YaraPanel() {
  const { yara, runYara, cancelYara, openYaraMatch, selectedPid } = useKensaShallow((s) => ({ yara: s.yara, runYara: s.runYara, cancelYara: s.cancelYara, openYaraMatch: s.openYaraMatch, selectedPid: s.selectedPid }));
  const last = yara.request;
  const [paths, setPaths] = useState((last?.rulePaths ?? []).join('\n'));
  const [text, setText] = useState(last?.ruleText ?? '');
  const [files, setFiles] = useState(Boolean(last?.files));
  const [scope, setScope] = useState<'all' | 'process'>(last?.pids ? 'process' : 'all');
  const [maxMatches, setMaxMatches] = useState(last?.maxMatches ?? 10000);
  const rulePaths = paths.split('\n').map((p) => p.trim()).filter(Boolean);
  const ready = rulePaths.length > 0 || text.trim() !== '';
  const submit = (): void => {
    if (!ready) return;
    const req: YaraScanRequest = { maxMatches, ...(rulePaths.length ? { rulePaths } : {}), ...(text.trim() ? { ruleText: text } : {}), ...(files ? { files } : {}) };
    if (scope === 'process' && selectedPid !== null) req.pids = [selectedPid];
    void runYara(req);
  };
  return (
    <>
      <PanelTitle title="YARA" sub="rules over every mapping's known bytes, with pid, comm, exe, perms, anonymous, file_backed, shared, path and base as variables" />
      <div className="yara" data-testid="panel-yara">
        <form
          className="yara-form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <label>
            Rule files or folders (one path per line)
            <textarea className="mono" rows={3} aria-label="Rule files" placeholder="/cases/rules/linux.yar" value={paths} onChange={(e) => setPaths(e.target.value)} />
          </label>
          <label>
            Rule (typed or pasted)
            <textarea className="mono" rows={7} aria-label="Rule text" placeholder={EXAMPLE} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
          </label>
          <div className="yara-options">
            <select aria-label="Processes" value={scope} onChange={(e) => setScope(e.target.value as 'all' | 'process')}>
              <option value="all">all processes</option>
              <option value="process" disabled={selectedPid === null}>
                process {selectedPid ?? ''}
              </option>
            </select>
            <label title="Also scan the files of rootfs-diff.tar and the deleted files the checkpoint kept">
              <input type="checkbox" checked={files} onChange={(e) => setFiles(e.target.checked)} /> changed and deleted files
            </label>
            <label>
              max <input type="number" min={1} max={100000} value={maxMatches} onChange={(e) => setMaxMatches(Math.max(1, Math.min(100000, Number(e.target.value) || 1)))} style={{ width: 80 }} aria-label="Most matches" />
            </label>
            <button type="submit" className="primary" disabled={!ready}>
              Scan
            </button>
            {yara.status === 'running' ? (
              <button type="button" onClick={() => void cancelYara()}>
                Cancel
              </button>
            ) : null}
          </div>
        </form>
        <YaraResults open={openYaraMatch} />
      </div>
    </>
  );
}

function where(m: YaraMatchInfo): string {
  if (m.file !== undefined) return visible(m.file);
  return `${m.pid}  ${m.vma ? `${m.vma.perms} ${visible(m.vma.name) || `[${m.vma.kind}]`}` : ''}`;
}

function YaraResults({ open }: { open: (index: number) => Promise<void> }) {
  const yara = useKensa((s) => s.yara);
  const scrollRef = useRef<HTMLDivElement>(null);
  const matches = yara.result?.matches ?? [];
  const virtualizer = useVirtualizer({ count: matches.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  if (yara.status === 'idle') return <div className="muted yara-results">Give rule files or type a rule, then Scan.</div>;
  if (yara.status === 'error' && yara.error) return <div className="yara-results"><ErrorMessage context="YARA" error={yara.error} /></div>;
  if (yara.status === 'cancelled') return <div className="muted yara-results">Scan cancelled.</div>;
  if (yara.status === 'running' || !yara.result) return <div className="loading yara-results">Scanning…</div>;
  const r = yara.result;
  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const i = yara.activeMatch ?? -1;
    const next = e.key === 'ArrowDown' ? Math.min(matches.length - 1, i + 1) : e.key === 'ArrowUp' ? Math.max(0, i - 1) : -2;
    if (next === -2) return;
    e.preventDefault();
    // Arrow keys move the focus without leaving the panel; Enter or a click opens the match.
    virtualizer.scrollToIndex(next);
    requestAnimationFrame(() => (scrollRef.current?.querySelector(`[data-match="${next}"]`) as HTMLElement | null)?.focus());
  };
  return (
    <div className="yara-results" data-testid="yara-results">
      <div className="muted" data-testid="yara-summary" style={{ padding: '3px 8px' }}>
        {matches.length} match{matches.length === 1 ? '' : 'es'} of {r.rules} rule{r.rules === 1 ? '' : 's'} in {r.regions} region{r.regions === 1 ? '' : 's'}, {formatBytes(r.scanned)} scanned
        {r.truncated ? ' (stopped: see the warnings)' : ''}
      </div>
      {[...r.ruleWarnings, ...r.warnings].map((w, i) => (
        <div key={i} className="warning" data-testid="yara-warning">
          {visible(w)}
        </div>
      ))}
      <div className="yara-row yara-head">
        <span>Rule</span>
        <span>String</span>
        <span>PID / file, mapping</span>
        <span>Address</span>
        <span>Origin</span>
        <span>Bytes</span>
        <span />
      </div>
      <div ref={scrollRef} className="yara-list" onKeyDown={onKey} role="listbox" aria-label="YARA matches">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((v) => {
            const m = matches[v.index];
            return (
              <div
                key={v.key}
                className="yara-row selectable"
                role="option"
                data-match={v.index}
                data-rule={m.rule}
                data-pid={m.pid}
                data-address={m.address}
                aria-selected={v.index === yara.activeMatch}
                tabIndex={v.index === (yara.activeMatch ?? 0) ? 0 : -1}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
                onClick={() => void open(v.index)}
                onKeyDown={(e) => e.key === 'Enter' && void open(v.index)}
                title={m.pid !== undefined ? 'Show in the hex view' : 'Show the file in the Files panel'}
              >
                <span className="mono">{visible(m.rule)}</span>
                <span className="mono">{m.string || '(condition)'}</span>
                <span className="mono">{where(m)}</span>
                <span className="mono" title={m.length ? `${m.length} bytes matched at ${m.address}` : undefined}>
                  {m.address}
                  {m.length ? <span className="muted"> · {m.length} B</span> : null}
                </span>
                <span>{m.origin}</span>
                <span className="mono">
                  <mark>{bytesToAscii(hexToBytes(m.data.slice(0, 96)))}</mark>
                </span>
                <span>
                  {m.pid !== undefined && m.string ? (
                    <NoteButton target={{ kind: 'yara-match', pid: m.pid, address: m.address, length: Math.min(m.length, 1 << 20), rule: m.rule, string: m.string }} label={`YARA match of ${m.rule} ${m.string} at ${m.address} in process ${m.pid}`} />
                  ) : null}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
