import { useEffect, useState } from 'react';
import type { DragEvent, KeyboardEvent as ReactKeyboardEvent, ReactElement } from 'react';
import { useKensa, useKensaShallow } from '../stores/hooks';
import type { PanelId } from '../stores/types';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { ErrorMessage } from '../components/ErrorMessage';
import { OverviewPanel } from '../panels/OverviewPanel';
import { ProcessPanel } from '../panels/ProcessPanel';
import { ThreadsPanel } from '../panels/ThreadsPanel';
import { MemoryPanel } from '../panels/memory/MemoryPanel';
import { FilesPanel } from '../panels/FilesPanel';
import { NetworkPanel } from '../panels/NetworkPanel';
import { MountsPanel } from '../panels/MountsPanel';
import { NamespacesPanel } from '../panels/NamespacesPanel';
import { CgroupsPanel } from '../panels/CgroupsPanel';
import { LogsPanel } from '../panels/LogsPanel';
import { StringsPanel } from '../panels/StringsPanel';
import { TerminalPanel } from '../panels/TerminalPanel';
import { CasePanel } from '../panels/CasePanel';
import { YaraPanel } from '../panels/YaraPanel';
import { FindingsPanel } from '../panels/FindingsPanel';
import { PANELS } from './panels';
import { TaskBar } from './TaskBar';
import { Notices } from './Notices';
import { CaseBanner } from './CaseBanner';
import { NoteDialog } from './NoteDialog';
import { visible } from '../util/text';
import type { PreloadBridge } from '#shared/api/bridge';

const PANEL_VIEWS: Record<Exclude<PanelId, 'terminal'>, () => ReactElement> = {
  findings: FindingsPanel,
  overview: OverviewPanel,
  processes: ProcessPanel,
  threads: ThreadsPanel,
  memory: MemoryPanel,
  yara: YaraPanel,
  files: FilesPanel,
  network: NetworkPanel,
  mounts: MountsPanel,
  namespaces: NamespacesPanel,
  cgroups: CgroupsPanel,
  logs: LogsPanel,
  strings: StringsPanel,
  case: CasePanel,
};

/** Panels that fill the content area and scroll inside themselves. */
const FILL: PanelId[] = ['memory', 'yara', 'files', 'terminal'];

function TopBar() {
  const { session, openArchive, pickAndOpen, closeArchive, theme, setTheme, hello, processes, selectedPid, selectProcess } = useKensaShallow((s) => ({
    session: s.session,
    openArchive: s.openArchive,
    pickAndOpen: s.pickAndOpen,
    closeArchive: s.closeArchive,
    theme: s.theme,
    setTheme: s.setTheme,
    hello: s.hello,
    processes: s.processes,
    selectedPid: s.selectedPid,
    selectProcess: s.selectProcess,
  }));
  const [path, setPath] = useState('');
  const [rootfs, setRootfs] = useState('');
  return (
    <header className="topbar">
      <span className="brand" title="Kensa (検査, inspection): container checkpoint forensics">
        Kensa
      </span>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) void openArchive(path.trim(), rootfs.trim() || undefined);
        }}
      >
        <input type="text" aria-label="Archive path" placeholder={session ? 'open another archive or image folder (path)' : 'checkpoint archive or image folder (path on this machine)'} value={path} onChange={(e) => setPath(e.target.value)} data-testid="open-path" />
        <input type="text" aria-label="Root file system (optional)" placeholder="--rootfs (optional)" value={rootfs} onChange={(e) => setRootfs(e.target.value)} style={{ flex: '0 1 170px' }} />
        <button type="submit" disabled={!path.trim()}>
          Open
        </button>
        {hello?.capabilities.fileDialog ? (
          <button type="button" onClick={() => void pickAndOpen()}>
            Browse…
          </button>
        ) : null}
        {session ? (
          <button type="button" onClick={() => void closeArchive()} title="Close the archive">
            Close
          </button>
        ) : null}
      </form>
      {processes.value?.length ? (
        <select aria-label="Selected process" value={selectedPid ?? ''} onChange={(e) => void selectProcess(Number(e.target.value))} data-testid="process-select" style={{ maxWidth: 200 }}>
          {processes.value.map((p) => (
            <option key={p.pid} value={p.pid}>
              {p.pid} {visible(p.comm)}
            </option>
          ))}
        </select>
      ) : null}
      <button onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label="Switch theme" title="Light / dark theme">
        {theme === 'dark' ? '☀' : '☾'}
      </button>
    </header>
  );
}

/** What is loaded, in full: the archive path as opened, its layout, and the root file system given (or none). */
function LoadedLine() {
  const session = useKensa((s) => s.session);
  if (!session) return null;
  return (
    <div className="banner loaded" data-testid="loaded-archive">
      <span>
        Open: <span className="mono" title={visible(session.archive)}>{visible(session.archive)}</span>
      </span>
      <span>{session.layout}</span>
      <span>{session.processes} process{session.processes === 1 ? '' : 'es'}</span>
      <span data-testid="loaded-rootfs" title={session.rootfs ? visible(session.rootfs) : undefined}>
        rootfs: {session.rootfs ? <span className="mono">{visible(session.rootfs)}</span> : <span className="muted">none given (files show the checkpoint's rootfs-diff only)</span>}
      </span>
    </div>
  );
}

function Nav() {
  const { panel, setPanel, pid, processes } = useKensaShallow((s) => ({ panel: s.panel, setPanel: s.setPanel, pid: s.selectedPid, processes: s.processes }));
  const comm = processes.value?.find((p) => p.pid === pid)?.comm;
  const onKey = (e: ReactKeyboardEvent<HTMLElement>): void => {
    const i = PANELS.findIndex((p) => p.id === panel);
    const next = e.key === 'ArrowDown' ? (i + 1) % PANELS.length : e.key === 'ArrowUp' ? (i - 1 + PANELS.length) % PANELS.length : -1;
    if (next < 0) return;
    e.preventDefault();
    setPanel(PANELS[next].id);
    (e.currentTarget.querySelectorAll('[role=tab]')[next] as HTMLElement | undefined)?.focus();
  };
  return (
    <nav className="nav" role="tablist" aria-orientation="vertical" aria-label="Panels" onKeyDown={onKey}>
      {PANELS.map((p) => (
        <button key={p.id} role="tab" aria-selected={panel === p.id} tabIndex={panel === p.id ? 0 : -1} onClick={() => setPanel(p.id)} data-panel={p.id}>
          <span>{p.label}</span>
          <kbd title={`${p.key.toUpperCase()}, or Alt+${p.key.toUpperCase()} while typing`}>{p.key.toUpperCase()}</kbd>
        </button>
      ))}
      <div className="proc">
        {pid !== null ? (
          <>
            Process <strong className="mono">{pid}</strong> {comm ? <span className="mono">{visible(comm)}</span> : null}
          </>
        ) : (
          'No process selected'
        )}
      </div>
    </nav>
  );
}

function Welcome() {
  const { connection, hello } = useKensaShallow((s) => ({ connection: s.connection, hello: s.hello }));
  if (connection === 'connecting') return <div className="empty">Connecting…</div>;
  return (
    <div className="empty" data-testid="welcome">
      <h2>No checkpoint open</h2>
      <p>
        Type the path of a checkpoint archive (tar, tar.gz, tar.zst) or a folder of CRIU images above
        {hello?.capabilities.fileDialog ? ', use Browse…, or drop the archive on this window' : ''}.
      </p>
    </div>
  );
}

export function App({ bridge }: { bridge?: PreloadBridge }) {
  const { panel, setPanel, session, theme, openArchive } = useKensaShallow((s) => ({ panel: s.panel, setPanel: s.setPanel, session: s.session, theme: s.theme, openArchive: s.openArchive }));
  const pushError = useKensa((s) => s.pushError);
  const [dragging, setDragging] = useState(false);
  const [terminalOpened, setTerminalOpened] = useState(false);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    if (panel === 'terminal') setTerminalOpened(true);
  }, [panel]);

  useEffect(() => {
    // Panel keys: Alt+key anywhere (the desktop app), or the bare key when not typing (browsers keep Alt+digit
    // for their own tabs on Linux).
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey) return;
      const target = e.target as HTMLElement | null;
      const typing = !!target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || !!target.closest('.xterm, .gdb-pending'));
      if (!e.altKey && (typing || e.shiftKey)) return;
      const p = PANELS.find((x) => x.key === e.key.toLowerCase() || (e.altKey && e.code === `Digit${x.key}`) || (e.altKey && e.code === `Key${x.key.toUpperCase()}`));
      if (p) {
        e.preventDefault();
        setPanel(p.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setPanel]);

  // Drag and drop: Electron knows the dropped file's path; a browser page is never told it.
  const onDrop = (e: DragEvent): void => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (!file) return;
    const p = bridge?.pathForFile(file) ?? '';
    if (p) void openArchive(p);
    else pushError('Opening a dropped file', { kind: 'unavailable', message: 'a browser does not tell the page where a dropped file is: type its path instead' });
  };

  const View = panel !== 'terminal' ? PANEL_VIEWS[panel] : null;
  return (
    <div
      className={'app' + (dragging ? ' drop-hint' : '')}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <TopBar />
      <LoadedLine />
      <CaseBanner />
      <Notices />
      <div className="main">
        <Nav />
        <main className={'content' + (FILL.includes(panel) ? ' fill' : '')} data-testid="content">
          {!session && panel !== 'case' ? (
            <Welcome />
          ) : (
            <>
              {View ? (
                <ErrorBoundary name={PANELS.find((p) => p.id === panel)!.label} resetKey={`${panel}:${session?.openedAt}`}>
                  <View />
                </ErrorBoundary>
              ) : null}
              {terminalOpened ? (
                <ErrorBoundary name="gdb terminal" resetKey={session?.openedAt}>
                  <TerminalPanel visiblePanel={panel === 'terminal'} />
                </ErrorBoundary>
              ) : null}
            </>
          )}
        </main>
      </div>
      <TaskBar />
      <NoteDialog />
    </div>
  );
}

export function FatalError({ message }: { message: string }) {
  return (
    <div style={{ padding: 20 }}>
      <ErrorMessage context="Kensa could not start" error={{ kind: 'unavailable', message }} />
    </div>
  );
}
