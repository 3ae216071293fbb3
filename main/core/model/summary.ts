/**
 * JSON-ready views of a checkpoint, with checkpointctl's key names where it reports the same thing
 * (cli-conventions.md), used by `kensa show` / `inspect`, the services behind the UI and the report.
 * Values the archive does not record are absent.
 */
import type { Checkpoint, GhostSummary, ProcessRecord } from './checkpoint';
import { hex } from '#shared/format';

export interface ShowSummary {
  source: string;
  container_name?: string;
  image?: string;
  id?: string;
  runtime?: string;
  created?: string;
  checkpointed?: string;
  engine?: string;
  layout: string;
  ip?: string;
  mac?: string;
  pod_name?: string;
  kubernetes_namespace?: string;
  hostname?: string;
  criu_run_id?: string;
  arch: string;
  processes: number;
  checkpoint_size: { total_size: number; memory_pages_size: number; root_fs_diff_size?: number; amd_gpu_memory_pages_size?: number };
  statistics?: Record<string, number>;
}

export function showSummary(cp: Checkpoint, withStats = true): ShowSummary {
  const m = cp.meta;
  const sizes = cp.sizes();
  const out: ShowSummary = {
    source: cp.source,
    container_name: m.containerName,
    image: m.image,
    id: m.id,
    runtime: m.runtime,
    created: m.created,
    checkpointed: m.checkpointed,
    engine: m.engine,
    layout: cp.archive.format,
    ip: m.ips.length ? m.ips.join(', ') : undefined,
    mac: m.macs.length ? m.macs.join(', ') : undefined,
    pod_name: m.podName,
    kubernetes_namespace: m.podNamespace,
    hostname: cp.uts().nodename,
    criu_run_id: cp.inventory()?.dump_criu_run_id,
    arch: cp.arch(),
    processes: cp.processList().length,
    checkpoint_size: {
      total_size: sizes.checkpointSize,
      memory_pages_size: sizes.memoryPagesSize,
      // Absent, not 0, when the archive has no rootfs-diff.tar (cli-conventions: never guessed; checkpointctl omits it too).
      ...(sizes.rootfsDiffSize !== undefined ? { root_fs_diff_size: sizes.rootfsDiffSize } : {}),
      ...(sizes.amdGpuMemoryPagesSize ? { amd_gpu_memory_pages_size: sizes.amdGpuMemoryPagesSize } : {}),
    },
  };
  if (withStats) {
    const s = cp.stats();
    if (s) out.statistics = s as Record<string, number>;
  }
  return out;
}

export interface ProcessNodeJson {
  pid: number;
  ppid: number;
  command: string;
  /** What `ps` shows (Checkpoint.commandLine). */
  cmdline?: string;
  /** The arguments without the NUL padding of a rewritten title. */
  argv?: string[];
  /** The exact bytes of /proc/PID/cmdline, as lowercase hex. */
  cmdline_raw?: string;
  exe?: string;
  task_state: string;
  threads: number[];
  uid?: number;
  environment_variables?: Record<string, string>;
  children: ProcessNodeJson[];
}

export function environmentMap(env: string[] | undefined): Record<string, string> | undefined {
  if (!env) return undefined;
  const out: Record<string, string> = {};
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
    else if (kv) out[kv] = '';
  }
  return out;
}

export function processTree(cp: Checkpoint, opts: { cmd?: boolean; env?: boolean; rootPid?: number } = {}): ProcessNodeJson[] {
  const build = (p: ProcessRecord): ProcessNodeJson => {
    const node: ProcessNodeJson = { pid: p.pid, ppid: p.ppid, command: p.comm, task_state: p.state, threads: p.tids, children: [] };
    if (opts.cmd !== false) {
      const cmd = cp.commandLine(p.pid);
      if (cmd) {
        node.argv = cmd.argv;
        node.cmdline = cmd.text;
        node.cmdline_raw = cmd.raw.toString('hex');
      }
      node.exe = cp.exe(p.pid);
    }
    const creds = cp.creds(p.pid);
    if (creds) node.uid = creds.uid;
    if (opts.env) node.environment_variables = environmentMap(cp.environ(p.pid));
    return node;
  };
  const roots = opts.rootPid !== undefined ? [cp.process(opts.rootPid)].filter((p): p is ProcessRecord => !!p) : cp.roots();
  // Built with an explicit queue, not recursion: the tree may be as deep as --max-depth allows.
  const out = roots.map(build);
  const queue: [ProcessRecord, ProcessNodeJson][] = roots.map((r, i) => [r, out[i]]);
  for (let i = 0; i < queue.length; i++) {
    const [p, node] = queue[i];
    for (const c of p.children) {
      const child = cp.process(c)!;
      const n = build(child);
      node.children.push(n);
      queue.push([child, n]);
    }
  }
  return out;
}

/** A ghost in JSON: the member holding a deleted file's content and the file's size (`known_size` when cut short). */
export interface GhostJson {
  member: string;
  size: number;
  known_size?: number;
}

function ghostJson(g: GhostSummary): GhostJson {
  return { member: g.member, size: g.size, ...(g.knownEnd !== undefined ? { known_size: g.knownEnd } : {}) };
}

export interface OpenFileJson {
  type: string;
  /** The fd, or `cwd`, `root`, `mmap` (a file deleted while mapped, not open through an fd). */
  fd: number | string;
  path: string;
  deleted?: boolean;
  /** Present when the checkpoint holds the deleted file's content. */
  ghost?: GhostJson;
}

export function fileDescriptors(cp: Checkpoint) {
  return cp.processList()
    .filter((p) => p.stateCode === 1 || p.stateCode === 3 || p.stateCode === 0)
    .map((p) => {
      const fs = cp.fs(p.pid);
      const open_files: OpenFileJson[] = cp.fds(p.pid).map((f) => ({ type: f.type, fd: f.fd, path: f.path, ...(f.deleted ? { deleted: true } : {}), ...(f.ghost ? { ghost: ghostJson(f.ghost) } : {}) }));
      // A file deleted while mapped (a running deleted binary or library) is worth listing although no fd names it.
      const seen = new Set<number>();
      for (const v of cp.vmas(p.pid)) {
        if (!v.file?.deleted || (v.kind !== 'file-private' && v.kind !== 'file-shared') || seen.has(v.file.fileId)) continue;
        seen.add(v.file.fileId);
        const g = cp.ghostFile(v.file.fileId);
        const summary: GhostSummary | undefined = g ? { member: g.member, size: g.size, ...(g.knownEnd < g.size ? { knownEnd: g.knownEnd } : {}) } : undefined;
        open_files.push({ type: 'REG', fd: 'mmap', path: `${v.file.path} (deleted)`, deleted: true, ...(summary ? { ghost: ghostJson(summary) } : {}) });
      }
      if (fs.cwd !== undefined) open_files.push({ type: 'DIR', fd: 'cwd', path: fs.cwd });
      if (fs.root !== undefined) open_files.push({ type: 'DIR', fd: 'root', path: fs.root });
      return { pid: p.pid, open_files };
    });
}

export function socketsByProcess(cp: Checkpoint) {
  return cp.processList()
    .map((p) => ({
      pid: p.pid,
      open_sockets: cp.sockets(p.pid).map((s) => ({
        fd: s.fd,
        protocol: s.family === 'UNIX' ? 'UNIX' : s.protocol ?? s.family,
        family: s.family,
        data: {
          type: s.type,
          state: s.state,
          src: s.src,
          src_port: s.srcPort,
          dst: s.dst,
          dst_port: s.dstPort,
          name: s.name,
          inode: s.inode,
          peer_inode: s.peerInode,
          send_buf: s.sendBuf,
          recv_buf: s.recvBuf,
        },
      })),
    }))
    .filter((p) => p.open_sockets.length > 0);
}

export interface InspectSections {
  psTree?: boolean;
  cmd?: boolean;
  env?: boolean;
  files?: boolean;
  sockets?: boolean;
  mounts?: boolean;
  mountpoints?: boolean;
  stats?: boolean;
  metadata?: boolean;
  pid?: number;
}

export function inspectReport(cp: Checkpoint, s: InspectSections) {
  const base = showSummary(cp, !!s.stats) as ShowSummary & Record<string, unknown>;
  const m = cp.meta;
  if (m.networks.length) {
    const byNet = new Map<string, Record<string, { ip: string; mac?: string; gateway?: string }>>();
    for (const n of m.networks) {
      const ifs = byNet.get(n.network) ?? {};
      ifs[n.interface] = { ip: n.addresses.join(', '), ...(n.mac ? { mac: n.mac } : {}), ...(n.gateways.length ? { gateway: n.gateways.join(', ') } : {}) };
      byNet.set(n.network, ifs);
    }
    base.networks = [...byNet.entries()].map(([name, interfaces]) => ({ name, interfaces }));
  }
  if (s.metadata) {
    base.metadata = { pod_name: m.podName, kubernetes_namespace: m.podNamespace, annotations: m.annotations };
  }
  if (s.psTree || s.cmd || s.env || s.pid !== undefined) {
    const trees = processTree(cp, { cmd: s.cmd, env: s.env, rootPid: s.pid });
    base.process_tree = trees.length === 1 ? trees[0] : trees;
  }
  if (s.files) base.file_descriptors = fileDescriptors(cp);
  if (s.sockets) base.sockets = socketsByProcess(cp);
  if (s.mounts) base.mounts = m.ociMounts.map((x) => ({ destination: x.destination, type: x.type, source: x.source, options: x.options }));
  if (s.mountpoints) base.mountpoints = cp.mountpoints();
  return base;
}

/** One row per process for `kensa ps` and the process table. */
export function processRows(cp: Checkpoint) {
  return cp.processList().map((p) => {
    const cmd = cp.commandLine(p.pid);
    const creds = cp.creds(p.pid);
    return {
      pid: p.pid,
      ppid: p.ppid,
      threads: p.tids.length,
      tids: p.tids,
      state: p.state,
      uid: creds?.uid,
      comm: p.comm,
      exe: cp.exe(p.pid),
      cmdline: cmd?.text,
      argv: cmd?.argv,
      cmdline_raw: cmd?.raw.toString('hex'),
    };
  });
}

export function vmaRows(cp: Checkpoint, pid: number) {
  const space = cp.addressSpace(pid);
  return (space?.vmas ?? []).map((v) => {
    const present = space ? space.vmaCounts(v).present : 0;
    return { start: hex(v.start), end: hex(v.end), size: Number(v.end - v.start), perms: v.perms, kind: v.kind, offset: hex(v.pgoff), name: v.name, present };
  });
}
