/**
 * The exploration views of the open checkpoint: each turns the core's records into the contract's shape
 * (overview, processes, memory map and bytes, files, sockets, mounts, namespaces, cgroups, logs). Pure
 * functions of the checkpoint; KensaServices validates the request and calls them.
 */
import type {
  ByteOriginName, ExtentInfo, FdInfo, FileChunk, LogInfo, MemoryChunk, MountsInfo, NamespacesInfo, OverviewInfo, ProcessInfo,
  ReadFileRequest, ReadMemoryRequest, RootfsTree, SocketInfo, CgroupInfo, VmaInfo,
} from '#shared/api/contract';
import { decodeUtf8Exact, jsonSafe } from '#shared/format';
import { countOrigins } from '#shared/byte-origins';
import { DUMP_STATISTICS, formatDumpStat } from '#shared/dump-stats';
import type { Checkpoint } from '../core/model/checkpoint';
import type { AddressSpace } from '../core/memory/address-space';
import type { Vma } from '../core/memory/vma';
import type { ByteSource } from '../core/io/byte-source';
import { KensaError } from '../core/errors';
import { address, hex64, int, obj, optInt, RequestError, str } from './results';
import { openFlagsText } from './open-flags';
import type { OpenSession } from './session';

/** Most bytes one readMemory / readFile call returns. */
export const MAX_READ_BYTES = 1024 * 1024;
export const MAX_LOG_BYTES = 4 * 1024 * 1024;
export const DEFAULT_FILE_READ = 64 * 1024;
/** Runs drawn per VMA in the memory map; more are merged into equal buckets. */
const MAX_VMA_RUNS = 256;

export const SENSITIVITY_NOTICE =
  'This checkpoint holds the complete memory, open files and environment of the container\'s processes at the moment of the dump: ' +
  'it can contain passwords, keys, tokens and personal data. Handle it as evidence. Kensa opens it read-only and writes derived files ' +
  '(decompressed archive, cores, reports) only to its cache or to the case folder.';

export function overviewInfo(s: OpenSession): OverviewInfo {
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
}

export function processInfos(cp: Checkpoint): ProcessInfo[] {
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
}

export function fdInfos(cp: Checkpoint, pid: number): FdInfo[] {
  const out: FdInfo[] = cp.fds(pid).map((f) => {
    const info: FdInfo = { fd: f.fd, type: f.type, path: f.path, cloexec: f.cloexec };
    if (f.flags !== undefined) {
      info.flags = f.flags;
      info.flagsText = openFlagsText(f.flags);
    }
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
}

export function rootfsTreeInfo(cp: Checkpoint): RootfsTree {
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
}

/** A readFile request checked: the member named, where to start, how much (at most MAX_READ_BYTES). */
export function fileChunkRequest(req: ReadFileRequest): { member: string; offset: number; length: number } {
  const r = obj(req, 'readFile');
  return { member: str(r.member, 'member'), offset: optInt(r.offset, 'offset') ?? 0, length: optInt(r.length, 'length', 0, MAX_READ_BYTES) ?? DEFAULT_FILE_READ };
}

/** One chunk of a file, clipped to its end, read from `src`, which is closed after. */
export function readChunkFrom(src: ByteSource, member: string, offset: number, length: number): FileChunk {
  try {
    const start = Math.min(offset, src.size);
    const n = Math.min(length, src.size - start);
    return { member, size: src.size, offset: start, data: src.read(start, n).toString('base64') };
  } finally {
    src.close();
  }
}

export function readFileChunk(cp: Checkpoint, req: ReadFileRequest): FileChunk {
  const { member, offset, length } = fileChunkRequest(req);
  return readChunkFrom(cp.archive.open(member), member, offset, length);
}

export function mountsInfo(cp: Checkpoint): MountsInfo {
  return {
    mountpoints: cp.mountpoints().map((m) => {
      const { flags: _flags, ...rest } = m;
      return rest;
    }),
    oci: cp.meta.ociMounts.map((m) => jsonSafe(m) as MountsInfo['oci'][number]),
    bind: cp.meta.bindMounts.map((b) => ({ source: b.source, destination: b.destination, ...(b.fileType ? { fileType: b.fileType } : {}) })),
  };
}

export function namespacesInfo(cp: Checkpoint): NamespacesInfo {
  const processes = cp.processList().map((p) => {
    const ids: Record<string, number> = {};
    for (const [k, v] of Object.entries(cp.ids(p.pid) ?? {})) if (typeof v === 'number' || typeof v === 'bigint') ids[k.replace(/_id$/, '')] = Number(v);
    return { pid: p.pid, comm: p.comm, ids };
  });
  const uts = cp.uts();
  return { processes, uts: { ...(uts.nodename !== undefined ? { nodename: String(uts.nodename) } : {}), ...(uts.domainname !== undefined ? { domainname: String(uts.domainname) } : {}) } };
}

export function logInfos(cp: Checkpoint): LogInfo[] {
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
}

export function memoryChunk(cp: Checkpoint, pid: number, req: ReadMemoryRequest): MemoryChunk {
  const r = obj(req, 'readMemory');
  const addr = address(r.address);
  const length = int(r.length, 'length', 0, MAX_READ_BYTES);
  if (addr + BigInt(length) > 1n << 64n) throw new RequestError('the range runs past the end of the 64-bit address space');
  const space = cp.addressSpace(pid);
  if (!space) throw new KensaError('missing', `process ${pid} has no memory in this checkpoint (no mm image)`);
  const { data, extents } = space.read(addr, length);
  return { pid, address: hex64(addr), length, data: data.toString('base64'), extents: extents.map((e) => ({ start: hex64(e.start), end: hex64(e.end), origin: e.origin })) };
}

export function vmaInfos(cp: Checkpoint, pid: number): VmaInfo[] {
  const space = cp.addressSpace(pid);
  return space ? space.vmas.map((v) => vmaInfo(space, v)) : [];
}

export function socketInfos(cp: Checkpoint, pids: number[]): SocketInfo[] {
  return pids.flatMap((pid) => cp.sockets(pid).map((s) => jsonSafe(s) as SocketInfo));
}

export function cgroupInfos(cp: Checkpoint, pid: number): CgroupInfo[] {
  return Object.entries(cp.cgroups(pid)).map(([controller, p]) => ({ controller: controller || '(unified)', path: p }));
}

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
