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
 * Pure TypeScript (no Node, no DOM), so both sides compile it; the case records are in ./case.ts.
 */
import type { EvidenceRecord, NoteRecord, NoteTarget, VerifyReport } from './case';

/** `"0x7ffc4dd62088"`: a 64-bit value, lowercase hex, no padding. */
export type Hex64 = string;

/** What went wrong; mirrors main/core's ErrorKind plus what only the services know. */
export type ApiErrorKind =
  | 'format' // the evidence is malformed
  | 'limit' // the evidence exceeds a safety limit (the message names the option that raises it)
  | 'missing' // a member / image / file the operation needs is absent
  | 'usage' // the request is impossible (bad pid, bad address, no archive open)
  | 'io' // the host file system refused
  | 'tool' // an external program or native module is missing (gdb, node-pty); `hint` names the fix
  | 'verify' // evidence verification failed
  | 'cancelled' // the caller cancelled the task
  | 'unavailable' // this build or transport does not offer the operation (yet)
  | 'internal'; // a bug in Kensa, not a problem with the evidence

export interface ApiError {
  kind: ApiErrorKind;
  message: string;
  /** The evidence file or folder. */
  source?: string;
  /** Member inside the archive (`checkpoint/core-6.img`, `rootfs-diff.tar/home/x`). */
  member?: string;
  /** Byte offset within the member (within the decompressed stream for compressed archives). */
  offset?: number;
  /** For 'tool' errors: the package or command that fixes it. */
  hint?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** A problem met while reading the checkpoint; the rest of the result stands. */
export interface ProblemInfo {
  member: string;
  message: string;
  /** One line: `ARCHIVE!MEMBER @OFFSET: message`. */
  text: string;
}

/** Long work (decompression, hashing, core writing, search) takes a caller-chosen task id. */
export interface TaskRequest {
  /** Progress events carry it; `cancel({ taskId })` stops the work. Unique per client. */
  taskId?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Session and overview

export interface Capabilities {
  /** The transport the client is connected through. */
  transport: 'electron' | 'websocket' | 'direct';
  /** A native file dialog exists (Electron). In browser mode the path is typed. */
  fileDialog: boolean;
  /** gdb found on PATH, and the pty module loaded; when false `gdbMessage` says why. */
  gdb: boolean;
  gdbMessage?: string;
  /** Which optional engines this build carries (each lands with its own issue). */
  search: boolean;
  coreWriter: boolean;
  evidenceCase: boolean;
  report: boolean;
}

export interface HelloInfo {
  name: 'kensa';
  version: string;
  capabilities: Capabilities;
  /** The archive open now, if any. */
  session: SessionInfo | null;
}

export interface OpenArchiveRequest extends TaskRequest {
  /** A checkpoint archive (tar, tar.gz, tar.zst) or a folder of CRIU images, as a host path. */
  path: string;
  /** The container image's root file system (folder, tar, OCI layout) for file-backed pages and gdb. */
  rootfs?: string;
}

export interface SessionInfo {
  /** The evidence path as opened. */
  archive: string;
  rootfs?: string;
  layout: 'tar' | 'tar.gz' | 'tar.zst' | 'folder' | 'image-folder';
  /** ISO time the archive was opened. */
  openedAt: string;
  processes: number;
  /** Problems so far (grows as panels read more images). */
  problems: ProblemInfo[];
}

export interface NetworkInfo {
  network: string;
  interface: string;
  addresses: string[];
  gateways: string[];
  mac?: string;
}

export interface StatisticInfo {
  key: string;
  label: string;
  value: number;
  /** `1.482 ms`, `512` */
  display: string;
}

export interface EvidenceHash {
  /** What was hashed: the evidence file, or a file inside an evidence folder. */
  path: string;
  size: number;
  sha256: string;
}

export interface OverviewInfo {
  source: string;
  layout: SessionInfo['layout'];
  engine?: string;
  containerName?: string;
  image?: string;
  imageRef?: string;
  id?: string;
  runtime?: string;
  /** RFC 3339 with the precision the archive records. */
  created?: string;
  checkpointed?: string;
  podName?: string;
  podNamespace?: string;
  hostname?: string;
  domainname?: string;
  arch: string;
  criuRunId?: string;
  ips: string[];
  macs: string[];
  networks: NetworkInfo[];
  /** rootfsDiff is absent when the archive has no rootfs-diff.tar. */
  sizes: { total: number; memoryPages: number; rootfsDiff?: number; amdGpuMemoryPages?: number };
  statistics: StatisticInfo[];
  processes: number;
  threads: number;
  /** Host uptime at the dump (timens-0.img), seconds. */
  uptimeAtDump?: { monotonic: number; boottime: number };
  /** Hashes known without extra work (compressed archives are hashed on intake); `hashEvidence` adds the rest. */
  hashes: EvidenceHash[];
  /** True when the archive ended early. */
  truncated: boolean;
  /** Why this evidence is sensitive, shown on the overview. */
  notice: string;
  problems: ProblemInfo[];
}

// ---------------------------------------------------------------------------------------------------------
// Processes, threads, registers

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  comm: string;
  /** What `ps` shows: argv joined by spaces, read from the process's memory (/proc/PID/cmdline's rule). */
  cmdline?: string;
  /** The arguments without the NUL padding of a rewritten title. */
  argv?: string[];
  /** The exact bytes /proc/PID/cmdline would give, as lowercase hex. */
  cmdlineRaw?: string;
  exe?: string;
  state: string;
  threads: number;
  tids: number[];
  uid?: number;
  gid?: number;
  /** Depth in the tree (root = 0) and children in pstree order. */
  depth: number;
  children: number[];
}

/** One process in detail (the Process view): everything optional is absent when the checkpoint does not say. */
export interface ProcessDetails {
  pid: number;
  exe?: string;
  /** The arguments as a list (each keeps its spaces and quotes). */
  argv?: string[];
  cwd?: string;
  root?: string;
  /** Octal, `0022`. */
  umask?: string;
  /** `NAME=value` strings read from the process's memory. */
  env?: string[];
  creds?: {
    uid: number; gid: number; euid: number; egid: number; suid: number; sgid: number; fsuid: number; fsgid: number;
    groups: number[];
    /** Capability names (CAP_NET_ADMIN, ...) of the effective, permitted and bounding sets. */
    capEff: string[];
    capPrm: string[];
    capBnd: string[];
    noNewPrivs?: boolean;
    lsmProfile?: string;
  };
  /** `disabled`, `strict` or `filter`. */
  seccomp?: string;
}

export interface RegisterValue {
  name: string;
  /** `0x…`, zero-padded to the register's width. */
  value: Hex64;
  bits: number;
}

export interface ThreadInfo {
  pid: number;
  tid: number;
  name: string;
  arch: string;
  /** Blocked in this syscall (CRIU rewound it: ip points at `syscall`, ax = orig_ax). */
  syscall?: number;
  syscallName?: string;
  general: RegisterValue[];
  segment: RegisterValue[];
  /** x87 / FP control and status, and st0-st7 (80-bit values in 128-bit slots). */
  fpu: RegisterValue[];
  /** xmm/ymm/zmm, opmask (x86); v0-v31 (aarch64). */
  vector: RegisterValue[];
  creds?: { uid: number; gid: number; euid: number; egid: number; groups: number[]; capEff: Hex64; capPrm: Hex64; capBnd: Hex64; noNewPrivs?: boolean; lsmProfile?: string };
  blockedSignals?: Hex64;
  schedPolicy?: number;
  schedNice?: number;
  seccompMode?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Memory

/** Where a byte came from (the address space's provenance of every byte; main/core uses this union too). */
export type ByteOriginName =
  | 'pages'
  | 'shmem'
  | 'parent'
  | 'rootfs-diff'
  | 'rootfs'
  | 'ghost-file'
  | 'zero'
  | 'not-dumped'
  /** File pages wholly past the end of the mapped file: SIGBUS in the live process, no content. */
  | 'past-eof'
  | 'missing-parent'
  | 'missing-lazy'
  | 'missing-file'
  | 'missing-pages'
  | 'unmapped';

// Which origins are content, present or missing: shared/byte-origins.ts.

export interface ExtentInfo {
  start: Hex64;
  end: Hex64;
  origin: ByteOriginName;
}

export interface VmaInfo {
  index: number;
  start: Hex64;
  end: Hex64;
  size: number;
  perms: string;
  kind: string;
  /** What /proc/PID/maps shows in its last column. */
  name: string;
  offset: Hex64;
  /** Bytes with content in the checkpoint (pages, shmem, parent). */
  present: number;
  /** Bytes whose content is missing (lazy, parent not given, file not found). */
  missing: number;
  /** Bytes by origin. */
  origins: Partial<Record<ByteOriginName, number>>;
  /** The VMA as runs of one origin, for the map (merged to at most 256 runs). */
  runs: ExtentInfo[];
  notDumped: boolean;
  file?: { path: string; deleted?: boolean; buildId?: string };
}

export interface ReadMemoryRequest {
  pid: number;
  address: Hex64;
  /** At most 1 MiB per call. */
  length: number;
}

export interface MemoryChunk {
  pid: number;
  address: Hex64;
  length: number;
  /** The bytes, base64; bytes without content read as zero and `extents` says which. */
  data: string;
  extents: ExtentInfo[];
}

export type SearchPatternSpec = { text: string; utf16?: boolean; ignoreCase?: boolean } | { hex: string } | { regex: string; ignoreCase?: boolean };

export interface SearchRequest extends TaskRequest {
  pattern: SearchPatternSpec;
  /** No pids: every process. */
  pids?: number[];
  /** `kensa mem --vma` filters: `START-END`, `rw-`, `[heap]`, `[stack]`, `[anon]`, `[shared]`, path substring. */
  vma?: string[];
  /** Bytes of context before and after each hit (default 16, at most 256). */
  context?: number;
  /** Stop after this many hits (default 1000). */
  maxHits?: number;
}

export interface SearchHitInfo {
  pid: number;
  address: Hex64;
  length: number;
  vma: { start: Hex64; end: Hex64; perms: string; name: string; kind: string; offset: Hex64 };
  /** Where the first matched byte came from, and the file holding it with its offset there when it is in one. */
  origin: ByteOriginName;
  member?: string;
  memberOffset?: number;
  /** Lowercase hex of the matched bytes and their context. */
  match: string;
  before: string;
  after: string;
}

export interface SearchResult {
  hits: SearchHitInfo[];
  /** True when `maxHits` stopped the search. */
  truncated: boolean;
  /** Bytes scanned. */
  scanned: number;
}

// ---------------------------------------------------------------------------------------------------------
// Files, sockets, mounts, namespaces, cgroups, logs

export interface FdInfo {
  fd: number | 'cwd' | 'root' | 'exe';
  type: string;
  path: string;
  flags?: number;
  /** The flags in words: `O_RDWR|O_APPEND|O_CLOEXEC`. */
  flagsText?: string;
  /** File position (decimal string when above 2^53-1). */
  pos?: number | string;
  deleted?: boolean;
  /** A deleted file whose content the checkpoint holds: the ghost image and the file's size (knownEnd when it is cut short). */
  ghost?: { member: string; size: number; knownEnd?: number };
  cloexec?: boolean;
}

export interface RootfsEntry {
  /** Absolute path inside the container (`/home/counter/test-file`). */
  path: string;
  /** Member name for `readFile` (`rootfs-diff.tar/home/counter/test-file`). */
  member: string;
  type: string;
  size: number;
  mode: number;
  mtime?: string;
  linkTarget?: string;
}

export interface RootfsTree {
  /** False when the archive has no rootfs-diff.tar (nothing changed, or a bare image folder). */
  present: boolean;
  gzip: boolean;
  entries: RootfsEntry[];
  /** Paths the container deleted from its image (deleted.files). */
  deleted: string[];
}

export interface ReadFileRequest {
  /** An archive member (`rootfs-diff.tar/PATH`, `dump.log`, `checkpoint/core-1.img`). */
  member: string;
  offset?: number;
  /** At most 1 MiB per call (default 64 KiB). */
  length?: number;
}

export interface FileChunk {
  member: string;
  size: number;
  offset: number;
  /** base64 */
  data: string;
}

export interface SocketInfo {
  pid: number;
  fd: number;
  family: string;
  type: string;
  protocol?: string;
  state?: string;
  src?: string;
  srcPort?: number;
  dst?: string;
  dstPort?: number;
  name?: string;
  inode?: number;
  peerInode?: number;
  sendBuf?: number;
  recvBuf?: number;
  backlog?: number;
}

export interface MountsInfo {
  /** CRIU's mount tree (mountpoints-N.img) of the root task's mount namespace. */
  mountpoints: { mntId: number; parentMntId: number; mountpoint: string; fstype: string; source?: string; root?: string; options?: string; external?: string }[];
  /** The engine's OCI mounts (spec.dump) and bind mounts (bind.mounts). */
  oci: { destination: string; type?: string; source?: string; options?: string[] }[];
  bind: { source: string; destination: string; fileType?: string }[];
}

export interface NamespacesInfo {
  /** One row per process: namespace name -> CRIU namespace id (ids-N.img). */
  processes: { pid: number; comm: string; ids: Record<string, number> }[];
  uts: { nodename?: string; domainname?: string };
}

export interface CgroupInfo {
  controller: string;
  path: string;
}

export interface LogInfo {
  /** `dump.log`, `container log` */
  name: string;
  member: string;
  size: number;
  /** UTF-8 text (invalid bytes replaced); the first 4 MiB. */
  text: string;
  truncated: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Core files and gdb

export interface CoreWriteRequest extends TaskRequest {
  pid: number;
}

export interface CoreWriteInfo {
  pid: number;
  path: string;
  size: number;
  sha256: string;
  threads: number[];
  segments: number;
  missing: { start: Hex64; end: Hex64; reason: string; file?: string }[];
}

export interface GdbStartRequest extends TaskRequest {
  pid: number;
  cols: number;
  rows: number;
}

export interface GdbSessionInfo {
  sessionId: string;
  pid: number;
  /** The archive the session's core was written from (the session ends when that archive is closed). */
  archive: string;
  /** gdb's argv as run (shown above the terminal). */
  argv: string[];
  corePath: string;
  sysroot?: string;
}

// ---------------------------------------------------------------------------------------------------------
// YARA (issue 12): rules over every process's memory and, optionally, the changed and deleted files

export interface YaraScanRequest extends TaskRequest {
  /** Rule files or folders of .yar / .yara files, on the machine running the services. */
  rulePaths?: string[];
  /** Rule text typed or pasted in the panel (compiled with the files, as `<pasted rule>`). */
  ruleText?: string;
  /** No pids: every process. */
  pids?: number[];
  /** Also scan the files of rootfs-diff.tar and the deleted files the checkpoint kept. */
  files?: boolean;
  /** Most matches returned (default 10,000, at most 100,000); reaching it stops the scan. */
  maxMatches?: number;
  /** Longest the scan may take (default 600 s). */
  timeoutSeconds?: number;
}

export interface YaraMatchInfo {
  rule: string;
  namespace: string;
  tags: string[];
  meta: Record<string, string | number | boolean>;
  /** `$a`, or '' when the rule matched a region by its condition alone. */
  string: string;
  /** The process; absent for a file. */
  pid?: number;
  /** A file scanned with `files`: `rootfs-diff.tar/PATH` or `deleted:/PATH`. */
  file?: string;
  vma?: { start: Hex64; end: Hex64; perms: string; name: string; kind: string };
  /** The address (the offset in the file for a file). */
  address: Hex64;
  length: number;
  origin: ByteOriginName | 'file';
  member?: string;
  memberOffset?: Hex64;
  /** Lowercase hex of the matched bytes (at most 512 of them). */
  data: string;
}

export interface YaraScanResult {
  matches: YaraMatchInfo[];
  /** Rules compiled, regions and bytes scanned. */
  rules: number;
  regions: number;
  scanned: number;
  /** Compiler warnings (`FILE:LINE:COLUMN: message`). */
  ruleWarnings: string[];
  /** Why the result is partial (a limit reached, a file not read), one line each. */
  warnings: string[];
  /** True when a limit stopped the scan. */
  truncated: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Evidence case and report

export type { NoteTarget, EvidenceRecord, NoteRecord, VerifyItem, VerifyReport } from './case';

export interface NoteRequest {
  text: string;
  target: NoteTarget;
  /** The evidence the note was written about (the case's id of the archive open then); refused if another is open now. */
  evidenceId?: string;
}

export interface CaseInfo {
  open: boolean;
  dir?: string;
  id?: string;
  /** The case's evidence records and notes, as the case folder keeps them. */
  evidence: EvidenceRecord[];
  notes: NoteRecord[];
  /** Whether the archive open now is one of the case's evidence records. */
  archiveInCase: boolean;
  /** The case's evidence id of the archive open now (absent when it is not in the case). */
  archiveEvidenceId?: string;
  /** The archive open now, as opened. */
  archive?: string;
}

export interface CaseOpenRequest {
  dir: string;
  /** Create the case folder when it does not exist yet. */
  create?: boolean;
  analyst?: string;
  title?: string;
}

export interface ReportRequest extends TaskRequest {
  format: 'html' | 'pdf' | 'json';
  /** Default: `report.<format>` in the case folder. */
  outFile?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Triage findings (issue 11). One shape for main/core/triage, the CLI's `--json`, the services, the Findings
// page and the reports: snake_case keys as in `kensa triage --json`, addresses as Hex64.

export type Severity = 'high' | 'medium' | 'low' | 'info';
/** Most severe first: the order findings are listed and grouped in. */
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info'];

/** Where a finding's evidence is: something the CLI, the UI and the reports can point at and follow. */
export type EvidencePointer =
  | { kind: 'process'; pid: number; tid?: number; label: string }
  | { kind: 'fd'; pid: number; fd: number; path: string; label: string }
  | { kind: 'socket'; pid: number; fd: number; inode?: number; family: string; tuple: string; state?: string; label: string }
  | { kind: 'vma'; pid: number; start: Hex64; end: Hex64; perms: string; name: string; label: string }
  | { kind: 'memory'; pid: number; address: Hex64; length: number; member?: string; member_offset?: number; origin?: string; preview?: string; label: string }
  | { kind: 'env'; pid: number; name: string; label: string }
  | { kind: 'file'; path: string; member?: string; member_offset?: number; label: string };

export interface Finding {
  /** Stable: derived from the rule and what it found (the same evidence gives the same id on every run). */
  id: string;
  severity: Severity;
  /** MITRE ATT&CK technique id, e.g. `T1574.006`. */
  technique: string;
  technique_name: string;
  /** The rule family (`fileless`, `injection`, `shell`, `network`, `masquerade`, `hijack`, `secrets`, `disk`, `privilege`, `history`). */
  family: string;
  title: string;
  /** Why it matters, and what would make it benign. */
  explanation: string;
  /** The process it is about; null for findings about the file system or the container. */
  pid: number | null;
  evidence: EvidencePointer[];
}

export interface TriageSummary {
  total: number;
  by_severity: Record<Severity, number>;
  by_family: Record<string, number>;
  /** Bytes of memory the content rules read (one pass). */
  scanned_bytes: number;
  /** Whether secret values are shown in full (`--show-secrets`); else redacted. */
  secrets_shown: boolean;
}

export interface TriageResult {
  findings: Finding[];
  summary: TriageSummary;
}

export interface TriageRequest extends TaskRequest {
  /** Show secret values in full (default: redacted, as `kensa triage` without --show-secrets). */
  showSecrets?: boolean;
}

/** What a bookmarked finding keeps: enough to list it in the report with its evidence pointers. */
export interface FindingBookmark {
  kind: 'triage-finding';
  id: string;
  severity: Severity;
  technique: string;
  technique_name: string;
  title: string;
  pid?: number;
  /** The evidence pointers' labels (at most 32). */
  evidence: string[];
}

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
  readFile(req: ReadFileRequest): Promise<Result<FileChunk>>;
  /** Sockets of one process, or of every process without a pid. */
  sockets(req?: { pid?: number }): Promise<Result<SocketInfo[]>>;
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
  writeReport(req: ReportRequest): Promise<Result<{ path: string; sha256: string }>>;
}

export type ApiMethod = keyof KensaApi;

/** Every method name once; the record type makes the compiler reject a missing or extra name. */
const METHOD_TABLE: Record<ApiMethod, true> = {
  hello: true, openArchive: true, closeArchive: true, pickArchive: true, session: true, overview: true, hashEvidence: true, cancel: true,
  processes: true, processDetails: true, threads: true, vmas: true, readMemory: true, search: true, yaraScan: true, triage: true,
  fds: true, rootfsTree: true, readFile: true, sockets: true, mounts: true, namespaces: true, cgroups: true, logs: true,
  writeCore: true, gdbStart: true, gdbInput: true, gdbResize: true, gdbKill: true,
  caseStatus: true, caseOpen: true, caseAddEvidence: true, caseVerify: true, addNote: true, writeReport: true,
  pythonStacks: true, pythonLocals: true,
};
export const API_METHODS: readonly ApiMethod[] = Object.keys(METHOD_TABLE) as ApiMethod[];

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(METHOD_TABLE, name);
}

// ---------------------------------------------------------------------------------------------------------
// Python stacks (issue 15): main/core/python through main/services/python-stacks.ts

/** A Python value as the CPython reader decodes it (simple types exactly, containers as short previews). */
export interface PyValueInfo {
  type: string;
  address: Hex64;
  repr?: string;
  value?: string | number | boolean | null;
  size?: number;
  truncated?: boolean;
}

export interface PyLocalInfo {
  name: string;
  kind: 'local' | 'cell' | 'free';
  /** Absent when the variable is not bound. */
  value?: PyValueInfo;
}

export interface PyFrameInfo {
  function: string;
  file: string;
  line?: number;
  firstLine: number;
  /** The _PyInterpreterFrame's address: pythonLocals and python-frame bookmarks name the frame by it. */
  frame: Hex64;
  code: Hex64;
  owner: 'thread' | 'generator' | 'frame-object';
}

export interface PyThreadInfo {
  /** The checkpoint's tid (in the container's pid namespace), when paired. */
  tid?: number;
  nativeThreadId: number;
  ident: Hex64;
  name?: string;
  /** Innermost first. */
  frames: PyFrameInfo[];
  warning?: string;
}

/** An asyncio task; a suspended one is on no thread's stack. */
export interface PyTaskInfo {
  name?: string;
  address: Hex64;
  state: 'suspended' | 'running' | 'created' | 'done';
  /** threading name of the thread running its event loop. */
  thread?: string;
  /** The await chain, innermost first. */
  frames: PyFrameInfo[];
  awaiting?: PyValueInfo;
  warning?: string;
}

export type PythonStacksInfo =
  | { pid: number; available: true; version: string; binary: string; origin: string; threads: PyThreadInfo[]; tasks: PyTaskInfo[]; warnings: string[] }
  /**
   * Why there is no stack: `not-python`, `unsupported` (a CPython version without a structure table), or
   * `unreadable` (the interpreter binary is not available: open the archive with its rootfs).
   */
  | { pid: number; available: false; why: 'not-python' | 'unsupported' | 'unreadable'; reason: string; version?: string };

export interface PythonLocalsInfo {
  pid: number;
  frame: Hex64;
  function: string;
  locals: PyLocalInfo[];
  warning?: string;
}

export interface KensaApi {
  /** Every thread's Python stack in a process (no locals); `available: false` says why there is none. */
  pythonStacks(req: { pid: number }): Promise<Result<PythonStacksInfo>>;
  /** The locals of one Python frame, named by its address from pythonStacks. */
  pythonLocals(req: { pid: number; frame: Hex64 }): Promise<Result<PythonLocalsInfo>>;
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
