/**
 * What a report says, gathered once and rendered three ways (HTML, PDF, JSON) by report.ts.
 *
 * The model depends only on the case (its log, up to a fixed entry) and the evidence it names, never on
 * the clock, except `generatedAt`, which is stated as such. So the same case gives the same report apart
 * from that one time. Every string taken from an archive is carried verbatim here; each renderer makes it
 * safe for its medium (HTML escaping, PDF text drawing), and JSON carries it as a JSON string.
 */
import * as crypto from 'node:crypto';
import { Checkpoint } from '../model/checkpoint';
import { showSummary, type ShowSummary } from '../model/summary';
import { tcpSummary } from '../model/socket-detail';
import { KensaError } from '../errors';
import { ABSENT, hex } from '#shared/format';
import { sha256Hex } from '../io/hash';
import { describeTarget, PYTHON_FRAME_CAPTURE, type CaseIdentity, type DerivedRecord, type EvidenceCase, type EvidenceRecord, type NoteRecord } from './case';
import type { CustodyEntry } from './custody';
import { toolString } from './version';
import { resolveCacheDir } from '../cache';
import type { Rootfs } from '../rootfs/rootfs';
import { bookmarkedPythonStacks, type ReportPythonProcess } from './report-python';
import { yaraSection, type ReportYara } from './report-yara';
import { triageSection, type ReportTriage } from './report-triage';
import { pushAll } from '#shared/arrays';

export const REPORT_FORMAT = 'kensa-report';
export const REPORT_FORMAT_VERSION = 1;

/** Stated in every report and in the workstation: why checkpoints are as sensitive as the secrets in them. */
export const SENSITIVITY_STATEMENT =
  'A checkpoint holds the complete memory of every process in it at the moment it was taken: passwords, ' +
  'private keys, API tokens, session cookies, decrypted data and personal data that the processes held are ' +
  'all in the archive, and in every core file and memory dump derived from it. This report quotes memory ' +
  'too. Handle the evidence, the case folder and this report as you would the secrets themselves: restrict ' +
  'access, encrypt them at rest and in transit, and share excerpts rather than archives.';

/** Bytes of a bookmarked range shown as hex (the whole range is still hashed). */
export const EXCERPT_MAX_BYTES = 512;
/** Hex-dump width. */
const LINE = 16;

export interface HexExcerpt {
  /** First address (memory) or offset (file) shown, 16-byte aligned. */
  start: string;
  /** Bytes shown (may be less than the bookmarked range: EXCERPT_MAX_BYTES). */
  shown: number;
  /** Bytes in the bookmarked range. */
  length: number;
  /** `ADDRESS  xx xx ...  |ascii|` lines; bytes outside the bookmarked range are shown as context. */
  lines: string[];
  /** The bookmarked bytes (up to EXCERPT_MAX_BYTES) as Latin-1 text with non-printable bytes as `.`. */
  text: string;
  /** SHA-256 of the whole bookmarked range as read now. */
  sha256: string;
  /** Where the bytes came from (address-space origins: pages, rootfs-diff, zero, missing-*, ...). */
  origins?: string[];
  /** Whether the bytes equal those hashed when the bookmark was made (absent when nothing was captured). */
  matchesCapture?: boolean;
}

export interface ReportProcess {
  pid: number;
  ppid: number;
  depth: number;
  comm: string;
  state: string;
  threads: number[];
  uid?: number;
  exe?: string;
  cmdline?: string;
}

export interface ReportSocket {
  pid: number;
  fd: number;
  family: string;
  type: string;
  protocol?: string;
  state?: string;
  local?: string;
  remote?: string;
  inode?: number;
  peerInode?: number;
}

export interface ReportFileChange {
  path: string;
  type: string;
  size: number;
  mode: string;
  mtime?: string;
  linkTarget?: string;
}

export interface ReportEvidence {
  id: string;
  path: string;
  name: string;
  kind: 'file' | 'folder';
  size: number;
  sha256: string;
  sha512: string;
  addedAt: string;
  /** Folder evidence: each file's digests. */
  files?: { path: string; size: number; sha256: string }[];
  /** The latest verification recorded in the log (within the entries this report covers). */
  verification?: { seq: number; time: string; ok: boolean; problems: string[] };
  /** Container metadata (showSummary with statistics), absent when the evidence could not be opened. */
  container?: ShowSummary;
  networks?: { network: string; interface: string; addresses: string[]; gateways: string[]; mac?: string }[];
  hostname?: string;
  processes?: ReportProcess[];
  sockets?: ReportSocket[];
  filesChanged?: ReportFileChange[];
  /** deleted.files: paths removed from the image inside the container. */
  filesDeleted?: string[];
  /** Python stacks of the bookmarked processes that run CPython (report-python.ts). */
  pythonStacks?: ReportPythonProcess[];
  /** Why the checkpoint could not be read, or which parts were unreadable. */
  problems: string[];
}

/** A labelled fact for the report's key/value tables; `mono` marks ids and hashes set in a fixed font. */
export type ReportFact = [label: string, value: string | number | undefined, style?: 'mono'];

/** The case facts at the head of every report format. */
export function caseFacts(m: ReportModel): ReportFact[] {
  return [
    ['Case id', m.case.id, 'mono'],
    ['Title', m.case.title],
    ['Analyst', m.case.analyst],
    ['Case created', m.case.created],
    ['Tool', m.tool],
    ['Report generated', `${m.generatedAt} (the only part of this report that depends on when it was made)`],
    ['Custody log', `entries 1 to ${m.custody.throughSeq}`],
    ['Last entry hash', m.custody.headHash, 'mono'],
  ];
}

/** The container facts every report format lists, in one order. */
export function containerFacts(c: ShowSummary): ReportFact[] {
  return [
    ['Engine', c.engine ?? (c.layout === 'image-folder' ? 'none (bare CRIU images)' : undefined)],
    ['Layout', c.layout],
    ['Container name', c.container_name],
    ['Container id', c.id, 'mono'],
    ['Image', c.image],
    ['Runtime', c.runtime],
    ['Created', c.created],
    ['Checkpointed', c.checkpointed],
    ['Pod', c.pod_name],
    ['Kubernetes namespace', c.kubernetes_namespace],
    ['Hostname', c.hostname],
    ['Architecture', c.arch],
    ['CRIU run id', c.criu_run_id, 'mono'],
    ['Processes', c.processes],
    ['Checkpoint size', `${c.checkpoint_size.total_size} bytes (memory pages ${c.checkpoint_size.memory_pages_size}, root fs diff ${c.checkpoint_size.root_fs_diff_size !== undefined ? c.checkpoint_size.root_fs_diff_size : ABSENT})`],
  ];
}

export interface ReportFinding {
  id: string;
  evidenceId: string;
  time: string;
  analyst?: string;
  text: string;
  target: NoteRecord['target'];
  /** One line naming the target. */
  targetText: string;
  /** Memory or file bytes. */
  excerpt?: HexExcerpt;
  /** What the target is in the checkpoint: the process row, thread, socket or file entry. */
  context: { label: string; value: string }[];
  /** The target could not be read (named). */
  error?: string;
}

export interface ReportCustodyEntry {
  seq: number;
  time: string;
  event: string;
  analyst?: string;
  summary: string;
  hash: string;
  prev: string;
}

export interface ReportModel {
  format: typeof REPORT_FORMAT;
  version: number;
  tool: string;
  /** The one time that depends on when the report was made (RFC 3339 UTC). */
  generatedAt: string;
  sensitivity: string;
  case: CaseIdentity;
  evidence: ReportEvidence[];
  findings: ReportFinding[];
  derived: DerivedRecord[];
  /** YARA matches: bookmarked ones and the last scan recorded in the case (report-yara.ts). */
  yara?: ReportYara;
  /** Triage findings: bookmarked ones and the last run recorded in the case (report-triage.ts). */
  triage?: ReportTriage;
  custody: {
    /** The report covers log entries 1..throughSeq. */
    throughSeq: number;
    /** Hash of that last entry: quote it elsewhere to anchor the log. */
    headHash: string;
    chainOk: boolean;
    problems: string[];
    entries: ReportCustodyEntry[];
  };
}

export interface BuildReportOptions {
  /** The generation time to state (default: SOURCE_DATE_EPOCH if set, else now). */
  now?: Date;
  cacheDir?: string;
  /** The image's root file system, for the interpreter binary of Python processes (kensa report --rootfs). */
  rootfs?: Rootfs;
}

/** Generation time: explicit, else SOURCE_DATE_EPOCH (reproducible-builds convention), else the clock. */
export function generationTime(now?: Date): Date {
  if (now) return now;
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000);
  return new Date();
}

function printable(b: number): string {
  return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
}

/** Aligned hex-dump lines of `data` (read from `base`), marking bytes outside [from, to) as context. */
export function hexLines(data: Buffer, base: bigint, addrWidth: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += LINE) {
    const row = data.subarray(i, i + LINE);
    const hexPart = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ').padEnd(LINE * 3 - 1, ' ');
    const ascii = Array.from(row, printable).join('');
    lines.push(`${(base + BigInt(i)).toString(16).padStart(addrWidth, '0')}  ${hexPart}  |${ascii}|`);
  }
  return lines;
}

/**
 * Hex excerpt of the bookmarked range [start, start+length): the whole range is hashed, the first
 * EXCERPT_MAX_BYTES are shown in 16-byte aligned lines (bytes before `start` on the first line and after
 * the range on the last are shown as context, up to `limit`).
 */
function excerptOf(read: (at: bigint, len: number) => Buffer, start: bigint, length: number, sha256: string, addrWidth: number, limit: bigint): HexExcerpt {
  const shownLen = Math.min(length, EXCERPT_MAX_BYTES);
  const line = BigInt(LINE);
  const alignedStart = start - (start % line);
  const shownEnd = start + BigInt(shownLen);
  let alignedEnd = shownEnd % line === 0n ? shownEnd : shownEnd + line - (shownEnd % line);
  if (alignedEnd > limit) alignedEnd = limit > shownEnd ? limit : shownEnd;
  const view = read(alignedStart, Number(alignedEnd - alignedStart));
  const bookmarked = view.subarray(Number(start - alignedStart), Number(start - alignedStart) + shownLen);
  return {
    start: hex(alignedStart),
    shown: shownLen,
    length,
    lines: hexLines(view, alignedStart, addrWidth),
    text: Array.from(bookmarked, printable).join(''),
    sha256,
  };
}

function fileMode(mode: number, type: string): string {
  const t = type === 'dir' ? 'd' : type === 'symlink' ? 'l' : type === 'file' ? '-' : '?';
  const bits = 'rwxrwxrwx';
  let s = t;
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? bits[i] : '-';
  return s;
}

function endpoint(addr?: string, port?: number): string | undefined {
  if (addr === undefined && port === undefined) return undefined;
  const a = addr ?? '*';
  return port === undefined ? a : a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}

/** One line per custody entry for tables: what happened, without the full details. */
export function summariseEntry(e: CustodyEntry): string {
  const d = e.details as Record<string, unknown>;
  const s = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));
  switch (e.event) {
    case 'case-init':
      return `case ${s(d.id)} created${d.title ? ` (${s(d.title)})` : ''} by ${s(d.analyst)} with ${s(d.tool)}`;
    case 'intake':
      return `evidence ${s(d.id)} added: ${s(d.path)}, ${s(d.size)} bytes, SHA-256 ${s(d.sha256)}`;
    case 'open':
      return `evidence ${s(d.evidence)} opened read-only (${s(d.purpose)})`;
    case 'verify': {
      const problems = Array.isArray(d.problems) ? d.problems.length : 0;
      return d.ok === true ? 'verification passed: evidence, derived files and custody chain unchanged' : `verification FAILED (${problems} problem${problems === 1 ? '' : 's'})${problems ? ': ' + s((d.problems as unknown[])[0]) : ''}`;
    }
    case 'note':
      return `bookmark ${s(d.id)} on ${describeTarget(d.target as NoteRecord['target'])} of ${s(d.evidenceId)}: ${s(d.text)}`;
    case 'derived':
      return `derived file ${s(d.id)} ${s(d.path)} (SHA-256 ${s(d.sha256)}) by: ${s(d.action)}`;
    case 'report':
      return `report ${s(d.id)} ${s(d.path)} (${s(d.format)}, SHA-256 ${s(d.sha256)}) by: ${s(d.action)}`;
    default:
      return Object.keys(d).length ? `${e.event}: ${JSON.stringify(d)}` : e.event;
  }
}

function describeEvidence(cp: Checkpoint, ev: EvidenceRecord, out: ReportEvidence): void {
  out.container = showSummary(cp, true);
  const m = cp.meta;
  if (m.networks.length) out.networks = m.networks.map((n) => ({ network: n.network, interface: n.interface, addresses: n.addresses, gateways: n.gateways, ...(n.mac ? { mac: n.mac } : {}) }));
  out.hostname = cp.uts().nodename;
  const processes: ReportProcess[] = [];
  for (const p of cp.processList()) {
    const cmd = cp.commandLine(p.pid);
    const row: ReportProcess = { pid: p.pid, ppid: p.ppid, depth: p.depth, comm: p.comm, state: p.state, threads: p.tids };
    const creds = cp.creds(p.pid);
    if (creds) row.uid = creds.uid;
    const exe = cp.exe(p.pid);
    if (exe !== undefined) row.exe = exe;
    if (cmd) row.cmdline = cmd.text;
    processes.push(row);
  }
  // Depth-first in tree order so indentation reads as a tree.
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  // A Set, not ordered.includes() (quadratic for 150k processes), and an explicit stack, not recursion.
  const ordered: ReportProcess[] = [];
  const placed = new Set<ReportProcess>();
  for (const r of cp.roots()) {
    const stack = [r.pid];
    while (stack.length) {
      const pid = stack.pop()!;
      const p = byPid.get(pid);
      if (!p || placed.has(p)) continue;
      placed.add(p);
      ordered.push(p);
      const children = cp.process(pid)?.children ?? [];
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
  }
  for (const p of processes) if (!placed.has(p)) ordered.push(p);
  out.processes = ordered;
  out.sockets = cp.processList().flatMap((p) =>
    cp.sockets(p.pid).map((s) => {
      const row: ReportSocket = { pid: p.pid, fd: s.fd, family: s.family, type: s.type };
      if (s.protocol !== undefined) row.protocol = s.protocol;
      if (s.state !== undefined) row.state = s.state;
      const local = s.family === 'UNIX' ? s.name : endpoint(s.src, s.srcPort);
      const remote = s.family === 'UNIX' ? undefined : endpoint(s.dst, s.dstPort);
      if (local !== undefined && local !== '') row.local = local;
      if (remote !== undefined) row.remote = remote;
      if (s.inode !== undefined) row.inode = s.inode;
      if (s.peerInode !== undefined) row.peerInode = s.peerInode;
      return row;
    }),
  );
  out.filesChanged = cp.rootfsChanges().map((f) => {
    const row: ReportFileChange = { path: f.path, type: f.type, size: f.size, mode: fileMode(f.mode, f.type) };
    if (f.mtime) row.mtime = f.mtime.toISOString();
    if (f.linkTarget !== undefined) row.linkTarget = f.linkTarget;
    return row;
  });
  out.filesDeleted = [...m.deletedFiles];
  void ev;
}

function findingOf(note: NoteRecord, cp: Checkpoint | undefined, openError: string | undefined): ReportFinding {
  const f: ReportFinding = { id: note.id, evidenceId: note.evidenceId, time: note.time, text: note.text, target: note.target, targetText: describeTarget(note.target), context: [] };
  if (note.analyst !== undefined) f.analyst = note.analyst;
  if (!cp) {
    f.error = openError ?? 'the evidence could not be opened';
    return f;
  }
  const t = note.target;
  try {
    const processContext = (pid: number): void => {
      const p = cp.process(pid);
      if (!p) throw new KensaError('missing', `no process ${pid} in the checkpoint`);
      const cmd = cp.commandLine(pid);
      f.context.push({ label: 'process', value: `${p.pid} ${p.comm} (${p.state}, parent ${p.ppid})` });
      if (cmd) f.context.push({ label: 'command line', value: cmd.text });
      const exe = cp.exe(pid);
      if (exe !== undefined) f.context.push({ label: 'executable', value: exe });
    };
    switch (t.kind) {
      case 'process':
        processContext(t.pid);
        break;
      case 'thread': {
        processContext(t.pid);
        const th = cp.threads(t.pid).find((x) => x.tid === t.tid);
        if (!th) throw new KensaError('missing', `no thread ${t.tid} in process ${t.pid}`);
        f.context.push({ label: 'thread', value: `${th.tid} ${th.name}` });
        const ip = th.regs.ip ?? th.regs.pc;
        const sp = th.regs.sp;
        if (ip !== undefined) f.context.push({ label: 'instruction pointer', value: hex(ip) });
        if (sp !== undefined) f.context.push({ label: 'stack pointer', value: hex(sp) });
        if (th.syscall !== undefined) f.context.push({ label: 'blocked in syscall', value: String(th.syscall) });
        break;
      }
      case 'memory':
      case 'search-hit':
      case 'yara-match': {
        processContext(t.pid);
        const space = cp.addressSpace(t.pid);
        if (!space) throw new KensaError('missing', `process ${t.pid} has no memory in the checkpoint`);
        const addr = BigInt(t.address);
        const vma = space.vmaAt(addr);
        if (vma) f.context.push({ label: 'mapping', value: `${hex(vma.start)}-${hex(vma.end)} ${vma.perms} ${vma.name ?? vma.kind}` });
        if (t.kind === 'search-hit') f.context.push({ label: 'search pattern', value: t.pattern });
        if (t.kind === 'yara-match') f.context.push({ label: 'YARA match', value: `rule ${t.rule}${t.string ? ', string ' + t.string : ''}` });
        const whole = space.read(addr, t.length);
        const limit = vma ? vma.end : addr + BigInt(t.length);
        f.excerpt = excerptOf((at, len) => space.read(at, len).data, addr, t.length, sha256Hex(whole.data), 16, limit);
        f.excerpt.origins = [...new Set(whole.extents.map((e) => e.origin))];
        break;
      }
      case 'file': {
        const src = cp.archive.open(t.member);
        try {
          const entry = cp.archive.entry(t.member);
          f.context.push({ label: 'member', value: t.member });
          f.context.push({ label: 'size', value: `${src.size} bytes` });
          const inner = t.member.startsWith('rootfs-diff.tar/') ? cp.rootfsChanges().find((c) => c.path === '/' + t.member.slice('rootfs-diff.tar/'.length)) : undefined;
          const mtime = inner?.mtime ?? entry?.mtime;
          if (mtime) f.context.push({ label: 'modified', value: mtime.toISOString() });
          if (inner) f.context.push({ label: 'mode', value: fileMode(inner.mode, inner.type) });
          const size = BigInt(src.size);
          f.excerpt = excerptOf((at, len) => src.read(Number(at), len), 0n, src.size, sha256Chunks(src), 8, size);
        } finally {
          src.close();
        }
        break;
      }
      case 'socket': {
        const pids = t.pid !== undefined ? [t.pid] : cp.processList().map((p) => p.pid);
        let found = false;
        for (const pid of pids) {
          for (const s of cp.sockets(pid)) {
            if (s.inode !== t.inode) continue;
            found = true;
            processContext(pid);
            const local = s.family === 'UNIX' ? s.name : endpoint(s.src, s.srcPort);
            const remote = s.family === 'UNIX' ? undefined : endpoint(s.dst, s.dstPort);
            f.context.push({ label: 'socket', value: `fd ${s.fd} ${s.protocol ?? s.family} ${s.type}${s.state ? ' ' + s.state : ''}${local ? ' ' + local : ''}${remote ? ' -> ' + remote : ''}` });
            // what CRIU kept of the connection: its stream (sequence numbers, windows) and the bytes queued on it
            const d = cp.socketDetail(pid, s.fd);
            if (d.tcp) f.context.push({ label: 'tcp stream', value: tcpSummary(d.tcp) });
            if (d.tcpProblem) f.context.push({ label: 'tcp stream', value: `not read: ${d.tcpProblem}` });
            const packets = d.queues.filter((q) => q.id.startsWith('packet:'));
            if (packets.length) f.context.push({ label: 'queued packets', value: `${packets.length}${d.packetsOmitted ? ` (+${d.packetsOmitted})` : ''}, ${packets.reduce((n, q) => n + q.length, 0)} bytes` });
          }
        }
        if (!found) throw new KensaError('missing', `no socket with inode ${t.inode}`);
        break;
      }
      case 'triage-finding': {
        if (t.pid !== undefined) processContext(t.pid);
        f.context.push({ label: 'triage finding', value: `${t.id}: ${t.severity}, ${t.technique} ${t.technique_name}` });
        f.context.push({ label: 'finding', value: t.title });
        for (const e of t.evidence) f.context.push({ label: 'evidence', value: e });
        break;
      }
      case 'python-frame': {
        processContext(t.pid);
        f.context.push({ label: 'Python frame', value: `${t.function} (${t.file}:${t.line ?? '?'}) in thread ${t.tid}, frame at ${t.frame}` });
        const space = cp.addressSpace(t.pid);
        if (!space) throw new KensaError('missing', `process ${t.pid} has no memory in the checkpoint`);
        const frame = space.read(BigInt(t.frame), PYTHON_FRAME_CAPTURE);
        f.excerpt = excerptOf((at, len) => space.read(at, len).data, BigInt(t.frame), PYTHON_FRAME_CAPTURE, sha256Hex(frame.data), 16, BigInt(t.frame) + BigInt(PYTHON_FRAME_CAPTURE));
        f.excerpt.origins = [...new Set(frame.extents.map((e) => e.origin))];
        break;
      }
    }
    if (f.excerpt && note.capture) f.excerpt.matchesCapture = note.capture.sha256 === f.excerpt.sha256;
  } catch (e) {
    f.error = e instanceof KensaError ? e.describe() : String((e as Error)?.message ?? e);
  }
  return f;
}

function sha256Chunks(src: { size: number; read(offset: number, length: number): Buffer }): string {
  const h = crypto.createHash('sha256');
  const CH = 1 << 20;
  for (let off = 0; off < src.size; off += CH) h.update(src.read(off, Math.min(CH, src.size - off)));
  return h.digest('hex');
}

/**
 * Gather the report for a case: the log up to its current last entry, the evidence opened read-only, each
 * bookmark's bytes read again through the address space (or the archive for files).
 */
export async function buildReportModel(c: EvidenceCase, opts: BuildReportOptions = {}): Promise<ReportModel> {
  const entries = c.entries();
  const throughSeq = entries.length ? entries[entries.length - 1].seq : 0;
  const integrity = c.integrity();
  const verifications = entries.filter((e) => e.event === 'verify');
  const evidence: ReportEvidence[] = [];
  const opened = new Map<string, { cp?: Checkpoint; error?: string }>();
  try {
    for (const ev of c.evidence()) {
      const out: ReportEvidence = { id: ev.id, path: ev.path, name: ev.name, kind: ev.kind, size: ev.size, sha256: ev.sha256, sha512: ev.sha512, addedAt: ev.addedAt, problems: [] };
      if (ev.files) out.files = ev.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 }));
      for (let i = verifications.length - 1; i >= 0; i--) {
        const v = verifications[i];
        const items = Array.isArray(v.details.evidence) ? (v.details.evidence as { id: string; ok: boolean }[]) : [];
        const mine = items.find((x) => x.id === ev.id);
        if (!mine) continue;
        const problems = (Array.isArray(v.details.problems) ? (v.details.problems as string[]) : []).filter((p) => p.startsWith(`evidence ${ev.id} `));
        out.verification = { seq: v.seq, time: v.time, ok: mine.ok === true, problems };
        break;
      }
      try {
        const cp = await Checkpoint.open(ev.path, { cacheDir: opts.cacheDir ?? resolveCacheDir(), ...(opts.rootfs ? { rootfs: opts.rootfs } : {}) });
        opened.set(ev.id, { cp });
        describeEvidence(cp, ev, out);
        const python = bookmarkedPythonStacks(cp, c.notes().filter((n) => n.evidenceId === ev.id));
        if (python.length) out.pythonStacks = python;
        pushAll(out.problems, cp.problems.map((p) => p.text));
      } catch (e) {
        const msg = e instanceof KensaError ? e.describe() : String((e as Error)?.message ?? e);
        opened.set(ev.id, { error: msg });
        out.problems.push(`cannot be read as a checkpoint: ${msg}`);
      }
      evidence.push(out);
    }
    const findings = c.notes().map((n) => {
      const o = opened.get(n.evidenceId);
      return findingOf(n, o?.cp, o?.error);
    });
    const last = entries[entries.length - 1];
    const yara = yaraSection(entries, c.notes());
    const triage = triageSection(entries, c.notes());
    return {
      format: REPORT_FORMAT,
      version: REPORT_FORMAT_VERSION,
      tool: toolString(),
      generatedAt: generationTime(opts.now).toISOString(),
      sensitivity: SENSITIVITY_STATEMENT,
      case: c.info,
      evidence,
      findings,
      derived: c.derived(),
      ...(yara ? { yara } : {}),
      ...(triage ? { triage } : {}),
      custody: {
        throughSeq,
        headHash: last?.hash ?? '',
        chainOk: integrity.problems.every((p) => !p.startsWith('custody') && !p.startsWith('case.json')),
        problems: integrity.problems.filter((p) => p.startsWith('custody') || p.startsWith('case.json')),
        entries: entries.map((e) => ({ seq: e.seq, time: e.time, event: e.event, analyst: e.analyst, summary: summariseEntry(e), hash: e.hash, prev: e.prev })),
      },
    };
  } finally {
    for (const o of opened.values()) o.cp?.close();
  }
}
