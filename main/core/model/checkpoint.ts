/**
 * One opened checkpoint: the archive, its container metadata, and a model built lazily from its CRIU
 * images (criu-format.md §1.6 "how ids tie files together"). Plain records out; where a consumer needs the
 * wire values (a thread's registers for the core writer and the register panels) they come typed, as the
 * generated CRIU message types (threads.ts), never as untyped protobuf.
 */
import { CheckpointArchive } from '../archive/archive';
import { readContainerMeta, checkpointSizes, type ContainerMeta, type CheckpointSizes } from '../archive/container-meta';
import { ImageStore, type Msg } from './images';
import { AT, FSTYPES, MACHINES, TASK_STATES } from './constants';
import type { Vma } from '../memory/vma';
import type { PageMap } from '../memory/pagemap';
import type { AddressSpace, FileContentResolver } from '../memory/address-space';
import { ProcessMemory } from './process-memory';
import { openParentDump, type ParentDump } from '../memory/parent';
import { GhostFile, ghostImageName, remapEntries, type RemapEntry } from './ghost-file';
import { KensaError } from '../errors';
import { decodeUtf8Exact } from '#shared/format';
import type { ProcessRecord, CommandLine, Creds, ThreadRecord, FdRecord, GhostSummary, DeletedFileRecord, SocketRecord, MountPoint, Stats, CheckpointOpenOptions } from './records';
import { num } from './wire-values';
import { fdRecords, socketRecords } from './fds';
import { socketDetail, socketQueueBytes } from './socket-detail';
import type { SocketDetail } from '#shared/api/sockets';
import { credsOf, threadRecord } from './threads';
import type { CoreEntry } from '../criu/messages.generated';
import { environmentStrings, procCommandLine, visibleArguments, type ArgumentAreas, type MemoryReader } from './cmdline';


/**
 * Deepest process tree walked by default (`--max-depth` raises it up to MAX_TREE_DEPTH). Real trees are a few
 * levels deep; the nested JSON of `inspect --json` (checkpointctl's process_tree) grows with depth squared
 * once indented, and JSON.stringify itself overflows V8's stack near 2,500 levels.
 */
const DEFAULT_MAX_TREE_DEPTH = 512;
export const MAX_TREE_DEPTH = 2000;

// The records are defined in records.ts; importers of the Checkpoint find them here too.
export type { RegisterFile, X86_64RegisterFile, Aarch64RegisterFile } from './records';
export type { ProcessRecord, CommandLine, Creds, ThreadRecord, FdRecord, GhostSummary, DeletedFileRecord, SocketRecord, MountPoint, Stats, CheckpointOpenOptions };
export { inetAddress, inetAddressProblem } from './wire-values';

export class Checkpoint {
  readonly images: ImageStore;
  readonly meta: ContainerMeta;
  private processCache?: Map<number, ProcessRecord>;
  private filesCache?: Map<number, Msg>;
  private memfdCache?: Map<number, Msg>;
  /** Address spaces and what they are built from (process-memory.ts). */
  private readonly memory = new ProcessMemory(this);
  private deletedCache?: Set<number>;
  private remapCache?: RemapEntry[];
  /** Ghost images by remap id (several file ids can share one: hard links of one deleted inode). */
  private readonly ghostCache = new Map<number, GhostFile | null>();
  private readonly ghostErrors = new Map<number, KensaError>();
  rootfs?: FileContentResolver;
  /** The parent dump PE_PARENT pages are read from (criu-format.md §1.5), when there is one. */
  parentDump?: ParentDump;
  /** Why the parent dump the images name could not be found (pages kept there read as missing). */
  parentUnresolved?: string;
  private readonly maxTreeDepth: number;

  private constructor(readonly archive: CheckpointArchive, opts: CheckpointOpenOptions) {
    this.images = new ImageStore(archive);
    this.meta = readContainerMeta(archive);
    this.rootfs = opts.rootfs;
    this.maxTreeDepth = opts.maxTreeDepth ?? DEFAULT_MAX_TREE_DEPTH;
    for (const w of this.meta.warnings) this.images.problems.push({ member: '', message: w, text: w });
  }

  static async open(path: string, opts: CheckpointOpenOptions = {}): Promise<Checkpoint> {
    const archive = await CheckpointArchive.open(path, opts);
    const cp = new Checkpoint(archive, opts);
    try {
      const parent = await openParentDump(archive, archive.imageDir, opts, (member, message) => cp.images.note(member, message));
      cp.parentDump = parent.dump;
      cp.parentUnresolved = parent.unresolved;
    } catch (e) {
      archive.close();
      throw e;
    }
    return cp;
  }

  get source(): string {
    return this.archive.source;
  }

  /** Problems met so far (unreadable parts, images, inconsistencies). Non-empty means a partial result. */
  get problems(): { member: string; message: string; text: string }[] {
    const damage = this.archive.damage.map((d) => ({ member: '', message: d, text: `${this.archive.source}: ${d}` }));
    return [...damage, ...this.images.problems];
  }

  /** Oddities in the evidence that were neutralised (unsafe or duplicate member names): worth a warning. */
  get warnings(): string[] {
    this.archive.rootfsDiff();
    return this.archive.warnings.map((w) => `${this.archive.source}: ${w}`);
  }

  close(): void {
    this.parentDump?.close();
    this.archive.close();
  }

  sizes(): CheckpointSizes {
    return checkpointSizes(this.archive);
  }

  inventory(): Msg | undefined {
    return this.images.first('inventory.img');
  }

  stats(): Stats | undefined {
    // stats-dump sits at the archive top for engines, inside the image folder for bare dumps.
    const e = (this.images.member('stats-dump') ?? this.images.image('stats-dump'))?.entries[0] as Msg | undefined;
    const dump = e?.dump as Msg | undefined;
    if (!dump) return undefined;
    const out: Stats = {};
    for (const [k, v] of Object.entries(dump)) (out as Record<string, number>)[k] = num(v);
    return out;
  }

  /** Machine of the checkpoint, from the root task's core image (never from the host). */
  arch(): string {
    const root = this.processList()[0];
    const core = root ? this.images.first(`core-${root.pid}.img`) : undefined;
    return MACHINES[num(core?.mtype)] ?? 'unknown';
  }

  /** Every process in pstree order, with cycle and depth checks (issue 7: a crafted pstree must not hang). */
  processList(): ProcessRecord[] {
    return [...this.processMap().values()];
  }

  process(pid: number): ProcessRecord | undefined {
    return this.processMap().get(pid);
  }

  private processMap(): Map<number, ProcessRecord> {
    if (this.processCache) return this.processCache;
    const map = new Map<number, ProcessRecord>();
    const entries = this.images.entries('pstree.img') ?? [];
    if (!this.images.has('pstree.img')) this.images.note(this.archive.imageMember('pstree.img'), 'missing: no process tree in this checkpoint');
    for (const e of entries) {
      const pid = num(e.pid);
      if (map.has(pid)) {
        this.images.note(this.archive.imageMember('pstree.img'), `pid ${pid} listed twice; the first entry is used`);
        continue;
      }
      const tids = Array.isArray(e.threads) && e.threads.length ? e.threads.map((t: unknown) => num(t)) : [pid];
      const core = this.images.first(`core-${pid}.img`);
      const tc = core?.tc as Msg | undefined;
      const stateCode = num(tc?.task_state, 0);
      map.set(pid, {
        pid,
        ppid: num(e.ppid),
        pgid: num(e.pgid),
        sid: num(e.sid),
        tids,
        children: [],
        comm: String(tc?.comm ?? (core?.thread_core as Msg | undefined)?.comm ?? ''),
        state: TASK_STATES[stateCode] ?? (stateCode ? `state ${stateCode}` : 'unknown'),
        stateCode,
        exitCode: tc?.exit_code !== undefined ? num(tc.exit_code) : undefined,
        depth: 0,
      });
    }
    // Link children to parents; a parent that is missing or would close a cycle makes the node a root.
    for (const p of map.values()) {
      const parent = map.get(p.ppid);
      if (p.ppid !== 0 && parent && parent !== p) parent.children.push(p.pid);
      else if (p.ppid !== 0 && !parent) this.images.note(this.archive.imageMember('pstree.img'), `pid ${p.pid} names parent ${p.ppid}, which is not in the tree`);
    }
    // Walked with an explicit stack (a 4000-deep chain must not overflow the call stack), children in order.
    const seen = new Set<number>();
    const cutByDepth = new Set<number>();
    const walk = (rootPid: number): void => {
      const onPath = new Set<number>();
      const stack: { pid: number; depth: number; next: number }[] = [];
      const enter = (pid: number, depth: number): void => {
        const p = map.get(pid)!;
        seen.add(pid);
        p.depth = depth;
        if (depth >= this.maxTreeDepth) {
          this.images.note(this.archive.imageMember('pstree.img'), `process tree deeper than ${this.maxTreeDepth} at pid ${pid}; its children are listed as roots (raise with --max-depth)`);
          for (const c of p.children) cutByDepth.add(c);
          p.children = [];
          return;
        }
        p.children = p.children.filter((c) => {
          if (onPath.has(c) || seen.has(c)) {
            this.images.note(this.archive.imageMember('pstree.img'), `process tree has a cycle through pid ${c}; the link from ${pid} is ignored`);
            return false;
          }
          return true;
        });
        onPath.add(pid);
        stack.push({ pid, depth, next: 0 });
      };
      enter(rootPid, 0);
      while (stack.length) {
        const top = stack[stack.length - 1];
        const children = map.get(top.pid)!.children;
        if (top.next < children.length) {
          const c = children[top.next++];
          // A child seen since the filter ran (reached twice through one parent listed twice): drop the link.
          if (seen.has(c)) children.splice(--top.next, 1);
          else enter(c, top.depth + 1);
        } else {
          onPath.delete(top.pid);
          stack.pop();
        }
      }
    };
    const roots = [...map.values()].filter((p) => p.ppid === 0 || !map.has(p.ppid) || p.ppid === p.pid);
    for (const r of roots) if (!seen.has(r.pid)) walk(r.pid);
    // Subtrees below the depth limit, then nodes only reachable through a cycle: walked as roots so they are still listed.
    for (const p of map.values()) {
      if (seen.has(p.pid)) continue;
      if (!cutByDepth.has(p.pid)) this.images.note(this.archive.imageMember('pstree.img'), `pid ${p.pid} is only reachable through a cycle; listed as a root`);
      walk(p.pid);
    }
    this.processCache = map;
    return map;
  }

  /** Root processes (normally one). */
  roots(): ProcessRecord[] {
    return this.processList().filter((p) => p.depth === 0);
  }

  threads(pid: number): ThreadRecord[] {
    const p = this.process(pid);
    if (!p) return [];
    const out: ThreadRecord[] = [];
    for (const tid of p.tids) {
      const core = this.images.first(`core-${tid}.img`);
      if (!core) continue;
      out.push(threadRecord(pid, tid, core as CoreEntry));
    }
    return out;
  }

  /** Credentials of the process (its leader thread; legacy creds-<pid>.img for old dumps). */
  creds(pid: number): Creds | undefined {
    const core = this.images.first(`core-${pid}.img`);
    const c = (core?.thread_core as Msg | undefined)?.creds as Msg | undefined;
    if (c) return credsOf(c);
    const legacy = this.images.has(`creds-${pid}.img`) ? this.images.first(`creds-${pid}.img`) : undefined;
    return legacy ? credsOf(legacy) : undefined;
  }

  /** Namespace and object ids (ids-<pid>.img; older dumps keep them in core.ids). */
  ids(pid: number): Msg | undefined {
    return this.images.has(`ids-${pid}.img`) ? this.images.first(`ids-${pid}.img`) : (this.images.first(`core-${pid}.img`)?.ids as Msg | undefined);
  }

  mm(pid: number): Msg | undefined {
    return this.images.has(`mm-${pid}.img`) ? this.images.first(`mm-${pid}.img`) : undefined;
  }

  /** files.img by id; older dumps spread entries over per-type images (criu-format.md §2.7, legacy). */
  files(): Map<number, Msg> {
    if (this.filesCache) return this.filesCache;
    const map = new Map<number, Msg>();
    const entries = this.images.has('files.img') ? this.images.entries('files.img') ?? [] : [];
    for (const f of entries) map.set(num(f.id), f);
    if (!this.images.has('files.img')) {
      const legacy: [string, number, string][] = [
        ['reg-files.img', 1, 'reg'], ['pipes.img', 2, 'pipe'], ['fifo.img', 3, 'fifo'], ['inetsk.img', 4, 'isk'],
        ['unixsk.img', 5, 'usk'], ['eventfd.img', 6, 'efd'], ['eventpoll.img', 7, 'epfd'], ['inotify.img', 8, 'ify'],
        ['signalfd.img', 9, 'sgfd'], ['packetsk.img', 10, 'psk'], ['tty.img', 11, 'tty'], ['fanotify.img', 12, 'ffy'],
        ['netlinksk.img', 13, 'nlsk'], ['ns-files.img', 14, 'nsf'], ['tunfile.img', 15, 'tunf'], ['ext-files.img', 16, 'ext'],
        ['timerfd.img', 17, 'tfd'],
      ];
      for (const [image, type, key] of legacy) {
        if (!this.images.has(image)) continue;
        for (const e of this.images.entries(image) ?? []) map.set(num(e.id), { type, id: num(e.id), [key]: e });
      }
    }
    this.filesCache = map;
    return map;
  }

  /** memfd.img inodes by id. */
  memfdInodes(): Map<number, Msg> {
    if (this.memfdCache) return this.memfdCache;
    const map = new Map<number, Msg>();
    if (this.images.has('memfd.img')) for (const e of this.images.entries('memfd.img') ?? []) map.set(num(e.inode_id), e);
    this.memfdCache = map;
    return map;
  }

  /** File ids whose file was deleted while open (remap-fpath: ghost or linked remaps). */
  deletedFileIds(): Set<number> {
    if (this.deletedCache) return this.deletedCache;
    const set = new Set<number>();
    for (const r of this.remaps()) set.add(r.fileId);
    this.deletedCache = set;
    return set;
  }

  /** remap-fpath.img: which file ids were deleted while in use and how CRIU kept them (criu-format.md §2.7). */
  remaps(): RemapEntry[] {
    if (this.remapCache) return this.remapCache;
    const img = this.images.has('remap-fpath.img') ? this.images.image('remap-fpath.img') : undefined;
    const out: RemapEntry[] = [];
    if (img) {
      const member = this.archive.imageMember('remap-fpath.img');
      const at = new Map<number, number>(); // file id -> index in out
      const all = remapEntries(img.entries as Msg[]);
      all.forEach((r, i) => {
        const seen = at.get(r.fileId);
        if (seen === undefined) {
          at.set(r.fileId, out.length);
          out.push(r);
          return;
        }
        const prior = out[seen]!;
        if (prior.kind === r.kind && prior.remapId === r.remapId) return; // the same remap twice says nothing new
        // One file has one remap; CRIU's restore keeps the last it reads (files-reg.c collect_one_remap sets
        // rfi->remap for each entry), so the later one is used here too, and the conflict is named.
        const describe = (e: RemapEntry, n: number): string => `entry ${n + 1} (${e.kind}, remap id 0x${e.remapId.toString(16)})`;
        const priorIndex = all.indexOf(prior);
        this.images.report(
          member,
          new KensaError('format', `file id ${r.fileId} (${this.filePath(r.fileId) ?? '?'}) has conflicting remaps: ${describe(prior, priorIndex)} and ${describe(r, i)}; the later is used, as CRIU's restore would`, {
            source: this.archive.source,
            member,
            offset: img.records[i]?.offset,
          }),
        );
        out[seen] = r;
      });
    }
    this.remapCache = out;
    return out;
  }

  /**
   * The content of a file deleted while open or mapped, from its ghost image (built once per image). Undefined
   * when the file was not deleted, was kept another way (linked, procfs), or its image is absent or unreadable
   * (then a problem names it). A cut image gives the content before the cut, and a problem.
   */
  ghostFile(fileId: number): GhostFile | undefined {
    const remap = this.remaps().find((r) => r.fileId === fileId && r.kind === 'ghost');
    if (!remap) return undefined;
    let g = this.ghostCache.get(remap.remapId);
    if (g !== undefined) return g ?? undefined;
    g = null;
    const member = this.archive.imageMember(ghostImageName(remap.remapId));
    try {
      if (!this.archive.has(member)) {
        const err = new KensaError('missing', `missing: the content of deleted file id ${fileId} (${this.filePath(fileId) ?? '?'}) is named by remap-fpath.img but not in the checkpoint`, { source: this.archive.source, member });
        this.images.report(member, err);
        this.ghostErrors.set(remap.remapId, err);
      } else {
        const reg = this.files().get(fileId)?.reg;
        g = GhostFile.open(this.archive.open(member), { source: this.archive.source, member, expectedSize: reg?.size !== undefined ? num(reg.size) : undefined });
        for (const p of g.problems) this.images.report(member, p);
      }
    } catch (e) {
      if (!(e instanceof KensaError)) throw e;
      const err = e.within({ source: this.archive.source, member });
      this.images.report(member, err);
      this.ghostErrors.set(remap.remapId, err);
      g = null;
    }
    this.ghostCache.set(remap.remapId, g);
    return g ?? undefined;
  }

  /** Every file deleted while open or mapped, in remap-fpath order, with who used it and its ghost content. */
  deletedFiles(): DeletedFileRecord[] {
    const remaps = this.remaps();
    if (!remaps.length) return [];
    const users = new Map<number, { pid: number; use: string }[]>();
    const use = (fileId: number, pid: number, how: string): void => {
      const list = users.get(fileId) ?? [];
      if (!list.some((u) => u.pid === pid && u.use === how)) list.push({ pid, use: how });
      users.set(fileId, list);
    };
    for (const p of this.processList()) {
      for (const f of this.fds(p.pid)) if (f.deleted) use(f.fileId, p.pid, `fd ${f.fd}`);
      for (const v of this.vmas(p.pid)) if (v.file?.deleted && (v.kind === 'file-private' || v.kind === 'file-shared')) use(v.file.fileId, p.pid, 'mmap');
      const exe = this.mm(p.pid)?.exe_file_id;
      if (exe !== undefined && this.deletedFileIds().has(num(exe))) use(num(exe), p.pid, 'exe');
    }
    return remaps.map((r) => {
      const rec: DeletedFileRecord = { fileId: r.fileId, path: this.filePath(r.fileId) ?? `? (file id ${r.fileId})`, remap: r.kind, remapId: r.remapId, users: users.get(r.fileId) ?? [] };
      const reg = this.files().get(r.fileId)?.reg;
      if (reg?.size !== undefined) rec.size = num(reg.size);
      if (reg?.mode !== undefined) rec.mode = num(reg.mode);
      if (r.kind === 'ghost') {
        rec.ghostMember = this.archive.imageMember(ghostImageName(r.remapId));
        rec.ghost = this.ghostFile(r.fileId);
        if (!rec.ghost) rec.ghostError = this.ghostErrors.get(r.remapId);
      }
      return rec;
    });
  }

  filePath(id: number): string | undefined {
    const f = this.files().get(id);
    return f?.reg?.name !== undefined ? String(f.reg.name) : undefined;
  }

  exe(pid: number): string | undefined {
    const mm = this.mm(pid);
    return mm?.exe_file_id !== undefined ? this.filePath(num(mm.exe_file_id)) : undefined;
  }

  fs(pid: number): { cwd?: string; root?: string; umask?: number } {
    const f = this.images.has(`fs-${pid}.img`) ? this.images.first(`fs-${pid}.img`) : undefined;
    if (!f) return {};
    return { cwd: this.filePath(num(f.cwd_id)), root: this.filePath(num(f.root_id)), umask: f.umask !== undefined ? num(f.umask) : undefined };
  }

  /** Saved auxiliary vector as [type, value] pairs (x86 CRIU keeps 44 words, so AT_NULL may be cut). */
  auxv(pid: number): [bigint, bigint][] {
    const words: unknown[] = this.mm(pid)?.mm_saved_auxv ?? [];
    const out: [bigint, bigint][] = [];
    for (let i = 0; i + 1 < words.length; i += 2) {
      const t = BigInt(words[i] as bigint);
      if (t === 0n) break;
      out.push([t, BigInt(words[i + 1] as bigint)]);
    }
    return out;
  }

  /** Page size from AT_PAGESZ (never the viewer's), else 4096. */
  pageSize(pid: number): number {
    const ps = this.auxv(pid).find(([t]) => t === BigInt(AT.PAGESZ))?.[1];
    return ps && ps > 0n && ps <= 1n << 30n && (ps & (ps - 1n)) === 0n ? Number(ps) : 4096;
  }

  /** The VMAs of a process, from its mm image (process-memory.ts). */
  vmas(pid: number): Vma[] {
    return this.memory.vmas(pid);
  }

  /** A pagemap image parsed into runs, checked against its pages file. */
  pagemap(imageName: string, pageSize: number): PageMap | undefined {
    return this.memory.pagemap(imageName, pageSize);
  }

  /** Files in rootfs-diff.tar, then the image rootfs when one was given. */
  fileResolver(): FileContentResolver {
    return this.memory.fileResolver();
  }

  /** The address space of a process (undefined for zombies and processes without mm). */
  addressSpace(pid: number): AddressSpace | undefined {
    return this.memory.addressSpace(pid);
  }

  /** The argument and environment areas of a process's memory, from its mm image. */
  private argumentAreas(pid: number): { areas: ArgumentAreas; read: MemoryReader; pageSize: number } | undefined {
    const mm = this.mm(pid);
    const space = this.addressSpace(pid);
    if (!mm || !space) return undefined;
    const keys = ['mm_arg_start', 'mm_arg_end', 'mm_env_start', 'mm_env_end'] as const;
    if (keys.some((k) => mm[k] === undefined)) return undefined;
    const [argStart, argEnd, envStart, envEnd] = keys.map((k) => BigInt(mm[k]));
    return { areas: { argStart: argStart!, argEnd: argEnd!, envStart: envStart!, envEnd: envEnd! }, read: (a, n) => space.read(a, n).data, pageSize: space.pageSize };
  }

  /**
   * The command line as /proc/PID/cmdline gives it and `ps` shows it (cmdline.ts): argv without the NUL
   * padding, the text `ps` prints, and the exact bytes.
   */
  commandLine(pid: number): CommandLine | undefined {
    const a = this.argumentAreas(pid);
    if (!a) return undefined;
    const proc = procCommandLine(a.areas, a.read, a.pageSize);
    const argv = visibleArguments(proc.raw).map(decodeUtf8Exact);
    return { argv, text: argv.join(' '), raw: proc.raw, retitled: proc.retitled };
  }

  /** argv as `ps` shows it (trailing NUL padding dropped; a title rewritten past its area followed). */
  argv(pid: number): string[] | undefined {
    return this.commandLine(pid)?.argv;
  }

  /** environ read from the process's memory (mm_env_start..mm_env_end, after a title that overflowed into it). */
  environ(pid: number): string[] | undefined {
    const a = this.argumentAreas(pid);
    if (!a) return undefined;
    const from = procCommandLine(a.areas, a.read, a.pageSize).envFrom;
    return environmentStrings(a.areas, from, a.read).map(decodeUtf8Exact);
  }

  /** Open files of a process in fd order (fds.ts). */
  fds(pid: number): FdRecord[] {
    return fdRecords(this, pid);
  }

  /** Sockets a process holds open (fds.ts). */
  sockets(pid: number): SocketRecord[] {
    return socketRecords(this, pid);
  }

  /** One socket in detail: entry, options, TCP stream, queues, unix peer (socket-detail.ts). */
  socketDetail(pid: number, fd: number): SocketDetail {
    return socketDetail(this, pid, fd);
  }

  /** The bytes of one of a socket's queues (`recv`, `send`, `packet:N`), a view of its image. */
  socketQueue(pid: number, fd: number, queue: string): Buffer {
    return socketQueueBytes(this, pid, fd, queue);
  }

  /** The UTS namespace's nodename and domainname. */
  uts(pid?: number): { nodename?: string; domainname?: string } {
    const ids = this.ids(pid ?? this.roots()[0]?.pid ?? 1);
    const id = ids?.uts_ns_id;
    const name = id !== undefined && this.images.has(`utsns-${num(id)}.img`) ? `utsns-${num(id)}.img` : this.archive.imageNames().find((n) => /^utsns-\d+\.img$/.test(n));
    const e = name ? this.images.first(name) : undefined;
    return { nodename: e?.nodename, domainname: e?.domainname };
  }

  /** CRIU's mount tree for the root task's mount namespace. */
  mountpoints(pid?: number): MountPoint[] {
    const ids = this.ids(pid ?? this.roots()[0]?.pid ?? 1);
    const id = ids?.mnt_ns_id;
    const name = id !== undefined && this.images.has(`mountpoints-${num(id)}.img`) ? `mountpoints-${num(id)}.img` : this.archive.imageNames().find((n) => /^mountpoints-\d+\.img$/.test(n));
    if (!name) return [];
    return (this.images.entries(name) ?? []).map((m) => {
      const rec: MountPoint = {
        mntId: num(m.mnt_id),
        parentMntId: num(m.parent_mnt_id),
        mountpoint: String(m.mountpoint ?? ''),
        fstype: m.fsname ? String(m.fsname) : FSTYPES[num(m.fstype)] ?? String(num(m.fstype)),
      };
      if (m.source !== undefined) rec.source = String(m.source);
      if (m.root !== undefined) rec.root = String(m.root);
      if (m.options !== undefined) rec.options = String(m.options);
      if (m.flags !== undefined) rec.flags = num(m.flags);
      if (m.ext_key !== undefined) rec.external = String(m.ext_key);
      else if (m.ext_mount) rec.external = 'yes';
      return rec;
    });
  }

  /** cgroup paths of a process: controller -> path (thread_core.cg_set, else tc.cg_set, else the root set). */
  cgroups(pid: number): Record<string, string> {
    const cg = this.images.has('cgroup.img') ? this.images.first('cgroup.img') : undefined;
    if (!cg) return {};
    const core = this.images.first(`core-${pid}.img`);
    const setId = num((core?.thread_core as Msg | undefined)?.cg_set ?? (core?.tc as Msg | undefined)?.cg_set ?? this.inventory()?.root_cg_set, -1);
    const set = (cg.sets ?? []).find((s: Msg) => num(s.id) === setId);
    const out: Record<string, string> = {};
    for (const c of set?.ctls ?? []) out[String(c.name)] = String(c.path ?? '');
    return out;
  }

  /** Uptime of the dumping host at checkpoint time, from timens-0 (criu-format.md §1.6). */
  uptimeAtDump(): { monotonicSec: number; boottimeSec: number } | undefined {
    const t = this.images.has('timens-0.img') ? this.images.first('timens-0.img') : undefined;
    if (!t?.monotonic) return undefined;
    const s = (x: Msg | undefined): number => num(x?.tv_sec) + num(x?.tv_nsec) / 1e9;
    return { monotonicSec: s(t.monotonic), boottimeSec: s(t.boottime) };
  }

  /** Files changed in the container (rootfs-diff.tar) and deleted from the image (deleted.files). */
  rootfsChanges(): { path: string; type: string; size: number; mode: number; mtime?: Date; linkTarget?: string }[] {
    const diff = this.archive.rootfsDiff();
    if (!diff) return [];
    return diff.index.members
      .filter((m) => m.name !== '')
      .map((m) => ({ path: '/' + m.name, type: m.type, size: m.size, mode: m.mode, mtime: m.mtime, linkTarget: m.linkTarget }));
  }
}
