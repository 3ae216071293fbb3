/**
 * KensaApi implemented over main/core: the one implementation both transports bind (Electron IPC and the
 * localhost WebSocket). Transport-agnostic: it knows nothing about windows, sockets or tokens.
 *
 * Every method validates its argument (it arrives from a renderer or a browser), does its work through
 * the core library, and resolves to a Result; nothing it throws escapes (results.ts). Long work runs as a
 * task with progress events and cancel (tasks.ts). One archive is open at a time; opening another closes
 * the first, and every client hears about it through the `session` event.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  CaseInfo, CaseOpenRequest, CgroupInfo, CoreWriteInfo, CoreWriteRequest, EvidenceHash, EventName, ExtentInfo, FdInfo, FileChunk,
  GdbSessionInfo, GdbStartRequest, HelloInfo, KensaApi, KensaEvents, LogInfo, MemoryChunk, MountsInfo, NamespacesInfo, NoteRequest,
  OpenArchiveRequest, OverviewInfo, ProcessInfo, ReadFileRequest, ReadMemoryRequest, ReportRequest, Result, RootfsTree, SearchRequest,
  SearchResult, SessionInfo, SocketInfo, TaskRequest, ThreadInfo, VmaInfo, ByteOriginName, SearchPatternSpec, Capabilities,
  PythonLocalsInfo, PythonStacksInfo, NoteRecord, VerifyReport,
  YaraScanRequest, YaraScanResult, TriageRequest, TriageResult, FindingBookmark,
} from '../../shared/api/contract';
import { decodeUtf8Exact, jsonSafe } from '../../shared/format';
import { countOrigins } from '../../shared/byte-origins';
import { DUMP_STATISTICS, formatDumpStat } from '../../shared/dump-stats';
import { Checkpoint, type CheckpointOpenOptions } from '../core/model/checkpoint';
import { AddressSpace } from '../core/memory/address-space';
import type { Vma } from '../core/memory/vma';
import { sha256File } from '../core/io/hash';
import { listFolder } from '../core/evidence/hash';
import { resolveCacheDir, ensureDir } from '../core/cache';
import { KensaError } from '../core/errors';
import { ok, fail, attempt, obj, int, optInt, str, optStr, bool, address, hex64, RequestError } from './results';
import { CancelledError } from '../core/errors';
import { TaskRegistry } from './tasks';
import { threadInfo } from './registers';
import { pythonLocalsInfo, pythonStacksInfo } from './python-stacks';
import { searchHitInfo, searchMemory } from '../core/memory/search';
import { yaraScan } from './yara';
import { triageRun } from './triage';
import { openRootfs, type Rootfs } from '../core/rootfs/rootfs';
import { writeCore } from '../core/elfcore/write-core';
import { prepareGdb, findGdb } from '../core/elfcore/gdb-launch';
import { EvidenceCase } from '../core/evidence/case';
import { TOOL_VERSION } from '../core/evidence/version';
import type * as ReportModule from '../core/evidence/report';

/** The report writer (pdfkit and its fonts) loads on first use: it doubles the start-up time of `kensa serve`. */
function reportModule(): typeof ReportModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../core/evidence/report') as typeof ReportModule;
}
import { GdbSessionManager, loadNodePty, type PtySpawner } from '../gdb/gdb-sessions';

export const MAX_READ_BYTES = 1024 * 1024;
export const MAX_LOG_BYTES = 4 * 1024 * 1024;
const DEFAULT_FILE_READ = 64 * 1024;
const MAX_VMA_RUNS = 256;



export const SENSITIVITY_NOTICE =
  'This checkpoint holds the complete memory, open files and environment of the container\'s processes at the moment of the dump: ' +
  'it can contain passwords, keys, tokens and personal data. Handle it as evidence. Kensa opens it read-only and writes derived files ' +
  '(decompressed archive, cores, reports) only to its cache or to the case folder.';


export interface ServicesOptions {
  /** Cache folder (decompressed archives, derived files); default as the CLI's. */
  cacheDir?: string;
  transport?: Capabilities['transport'];
  /** The native file dialog, where the host has one (Electron). */
  pickArchive?: () => Promise<string | null>;
  /** The pty spawner for gdb sessions (tests hand in a fake; default node-pty, loaded lazily). */
  spawnPty?: PtySpawner;
  /** Input limits for every archive opened (the CLI's --max-* options). */
  openOptions?: Pick<CheckpointOpenOptions, 'limits' | 'maxTreeDepth'>;
}

interface OpenSession {
  cp: Checkpoint;
  info: SessionInfo;
  rootfs?: Rootfs;
  hashes: EvidenceHash[];
  derivedDir?: string;
}

type Listener = <E extends EventName>(name: E, payload: KensaEvents[E]) => void;

export class KensaServices implements KensaApi {
  private current?: OpenSession;
  private caseObj?: EvidenceCase;
  private readonly listeners = new Set<Listener>();
  readonly tasks: TaskRegistry;
  readonly gdb: GdbSessionManager;
  readonly cacheDir: string;
  /** Increases with every open/close, so a slow open that lost the race does not replace a newer one. */
  private generation = 0;

  constructor(private readonly opts: ServicesOptions = {}) {
    this.cacheDir = resolveCacheDir(opts.cacheDir);
    this.tasks = new TaskRegistry((e) => this.emit('progress', e));
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
      };
      if (gdbMessage) capabilities.gdbMessage = gdbMessage;
      return { name: 'kensa' as const, version: TOOL_VERSION, capabilities, session: this.sessionInfo() };
    });
  }

  async openArchive(req: OpenArchiveRequest): Promise<Result<SessionInfo>> {
    try {
      const r = obj(req, 'openArchive');
      const file = str(r.path, 'path').trim();
      const rootfsPath = optStr(r.rootfs, 'rootfs')?.trim() || undefined;
      const taskId = optStr(r.taskId, 'taskId', 200);
      if (!file) throw new RequestError('path is empty: name a checkpoint archive or folder');
      const generation = ++this.generation;
      const opened = await this.tasks.run(taskId, `opening ${file}`, async (task) => {
        let rootfs: Rootfs | undefined;
        if (rootfsPath) rootfs = await openRootfs(path.resolve(rootfsPath), { cacheDir: this.cacheDir });
        task.check();
        const opening = Checkpoint.open(file, {
          ...(this.opts.openOptions ?? {}),
          cacheDir: this.cacheDir,
          rootfs,
          // Hashing and decompression stop on the task's signal (the partial output is removed); the race
          // below still answers a cancel at once.
          signal: task.signal,
          onProgress: (done, total, phase) => {
            task.progress(done, total, phase);
            if (phase === 'hashing') task.check();
          },
        });
        const cancelled = new Promise<never>((_resolve, reject) => {
          const onAbort = (): void => reject(new CancelledError(`opening ${file} was cancelled`));
          if (task.signal.aborted) onAbort();
          else task.signal.addEventListener('abort', onAbort, { once: true });
        });
        cancelled.catch(() => undefined); // a cancel that loses the race must not be an unhandled rejection
        let cp: Checkpoint;
        try {
          cp = await Promise.race([opening, cancelled]);
        } catch (e) {
          opening.then((late) => late.close(), () => undefined);
          rootfs?.close();
          throw e;
        }
        return { cp, rootfs };
      });
      if (generation !== this.generation) {
        opened.cp.close();
        opened.rootfs?.close();
        throw new CancelledError(`opening ${file} (another archive was opened meanwhile) was cancelled`);
      }
      this.closeCurrent();
      const { cp, rootfs } = opened;
      const hashes: EvidenceHash[] = [];
      if (cp.archive.compressedSha256) hashes.push({ path: cp.source, size: fs.statSync(cp.source).size, sha256: cp.archive.compressedSha256 });
      this.current = {
        cp,
        rootfs,
        hashes,
        info: {
          archive: cp.source,
          ...(rootfsPath ? { rootfs: rootfsPath } : {}),
          layout: cp.archive.format,
          openedAt: new Date().toISOString(),
          processes: cp.processList().length,
          problems: [],
        },
      };
      const info = this.sessionInfo()!;
      this.emit('session', info);
      return ok(info);
    } catch (e) {
      return fail(e);
    }
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
    return attempt(() => {
      const s = this.need();
      const cp = s.cp;
      const m = cp.meta;
      const sizes = cp.sizes();
      const uts = cp.uts();
      const stats = cp.stats() as Record<string, number> | undefined;
      const processes = cp.processList();
      const out: OverviewInfo = {
        source: cp.source,
        layout: cp.archive.format,
        arch: cp.arch(),
        ips: m.ips,
        macs: m.macs,
        networks: m.networks.map((n) => ({ network: n.network, interface: n.interface, addresses: n.addresses, gateways: n.gateways, ...(n.mac ? { mac: n.mac } : {}) })),
        sizes: { total: sizes.checkpointSize, memoryPages: sizes.memoryPagesSize, ...(sizes.rootfsDiffSize !== undefined ? { rootfsDiff: sizes.rootfsDiffSize } : {}), ...(sizes.amdGpuMemoryPagesSize ? { amdGpuMemoryPages: sizes.amdGpuMemoryPagesSize } : {}) },
        statistics: DUMP_STATISTICS.filter(([k]) => stats?.[k] !== undefined).map(([key, label, kind]) => ({ key, label, value: stats![key], display: formatDumpStat(stats![key], kind) })),
        processes: processes.length,
        threads: processes.reduce((n, p) => n + p.tids.length, 0),
        hashes: s.hashes.map((h) => ({ ...h })),
        truncated: cp.archive.truncated,
        notice: SENSITIVITY_NOTICE,
        problems: [],
      };
      const optional: [keyof OverviewInfo, unknown][] = [
        ['engine', m.engine], ['containerName', m.containerName], ['image', m.image], ['imageRef', m.imageRef], ['id', m.id],
        ['runtime', m.runtime], ['created', m.created], ['checkpointed', m.checkpointed], ['podName', m.podName],
        ['podNamespace', m.podNamespace], ['hostname', uts.nodename ?? m.hostname], ['domainname', uts.domainname],
        ['criuRunId', cp.inventory()?.dump_criu_run_id],
      ];
      for (const [k, v] of optional) if (v !== undefined && v !== null && v !== '') (out as unknown as Record<string, unknown>)[k] = String(v);
      const up = cp.uptimeAtDump();
      if (up) out.uptimeAtDump = { monotonic: up.monotonicSec, boottime: up.boottimeSec };
      out.problems = cp.problems.map((p) => ({ ...p }));
      return out;
    });
  }

  async hashEvidence(req?: TaskRequest): Promise<Result<EvidenceHash[]>> {
    try {
      const taskId = optStr(obj(req, 'hashEvidence').taskId, 'taskId', 200);
      const s = this.need();
      const source = s.cp.source;
      const hashes = await this.tasks.run(taskId, 'hashing the evidence', async (task) => {
        const st = fs.statSync(source);
        if (!st.isDirectory()) {
          const known = s.hashes.find((h) => h.path === source);
          if (known) return [known];
          const { sha256 } = await sha256File(source, {
            onProgress: (done, total) => {
              task.progress(done, total, 'hashing');
              task.check();
            },
          });
          return [{ path: source, size: st.size, sha256 }];
        }
        // The files a case records for the folder, in the same order (path bytes), symlinks not followed.
        const files = listFolder(source)
          .filter((e) => e.kind === 'file')
          .map((e) => ({ path: path.join(source, e.rel), size: e.size ?? 0 }));
        const total = files.reduce((n, f) => n + f.size, 0);
        let base = 0;
        const out: EvidenceHash[] = [];
        for (const f of files) {
          task.check();
          const { sha256 } = await sha256File(f.path, {
            onProgress: (done) => {
              task.progress(base + done, total, 'hashing');
              task.check();
            },
          });
          base += f.size;
          out.push({ path: f.path, size: f.size, sha256 });
        }
        task.progress(total, total, 'hashing');
        return out;
      });
      if (this.current === s) for (const h of hashes) if (!s.hashes.some((x) => x.path === h.path)) s.hashes.push(h);
      return ok(hashes);
    } catch (e) {
      return fail(e);
    }
  }

  async cancel(req: { taskId: string }): Promise<Result<{ cancelled: boolean }>> {
    return attempt(() => ({ cancelled: this.tasks.cancel(str(obj(req, 'cancel').taskId, 'taskId', 200)) }));
  }

  // -----------------------------------------------------------------------------------------------
  // Processes, threads, memory

  async processes(): Promise<Result<ProcessInfo[]>> {
    return attempt(() => {
      const cp = this.need().cp;
      return cp.processList().map((p) => {
        const info: ProcessInfo = { pid: p.pid, ppid: p.ppid, pgid: p.pgid, sid: p.sid, comm: p.comm, state: p.state, threads: p.tids.length, tids: p.tids, depth: p.depth, children: p.children };
        const cmd = cp.commandLine(p.pid);
        if (cmd) {
          info.argv = cmd.argv;
          info.cmdline = cmd.text;
          info.cmdlineRaw = cmd.raw.toString('hex');
        }
        const exe = cp.exe(p.pid);
        if (exe !== undefined) info.exe = exe;
        const creds = cp.creds(p.pid);
        if (creds) {
          info.uid = creds.uid;
          info.gid = creds.gid;
        }
        return info;
      });
    });
  }

  async threads(req: { pid: number }): Promise<Result<ThreadInfo[]>> {
    return attempt(() => this.need().cp.threads(this.pidOf(req, 'threads')).map(threadInfo));
  }

  async pythonStacks(req: { pid: number }): Promise<Result<PythonStacksInfo>> {
    return attempt(() => pythonStacksInfo(this.need().cp, this.pidOf(req, 'pythonStacks')));
  }

  async pythonLocals(req: { pid: number; frame: string }): Promise<Result<PythonLocalsInfo>> {
    return attempt(() => pythonLocalsInfo(this.need().cp, this.pidOf(req, 'pythonLocals'), address(obj(req, 'pythonLocals').frame, 'frame')));
  }

  async vmas(req: { pid: number }): Promise<Result<VmaInfo[]>> {
    return attempt(() => {
      const pid = this.pidOf(req, 'vmas');
      const space = this.need().cp.addressSpace(pid);
      return space ? space.vmas.map((v) => vmaInfo(space, v)) : [];
    });
  }

  async readMemory(req: ReadMemoryRequest): Promise<Result<MemoryChunk>> {
    return attempt(() => {
      const r = obj(req, 'readMemory');
      const pid = this.pidOf(r, 'readMemory');
      const addr = address(r.address);
      const length = int(r.length, 'length', 0, MAX_READ_BYTES);
      if (addr + BigInt(length) > 1n << 64n) throw new RequestError('the range runs past the end of the 64-bit address space');
      const space = this.need().cp.addressSpace(pid);
      if (!space) throw new KensaError('missing', `process ${pid} has no memory in this checkpoint (no mm image)`);
      const { data, extents } = space.read(addr, length);
      return { pid, address: hex64(addr), length, data: data.toString('base64'), extents: extents.map((e) => ({ start: hex64(e.start), end: hex64(e.end), origin: e.origin })) };
    });
  }

  async search(req: SearchRequest): Promise<Result<SearchResult>> {
    try {
      const r = obj(req, 'search');
      const taskId = optStr(r.taskId, 'taskId', 200);
      const pattern = searchPattern(r.pattern);
      const cp = this.need().cp;
      let pids: number[] | undefined;
      if (r.pids !== undefined) {
        if (!Array.isArray(r.pids) || r.pids.length > 100_000) throw new RequestError('pids must be a list of process ids');
        pids = r.pids.map((p) => int(p, 'pid', 0, 0x7fffffff));
        for (const p of pids) if (!cp.process(p)) throw new RequestError(`no process ${p} in this checkpoint`);
      }
      let vma: string[] | undefined;
      if (r.vma !== undefined) {
        if (!Array.isArray(r.vma) || r.vma.length > 64) throw new RequestError('vma must be a list of at most 64 filters');
        vma = r.vma.map((v) => str(v, 'vma filter', 1024));
      }
      const context = optInt(r.context, 'context', 0, 256) ?? 16;
      const maxHits = optInt(r.maxHits, 'maxHits', 1, 100_000) ?? 1000;
      let scanned = 0;
      const hits = await this.tasks.run(taskId, 'the search', (task) =>
        searchMemory(cp, {
          pattern,
          ...(pids ? { pids } : {}),
          ...(vma ? { vma } : {}),
          context,
          maxHits: maxHits + 1,
          signal: task.signal,
          onProgress: (done, total) => {
            scanned = done;
            task.progress(done, total, 'searching');
          },
        }),
      );
      const truncated = hits.length > maxHits;
      this.logToCase('search', { pattern, ...(pids ? { pids } : {}), ...(vma ? { vma } : {}), hits: Math.min(hits.length, maxHits), truncated });
      return ok({
        hits: hits.slice(0, maxHits).map(searchHitInfo),
        truncated,
        scanned,
      });
    } catch (e) {
      return fail(e);
    }
  }

  /** main/services/yara.ts does the work. */
  async yaraScan(req: YaraScanRequest): Promise<Result<YaraScanResult>> {
    return attempt(() => yaraScan({ cp: () => this.need().cp, tasks: this.tasks, logToCase: (e, d) => this.logToCase(e, d) }, req));
  }

  /** main/services/triage.ts does the work. */
  async triage(req?: TriageRequest): Promise<Result<TriageResult>> {
    return attempt(() => triageRun({ cp: () => this.need().cp, tasks: this.tasks, logToCase: (e, d) => this.logToCase(e, d), caseDir: () => this.caseObj?.dir }, req));
  }

  // -----------------------------------------------------------------------------------------------
  // Files, sockets, mounts, namespaces, cgroups, logs

  async fds(req: { pid: number }): Promise<Result<FdInfo[]>> {
    return attempt(() => {
      const pid = this.pidOf(req, 'fds');
      const cp = this.need().cp;
      const out: FdInfo[] = cp.fds(pid).map((f) => {
        const info: FdInfo = { fd: f.fd, type: f.type, path: f.path, cloexec: f.cloexec };
        if (f.flags !== undefined) info.flags = f.flags;
        if (f.pos !== undefined) info.pos = f.pos <= BigInt(Number.MAX_SAFE_INTEGER) && f.pos >= 0n ? Number(f.pos) : f.pos.toString();
        if (f.deleted) info.deleted = true;
        if (f.ghost) info.ghost = { ...f.ghost };
        return info;
      });
      const fsInfo = cp.fs(pid);
      if (fsInfo.cwd !== undefined) out.push({ fd: 'cwd', type: 'DIR', path: fsInfo.cwd });
      if (fsInfo.root !== undefined) out.push({ fd: 'root', type: 'DIR', path: fsInfo.root });
      const exe = cp.exe(pid);
      if (exe !== undefined) out.push({ fd: 'exe', type: 'REG', path: exe });
      return out;
    });
  }

  async rootfsTree(): Promise<Result<RootfsTree>> {
    return attempt(() => {
      const cp = this.need().cp;
      const diff = cp.archive.rootfsDiff();
      return {
        present: Boolean(diff),
        gzip: Boolean(diff?.gzip),
        entries: cp.rootfsChanges().map((e) => ({
          path: e.path,
          member: 'rootfs-diff.tar/' + e.path.replace(/^\/+/, ''),
          type: e.type,
          size: e.size,
          mode: e.mode,
          ...(e.mtime && !Number.isNaN(e.mtime.getTime()) ? { mtime: e.mtime.toISOString() } : {}),
          ...(e.linkTarget !== undefined ? { linkTarget: e.linkTarget } : {}),
        })),
        deleted: [...cp.meta.deletedFiles],
      };
    });
  }

  async readFile(req: ReadFileRequest): Promise<Result<FileChunk>> {
    return attempt(() => {
      const r = obj(req, 'readFile');
      const member = str(r.member, 'member');
      const offset = optInt(r.offset, 'offset') ?? 0;
      const length = optInt(r.length, 'length', 0, MAX_READ_BYTES) ?? DEFAULT_FILE_READ;
      const src = this.need().cp.archive.open(member);
      try {
        const start = Math.min(offset, src.size);
        const n = Math.min(length, src.size - start);
        return { member, size: src.size, offset: start, data: src.read(start, n).toString('base64') };
      } finally {
        src.close();
      }
    });
  }

  async sockets(req?: { pid?: number }): Promise<Result<SocketInfo[]>> {
    return attempt(() => {
      const cp = this.need().cp;
      const r = obj(req, 'sockets');
      const pids = r.pid !== undefined ? [this.pidOf(r, 'sockets')] : cp.processList().map((p) => p.pid);
      return pids.flatMap((pid) => cp.sockets(pid).map((s) => jsonSafe(s) as SocketInfo));
    });
  }

  async mounts(): Promise<Result<MountsInfo>> {
    return attempt(() => {
      const cp = this.need().cp;
      return {
        mountpoints: cp.mountpoints().map((m) => {
          const { flags: _flags, ...rest } = m;
          return rest;
        }),
        oci: cp.meta.ociMounts.map((m) => jsonSafe(m) as MountsInfo['oci'][number]),
        bind: cp.meta.bindMounts.map((b) => ({ source: b.source, destination: b.destination, ...(b.fileType ? { fileType: b.fileType } : {}) })),
      };
    });
  }

  async namespaces(): Promise<Result<NamespacesInfo>> {
    return attempt(() => {
      const cp = this.need().cp;
      const processes = cp.processList().map((p) => {
        const ids: Record<string, number> = {};
        for (const [k, v] of Object.entries(cp.ids(p.pid) ?? {})) if (typeof v === 'number' || typeof v === 'bigint') ids[k.replace(/_id$/, '')] = Number(v);
        return { pid: p.pid, comm: p.comm, ids };
      });
      const uts = cp.uts();
      return { processes, uts: { ...(uts.nodename !== undefined ? { nodename: String(uts.nodename) } : {}), ...(uts.domainname !== undefined ? { domainname: String(uts.domainname) } : {}) } };
    });
  }

  async cgroups(req: { pid: number }): Promise<Result<CgroupInfo[]>> {
    return attempt(() => {
      const pid = this.pidOf(req, 'cgroups');
      return Object.entries(this.need().cp.cgroups(pid)).map(([controller, p]) => ({ controller: controller || '(unified)', path: p }));
    });
  }

  async logs(): Promise<Result<LogInfo[]>> {
    return attempt(() => {
      const cp = this.need().cp;
      const out: LogInfo[] = [];
      // Engines put CRIU's logs at the archive's top (CRI-O, Podman); `criu dump -D` leaves them with the images.
      const logMember = (name: string): string | undefined => [name, cp.archive.imageMember(name)].find((m) => cp.archive.has(m));
      const candidates: [string, string | undefined][] = [
        ['dump.log', logMember('dump.log')],
        ['container log', cp.meta.logMember],
        ['restore.log', logMember('restore.log')],
      ];
      for (const [name, member] of candidates) {
        if (!member || !cp.archive.has(member) || out.some((l) => l.member === member)) continue;
        const src = cp.archive.open(member);
        try {
          const n = Math.min(src.size, MAX_LOG_BYTES);
          out.push({ name, member, size: src.size, text: decodeUtf8Exact(src.read(0, n)), truncated: src.size > n });
        } finally {
          src.close();
        }
      }
      return out;
    });
  }

  // -----------------------------------------------------------------------------------------------
  // Cores and gdb

  /**
   * A fresh path for a file derived from the open archive: under the case's derived/ folder when a case
   * is open (recorded there with its hash), else in the cache. Never beside the evidence.
   */
  private derivedPath(name: string): string {
    const s = this.need();
    // Only the case's own evidence derives into the case: a file from an archive the case does not hold
    // would otherwise be recorded against the case's (only) evidence.
    if (this.caseObj && this.evidenceId() !== undefined) return this.caseObj.derivedPath(name);
    if (!s.derivedDir) {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      s.derivedDir = ensureDir(path.join(this.cacheDir, 'derived', `${path.basename(s.cp.source).replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}`));
    }
    let candidate = path.join(s.derivedDir, name);
    for (let i = 2; fs.existsSync(candidate); i++) candidate = path.join(s.derivedDir, `${name}-${i}`);
    return candidate;
  }

  /** Record a workstation action in the open case's custody log (best effort: the action already happened). */
  private logToCase(event: string, details: Record<string, unknown>): void {
    try {
      this.caseObj?.log(event, { ...details, evidence: this.evidenceId() });
    } catch {
      /* the case refuses this event name or is damaged: verification will say so */
    }
  }

  private evidenceId(): string | undefined {
    const s = this.current;
    if (!this.caseObj || !s) return undefined;
    const resolved = path.resolve(s.cp.source);
    const sha = s.hashes.find((h) => h.path === s.cp.source)?.sha256;
    return this.caseObj.evidence().find((e) => (e.path !== undefined && path.resolve(String(e.path)) === resolved) || (sha !== undefined && e.sha256 === sha))?.id;
  }

  async writeCore(req: CoreWriteRequest): Promise<Result<CoreWriteInfo>> {
    try {
      const r = obj(req, 'writeCore');
      const pid = this.pidOf(r, 'writeCore');
      const taskId = optStr(r.taskId, 'taskId', 200);
      const cp = this.need().cp;
      const outPath = this.derivedPath(`core.${pid}`);
      const result = await this.tasks.run(taskId, 'writing the core', (task) =>
        writeCore(cp, { pid, outPath, signal: task.signal, onProgress: (done, total) => task.progress(done, total, 'writing core') }),
      );
      const coreEvidence = this.evidenceId();
      if (this.caseObj && coreEvidence) await this.caseObj.recordDerivedAsync(result.path, `workstation: ELF core of pid ${pid}`, coreEvidence);
      return ok({ pid: result.pid, path: result.path, size: result.size, sha256: result.sha256 ?? '', threads: result.threads, segments: result.segments, missing: result.missing });
    } catch (e) {
      return fail(e);
    }
  }

  async gdbStart(req: GdbStartRequest): Promise<Result<GdbSessionInfo>> {
    try {
      const r = obj(req, 'gdbStart');
      const pid = this.pidOf(r, 'gdbStart');
      const cols = int(r.cols, 'cols', 2, 1000);
      const rows = int(r.rows, 'rows', 2, 1000);
      const taskId = optStr(r.taskId, 'taskId', 200);
      const s = this.need();
      const outDir = ensureDir(this.derivedPath(`gdb-${pid}`));
      const launch = await this.tasks.run(taskId, 'preparing gdb', async (task) => {
        task.progress(0, 0, 'writing core');
        return prepareGdb(s.cp, pid, { ...(s.rootfs ? { rootfs: s.rootfs } : {}), outDir, cacheDir: this.cacheDir });
      });
      const coreEvidence = this.evidenceId();
      if (this.caseObj && coreEvidence) await this.caseObj.recordDerivedAsync(launch.corePath, `workstation: ELF core of pid ${pid} for gdb`, coreEvidence);
      const sessionId = this.gdb.start({ file: launch.gdb, args: launch.args, cwd: launch.cwd }, { cols, rows });
      this.logToCase('gdb-session', { pid, core: launch.corePath, argv: [launch.gdb, ...launch.args] });
      return ok({ sessionId, pid, archive: s.cp.source, argv: [launch.gdb, ...launch.args], corePath: launch.corePath, ...(launch.sysroot ? { sysroot: launch.sysroot } : {}) });
    } catch (e) {
      return fail(e);
    }
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
  // Evidence case and report

  private caseInfo(): CaseInfo {
    const c = this.caseObj;
    if (!c) return { open: false, evidence: [], notes: [], archiveInCase: false };
    return {
      open: true,
      dir: c.dir,
      id: c.id,
      evidence: c.evidence().map((e) => structuredClone(e)),
      notes: c.notes().map((n) => structuredClone(n)),
      archiveInCase: this.evidenceId() !== undefined,
      ...(this.evidenceId() ? { archiveEvidenceId: this.evidenceId() } : {}),
      ...(this.current ? { archive: this.current.cp.source } : {}),
    };
  }

  async caseStatus(): Promise<Result<CaseInfo>> {
    return attempt(() => this.caseInfo());
  }

  async caseOpen(req: CaseOpenRequest): Promise<Result<CaseInfo>> {
    return attempt(() => {
      const r = obj(req, 'caseOpen');
      const dir = path.resolve(str(r.dir, 'dir'));
      const create = bool(r.create, 'create') ?? false;
      const analyst = optStr(r.analyst, 'analyst', 200);
      const title = optStr(r.title, 'title', 500);
      const exists = fs.existsSync(dir) && fs.readdirSync(dir).length > 0;
      this.caseObj = exists || !create ? EvidenceCase.open(dir) : EvidenceCase.init(dir, { ...(analyst ? { analyst } : {}), ...(title ? { title } : {}) });
      return this.caseInfo();
    });
  }

  async caseAddEvidence(req?: TaskRequest): Promise<Result<CaseInfo>> {
    try {
      const taskId = optStr(obj(req, 'caseAddEvidence').taskId, 'taskId', 200);
      const c = this.caseObj;
      if (!c) throw new RequestError('no case is open');
      const s = this.need();
      if (this.evidenceId() === undefined) {
        const rec = await this.tasks.run(taskId, 'adding the evidence', (task) => c.addEvidence(s.cp.source, (done, total) => task.progress(done, total, 'hashing'), { cacheDir: this.cacheDir, signal: task.signal }));
        if (typeof rec.sha256 === 'string' && !s.hashes.some((h) => h.path === s.cp.source) && !fs.statSync(s.cp.source).isDirectory()) {
          s.hashes.push({ path: s.cp.source, size: fs.statSync(s.cp.source).size, sha256: rec.sha256 });
        }
      }
      return ok(this.caseInfo());
    } catch (e) {
      return fail(e);
    }
  }

  async caseVerify(req?: TaskRequest): Promise<Result<VerifyReport>> {
    try {
      const taskId = optStr(obj(req, 'caseVerify').taskId, 'taskId', 200);
      const c = this.caseObj;
      if (!c) throw new RequestError('no case is open');
      const report = await this.tasks.run(taskId, 'verifying the case', (task) => c.verify({ onProgress: (done, total) => task.progress(done, total, 'hashing'), signal: task.signal }));
      return ok(report);
    } catch (e) {
      return fail(e);
    }
  }

  async addNote(req: NoteRequest): Promise<Result<NoteRecord>> {
    return attempt(() => {
      const r = obj(req, 'addNote');
      const c = this.caseObj;
      if (!c) throw new RequestError('no case is open: open or create a case to add notes to the report');
      const text = str(r.text, 'text', 64 * 1024);
      const target = noteTarget(r.target);
      const evidenceId = this.noteEvidence(c, optStr(r.evidenceId, 'evidenceId', 100));
      // With the checkpoint, the case checks the target and hashes the bookmarked bytes.
      const rec = c.addNote({ evidenceId, text, target }, this.current?.cp);
      return rec;
    });
  }

  /**
   * The evidence a note is about: always the open archive's record in the case. A note on an archive the
   * case does not hold is refused (the case would otherwise file it under its only evidence), and so is
   * one drafted on another archive than the one open now (`evidenceId` as the UI saw it).
   */
  private noteEvidence(c: EvidenceCase, drafted: string | undefined): string {
    const s = this.current;
    if (!s) throw new RequestError('no archive is open: a note is about the evidence open in the workstation');
    const id = this.evidenceId();
    if (id === undefined) throw new RequestError(`the open archive ${s.cp.source} is not evidence in case ${c.id}: add it to the case first (Case › Add the open archive)`);
    if (drafted !== undefined && drafted !== id) throw new RequestError(`this note was written about evidence ${drafted}, but the open archive is evidence ${id}: the note was not saved`);
    return id;
  }

  async writeReport(req: ReportRequest): Promise<Result<{ path: string; sha256: string }>> {
    try {
      const r = obj(req, 'writeReport');
      const format = str(r.format, 'format', 10);
      if (format !== 'html' && format !== 'pdf' && format !== 'json') throw new RequestError('format must be html, pdf or json');
      const taskId = optStr(r.taskId, 'taskId', 200);
      const c = this.caseObj;
      if (!c) throw new RequestError('no case is open');
      const outFile = path.resolve(optStr(r.outFile, 'outFile') ?? path.join(c.dir, `report.${format}`));
      const out = await this.tasks.run(taskId, 'writing the report', () => reportModule().writeReport(c.dir, format, outFile, { action: `workstation: ${format} report`, cacheDir: this.cacheDir, ...(this.current?.rootfs ? { rootfs: this.current.rootfs } : {}) }));
      return ok({ path: out.path, sha256: out.sha256 });
    } catch (e) {
      return fail(e);
    }
  }
}

// -------------------------------------------------------------------------------------------------


/** A VMA with its bytes by origin and a map of runs (merged into at most MAX_VMA_RUNS buckets). */
export function vmaInfo(space: AddressSpace, v: Vma): VmaInfo {
  const extents = space.extents(v.start, v.end);
  const { present, missing, byOrigin: origins } = countOrigins(extents);
  let runs: ExtentInfo[];
  if (extents.length <= MAX_VMA_RUNS) runs = extents.map((e) => ({ start: hex64(e.start), end: hex64(e.end), origin: e.origin }));
  else {
    // Too many runs to draw: cut the VMA into equal buckets, each shown as the origin holding most of its bytes.
    runs = [];
    const span = v.end - v.start;
    let i = 0;
    for (let b = 0n; b < BigInt(MAX_VMA_RUNS); b++) {
      const bs = v.start + (span * b) / BigInt(MAX_VMA_RUNS);
      const be = v.start + (span * (b + 1n)) / BigInt(MAX_VMA_RUNS);
      if (be <= bs) continue;
      const by = new Map<ByteOriginName, bigint>();
      while (i < extents.length && extents[i].end <= bs) i++;
      for (let j = i; j < extents.length && extents[j].start < be; j++) {
        const e = extents[j];
        const lo = e.start > bs ? e.start : bs;
        const hi = e.end < be ? e.end : be;
        by.set(e.origin, (by.get(e.origin) ?? 0n) + (hi - lo));
      }
      let best: ByteOriginName = 'zero';
      let bestN = -1n;
      for (const [o, n] of by) if (n > bestN) [best, bestN] = [o, n];
      const last = runs[runs.length - 1];
      if (last && last.origin === best && last.end === hex64(bs)) last.end = hex64(be);
      else runs.push({ start: hex64(bs), end: hex64(be), origin: best });
    }
  }
  const info: VmaInfo = {
    index: v.index, start: hex64(v.start), end: hex64(v.end), size: Number(v.end - v.start), perms: v.perms, kind: v.kind, name: v.name,
    offset: hex64(v.pgoff), present, missing, origins, runs, notDumped: v.notDumped,
  };
  if (v.file) info.file = { path: v.file.path, ...(v.file.deleted ? { deleted: true } : {}), ...(v.file.buildId ? { buildId: v.file.buildId } : {}) };
  return info;
}

function searchPattern(p: unknown): SearchPatternSpec {
  const o = obj(p, 'pattern');
  const kinds = ['text', 'hex', 'regex'].filter((k) => o[k] !== undefined);
  if (kinds.length !== 1) throw new RequestError('pattern needs exactly one of text, hex or regex');
  if (o.text !== undefined) {
    const text = str(o.text, 'text', 4096);
    if (!text) throw new RequestError('the search text is empty');
    return { text, ...(bool(o.utf16, 'utf16') ? { utf16: true } : {}), ...(bool(o.ignoreCase, 'ignoreCase') ? { ignoreCase: true } : {}) };
  }
  if (o.hex !== undefined) {
    const hex = str(o.hex, 'hex', 8192);
    const digits = hex.replace(/\s+/g, '');
    if (!digits || !/^([0-9a-fA-F]{2})+$/.test(digits)) throw new RequestError('hex takes pairs of hex digits (spaces allowed)');
    return { hex };
  }
  const regex = str(o.regex, 'regex', 4096);
  try {
    new RegExp(regex, 'g');
  } catch (e) {
    throw new RequestError(`not a valid regular expression: ${(e as Error).message}`);
  }
  return { regex, ...(bool(o.ignoreCase, 'ignoreCase') ? { ignoreCase: true } : {}) };
}

function noteTarget(t: unknown): NoteRequest['target'] {
  const o = obj(t, 'target');
  const pid = (): number => int(o.pid, 'target.pid', 0, 0x7fffffff);
  switch (o.kind) {
    case 'process':
      return { kind: 'process', pid: pid() };
    case 'thread':
      return { kind: 'thread', pid: pid(), tid: int(o.tid, 'target.tid', 0, 0x7fffffff) };
    case 'memory':
      return { kind: 'memory', pid: pid(), address: hex64(address(o.address, 'target.address')), length: int(o.length, 'target.length', 0, MAX_READ_BYTES) };
    case 'search-hit':
      return { kind: 'search-hit', pid: pid(), address: hex64(address(o.address, 'target.address')), length: int(o.length, 'target.length', 0, MAX_READ_BYTES), pattern: str(o.pattern, 'target.pattern') };
    case 'yara-match':
      return { kind: 'yara-match', pid: pid(), address: hex64(address(o.address, 'target.address')), length: int(o.length, 'target.length', 1, MAX_READ_BYTES), rule: str(o.rule, 'target.rule', 256), string: str(o.string, 'target.string', 256) };
    case 'file':
      return { kind: 'file', member: str(o.member, 'target.member') };
    case 'socket':
      return { kind: 'socket', ...(o.pid !== undefined ? { pid: pid() } : {}), inode: int(o.inode, 'target.inode', 0, 2 ** 53 - 1) };
    case 'python-frame':
      return {
        kind: 'python-frame',
        pid: pid(),
        tid: int(o.tid, 'target.tid', 0, 0x7fffffff),
        frame: hex64(address(o.frame, 'target.frame')),
        function: str(o.function, 'target.function'),
        file: str(o.file, 'target.file'),
        ...(o.line !== undefined ? { line: int(o.line, 'target.line', 0, 0x7fffffff) } : {}),
      };
    case 'triage-finding':
      // main/core/evidence/case.ts normaliseTarget checks every field and its limits.
      return o as unknown as FindingBookmark;
    default:
      throw new RequestError('target.kind must be process, thread, memory, search-hit, yara-match, file, socket, python-frame or triage-finding');
  }
}
