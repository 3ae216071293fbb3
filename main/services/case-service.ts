/**
 * The workstation's evidence case: open or create it, add the open archive, verify, notes, reports, the
 * custody log of workstation actions, and where derived files go (the case's derived/ folder, else the
 * cache; never beside the evidence). KensaServices delegates the case calls here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CaseInfo, CaseOpenRequest, FindingBookmark, NoteRecord, NoteRequest, ReportRequest, TaskRequest, VerifyReport, WrittenReport } from '#shared/api/contract';
import { ensureDir } from '../core/cache';
import { EvidenceCase } from '../core/evidence/case';
import type * as ReportModule from '../core/evidence/report';
import { address, bool, hex64, int, obj, optStr, RequestError, str } from './results';
import type { OpenSession } from './session';
import type { TaskRegistry } from './tasks';
import { reportName, reportOutFile } from './case-reports';
import { MAX_READ_BYTES } from './views';

/** The report writer (pdfkit and its fonts) loads on first use: it doubles the start-up time of `kensa serve`. */
function reportModule(): typeof ReportModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../core/evidence/report') as typeof ReportModule;
}

export interface CaseServiceDeps {
  /** The open archive, if any. */
  session(): OpenSession | undefined;
  tasks: TaskRegistry;
  cacheDir: string;
}

export class CaseService {
  private caseObj?: EvidenceCase;

  constructor(private readonly deps: CaseServiceDeps) {}

  /** The open case's folder, if a case is open. */
  get dir(): string | undefined {
    return this.caseObj?.dir;
  }

  private need(): OpenSession {
    const s = this.deps.session();
    if (!s) throw new RequestError('no archive is open');
    return s;
  }

  private open_(): EvidenceCase {
    if (!this.caseObj) throw new RequestError('no case is open');
    return this.caseObj;
  }

  info(): CaseInfo {
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
      ...(this.deps.session() ? { archive: this.deps.session()!.cp.source } : {}),
    };
  }

  open(req: CaseOpenRequest): CaseInfo {
    const r = obj(req, 'caseOpen');
    const dir = path.resolve(str(r.dir, 'dir'));
    const create = bool(r.create, 'create') ?? false;
    const analyst = optStr(r.analyst, 'analyst', 200);
    const title = optStr(r.title, 'title', 500);
    const exists = fs.existsSync(dir) && fs.readdirSync(dir).length > 0;
    this.caseObj = exists || !create ? EvidenceCase.open(dir) : EvidenceCase.init(dir, { ...(analyst ? { analyst } : {}), ...(title ? { title } : {}) });
    return this.info();
  }

  async addEvidence(req?: TaskRequest): Promise<CaseInfo> {
    const taskId = optStr(obj(req, 'caseAddEvidence').taskId, 'taskId', 200);
    const c = this.open_();
    const s = this.need();
    if (this.evidenceId() === undefined) {
      const rec = await this.deps.tasks.run(taskId, 'adding the evidence', (task) => c.addEvidence(s.cp.source, (done, total) => task.progress(done, total, 'hashing'), { cacheDir: this.deps.cacheDir, signal: task.signal }));
      if (typeof rec.sha256 === 'string' && !s.hashes.some((h) => h.path === s.cp.source) && !fs.statSync(s.cp.source).isDirectory()) {
        s.hashes.push({ path: s.cp.source, size: fs.statSync(s.cp.source).size, sha256: rec.sha256 });
      }
    }
    return this.info();
  }

  async verify(req?: TaskRequest): Promise<VerifyReport> {
    const taskId = optStr(obj(req, 'caseVerify').taskId, 'taskId', 200);
    const c = this.open_();
    return this.deps.tasks.run(taskId, 'verifying the case', (task) => c.verify({ onProgress: (done, total) => task.progress(done, total, 'hashing'), signal: task.signal }));
  }

  addNote(req: NoteRequest): NoteRecord {
    const r = obj(req, 'addNote');
    const c = this.caseObj;
    if (!c) throw new RequestError('no case is open: open or create a case to add notes to the report');
    const text = str(r.text, 'text', 64 * 1024);
    const target = noteTarget(r.target);
    const evidenceId = this.noteEvidence(c, optStr(r.evidenceId, 'evidenceId', 100));
    // With the checkpoint, the case checks the target and hashes the bookmarked bytes.
    return c.addNote({ evidenceId, text, target }, this.deps.session()?.cp);
  }

  /**
   * The evidence a note is about: always the open archive's record in the case. A note on an archive the
   * case does not hold is refused (the case would otherwise file it under its only evidence), and so is
   * one drafted on another archive than the one open now (`evidenceId` as the UI saw it).
   */
  private noteEvidence(c: EvidenceCase, drafted: string | undefined): string {
    const s = this.deps.session();
    if (!s) throw new RequestError('no archive is open: a note is about the evidence open in the workstation');
    const id = this.evidenceId();
    if (id === undefined) throw new RequestError(`the open archive ${s.cp.source} is not evidence in case ${c.id}: add it to the case first (Case › Add the open archive)`);
    if (drafted !== undefined && drafted !== id) throw new RequestError(`this note was written about evidence ${drafted}, but the open archive is evidence ${id}: the note was not saved`);
    return id;
  }

  async writeReport(req: ReportRequest): Promise<WrittenReport> {
    const r = obj(req, 'writeReport');
    const format = str(r.format, 'format', 10);
    if (format !== 'html' && format !== 'pdf' && format !== 'json') throw new RequestError('format must be html, pdf or json');
    const taskId = optStr(r.taskId, 'taskId', 200);
    const c = this.open_();
    const outFile = path.resolve(optStr(r.outFile, 'outFile') ?? reportOutFile(c.dir, format));
    const rootfs = this.deps.session()?.rootfs;
    const out = await this.deps.tasks.run(taskId, 'writing the report', () =>
      reportModule().writeReport(c.dir, format, outFile, { action: `workstation: ${format} report`, cacheDir: this.deps.cacheDir, ...(rootfs ? { rootfs } : {}) }),
    );
    const name = reportName(c.dir, out.path);
    return { path: out.path, sha256: out.sha256, ...(name !== undefined ? { reportName: name } : {}) };
  }

  /**
   * A fresh path for a file derived from the open archive: under the case's derived/ folder when a case
   * is open (recorded there with its hash), else in the cache. Never beside the evidence.
   */
  derivedPath(name: string): string {
    const s = this.need();
    // Only the case's own evidence derives into the case: a file from an archive the case does not hold
    // would otherwise be recorded against the case's (only) evidence.
    if (this.caseObj && this.evidenceId() !== undefined) return this.caseObj.derivedPath(name);
    if (!s.derivedDir) {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      s.derivedDir = ensureDir(path.join(this.deps.cacheDir, 'derived', `${path.basename(s.cp.source).replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}`));
    }
    let candidate = path.join(s.derivedDir, name);
    for (let i = 2; fs.existsSync(candidate); i++) candidate = path.join(s.derivedDir, `${name}-${i}`);
    return candidate;
  }

  /** Record a derived file (core, gdb core) in the open case with its hash, when the open archive is its evidence. */
  async recordDerived(file: string, action: string): Promise<void> {
    const evidenceId = this.evidenceId();
    if (this.caseObj && evidenceId) await this.caseObj.recordDerivedAsync(file, action, evidenceId);
  }

  /** Record a workstation action in the open case's custody log (best effort: the action already happened). */
  log(event: string, details: Record<string, unknown>): void {
    try {
      this.caseObj?.log(event, { ...details, evidence: this.evidenceId() });
    } catch {
      /* the case refuses this event name or is damaged: verification will say so */
    }
  }

  /** The case's record of the archive open now (by path, or by its hash), if it is one. */
  evidenceId(): string | undefined {
    const s = this.deps.session();
    if (!this.caseObj || !s) return undefined;
    const resolved = path.resolve(s.cp.source);
    const sha = s.hashes.find((h) => h.path === s.cp.source)?.sha256;
    return this.caseObj.evidence().find((e) => (e.path !== undefined && path.resolve(String(e.path)) === resolved) || (sha !== undefined && e.sha256 === sha))?.id;
  }
}

/** A note's target from the request: every field checked (the request comes from a renderer or a browser). */
export function noteTarget(t: unknown): NoteRequest['target'] {
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
