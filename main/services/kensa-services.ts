/**
 * KensaApi implemented over main/core: the one implementation both transports bind (Electron IPC and the
 * localhost WebSocket). Transport-agnostic: it knows nothing about windows, sockets or tokens.
 *
 * A thin facade: every method validates its argument (it arrives from a renderer or a browser) and hands
 * the work to the module that owns it, resolving to a Result (nothing thrown escapes: results.ts). Long work
 * runs as a task with progress events and cancel (tasks.ts). One archive is open at a time; opening another
 * closes the first, and every client hears about it through the `session` event.
 *
 *   session.ts       opening an archive (the cancellable open), the session record, hashing the evidence
 *   views.ts         overview, processes, memory map and bytes, files, sockets, mounts, namespaces, cgroups, logs
 *   search.ts        memory search;  yara.ts: YARA scans;  python-stacks.ts: Python stacks;  registers.ts: threads
 *   cores.ts         ELF cores and gdb sessions
 *   case-service.ts  the evidence case, notes, reports, custody logging, where derived files go
 * New calls: put the logic in a module (a new file for a new feature) and add a one-line method here.
 */
import type {
  CaseInfo, CaseOpenRequest, CgroupInfo, CoreWriteInfo, CoreWriteRequest, EvidenceHash, EventName, FdInfo, FileChunk,
  GdbSessionInfo, GdbStartRequest, HelloInfo, KensaApi, KensaEvents, LogInfo, MemoryChunk, MountsInfo, NamespacesInfo, NoteRequest,
  OpenArchiveRequest, OverviewInfo, ProcessInfo, ReadFileRequest, ReadMemoryRequest, ReportRequest, Result, RootfsDirListing, RootfsDirRequest, RootfsTree, SearchRequest,
  SearchResult, SessionInfo, SocketInfo, TaskRequest, ThreadInfo, VmaInfo, Capabilities,
  PythonLocalsInfo, PythonStacksInfo, NoteRecord, VerifyReport,
  YaraScanRequest, YaraScanResult, TriageRequest, TriageResult,
} from '#shared/api/contract';
import type { CheckpointOpenOptions } from '../core/model/checkpoint';
import { resolveCacheDir } from '../core/cache';
import { KensaError } from '../core/errors';
import { attempt, obj, int, str, optStr, address, RequestError } from './results';
import { CancelledError } from '../core/errors';
import { TaskRegistry } from './tasks';
import { threadInfosWithAddresses } from './registers';
import { pythonLocalsInfo, pythonStacksInfo } from './python-stacks';
import { searchCheckpoint } from './search';
import { yaraScan } from './yara';
import {
  cgroupInfos, fdInfos, logInfos, memoryChunk, mountsInfo, namespacesInfo, overviewInfo, processInfos, readFileChunk,
  rootfsTreeInfo, socketInfos, vmaInfos,
} from './views';
import { hashSessionEvidence, newSession, openCheckpointTask, type OpenSession } from './session';
import { readRootfsChunk, rootfsDirListing, ROOTFS_MEMBER_PREFIX } from './rootfs-tree';
import { socketDetailInfo, socketQueueChunk } from './socket-detail';
import type { SocketDetail, SocketDetailRequest, SocketQueueChunk, SocketQueueRequest } from '#shared/api/sockets';
import { startGdb, writeCoreFor, type CoreContext } from './cores';
import { findGdb } from '../core/elfcore/gdb-launch';
import { CaseService } from './case-service';
import { triageRun } from './triage';
import { TOOL_VERSION } from '../core/evidence/version';

import { processDetails } from './process-details';
import type { ProcessDetails, StringsRequest, StringsResult, WrittenReport } from '#shared/api/contract';
import { processStrings } from './strings';
import { caseReportFile, openCaseReport } from './case-reports';
import { GdbSessionManager, loadNodePty, type PtySpawner } from '../gdb/gdb-sessions';


export interface ServicesOptions {
  /** Cache folder (decompressed archives, derived files); default as the CLI's. */
  cacheDir?: string;
  transport?: Capabilities['transport'];
  /** The native file dialog, where the host has one (Electron). */
  pickArchive?: () => Promise<string | null>;
  /** The host's "open with the default viewer" (Electron: shell.openPath; '' on success, else why not). */
  openPath?: (file: string) => Promise<string>;
  /** The pty spawner for gdb sessions (tests hand in a fake; default node-pty, loaded lazily). */
  spawnPty?: PtySpawner;
  /** Input limits for every archive opened (the CLI's --max-* options). */
  openOptions?: Pick<CheckpointOpenOptions, 'limits' | 'maxTreeDepth'>;
}


type Listener = <E extends EventName>(name: E, payload: KensaEvents[E]) => void;

export class KensaServices implements KensaApi {
  private current?: OpenSession;
  private readonly cases: CaseService;
  private readonly listeners = new Set<Listener>();
  readonly tasks: TaskRegistry;
  readonly gdb: GdbSessionManager;
  readonly cacheDir: string;
  /** Increases with every open/close, so a slow open that lost the race does not replace a newer one. */
  private generation = 0;

  constructor(private readonly opts: ServicesOptions = {}) {
    this.cacheDir = resolveCacheDir(opts.cacheDir);
    this.tasks = new TaskRegistry((e) => this.emit('progress', e));
    this.cases = new CaseService({ session: () => this.current, tasks: this.tasks, cacheDir: this.cacheDir });
    this.gdb = new GdbSessionManager(
      {
        data: (sessionId, data) => this.emit('gdbData', { sessionId, data }),
        exit: (sessionId, exitCode, signal) => this.emit('gdbExit', signal === undefined ? { sessionId, exitCode } : { sessionId, exitCode, signal }),
      },
      opts.spawnPty ? { spawn: opts.spawnPty } : {},
    );
  }

  /** Subscribe to every event; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit<E extends EventName>(name: E, payload: KensaEvents[E]): void {
    for (const l of [...this.listeners]) {
      try {
        l(name, payload);
      } catch {
        // A transport that failed to deliver must not stop the others.
      }
    }
  }

  /** Close everything (host shutdown). */
  dispose(): void {
    this.tasks.cancelAll();
    this.gdb.killAll();
    this.closeCurrent();
  }

  private need(): OpenSession {
    if (!this.current) throw new RequestError('no archive is open');
    return this.current;
  }

  private pidOf(arg: unknown, what: string): number {
    const pid = int(obj(arg, what).pid, 'pid', 0, 0x7fffffff);
    if (!this.need().cp.process(pid)) throw new RequestError(`no process ${pid} in this checkpoint`);
    return pid;
  }

  private sessionInfo(): SessionInfo | null {
    const s = this.current;
    if (!s) return null;
    return { ...s.info, problems: s.cp.problems.map((p) => ({ ...p })) };
  }

  private closeCurrent(): void {
    const s = this.current;
    this.current = undefined;
    if (!s) return;
    // gdb sessions belong to the archive they were started on: its pids mean other processes in the next one.
    this.gdb.killAll();
    try {
      s.cp.close();
      s.rootfs?.close();
    } catch {
      /* closing read-only sources cannot lose data */
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Session

  async hello(): Promise<Result<HelloInfo>> {
    return attempt(() => {
      let gdbMessage: string | undefined;
      try {
        findGdb(this.current?.cp.arch() ?? (process.arch === 'arm64' ? 'aarch64' : 'x86_64'));
        if (!this.opts.spawnPty) loadNodePty();
      } catch (e) {
        gdbMessage = e instanceof KensaError ? `${e.message}${e.hint ? ` (${e.hint})` : ''}` : String(e);
      }
      const capabilities: Capabilities = {
        transport: this.opts.transport ?? 'direct',
        fileDialog: Boolean(this.opts.pickArchive),
        gdb: gdbMessage === undefined,
        search: true,
        coreWriter: true,
        evidenceCase: true,
        report: true,
        openReport: Boolean(this.opts.openPath),
      };
      if (gdbMessage) capabilities.gdbMessage = gdbMessage;
      return { name: 'kensa' as const, version: TOOL_VERSION, capabilities, session: this.sessionInfo() };
    });
  }

  async openArchive(req: OpenArchiveRequest): Promise<Result<SessionInfo>> {
    return attempt(async () => {
      const r = obj(req, 'openArchive');
      const file = str(r.path, 'path').trim();
      const rootfsPath = optStr(r.rootfs, 'rootfs')?.trim() || undefined;
      const taskId = optStr(r.taskId, 'taskId', 200);
      if (!file) throw new RequestError('path is empty: name a checkpoint archive or folder');
      const generation = ++this.generation;
      const opened = await openCheckpointTask(this.tasks, taskId, file, { rootfsPath, cacheDir: this.cacheDir, openOptions: this.opts.openOptions });
      if (generation !== this.generation) {
        opened.cp.close();
        opened.rootfs?.close();
        throw new CancelledError(`opening ${file} (another archive was opened meanwhile) was cancelled`);
      }
      this.closeCurrent();
      this.current = newSession(opened.cp, opened.rootfs, rootfsPath);
      const info = this.sessionInfo()!;
      this.emit('session', info);
      return info;
    });
  }


  async closeArchive(): Promise<Result<null>> {
    return attempt(() => {
      this.generation++;
      const had = Boolean(this.current);
      this.closeCurrent();
      if (had) this.emit('session', null);
      return null;
    });
  }

  async pickArchive(): Promise<Result<string | null>> {
    if (!this.opts.pickArchive) return { ok: false, error: { kind: 'unavailable', message: 'there is no file dialog in browser mode: type the archive path' } };
    return attempt(() => this.opts.pickArchive!());
  }

  async session(): Promise<Result<SessionInfo | null>> {
    return attempt(() => this.sessionInfo());
  }

  async overview(): Promise<Result<OverviewInfo>> {
    return attempt(() => overviewInfo(this.need()));
  }

  async hashEvidence(req?: TaskRequest): Promise<Result<EvidenceHash[]>> {
    return attempt(async () => {
      const taskId = optStr(obj(req, 'hashEvidence').taskId, 'taskId', 200);
      const s = this.need();
      const hashes = await hashSessionEvidence(s, this.tasks, taskId);
      if (this.current === s) for (const h of hashes) if (!s.hashes.some((x) => x.path === h.path)) s.hashes.push(h);
      return hashes;
    });
  }


  async cancel(req: { taskId: string }): Promise<Result<{ cancelled: boolean }>> {
    return attempt(() => ({ cancelled: this.tasks.cancel(str(obj(req, 'cancel').taskId, 'taskId', 200)) }));
  }

  // -----------------------------------------------------------------------------------------------
  // Processes, threads, memory

  async processes(): Promise<Result<ProcessInfo[]>> {
    return attempt(() => processInfos(this.need().cp));
  }

  async processDetails(req: { pid: number }): Promise<Result<ProcessDetails>> {
    return attempt(() => processDetails(this.need().cp, this.pidOf(req, 'processDetails')));
  }

  async threads(req: { pid: number }): Promise<Result<ThreadInfo[]>> {
    return attempt(() => threadInfosWithAddresses(this.need().cp, this.pidOf(req, 'threads')));
  }

  async pythonStacks(req: { pid: number }): Promise<Result<PythonStacksInfo>> {
    return attempt(() => pythonStacksInfo(this.need().cp, this.pidOf(req, 'pythonStacks')));
  }

  async pythonLocals(req: { pid: number; frame: string }): Promise<Result<PythonLocalsInfo>> {
    return attempt(() => pythonLocalsInfo(this.need().cp, this.pidOf(req, 'pythonLocals'), address(obj(req, 'pythonLocals').frame, 'frame')));
  }

  async vmas(req: { pid: number }): Promise<Result<VmaInfo[]>> {
    return attempt(() => vmaInfos(this.need().cp, this.pidOf(req, 'vmas')));
  }

  async readMemory(req: ReadMemoryRequest): Promise<Result<MemoryChunk>> {
    return attempt(() => memoryChunk(this.need().cp, this.pidOf(req, 'readMemory'), req));
  }

  async search(req: SearchRequest): Promise<Result<SearchResult>> {
    return attempt(() => searchCheckpoint({ cp: () => this.need().cp, tasks: this.tasks, logToCase: (e, d) => this.cases.log(e, d), streamHits: (taskId, hits) => this.emit('searchHits', { taskId, hits }) }, req));
  }


  /** main/services/yara.ts does the work. */
  async yaraScan(req: YaraScanRequest): Promise<Result<YaraScanResult>> {
    return attempt(() => yaraScan({ cp: () => this.need().cp, tasks: this.tasks, logToCase: (e, d) => this.cases.log(e, d) }, req));
  }

  /** main/services/triage.ts does the work. */
  async triage(req?: TriageRequest): Promise<Result<TriageResult>> {
    return attempt(() => triageRun({ cp: () => this.need().cp, tasks: this.tasks, logToCase: (e, d) => this.cases.log(e, d), caseDir: () => this.cases.dir }, req));
  }

  // -----------------------------------------------------------------------------------------------
  // Files, sockets, mounts, namespaces, cgroups, logs

  async fds(req: { pid: number }): Promise<Result<FdInfo[]>> {
    return attempt(() => fdInfos(this.need().cp, this.pidOf(req, 'fds')));
  }

  async rootfsTree(): Promise<Result<RootfsTree>> {
    return attempt(() => rootfsTreeInfo(this.need().cp));
  }

  async rootfsDir(req: RootfsDirRequest): Promise<Result<RootfsDirListing>> {
    return attempt(() => rootfsDirListing(this.need(), req));
  }

  async readFile(req: ReadFileRequest): Promise<Result<FileChunk>> {
    return attempt(() => (String((req as { member?: unknown })?.member ?? '').startsWith(ROOTFS_MEMBER_PREFIX) ? readRootfsChunk(this.need(), req) : readFileChunk(this.need().cp, req)));
  }

  async sockets(req?: { pid?: number }): Promise<Result<SocketInfo[]>> {
    return attempt(() => {
      const cp = this.need().cp;
      const r = obj(req, 'sockets');
      return socketInfos(cp, r.pid !== undefined ? [this.pidOf(r, 'sockets')] : cp.processList().map((p) => p.pid));
    });
  }

  async socketDetail(req: SocketDetailRequest): Promise<Result<SocketDetail>> {
    return attempt(() => socketDetailInfo(this.need().cp, this.pidOf(req, 'socketDetail'), req));
  }

  async socketQueue(req: SocketQueueRequest): Promise<Result<SocketQueueChunk>> {
    return attempt(() => socketQueueChunk(this.need().cp, this.pidOf(req, 'socketQueue'), req));
  }

  async mounts(): Promise<Result<MountsInfo>> {
    return attempt(() => mountsInfo(this.need().cp));
  }

  async namespaces(): Promise<Result<NamespacesInfo>> {
    return attempt(() => namespacesInfo(this.need().cp));
  }

  async cgroups(req: { pid: number }): Promise<Result<CgroupInfo[]>> {
    return attempt(() => cgroupInfos(this.need().cp, this.pidOf(req, 'cgroups')));
  }

  async logs(): Promise<Result<LogInfo[]>> {
    return attempt(() => logInfos(this.need().cp));
  }

  // -----------------------------------------------------------------------------------------------
  // Cores and gdb

  async writeCore(req: CoreWriteRequest): Promise<Result<CoreWriteInfo>> {
    return attempt(() => writeCoreFor(this.coreContext(), this.pidOf(req, 'writeCore'), req));
  }


  async gdbStart(req: GdbStartRequest): Promise<Result<GdbSessionInfo>> {
    return attempt(() => startGdb(this.coreContext(), this.pidOf(req, 'gdbStart'), req));
  }

  private coreContext(): CoreContext {
    return { session: this.need(), tasks: this.tasks, cases: this.cases, gdb: this.gdb, cacheDir: this.cacheDir };
  }


  async gdbInput(req: { sessionId: string; data: string }): Promise<Result<null>> {
    return attempt(() => {
      const r = obj(req, 'gdbInput');
      this.gdb.write(str(r.sessionId, 'sessionId', 100), str(r.data, 'data', 1024 * 1024));
      return null;
    });
  }

  async gdbResize(req: { sessionId: string; cols: number; rows: number }): Promise<Result<null>> {
    return attempt(() => {
      const r = obj(req, 'gdbResize');
      this.gdb.resize(str(r.sessionId, 'sessionId', 100), int(r.cols, 'cols', 2, 1000), int(r.rows, 'rows', 2, 1000));
      return null;
    });
  }

  async gdbKill(req: { sessionId: string }): Promise<Result<null>> {
    return attempt(() => {
      this.gdb.kill(str(obj(req, 'gdbKill').sessionId, 'sessionId', 100));
      return null;
    });
  }

  // -----------------------------------------------------------------------------------------------
  // Evidence case and report (case-service.ts)

  async caseStatus(): Promise<Result<CaseInfo>> {
    return attempt(() => this.cases.info());
  }

  async caseOpen(req: CaseOpenRequest): Promise<Result<CaseInfo>> {
    return attempt(() => this.cases.open(req));
  }

  async caseAddEvidence(req?: TaskRequest): Promise<Result<CaseInfo>> {
    return attempt(() => this.cases.addEvidence(req));
  }

  async caseVerify(req?: TaskRequest): Promise<Result<VerifyReport>> {
    return attempt(() => this.cases.verify(req));
  }

  async addNote(req: NoteRequest): Promise<Result<NoteRecord>> {
    return attempt(() => this.cases.addNote(req));
  }

  async writeReport(req: ReportRequest): Promise<Result<WrittenReport>> {
    return attempt(() => this.cases.writeReport(req));
  }

  async strings(req: StringsRequest): Promise<Result<StringsResult>> {
    return attempt(() => processStrings({ cp: () => this.need().cp, tasks: this.tasks }, req));
  }

  async openCaseReport(req: { name: string }): Promise<Result<null>> {
    return attempt(() => openCaseReport(this.cases.dir, obj(req, 'openCaseReport').name, this.opts.openPath));
  }

  /** The open case's report called `name` (reports/ only), for browser mode's read-only `/case-reports/NAME`. Not an API method. */
  caseReportFile(name: string): string | undefined {
    return caseReportFile(this.cases.dir, name);
  }
}

// -------------------------------------------------------------------------------------------------



