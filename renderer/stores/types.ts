/**
 * The shape of the one store (zustand, one bound store made of slices). Metadata
 * only: memory pages live in the page cache (memory/page-cache.ts) and terminal bytes go straight to xterm
 * (terminal/terminal-bus.ts), never through React state.
 */
import type {
  WrittenReport,
  ApiError, SearchHitInfo, CaseInfo, CgroupInfo, EvidenceHash, FdInfo, HelloInfo, KensaClient, LogInfo, MountsInfo, NamespacesInfo, NoteTarget,
  OverviewInfo, ProcessInfo, ProgressEvent, Result, RootfsTree, SearchRequest, SearchResult, SessionInfo, SocketInfo, ThreadInfo, VmaInfo,
  YaraScanRequest, YaraScanResult, EvidencePointer, TriageResult, VerifyReport,
} from '#shared/api/contract';

export interface Load<T> {
  status: 'idle' | 'loading' | 'ready' | 'error';
  value?: T;
  error?: ApiError;
}

export const IDLE: Load<never> = { status: 'idle' };

export type PanelId = 'findings' | 'overview' | 'processes' | 'threads' | 'memory' | 'yara' | 'files' | 'network' | 'mounts' | 'namespaces' | 'cgroups' | 'logs' | 'strings' | 'terminal' | 'case';

export interface ArchiveSlice {
  connection: 'connecting' | 'ready' | 'error';
  hello: HelloInfo | null;
  session: SessionInfo | null;
  overview: Load<OverviewInfo>;
  processes: Load<ProcessInfo[]>;
  hashes: Load<EvidenceHash[]>;
  /** Ask the host who we are and what is open; load it. */
  init(): Promise<void>;
  openArchive(path: string, rootfs?: string): Promise<boolean>;
  pickAndOpen(): Promise<void>;
  closeArchive(): Promise<void>;
  /** The open archive changed (our own open, another client's, the desktop shell's). */
  applySession(session: SessionInfo | null): Promise<void>;
  hashEvidence(): Promise<void>;
}

export interface ProcessSlice {
  selectedPid: number | null;
  selectedTid: number | null;
  threads: Load<ThreadInfo[]>;
  vmas: Load<VmaInfo[]>;
  fds: Load<FdInfo[]>;
  cgroups: Load<CgroupInfo[]>;
  /** Select a process: every per-process panel follows. */
  selectProcess(pid: number): Promise<void>;
  selectThread(tid: number): void;
}

export interface MemoryView {
  pid: number;
  /** The range shown: one VMA. */
  start: bigint;
  end: bigint;
  cursor: bigint;
  /** Selected bytes [start, end). */
  selection: { start: bigint; end: bigint } | null;
  /** Bumped on every jump, so the hex view scrolls even to the same address again. */
  serial: number;
}

export interface SearchState {
  status: 'idle' | 'running' | 'done' | 'error' | 'cancelled';
  request?: SearchRequest;
  result?: SearchResult;
  error?: ApiError;
  taskId?: string;
  /** Hits streamed in while the search runs (the reply's list replaces them when it is done). */
  streamed?: SearchHitInfo[];
  /** Which hit was last opened. */
  activeHit?: number;
}

export interface MemorySlice {
  view: MemoryView | null;
  search: SearchState;
  /** Links between panels: `address` of `pid` in the hex view (Memory panel); false (and a notice) when it is not mapped. */
  showAddress(pid: number, address: bigint, length?: number): Promise<boolean>;
  /** Links between panels: search every process's memory for this text (Memory panel). */
  searchMemoryFor(text: string): Promise<void>;
  showVma(pid: number, vma: VmaInfo): void;
  /** Show `address` of `pid` in the hex view (selecting the process first), selecting `length` bytes. */
  jumpTo(pid: number, address: bigint, length?: number): Promise<Result<null>>;
  setCursor(address: bigint, extend?: boolean): void;
  /** A batch of hits of the running search (the `searchHits` event). */
  searchHitsArrived(e: { taskId: string; hits: SearchHitInfo[] }): void;
  setSelection(selection: { start: bigint; end: bigint } | null): void;
  runSearch(request: SearchRequest): Promise<void>;
  cancelSearch(): Promise<void>;
  openHit(index: number): Promise<void>;
}

export interface YaraState {
  status: 'idle' | 'running' | 'done' | 'error' | 'cancelled';
  request?: YaraScanRequest;
  result?: YaraScanResult;
  error?: ApiError;
  /** Which match was last opened. */
  activeMatch?: number;
}

export interface YaraSlice {
  yara: YaraState;
  runYara(request: YaraScanRequest): Promise<void>;
  cancelYara(): Promise<void>;
  /** Show a memory match in the hex view (Memory panel), its bytes selected; a file match in the Files panel. */
  openYaraMatch(index: number): Promise<void>;
}

export interface TriageSlice {
  /** The open archive's triage (main/core/triage), run once per archive when the Findings page shows. */
  triage: Load<TriageResult>;
  runTriage(): Promise<void>;
  /** Follow an evidence pointer: the process, its VMA or bytes in the hex view, its socket, fd or file. */
  openEvidence(e: EvidencePointer): Promise<void>;
}

export interface DetailsSlice {
  rootfs: Load<RootfsTree>;
  sockets: Load<SocketInfo[]>;
  mounts: Load<MountsInfo>;
  namespaces: Load<NamespacesInfo>;
  logs: Load<LogInfo[]>;
  /** The rootfs-diff member open in the viewer. */
  openMember: string | null;
  /** The socket whose detail the Network panel shows (a process's fd). */
  selectedSocket: { pid: number; fd: number } | null;
  ensureDetail(name: 'rootfs' | 'sockets' | 'mounts' | 'namespaces' | 'logs'): Promise<void>;
  openFile(member: string | null): void;
  /** Show a socket's detail in the Network panel; `withProcess` also selects its process (the peer link). */
  selectSocket(pid: number, fd: number, withProcess?: boolean): Promise<void>;
}

export interface TerminalSession {
  sessionId: string;
  pid: number;
  /** The archive it was started on (sessions end with it). */
  archive: string;
  argv: string[];
  corePath: string;
  status: 'running' | 'exited';
  exitCode?: number;
  signal?: number;
}

export interface TerminalSlice {
  sessions: TerminalSession[];
  activeSession: string | null;
  gdbStarting: boolean;
  gdbError: ApiError | null;
  /** Keys typed while a session starts: sent to it once gdb shows its first prompt. */
  heldInput: string;
  holdInput(data: string): void;
  /** `input`: typed into the new session at its first prompt (as keys held while it starts are). */
  startGdb(pid: number, cols: number, rows: number, input?: string): Promise<void>;
  /** Show the gdb terminal of a process (its running session, else a new one) and type `text` there. */
  gdbType(pid: number, text: string): Promise<void>;
  killGdb(sessionId: string): Promise<void>;
  setActiveSession(sessionId: string | null): void;
  gdbExited(e: { sessionId: string; exitCode: number; signal?: number }): void;
}

export interface TaskView {
  taskId: string;
  label: string;
  phase: string;
  done: number;
  total: number;
}

export interface Notice {
  id: number;
  /** What the user was doing (`Opening archive`, `Search`). */
  context: string;
  error: ApiError;
}

export interface UiSlice {
  panel: PanelId;
  theme: 'light' | 'dark';
  tasks: TaskView[];
  notices: Notice[];
  /**
   * The note being written: its target, the evidence it is about (the open archive's id in the case when it
   * was begun; undefined when that archive is not in the case) and its text so far (kept across panel switches).
   */
  noteDraft: { target: NoteTarget; label: string; archive: string | undefined; evidenceId: string | undefined; text: string } | null;
  setPanel(panel: PanelId): void;
  setTheme(theme: 'light' | 'dark'): void;
  pushError(context: string, error: ApiError): void;
  dismissNotice(id: number): void;
  taskProgress(e: ProgressEvent): void;
  /** Run long work as a task: shown with a progress bar and a Cancel button while it runs. */
  runTask<T>(label: string, work: (taskId: string) => Promise<Result<T>>): Promise<Result<T>>;
  cancelTask(taskId: string): Promise<void>;
  beginNote(target: NoteTarget, label: string): void;
  setNoteText(text: string): void;
  /** The fd a link (a socket row) pointed at, marked in the Files panel. */
  focusFd: { pid: number; fd: number | string } | null;
  /** Links between panels: select `pid` and show its fd `fd` in the Files panel. */
  openFd(pid: number, fd: number | string): Promise<void>;
  cancelNote(): void;
}

export interface CaseSlice {
  caseInfo: Load<CaseInfo>;
  verification: Load<VerifyReport>;
  lastReport: WrittenReport | null;
  refreshCase(): Promise<void>;
  openCase(dir: string, create: boolean, analyst?: string, title?: string): Promise<boolean>;
  addEvidence(): Promise<void>;
  verifyCase(): Promise<void>;
  saveNote(text: string): Promise<boolean>;
  writeReport(format: 'html' | 'pdf' | 'json'): Promise<void>;
}

export type KensaState = ArchiveSlice & ProcessSlice & MemorySlice & YaraSlice & TriageSlice & DetailsSlice & TerminalSlice & UiSlice & CaseSlice & {
  /** The API client the store talks to (also used by views that fetch bytes outside the store). */
  readonly client: KensaClient;
};
