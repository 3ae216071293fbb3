/**
 * Two checkpoints of one container compared (`kensa diff A B`): process tree, open files, sockets, mounts,
 * memory sizes, and memory itself (memory/diff.ts compares each process's pages). checkpointctl's diff stops
 * at process and fd lists and the change of the pages total; here every page of every process present in
 * both is compared.
 */
import type { Checkpoint, FdRecord, MountPoint, ProcessRecord, SocketRecord } from './checkpoint';
import type { AddressSpace } from '../memory/address-space';
import { diffSpaces, type DiffOptions, type ProcessMemoryDiff } from '../memory/diff';
import { spaceSizes, type MemorySizes } from '../memory/summary';
import { bytesToAscii } from '#shared/format';

export type { DiffOptions, Excerpt, ProcessMemoryDiff, VmaDiff } from '../memory/diff';

export interface FieldChange {
  field: string;
  a: unknown;
  b: unknown;
}

export interface ProcessBrief {
  pid: number;
  ppid: number;
  comm: string;
  cmdline?: string;
}

export interface ProcessDiff {
  added: ProcessBrief[];
  removed: ProcessBrief[];
  changed: { pid: number; comm: string; changes: FieldChange[] }[];
  unchanged: number;
}

export interface FdBrief {
  fd: number;
  type: string;
  path: string;
}

export interface FilesDiff {
  pid: number;
  added: FdBrief[];
  removed: FdBrief[];
  changed: { fd: number; a: FdBrief; b: FdBrief }[];
}

export interface SocketsDiff {
  pid: number;
  added: string[];
  removed: string[];
}

export interface MountsDiff {
  added: MountPoint[];
  removed: MountPoint[];
  changed: { mountpoint: string; changes: FieldChange[] }[];
}

export interface MemorySizesDiff {
  pid: number;
  comm: string;
  a?: MemorySizes;
  b?: MemorySizes;
}

export interface CheckpointDiff {
  a: { source: string; id?: string; container_name?: string; checkpointed?: string };
  b: { source: string; id?: string; container_name?: string; checkpointed?: string };
  /** False when the container ids differ (the comparison is still made). */
  sameContainer: boolean;
  processes: ProcessDiff;
  files: FilesDiff[];
  sockets: SocketsDiff[];
  mounts: MountsDiff;
  memorySizes: MemorySizesDiff[];
  memory: ProcessMemoryDiff[];
}

function brief(cp: Checkpoint, p: ProcessRecord): ProcessBrief {
  const cmd = cp.commandLine(p.pid);
  return { pid: p.pid, ppid: p.ppid, comm: p.comm, ...(cmd ? { cmdline: cmd.text } : {}) };
}

function changes(pairs: [string, unknown, unknown][]): FieldChange[] {
  return pairs.filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b)).map(([field, a, b]) => ({ field, a, b }));
}

function diffProcesses(a: Checkpoint, b: Checkpoint): ProcessDiff {
  const out: ProcessDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const p of b.processList()) if (!a.process(p.pid)) out.added.push(brief(b, p));
  for (const p of a.processList()) {
    const q = b.process(p.pid);
    if (!q) {
      out.removed.push(brief(a, p));
      continue;
    }
    const c = changes([
      ['comm', p.comm, q.comm],
      ['ppid', p.ppid, q.ppid],
      ['state', p.state, q.state],
      ['threads', p.tids, q.tids],
      ['cmdline', a.commandLine(p.pid)?.text, b.commandLine(q.pid)?.text],
      ['exe', a.exe(p.pid), b.exe(q.pid)],
      ['uid', a.creds(p.pid)?.uid, b.creds(q.pid)?.uid],
    ]);
    if (c.length) out.changed.push({ pid: p.pid, comm: q.comm, changes: c });
    else out.unchanged++;
  }
  return out;
}

function fdBrief(f: FdRecord): FdBrief {
  return { fd: f.fd, type: f.type, path: f.path };
}

function diffFiles(a: Checkpoint, b: Checkpoint): FilesDiff[] {
  const out: FilesDiff[] = [];
  const pids = new Set([...a.processList().map((p) => p.pid), ...b.processList().map((p) => p.pid)]);
  for (const pid of [...pids].sort((x, y) => x - y)) {
    const fa = new Map((a.process(pid) ? a.fds(pid) : []).map((f) => [f.fd, fdBrief(f)]));
    const fb = new Map((b.process(pid) ? b.fds(pid) : []).map((f) => [f.fd, fdBrief(f)]));
    const d: FilesDiff = { pid, added: [], removed: [], changed: [] };
    for (const [fd, f] of fb) {
      const old = fa.get(fd);
      if (!old) d.added.push(f);
      else if (old.path !== f.path || old.type !== f.type) d.changed.push({ fd, a: old, b: f });
    }
    for (const [fd, f] of fa) if (!fb.has(fd)) d.removed.push(f);
    if (d.added.length || d.removed.length || d.changed.length) out.push(d);
  }
  return out;
}

export function describeSocket(s: SocketRecord): string {
  if (s.family === 'UNIX') return `UNIX ${s.type}${s.name !== undefined ? ` ${s.name}` : ''} (${s.state ?? '?'})`;
  const ep = (addr?: string, port?: number): string => `${addr && addr.includes(':') ? `[${addr}]` : addr ?? '?'}:${port ?? 0}`;
  if (s.family === 'IPv4' || s.family === 'IPv6' || s.src !== undefined)
    return `${s.protocol ?? s.family} ${ep(s.src, s.srcPort)} -> ${ep(s.dst, s.dstPort)}${s.state ? ` (${s.state})` : ''}`;
  return `${s.family} ${s.type}${s.protocol ? ` protocol ${s.protocol}` : ''}`;
}

function diffSockets(a: Checkpoint, b: Checkpoint): SocketsDiff[] {
  const out: SocketsDiff[] = [];
  const pids = new Set([...a.processList().map((p) => p.pid), ...b.processList().map((p) => p.pid)]);
  for (const pid of [...pids].sort((x, y) => x - y)) {
    const sa = (a.process(pid) ? a.sockets(pid) : []).map((s) => `fd ${s.fd}: ${describeSocket(s)}`);
    const sb = (b.process(pid) ? b.sockets(pid) : []).map((s) => `fd ${s.fd}: ${describeSocket(s)}`);
    const added = sb.filter((s) => !sa.includes(s));
    const removed = sa.filter((s) => !sb.includes(s));
    if (added.length || removed.length) out.push({ pid, added, removed });
  }
  return out;
}

function diffMounts(a: Checkpoint, b: Checkpoint): MountsDiff {
  const ma = new Map(a.mountpoints().map((m) => [m.mountpoint, m]));
  const mb = new Map(b.mountpoints().map((m) => [m.mountpoint, m]));
  const out: MountsDiff = { added: [], removed: [], changed: [] };
  for (const [mp, m] of mb) {
    const old = ma.get(mp);
    if (!old) {
      out.added.push(m);
      continue;
    }
    const c = changes([
      ['fstype', old.fstype, m.fstype],
      ['source', old.source, m.source],
      ['root', old.root, m.root],
      ['options', old.options, m.options],
      ['flags', old.flags, m.flags],
    ]);
    if (c.length) out.changed.push({ mountpoint: mp, changes: c });
  }
  for (const [mp, m] of ma) if (!mb.has(mp)) out.removed.push(m);
  return out;
}

// ----------------------------------------------------------------------------------------------------
// Memory

function identity(cp: Checkpoint): CheckpointDiff['a'] {
  const m = cp.meta;
  return { source: cp.source, ...(m.id ? { id: m.id } : {}), ...(m.containerName ? { container_name: m.containerName } : {}), ...(m.checkpointed ? { checkpointed: m.checkpointed } : {}) };
}

/** Compare checkpoint A (before) with B (after). */
export async function diffCheckpoints(a: Checkpoint, b: Checkpoint, opts: DiffOptions = {}): Promise<CheckpointDiff> {
  const ia = identity(a);
  const ib = identity(b);
  const sizes: MemorySizesDiff[] = [];
  const pids = [...new Set([...a.processList().map((p) => p.pid), ...b.processList().map((p) => p.pid)])].sort((x, y) => x - y);
  const pairs: { pid: number; comm: string; sa: AddressSpace; sb: AddressSpace }[] = [];
  let total = 0;
  for (const pid of pids) {
    const sa = a.process(pid) ? a.addressSpace(pid) : undefined;
    const sb = b.process(pid) ? b.addressSpace(pid) : undefined;
    const comm = b.process(pid)?.comm ?? a.process(pid)?.comm ?? '';
    const row: MemorySizesDiff = { pid, comm };
    if (sa) row.a = spaceSizes(sa, a.process(pid)!.comm);
    if (sb) row.b = spaceSizes(sb, comm);
    sizes.push(row);
    if (sa && sb) {
      pairs.push({ pid, comm, sa, sb });
      for (const vb of sb.vmas) total += Number(vb.end - vb.start);
    }
  }
  let done = 0;
  opts.onProgress?.(0, total);
  const memory: ProcessMemoryDiff[] = [];
  for (const p of pairs) {
    memory.push(
      await diffSpaces(p.sa, p.sb, p.comm, opts, (n) => {
        done += n;
        opts.onProgress?.(Math.min(done, total), total);
      }),
    );
  }
  opts.onProgress?.(total, total);
  return {
    a: ia,
    b: ib,
    sameContainer: !ia.id || !ib.id || ia.id === ib.id,
    processes: diffProcesses(a, b),
    files: diffFiles(a, b),
    sockets: diffSockets(a, b),
    mounts: diffMounts(a, b),
    memorySizes: sizes,
    memory,
  };
}

const hx = (v: bigint): string => '0x' + v.toString(16);

/** JSON-ready view: addresses as 0x strings, bytes as hex (cli-conventions.md), excerpts also as text. */
export function diffJson(d: CheckpointDiff) {
  return {
    a: d.a,
    b: d.b,
    same_container: d.sameContainer,
    processes: d.processes,
    files: d.files,
    sockets: d.sockets,
    mounts: d.mounts,
    memory_sizes: d.memorySizes.map((r) => ({
      pid: r.pid,
      command: r.comm,
      ...(r.a ? { a: { total: r.a.total, private: r.a.private, shared: r.a.shared, file_backed: r.a.fileBacked, present: r.a.present, missing: r.a.missing } } : {}),
      ...(r.b ? { b: { total: r.b.total, private: r.b.private, shared: r.b.shared, file_backed: r.b.fileBacked, present: r.b.present, missing: r.b.missing } } : {}),
    })),
    memory: d.memory.map((p) => ({
      pid: p.pid,
      command: p.comm,
      page_size: p.pageSize,
      pages_changed: p.pagesChanged,
      pages_appeared: p.pagesAppeared,
      pages_vanished: p.pagesVanished,
      pages_unknown: p.pagesUnknown,
      vmas: p.vmas.map((v) => ({
        start: hx(v.start),
        end: hx(v.end),
        perms: v.perms,
        kind: v.kind,
        backing: v.name,
        status: v.status,
        ...(v.aRange ? { a_range: { start: hx(v.aRange.start), end: hx(v.aRange.end) } } : {}),
        pages_changed: v.pagesChanged,
        pages_appeared: v.pagesAppeared,
        pages_vanished: v.pagesVanished,
        pages_unknown: v.pagesUnknown,
        excerpts: v.excerpts.map((e) => ({ address: hx(e.address), a: e.a.toString('hex'), b: e.b.toString('hex'), a_text: bytesToAscii(e.a), b_text: bytesToAscii(e.b) })),
      })),
    })),
  };
}
