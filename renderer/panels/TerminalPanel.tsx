import { useCallback, useEffect, useRef } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { useKensa, useKensaShallow, useKensaStore } from '../stores/hooks';
import { useTerminalBus } from '../terminal/context';
import { PanelTitle } from '../components/PanelTitle';
import { ErrorMessage } from '../components/ErrorMessage';
import { visible } from '../util/text';
import { copyText } from '../util/clipboard';
import { tabArrowKeys } from '../util/tablist';
import { PANELS } from '../app/panels';

/** gdb's prompts that mean it reads the keyboard: input typed before one of them is held until it shows. */
const GDB_READY = /\(gdb\) |--Type <RET>|\(y or n\) /;

/**
 * Keys the terminal leaves to the workstation (the keyboard way out, README › Workstation): Alt+panel key
 * switches panels, F6 moves the focus to the session tabs. Everything else goes to gdb (Escape and Tab are
 * readline's).
 */
function isWorkstationKey(e: KeyboardEvent): boolean {
  if (e.key === 'F6') return true;
  if (!e.altKey || e.ctrlKey || e.metaKey) return false;
  return PANELS.some((p) => e.code === `Digit${p.key}` || e.code === `Key${p.key.toUpperCase()}`);
}

/** One gdb session: xterm.js on the host's pty. Bytes go bus -> xterm, keys xterm -> gdbInput; never React state. */
function TerminalView({ sessionId, active, takeHeld }: { sessionId: string; active: boolean; takeHeld: () => string }) {
  const host = useRef<HTMLDivElement>(null);
  const client = useKensa((s) => s.client);
  const bus = useTerminalBus();
  const fitRef = useRef<(() => void) | null>(null);
  const termRef = useRef<Terminal | null>(null);

  useEffect(() => {
    const el = host.current!;
    const term = new Terminal({
      cursorBlink: true,
      fontFamily: "'DejaVu Sans Mono', 'Noto Sans Mono', Menlo, Consolas, monospace",
      fontSize: 13,
      scrollback: 10000,
      allowProposedApi: false,
      // gdb prints addresses in blue: xterm's default blue (#2472c8) is too dark on black to read.
      theme: { background: '#000000', foreground: '#e3e6ea', blue: '#6cb2ff', brightBlue: '#9ccbff' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(el);
    termRef.current = term;
    let last = '';
    const refit = (): void => {
      if (!el.offsetParent) return; // hidden: nothing to measure
      try {
        fit.fit();
      } catch {
        return;
      }
      const size = `${term.cols}x${term.rows}`;
      if (size !== last) {
        last = size;
        void client.gdbResize({ sessionId, cols: term.cols, rows: term.rows });
      }
    };
    fitRef.current = refit;
    // Keys typed before gdb's first prompt (also while its core was being written) wait for it.
    let ready = false;
    let held = takeHeld();
    const detach = bus.attach(sessionId, (data) => {
      term.write(data);
      if (!ready && GDB_READY.test(data)) {
        ready = true;
        host.current?.setAttribute('data-ready', 'true');
        if (held) void client.gdbInput({ sessionId, data: held });
        held = '';
      }
    });
    const input = term.onData((data) => {
      if (ready) void client.gdbInput({ sessionId, data });
      else held = (held + data).slice(-4096);
    });
    // Copy and paste with Ctrl+Shift+C / Ctrl+Shift+V (Ctrl+C stays gdb's interrupt).
    term.attachCustomKeyEventHandler((e) => {
      if (isWorkstationKey(e)) {
        if (e.type === 'keydown' && e.key === 'F6') {
          e.preventDefault();
          (el.closest('.terminal-panel')?.querySelector('[role=tab][aria-selected=true]') as HTMLElement | null)?.focus();
        }
        return false; // not for gdb: the window's panel keys see it
      }
      if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === 'KeyC') {
        if (term.hasSelection()) void copyText(term.getSelection());
        return false;
      }
      if (e.code === 'KeyV') {
        void navigator.clipboard?.readText().then((t) => t && term.paste(t)).catch(() => undefined);
        return false;
      }
      return true;
    });
    let timer: number | undefined;
    const ro = new ResizeObserver(() => {
      window.clearTimeout(timer);
      timer = window.setTimeout(refit, 50);
    });
    ro.observe(el);
    refit();
    return () => {
      ro.disconnect();
      window.clearTimeout(timer);
      input.dispose();
      detach();
      term.dispose();
      termRef.current = null;
    };
  }, [sessionId, client, bus, takeHeld]);

  useEffect(() => {
    if (active) {
      fitRef.current?.();
      // Arrow keys on the session tabs keep the focus there; otherwise the shown terminal takes the keys.
      if (document.activeElement?.getAttribute('role') !== 'tab') termRef.current?.focus();
    }
  }, [active]);

  return <div ref={host} className={'terminal-host' + (active ? '' : ' hidden')} data-testid={`terminal-${sessionId}`} data-session={sessionId} />;
}

/** gdb terminals: one per started session, on the generated core with the settings of `kensa gdb`. */
export function TerminalPanel({ visiblePanel }: { visiblePanel: boolean }) {
  const { sessions, activeSession, startGdb, killGdb, setActiveSession, gdbStarting, gdbError, pid, hello, processes, session, holdInput } = useKensaShallow((s) => ({
    holdInput: s.holdInput,
    sessions: s.sessions,
    activeSession: s.activeSession,
    startGdb: s.startGdb,
    killGdb: s.killGdb,
    setActiveSession: s.setActiveSession,
    gdbStarting: s.gdbStarting,
    gdbError: s.gdbError,
    pid: s.selectedPid,
    hello: s.hello,
    processes: s.processes,
    session: s.session,
  }));
  const area = useRef<HTMLDivElement>(null);
  const pending = useRef<HTMLDivElement>(null);
  const store = useKensaStore();
  const takeHeld = useCallback((): string => {
    const held = store.getState().heldInput;
    store.setState({ heldInput: '' });
    return held;
  }, [store]);
  useEffect(() => {
    if (gdbStarting && visiblePanel) pending.current?.focus();
  }, [gdbStarting, visiblePanel]);
  const activeIndex = sessions.findIndex((s) => s.sessionId === activeSession);
  const caps = hello?.capabilities;
  const active = sessions.find((s) => s.sessionId === activeSession);
  const comm = processes.value?.find((p) => p.pid === pid)?.comm;
  const start = (): void => {
    if (pid === null) return;
    const w = area.current?.clientWidth ?? 900;
    const h = area.current?.clientHeight ?? 500;
    void startGdb(pid, Math.max(20, Math.floor((w - 20) / 7.8)), Math.max(5, Math.floor((h - 10) / 17)));
  };
  return (
    <div className="terminal-panel" data-testid="panel-terminal" style={visiblePanel ? undefined : { display: 'none' }}>
      <PanelTitle title="gdb" sub={active ? <span className="argv" title={visible(active.argv.join(' '))}>{visible(active.argv.join(' '))}</span> : undefined}>
        <button className="primary nowrap" onClick={start} disabled={!caps?.gdb || pid === null || gdbStarting} data-testid="gdb-start">
          {gdbStarting ? 'Writing core…' : `New gdb session for process ${pid ?? '—'}${comm ? ` (${visible(comm)})` : ''}`}
        </button>
      </PanelTitle>
      {caps && !caps.gdb ? (
        <ErrorMessage error={{ kind: 'tool', message: caps.gdbMessage ?? 'gdb is not available', hint: /not installed/.test(caps.gdbMessage ?? '') ? 'apt-get install gdb' : undefined }} context="gdb terminal" />
      ) : null}
      {gdbError ? <ErrorMessage context="Starting gdb" error={gdbError} /> : null}
      {sessions.length ? (
        <div className="tabs" role="tablist" aria-label="gdb sessions" onKeyDown={(e) => tabArrowKeys(e, sessions.length, activeIndex, (i) => setActiveSession(sessions[i].sessionId))}>
          {sessions.map((s) => (
            <span key={s.sessionId} className="row" style={{ gap: 2 }}>
              <button role="tab" aria-selected={s.sessionId === activeSession} tabIndex={s.sessionId === activeSession ? 0 : -1} onClick={() => setActiveSession(s.sessionId)} data-session={s.sessionId} title={visible(s.archive)}>
                pid {s.pid} · {visible(baseName(s.archive))} · {s.sessionId}
                {s.status === 'exited' ? ` (exited ${s.exitCode ?? ''})` : ''}
              </button>
              {s.status === 'running' ? (
                <button title="Stop this gdb" aria-label={`Stop ${s.sessionId}`} onClick={() => void killGdb(s.sessionId)}>
                  ■
                </button>
              ) : null}
            </span>
          ))}
        </div>
      ) : (
        <div className="muted">
          Start gdb on the selected process: Kensa writes an ELF core from the checkpoint and opens gdb on it{session?.rootfs ? ' with the image root file system as sysroot' : ' (give the image root file system with --rootfs for symbols of shared libraries)'}. Ctrl+Shift+C / Ctrl+Shift+V copy and paste.
        </div>
      )}
      <div className="muted small" data-testid="terminal-keys">
        Keys go to gdb, except Alt+panel key (switch panel) and F6 (to the session tabs; ←/→ move between them, Tab onwards). Sessions end when their archive is closed.
      </div>
      {gdbStarting ? (
        <div
          ref={pending}
          tabIndex={0}
          className="gdb-pending"
          data-testid="gdb-pending"
          onKeyDown={(e) => {
            // Keys typed while the core is written are held for the new session, never the previous one.
            const data = e.key === 'Enter' ? '\r' : e.key === 'Backspace' ? '\x7f' : e.key.length === 1 && !e.ctrlKey && !e.altKey && !e.metaKey ? e.key : '';
            if (!data) return;
            e.preventDefault();
            holdInput(data);
          }}
        >
          Writing the core of process {pid} and starting gdb… what you type now is sent once gdb shows its prompt.
        </div>
      ) : null}
      <div ref={area} style={{ flex: 1, display: 'flex', minHeight: 0 }}>
        {sessions.map((s) => (
          <TerminalView key={s.sessionId} sessionId={s.sessionId} active={visiblePanel && !gdbStarting && s.sessionId === activeSession} takeHeld={takeHeld} />
        ))}
      </div>
    </div>
  );
}

function baseName(p: string): string {
  return p.replace(/\/+$/, '').split('/').pop() || p;
}
