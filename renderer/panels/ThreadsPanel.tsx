import { useState } from 'react';
import type { RegisterValue, SymbolizedAddress, ThreadInfo, VmaInfo } from '#shared/api/contract';
import { useKensaShallow } from '../stores/hooks';
import { LoadView } from '../components/LoadView';
import { PanelTitle } from '../components/PanelTitle';
import { KeyValue } from '../components/KeyValue';
import { NoteButton } from '../components/NoteButton';
import { Problems } from '../components/Problems';
import { visible } from '../util/text';
import { copyText } from '../util/clipboard';
import { PythonStack } from './PythonStack';
import { tabArrowKeys } from '../util/tablist';

function registersText(t: ThreadInfo): string {
  const group = (name: string, regs: RegisterValue[]): string => (regs.length ? `# ${name}\n` + regs.map((r) => `${r.name.padEnd(10)} ${r.value}${r.points?.mapped ? `  ${r.points.text}` : ''}`).join('\n') + '\n' : '');
  return `# pid ${t.pid} tid ${t.tid} (${t.name}) ${t.arch}\n` + group('general', t.general) + group('segment', t.segment) + group('fpu', t.fpu) + group('vector', t.vector);
}

/** A register value that is an address mapped in the process (a pointer): the VMA holding it, else undefined. */
function mappedVma(value: string, vmas: VmaInfo[] | undefined): VmaInfo | undefined {
  if (!vmas || !/^0x[0-9a-f]{1,16}$/.test(value)) return undefined;
  const a = BigInt(value);
  if (a === 0n) return undefined;
  return vmas.find((v) => BigInt(v.start) <= a && a < BigInt(v.end));
}

/**
 * What a general register's value points at (the service's symbolizer): a mapped value is a link to the hex
 * view at that address, which also selects its VMA in the memory map, labelled with its symbol
 * (`libc.so.6!clock_nanosleep+0x65`) or mapping (`[stack:7]+0x7fee10`); an unmapped one says so and is no link.
 */
function Points({ reg, points, pid, showAddress }: { reg: RegisterValue; points: SymbolizedAddress; pid: number | null; showAddress: (pid: number, a: bigint) => Promise<boolean> }) {
  if (!points.mapped || pid === null) {
    return (
      <span className="reg-at muted" data-testid="reg-unmapped" title={points.noSymbol}>
        {points.mapped ? visible(points.text) : 'not mapped'}
      </span>
    );
  }
  const where = [points.symbol ? visible(points.location) : undefined, points.noSymbol ? `no symbol: ${visible(points.noSymbol)}` : undefined].filter(Boolean).join(' · ');
  // In a file (or when naming failed) a missing symbol is said, with why on hover; heap and stacks have none to miss.
  const missing = !points.symbol && (points.vma?.path !== undefined || points.text === 'no symbol') ? (
    <span className="muted reg-nosym" data-testid="reg-nosym" title={visible(points.noSymbol ?? '')}>
      no symbol
    </span>
  ) : null;
  return (
    <>
      <button
        className="link reg-go reg-at"
        data-testid="reg-go"
        data-symbol={points.symbol ? 'yes' : 'no'}
        aria-label={`Show ${reg.name} (${visible(points.text)}) in the hex view`}
        title={`Show ${reg.value} in the hex view${where ? `\n${where}` : ''}`}
        onClick={(e) => {
          e.stopPropagation();
          void showAddress(pid, BigInt(reg.value));
        }}
      >
        {visible(points.text)}
      </button>
      {missing}
    </>
  );
}

function RegisterGroup({ title, regs, wide, testId }: { title: string; regs: RegisterValue[]; wide?: boolean; testId: string }) {
  const { vmas, pid, showAddress } = useKensaShallow((s) => ({ vmas: s.vmas.value, pid: s.selectedPid, showAddress: s.showAddress }));
  const [copied, setCopied] = useState<string | null>(null);
  if (!regs.length) return null;
  return (
    <>
      <h3>
        {title}{' '}
        <button className="link" onClick={() => void copyText(regs.map((r) => `${r.name} ${r.value}`).join('\n')).then(() => setCopied('all'))}>
          copy
        </button>
        {copied ? <span className="muted"> copied {copied}</span> : null}
      </h3>
      <div className={'regs' + (wide ? ' wide' : '') + (regs.some((r) => r.points) ? ' annotated' : '')} data-testid={testId}>
        {regs.map((r) => (
          <div key={r.name} className="reg mono" title="Click to copy" onClick={() => void copyText(r.value).then(() => setCopied(r.name))}>
            <span className="n">{r.name}</span>
            <span className="v">{r.value}</span>
            {r.points ? (
              <Points reg={r} points={r.points} pid={pid} showAddress={showAddress} />
            ) : pid !== null && mappedVma(r.value, vmas) ? (
              <button
                className="link reg-go"
                data-testid="reg-go"
                aria-label={`Show ${r.name} in the hex view`}
                title={`Show ${r.value} in the hex view (${visible(mappedVma(r.value, vmas)!.name) || mappedVma(r.value, vmas)!.kind})`}
                onClick={(e) => {
                  e.stopPropagation();
                  void showAddress(pid, BigInt(r.value));
                }}
              >
                ↗
              </button>
            ) : null}
          </div>
        ))}
      </div>
    </>
  );
}

/** Threads of the selected process with their general, segment and FPU/vector registers (copyable). */
export function ThreadsPanel() {
  const { threads, selectedTid, selectThread, selectedPid, processes, gdbType, gdbAvailable } = useKensaShallow((s) => ({
    threads: s.threads,
    selectedTid: s.selectedTid,
    selectThread: s.selectThread,
    selectedPid: s.selectedPid,
    processes: s.processes,
    gdbType: s.gdbType,
    gdbAvailable: Boolean(s.hello?.capabilities.gdb),
  }));
  const tids = processes.value?.find((p) => p.pid === selectedPid)?.tids ?? [];
  const [showVector, setShowVector] = useState<'xmm' | 'all'>('xmm');
  if (selectedPid === null) return <div className="empty">Select a process in the process tree.</div>;
  return (
    <div data-testid="panel-threads">
      <PanelTitle title="Threads & registers" sub={`process ${selectedPid}`} />
      <Problems members={['pstree.img', ...tids.map((t) => `core-${t}.img`)]} />
      <LoadView load={threads} what="threads">
        {(list) => {
          const t = list.find((x) => x.tid === selectedTid) ?? list[0];
          if (!t) return <div className="muted">No thread state (core image) for this process.</div>;
          const vector = showVector === 'all' ? t.vector : t.vector.filter((r) => r.bits <= 128);
          return (
            <>
              <div className="tabs" role="tablist" aria-label="Threads" onKeyDown={(e) => tabArrowKeys(e, list.length, list.indexOf(t), (i) => selectThread(list[i].tid))}>
                {list.map((x) => (
                  <button key={x.tid} role="tab" aria-selected={x.tid === t.tid} tabIndex={x.tid === t.tid ? 0 : -1} onClick={() => selectThread(x.tid)} data-tid={x.tid}>
                    tid {x.tid} <span className="muted">{visible(x.name)}</span>
                  </button>
                ))}
              </div>
              <div className="row">
                <span>
                  {t.arch}
                  {t.syscall !== undefined ? (
                    <>
                      {' · '}blocked in syscall {t.syscall}
                      {t.syscallName ? ` (${t.syscallName})` : ''} — CRIU rewound it: the instruction pointer is at the <code>syscall</code> instruction
                    </>
                  ) : null}
                </span>
                <span style={{ flex: 1 }} />
                {t.gdbThread ? (
                  <button
                    data-testid="thread-bt"
                    disabled={!gdbAvailable}
                    title={gdbAvailable ? `In the gdb terminal of process ${t.pid}: thread ${t.gdbThread} (tid ${t.tid}), then bt` : 'gdb is not available'}
                    onClick={() => void gdbType(t.pid, `thread ${t.gdbThread}\rbt\r`)}
                  >
                    bt in gdb
                  </button>
                ) : null}
                <button onClick={() => void copyText(registersText(t))}>Copy all registers</button>
                <NoteButton target={{ kind: 'thread', pid: t.pid, tid: t.tid }} label={`thread ${t.tid} of process ${t.pid}`} />
              </div>
              <PythonStack pid={t.pid} tid={t.tid} />
              <RegisterGroup title="General" regs={t.general} testId="regs-general" />
              <RegisterGroup title="Segment" regs={t.segment} testId="regs-segment" />
              <RegisterGroup title="FPU" regs={t.fpu} testId="regs-fpu" />
              <h3 style={{ marginBottom: 0 }}>
                <label>
                  <input type="checkbox" checked={showVector === 'all'} onChange={(e) => setShowVector(e.target.checked ? 'all' : 'xmm')} /> show ymm/zmm/k
                </label>
              </h3>
              <RegisterGroup title="Vector" regs={vector} wide testId="regs-vector" />
              {t.creds ? (
                <>
                  <h3>Credentials</h3>
                  <KeyValue
                    rows={[
                      ['uid / euid', `${t.creds.uid} / ${t.creds.euid}`],
                      ['gid / egid', `${t.creds.gid} / ${t.creds.egid}`],
                      ['groups', t.creds.groups.join(', ') || '—'],
                      ['CapEff', <span className="mono">{t.creds.capEff}</span>],
                      ['CapPrm', <span className="mono">{t.creds.capPrm}</span>],
                      ['CapBnd', <span className="mono">{t.creds.capBnd}</span>],
                      ['no_new_privs', t.creds.noNewPrivs === undefined ? undefined : String(t.creds.noNewPrivs)],
                      ['LSM profile', visible(t.creds.lsmProfile)],
                      ['Blocked signals', t.blockedSignals ? <span className="mono">{t.blockedSignals}</span> : undefined],
                      ['Seccomp mode', t.seccompMode === undefined ? undefined : String(t.seccompMode)],
                    ]}
                  />
                </>
              ) : null}
            </>
          );
        }}
      </LoadView>
    </div>
  );
}
