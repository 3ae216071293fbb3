import { useState } from 'react';
import type { SearchRequest } from '#shared/api/contract';
import { useKensa, useKensaShallow } from '../../stores/hooks';

type Kind = 'text' | 'hex' | 'regex';

/** Memory search with the options of `kensa mem`: text (UTF-16, ignore case), hex, regex; pids; VMA filters. */
export function SearchBar() {
  const { runSearch, cancelSearch, search, selectedPid } = useKensaShallow((s) => ({ runSearch: s.runSearch, cancelSearch: s.cancelSearch, search: s.search, selectedPid: s.selectedPid }));
  const available = useKensa((s) => s.hello?.capabilities.search ?? false);
  // The form starts from the last search, so leaving the panel and coming back keeps it.
  const last = search.request;
  const lastPattern = last?.pattern as { text?: string; hex?: string; regex?: string; utf16?: boolean; ignoreCase?: boolean } | undefined;
  const [kind, setKind] = useState<Kind>(lastPattern?.hex !== undefined ? 'hex' : lastPattern?.regex !== undefined ? 'regex' : 'text');
  const [pattern, setPattern] = useState(lastPattern?.text ?? lastPattern?.hex ?? lastPattern?.regex ?? '');
  const [utf16, setUtf16] = useState(Boolean(lastPattern?.utf16));
  const [ignoreCase, setIgnoreCase] = useState(Boolean(lastPattern?.ignoreCase));
  const [scope, setScope] = useState<'all' | 'process'>(last?.pids ? 'process' : 'all');
  const [vma, setVma] = useState((last?.vma ?? []).join(' '));
  const [maxHits, setMaxHits] = useState(last?.maxHits ?? 1000);
  const [context, setContext] = useState(last?.context ?? 16);
  if (!available) return <div className="searchbar muted">Memory search is not available in this build of Kensa.</div>;
  const submit = (): void => {
    if (!pattern) return;
    const req: SearchRequest = {
      pattern: kind === 'text' ? { text: pattern, ...(utf16 ? { utf16 } : {}), ...(ignoreCase ? { ignoreCase } : {}) } : kind === 'hex' ? { hex: pattern } : { regex: pattern, ...(ignoreCase ? { ignoreCase } : {}) },
      maxHits,
      context,
    };
    if (scope === 'process' && selectedPid !== null) req.pids = [selectedPid];
    const filters = vma.split(/[\s,]+/).filter(Boolean);
    if (filters.length) req.vma = filters;
    void runSearch(req);
  };
  return (
    <div className="searchbar" data-testid="memory-search">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <select aria-label="Pattern kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
          <option value="text">Text</option>
          <option value="hex">Hex bytes</option>
          <option value="regex">Regex (latin1)</option>
        </select>
        <input name="pattern" type="text" className="mono" aria-label="Search pattern" placeholder={kind === 'hex' ? 'de ad be ef' : kind === 'regex' ? 'KEY_[0-9]+' : 'text to find'} value={pattern} onChange={(e) => setPattern(e.target.value)} />
        {kind === 'text' ? (
          <label>
            <input type="checkbox" checked={utf16} onChange={(e) => setUtf16(e.target.checked)} /> UTF-16
          </label>
        ) : null}
        {kind !== 'hex' ? (
          <label>
            <input type="checkbox" checked={ignoreCase} onChange={(e) => setIgnoreCase(e.target.checked)} /> ignore case
          </label>
        ) : null}
        <select aria-label="Processes" value={scope} onChange={(e) => setScope(e.target.value as 'all' | 'process')}>
          <option value="all">all processes</option>
          <option value="process" disabled={selectedPid === null}>
            process {selectedPid ?? ''}
          </option>
        </select>
        <input type="text" aria-label="VMA filters" placeholder="VMA: [heap] rw-" title="VMA filters, as kensa mem --vma: START-END, permissions (rw-), [heap], [stack], [anon], [shared], or part of a file path" value={vma} onChange={(e) => setVma(e.target.value)} style={{ width: 150 }} />
        <label>
          max <input type="number" min={1} max={100000} value={maxHits} onChange={(e) => setMaxHits(Math.max(1, Number(e.target.value) || 1))} style={{ width: 70 }} />
        </label>
        <label title="Bytes of context shown before and after each hit">
          ± <input type="number" min={0} max={256} value={context} onChange={(e) => setContext(Math.max(0, Math.min(256, Number(e.target.value) || 0)))} style={{ width: 52 }} aria-label="Context bytes" />
        </label>
        <button type="submit" className="primary" disabled={!pattern}>
          Search
        </button>
        {search.status === 'running' ? (
          <button type="button" onClick={() => void cancelSearch()}>
            Cancel
          </button>
        ) : null}
      </form>
    </div>
  );
}
