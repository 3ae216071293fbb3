/**
 * The workstation's API: one interface (`KensaApi`) and one event map (`KensaEvents`), bound to two
 * transports (Electron IPC through the preload, and the localhost WebSocket of `kensa serve`) by the same
 * message protocol (./rpc.ts). The renderer receives a `KensaClient` and never learns which transport it
 * is on; main/services implements `KensaApi` over main/core.
 *
 * Rules every type here follows, so that a value survives structured clone and JSON unchanged:
 * - JSON-safe only: no bigint, no Buffer, no Date, no class instances, no undefined inside arrays.
 * - 64-bit values (addresses, register values, masks) are lowercase `"0x…"` strings (`Hex64`).
 * - Byte blocks are base64 strings; short byte strings shown to the analyst are lowercase hex.
 * - Errors are data: every method resolves to a `Result`, never rejects (a rejected promise across IPC
 *   arrives as little more than a message; VS Code's ipcMain notes). The error carries the archive, the
 *   member and the byte offset when the problem came from the evidence.
 * - Strings that come from the archive are untrusted text: the renderer shows them as text, never as
 *   markup, a link or an image.
 *
 * Pure TypeScript (no Node, no DOM), so both sides compile it. The types live by area in ./common.ts,
 * ./session.ts, ./processes.ts, ./memory.ts, ./files.ts, ./cores.ts, ./yara.ts, ./triage.ts, ./python.ts and
 * ./case.ts; this file is their index (importers keep importing from here) and holds the interface itself.
 */
import type { StringsRequest, StringsResult } from './strings';
import type { CaseInfo, CaseOpenRequest, NoteRecord, NoteRequest, ReportRequest, VerifyReport, WrittenReport } from './case';
import type { Hex64, Result, TaskRequest } from './common';
import type { CoreWriteInfo, CoreWriteRequest, GdbSessionInfo, GdbStartRequest } from './cores';
import type { CgroupInfo, FdInfo, FileChunk, LogInfo, MountsInfo, NamespacesInfo, ReadFileRequest, RootfsTree, SocketInfo } from './files';
import type { MemoryChunk, ReadMemoryRequest, SearchHitInfo, SearchRequest, SearchResult, VmaInfo } from './memory';
import type { ProcessDetails, ProcessInfo, ThreadInfo } from './processes';
import type { RootfsDirListing, RootfsDirRequest } from './rootfs';
import type { SocketDetail, SocketDetailRequest, SocketQueueChunk, SocketQueueRequest } from './sockets';
import type { PythonLocalsInfo, PythonStacksInfo } from './python';
import type { Capabilities, EvidenceHash, HelloInfo, OpenArchiveRequest, OverviewInfo, SessionInfo } from './session';
import type { TriageRequest, TriageResult } from './triage';
import type { YaraScanRequest, YaraScanResult } from './yara';

export * from './common';
export * from './session';
export * from './processes';
export * from './memory';
export * from './files';
export * from './cores';
export * from './yara';
export * from './case';
export * from './triage';
export * from './strings';
export * from './python';
export * from './rootfs';
export * from './sockets';
export * from './symbols';

// ---------------------------------------------------------------------------------------------------------
// The interface

/**
 * Every call takes at most one plain-object argument and resolves to a Result. Methods are listed in
 * API_METHODS (below); transports refuse any other name.
 */
export interface KensaApi {
  /** Version, capabilities and the archive open now. */
  hello(): Promise<Result<HelloInfo>>;
  /** Open an archive (decompressing it into the cache first when compressed: progress + cancel). */
  openArchive(req: OpenArchiveRequest): Promise<Result<SessionInfo>>;
  closeArchive(): Promise<Result<null>>;
  /** Electron: a native file dialog; browser mode answers 'unavailable' (type the path). */
  pickArchive(): Promise<Result<string | null>>;
  session(): Promise<Result<SessionInfo | null>>;
  overview(): Promise<Result<OverviewInfo>>;
  /** SHA-256 of the evidence (the archive file, or every file of an evidence folder): progress + cancel. */
  hashEvidence(req?: TaskRequest): Promise<Result<EvidenceHash[]>>;
  /** Stop a task started with this taskId; `cancelled` is false when no such task is running. */
  cancel(req: { taskId: string }): Promise<Result<{ cancelled: boolean }>>;

  /** One process in detail: exe, argv, cwd, root, environment, credentials with capability names, seccomp. */
  processDetails(req: { pid: number }): Promise<Result<ProcessDetails>>;
  processes(): Promise<Result<ProcessInfo[]>>;
  threads(req: { pid: number }): Promise<Result<ThreadInfo[]>>;
  vmas(req: { pid: number }): Promise<Result<VmaInfo[]>>;
  readMemory(req: ReadMemoryRequest): Promise<Result<MemoryChunk>>;
  search(req: SearchRequest): Promise<Result<SearchResult>>;
  /** YARA rules over the open checkpoint (progress + cancel); recorded in the open case. */
  yaraScan(req: YaraScanRequest): Promise<Result<YaraScanResult>>;
  /** Every triage rule over the open archive (main/core/triage), run once per archive and kept: progress + cancel. */
  triage(req?: TriageRequest): Promise<Result<TriageResult>>;

  fds(req: { pid: number }): Promise<Result<FdInfo[]>>;
  rootfsTree(): Promise<Result<RootfsTree>>;
  /** One directory of the image's root file system merged with rootfs-diff.tar, with added/changed/deleted badges. */
  rootfsDir(req: RootfsDirRequest): Promise<Result<RootfsDirListing>>;
  readFile(req: ReadFileRequest): Promise<Result<FileChunk>>;
  /** Sockets of one process, or of every process without a pid. */
  sockets(req?: { pid?: number }): Promise<Result<SocketInfo[]>>;
  /** One socket in detail: entry, options, TCP stream (seq numbers, windows), queues, unix peer (shared/api/sockets.ts). */
  socketDetail(req: SocketDetailRequest): Promise<Result<SocketDetail>>;
  /** Bytes of one of a socket's queues (`recv`, `send`, `packet:N`): at most 1 MiB per call. */
  socketQueue(req: SocketQueueRequest): Promise<Result<SocketQueueChunk>>;
  mounts(): Promise<Result<MountsInfo>>;
  namespaces(): Promise<Result<NamespacesInfo>>;
  cgroups(req: { pid: number }): Promise<Result<CgroupInfo[]>>;
  logs(): Promise<Result<LogInfo[]>>;

  writeCore(req: CoreWriteRequest): Promise<Result<CoreWriteInfo>>;
  gdbStart(req: GdbStartRequest): Promise<Result<GdbSessionInfo>>;
  gdbInput(req: { sessionId: string; data: string }): Promise<Result<null>>;
  gdbResize(req: { sessionId: string; cols: number; rows: number }): Promise<Result<null>>;
  gdbKill(req: { sessionId: string }): Promise<Result<null>>;

  caseStatus(): Promise<Result<CaseInfo>>;
  caseOpen(req: CaseOpenRequest): Promise<Result<CaseInfo>>;
  /** Hash the open archive into the case (progress + cancel). */
  caseAddEvidence(req?: TaskRequest): Promise<Result<CaseInfo>>;
  caseVerify(req?: TaskRequest): Promise<Result<VerifyReport>>;
  addNote(req: NoteRequest): Promise<Result<NoteRecord>>;
  writeReport(req: ReportRequest): Promise<Result<WrittenReport>>;
  /** Open the open case's report `name` (in its reports/ folder) in the system's viewer: Electron only (capability openReport). */
  openCaseReport(req: { name: string }): Promise<Result<null>>;

  /** Every thread's Python stack in a process (no locals); `available: false` says why there is none. */
  pythonStacks(req: { pid: number }): Promise<Result<PythonStacksInfo>>;
  /** The locals of one Python frame, named by its address from pythonStacks. */
  pythonLocals(req: { pid: number; frame: Hex64 }): Promise<Result<PythonLocalsInfo>>;

  // Strings per process (shared/api/strings.ts)
  /** Printable strings of one process's memory with their addresses, as `kensa strings` (progress + cancel). */
  strings(req: StringsRequest): Promise<Result<StringsResult>>;
}

export type ApiMethod = keyof KensaApi;

/** Every method name once; the record type makes the compiler reject a missing or extra name. */
const METHOD_TABLE: Record<ApiMethod, true> = {
  hello: true, openArchive: true, closeArchive: true, pickArchive: true, session: true, overview: true, hashEvidence: true, cancel: true,
  processes: true, processDetails: true, threads: true, vmas: true, readMemory: true, search: true, yaraScan: true, triage: true,
  fds: true, rootfsTree: true, rootfsDir: true, readFile: true, sockets: true, socketDetail: true, socketQueue: true, mounts: true, namespaces: true, cgroups: true, logs: true,
  writeCore: true, gdbStart: true, gdbInput: true, gdbResize: true, gdbKill: true,
  caseStatus: true, caseOpen: true, caseAddEvidence: true, caseVerify: true, addNote: true, writeReport: true, openCaseReport: true,
  pythonStacks: true, pythonLocals: true,
  strings: true,
};
export const API_METHODS: readonly ApiMethod[] = Object.keys(METHOD_TABLE) as ApiMethod[];

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(METHOD_TABLE, name);
}

// ---------------------------------------------------------------------------------------------------------
// Events

export interface ProgressEvent {
  taskId: string;
  /** `hashing`, `decompressing`, `searching`, `writing core`, ... */
  phase: string;
  done: number;
  /** 0 when unknown. */
  total: number;
}

export interface KensaEvents {
  /** Long work advanced (throttled to about 10 per second per task). */
  progress: ProgressEvent;
  /** The open archive changed (opened from the command line, a drop, another tab) or was closed. */
  session: SessionInfo | null;
  /** gdb output, batched (~16 ms), decoded as a UTF-8 stream. */
  gdbData: { sessionId: string; data: string };
  gdbExit: { sessionId: string; exitCode: number; signal?: number };
  /** Hits of a running search as they are found (batched, ~10 per second), before its reply lists them all. */
  searchHits: { taskId: string; hits: SearchHitInfo[] };
}

export type EventName = keyof KensaEvents;

const EVENT_TABLE: Record<EventName, true> = { progress: true, session: true, gdbData: true, gdbExit: true, searchHits: true };

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(EVENT_TABLE, name);
}

/** What the renderer holds: the API plus event subscriptions (each returns its unsubscribe). */
export interface KensaClient extends KensaApi {
  readonly transport: Capabilities['transport'];
  on<E extends EventName>(event: E, listener: (payload: KensaEvents[E]) => void): () => void;
}
