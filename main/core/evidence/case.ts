/**
 * A case folder: the evidence (recorded by path, size, SHA-256 and SHA-512, never copied or touched), what
 * the analyst derived from it (each file with its hash and the action that made it), bookmarks / notes, and
 * the custody log that ties them together.
 *
 * Layout of DIR:
 *   case.json       identity, written once at init: format, case id, title, analyst, created, tool version
 *   custody.jsonl   the append-only, hash-chained log (custody.ts): the source of truth for everything below
 *   custody.head    seq and hash of the last log entry (reveals entries cut from the end)
 *   derived/        core files, memory dumps, extracted files (recorded by `recordDerived`)
 *   reports/        copies of reports written elsewhere with `--out` (reports inside DIR are recorded in place)
 *
 * State (evidence, notes, derived records, verifications) is replayed from the log on every query, so the
 * workstation and the CLI can work on the same case at once and always see each other's entries.
 * Evidence is opened O_RDONLY (O_NOATIME where allowed); nothing here writes outside DIR.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import * as crypto from 'node:crypto';
import { KensaError, systemErrorText } from '../errors';
import { hashFolder } from './hash';
import { checkTarget, normaliseTarget } from './note-targets';
import type { EvidenceDescription, EvidenceRecord, NoteTarget, NoteRecord, VerifyItem, VerifyReport } from '#shared/api/case';
import { hashFile, sha256FileSync, sha256File, type HashProgress } from '../io/hash';
import { appendEntry, canonicalJson, readChain, type CustodyEntry } from './custody';
import { toolString } from './version';
import { Checkpoint, type CheckpointOpenOptions } from '../model/checkpoint';
import { resolveCacheDir } from '../cache';
import { fileKind } from '../io/byte-source';
import { isInside, realOrSelf, realTarget, writeNewFile } from '../io/output';
import { CUSTODY_FILE, HEAD_FILE, LOCK_FILE } from './custody';
import { verifyEvidence, verifyDerived } from './verify-items';

export const CASE_FILE = 'case.json';
export const DERIVED_DIR = 'derived';
export const REPORTS_DIR = 'reports';
export const CASE_FORMAT = 'kensa-case';
export const CASE_FORMAT_VERSION = 1;

/** Longest note text accepted (a note is a finding's description, not a place for dumps). */
export const MAX_NOTE_TEXT = 64 * 1024;

/** case.json: the case's identity, written once at `case init` (the workstation's CaseInfo is the case's status). */
export interface CaseIdentity {
  format: typeof CASE_FORMAT;
  version: number;
  id: string;
  title?: string;
  analyst: string;
  /** RFC 3339 UTC. */
  created: string;
  /** `kensa X.Y.Z` that created the case. */
  tool: string;
}

/** What the archive says about itself at intake (absent when it could not be opened as a checkpoint). */
// The records themselves are shared with the API contract and the UI (shared/api/case.ts).
export type { EvidenceDescription, EvidenceRecord, NoteTarget, NoteRecord, VerifyItem, VerifyReport };

export interface NoteInput {
  evidenceId?: string;
  text: string;
  target: NoteTarget;
}

export interface DerivedRecord {
  /** `D1`, `D2`, ... */
  id: string;
  /** `derived` for analysis products (cores, dumps, extracted files), `report` for reports. */
  kind: string;
  /** Relative to the case folder, `/`-separated. */
  path: string;
  size: number;
  sha256: string;
  /** The exact command line or UI action that produced it. */
  action: string;
  evidenceId?: string;
  /** For files that were written outside the case and copied in: where they were. */
  copiedFrom?: string;
  time: string;
  seq: number;
}

/** Events written by EvidenceCase itself; `log()` refuses them so replayed state cannot be forged by mistake. */
const RESERVED_EVENTS = new Set(['case-init', 'intake', 'note', 'derived', 'report', 'verify', 'open']);
const EVENT_NAME = /^[a-z][a-z0-9-]{0,63}$/;

/** The files at the top of a case folder that are the case itself. */
const CASE_OWN_FILES = [CASE_FILE, CUSTODY_FILE, HEAD_FILE, LOCK_FILE];

function usage(message: string): KensaError {
  return new KensaError('usage', message);
}

function posixRel(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/');
}

function defaultAnalyst(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** A file-name-safe version of `name` (derived files are named from evidence strings sometimes). */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[.]+/, '_').slice(0, 120);
  return cleaned || 'file';
}

export { checkTarget, describeTarget, normaliseTarget, MAX_FINDING_EVIDENCE, MAX_NOTE_RANGE, PYTHON_FRAME_CAPTURE } from './note-targets';

interface CaseState {
  entries: CustodyEntry[];
  chainProblems: string[];
  evidence: EvidenceRecord[];
  notes: NoteRecord[];
  derived: DerivedRecord[];
  verifications: { seq: number; time: string; ok: boolean; problems: string[] }[];
}

export class EvidenceCase {
  readonly dir: string;
  readonly id: string;
  readonly info: CaseIdentity;
  private cache?: { key: string; state: CaseState };

  private constructor(dir: string, info: CaseIdentity) {
    this.dir = dir;
    this.id = info.id;
    this.info = info;
  }

  /** Create a case in DIR (which must not exist or be empty). */
  static init(dir: string, opts: { analyst?: string; title?: string } = {}): EvidenceCase {
    const abs = path.resolve(dir);
    if (fs.existsSync(abs)) {
      if (!fs.statSync(abs).isDirectory()) throw usage(`${abs} exists and is not a folder`);
      if (fs.readdirSync(abs).length > 0) throw usage(`${abs} is not empty: a case starts in an empty or new folder`);
    }
    // The case will hold memory dumps and cores: every secret the checkpoint held. Owner-only access.
    fs.mkdirSync(abs, { recursive: true, mode: 0o700 });
    const info: CaseIdentity = {
      format: CASE_FORMAT,
      version: CASE_FORMAT_VERSION,
      id: crypto.randomUUID(),
      analyst: opts.analyst?.trim() || defaultAnalyst(),
      created: new Date().toISOString(),
      tool: toolString(),
    };
    if (opts.title?.trim()) info.title = opts.title.trim();
    writeNewFile(path.join(abs, CASE_FILE), canonicalJson(info) + '\n');
    const c = new EvidenceCase(abs, info);
    appendEntry(abs, 'case-init', { ...info }, info.analyst, new Date(info.created));
    return c;
  }

  /** Open an existing case. Throws only when DIR is not a case; damage is reported by integrity()/verify(). */
  static open(dir: string): EvidenceCase {
    const abs = path.resolve(dir);
    let text: string;
    try {
      text = fs.readFileSync(path.join(abs, CASE_FILE), 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new KensaError(code === 'ENOENT' ? 'missing' : 'io', code === 'ENOENT' ? `not a Kensa case: no ${CASE_FILE} (create one with \`kensa case init DIR\`)` : `cannot read ${CASE_FILE}: ${code ?? String(e)}`, { source: abs });
    }
    let info: CaseIdentity;
    try {
      info = JSON.parse(text) as CaseIdentity;
    } catch (e) {
      throw new KensaError('verify', `${CASE_FILE} is not valid JSON (${(e as Error).message}); the case file was edited`, { source: abs });
    }
    if (info?.format !== CASE_FORMAT || typeof info.id !== 'string') throw new KensaError('verify', `${CASE_FILE} is not a Kensa case file`, { source: abs });
    if (info.version !== CASE_FORMAT_VERSION) throw new KensaError('format', `${CASE_FILE}: case format version ${info.version}, this Kensa reads ${CASE_FORMAT_VERSION}`, { source: abs });
    return new EvidenceCase(abs, info);
  }

  get analyst(): string {
    return this.info.analyst;
  }

  // ---- state replayed from the log -------------------------------------------------------------------

  private state(): CaseState {
    const logFile = path.join(this.dir, 'custody.jsonl');
    let key = '';
    try {
      const st = fs.statSync(logFile, { bigint: true });
      key = `${st.size}:${st.mtimeNs}:${st.ino}`;
    } catch {
      key = 'missing';
    }
    if (this.cache?.key === key) return this.cache.state;
    const chain = readChain(this.dir);
    const state: CaseState = { entries: chain.entries, chainProblems: chain.problems.map((p) => p.message), evidence: [], notes: [], derived: [], verifications: [] };
    for (const e of chain.entries) {
      const d = e.details;
      switch (e.event) {
        case 'intake':
          state.evidence.push({ ...(d as unknown as EvidenceRecord), seq: e.seq });
          break;
        case 'note':
          state.notes.push({ ...(d as unknown as NoteRecord), time: e.time, analyst: e.analyst, seq: e.seq });
          break;
        case 'derived':
        case 'report':
          state.derived.push({ ...(d as unknown as DerivedRecord), kind: e.event, time: e.time, seq: e.seq });
          break;
        case 'verify':
          state.verifications.push({ seq: e.seq, time: e.time, ok: d.ok === true, problems: Array.isArray(d.problems) ? (d.problems as string[]) : [] });
          break;
      }
    }
    this.cache = { key, state };
    return state;
  }

  /** Every custody entry, in order. */
  entries(): CustodyEntry[] {
    return this.state().entries;
  }

  evidence(): EvidenceRecord[] {
    return this.state().evidence;
  }

  /**
   * Where an output file named by the user (a report's --out) really lands, checked before anything is
   * written: resolved through every link in its folder (never a string prefix), refused when it is or lies
   * in evidence, when it is one of the case's own files, and when something other than a regular file (a
   * link, a folder, a FIFO) already has that name: reports replace regular files only, never follow links.
   */
  outputPath(file: string): string {
    const abs = path.resolve(file);
    const real = path.join(realTarget(path.dirname(abs)), path.basename(abs));
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(real);
    } catch {
      st = undefined;
    }
    if (st && !st.isFile()) throw usage(`${file} is ${fileKind(st)}: never replaced or written through; choose another name`);
    for (const e of this.evidence()) {
      if (isInside(realOrSelf(e.path), real)) throw usage(`refusing to write over or into evidence ${e.id} (${e.path}): ${file} lands at ${real}`);
    }
    if (path.dirname(real) === realOrSelf(this.dir) && CASE_OWN_FILES.includes(path.basename(real))) {
      throw usage(`${file} is the case's own ${path.basename(real)}: never overwritten; choose another name`);
    }
    return real;
  }

  notes(): NoteRecord[] {
    return this.state().notes;
  }

  /** Derived files and reports, in the order they were recorded. */
  derived(): DerivedRecord[] {
    return this.state().derived;
  }

  /** The most recent verification recorded in the log. */
  latestVerification(): { seq: number; time: string; ok: boolean; problems: string[] } | undefined {
    const v = this.state().verifications;
    return v[v.length - 1];
  }

  /**
   * Cheap synchronous check for a banner when the case opens: the log chain, case.json against the log's
   * first entry, and each evidence file's size and mtime. verify() is the full check (re-hashes everything).
   */
  integrity(): { ok: boolean; problems: string[] } {
    const st = this.state();
    const problems = [...st.chainProblems, ...this.caseFileProblems(st)];
    for (const ev of st.evidence) {
      try {
        const s = fs.statSync(ev.path, { bigint: true });
        if ((ev.kind === 'folder') !== s.isDirectory()) problems.push(`evidence ${ev.id} (${ev.path}): was a ${ev.kind}, is now ${s.isDirectory() ? 'a folder' : 'a file'}`);
        else if (ev.kind === 'file' && Number(s.size) !== ev.size) problems.push(`evidence ${ev.id} (${ev.path}): size changed: recorded ${ev.size} bytes, now ${s.size}`);
        else if (s.mtimeNs.toString() !== ev.mtimeNs) problems.push(`evidence ${ev.id} (${ev.path}): modification time changed: recorded ${ev.mtime}, now ${new Date(Number(s.mtimeMs)).toISOString()}`);
      } catch (e) {
        problems.push(`evidence ${ev.id} (${ev.path}): missing (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
    }
    return { ok: problems.length === 0, problems };
  }

  private caseFileProblems(st: CaseState): string[] {
    const first = st.entries[0];
    if (!first || first.event !== 'case-init' || first.seq !== 1) return [`custody.jsonl: the first entry is not the case's creation (case-init)`];
    // case.json is written once as the canonical JSON of entry 1's details: any byte changed on disk shows.
    let onDisk: string;
    try {
      onDisk = fs.readFileSync(path.join(this.dir, CASE_FILE), 'utf8');
    } catch (e) {
      return [`${CASE_FILE}: missing or unreadable (${(e as NodeJS.ErrnoException).code ?? String(e)})`];
    }
    if (onDisk !== canonicalJson(first.details) + '\n' || canonicalJson(first.details) !== canonicalJson(this.info)) return [`${CASE_FILE}: changed since the case was created (it no longer matches custody entry 1)`];
    return [];
  }

  // ---- evidence --------------------------------------------------------------------------------------

  /** The record for `id`, or the only evidence when `id` is omitted. */
  resolveEvidence(id?: string): EvidenceRecord {
    const all = this.evidence();
    if (id === undefined) {
      if (all.length === 1) return all[0];
      throw usage(all.length === 0 ? 'the case holds no evidence yet (add some with `kensa case add DIR ARCHIVE`)' : `the case holds ${all.length} pieces of evidence: name one with --evidence (${all.map((e) => e.id).join(', ')})`);
    }
    const want = id.trim().toUpperCase();
    const hit = all.find((e) => e.id === want) ?? all.find((e) => e.sha256.startsWith(id.trim().toLowerCase()) && id.trim().length >= 8);
    if (!hit) throw usage(`no evidence ${JSON.stringify(id)} in this case (${all.map((e) => e.id).join(', ') || 'none'})`);
    return hit;
  }

  /**
   * Record an archive or folder as evidence: hash it (SHA-256 and SHA-512 in one read), describe it if it
   * opens as a checkpoint, and log the intake. The evidence is only ever read.
   */
  async addEvidence(archive: string, onProgress?: HashProgress, opts: { cacheDir?: string; signal?: AbortSignal } = {}): Promise<EvidenceRecord> {
    const abs = path.resolve(archive);
    let st: fs.BigIntStats;
    try {
      st = fs.statSync(abs, { bigint: true });
    } catch (e) {
      throw new KensaError('io', `cannot open: ${systemErrorText(e)}`, { source: archive });
    }
    if (isInside(this.dir, abs) || isInside(abs, this.dir)) throw usage(`evidence must live outside the case folder (and not contain it): ${abs}`);
    const kind: 'file' | 'folder' = st.isDirectory() ? 'folder' : 'file';
    if (kind === 'file' && !st.isFile()) throw usage(`${abs} is neither a file nor a folder`);
    const partial = kind === 'file' ? { ...(await hashFile(abs, { onProgress, signal: opts.signal })) } : await hashFolder(abs, { onProgress, signal: opts.signal });
    const dup = this.evidence().find((e) => e.sha256 === partial.sha256);
    if (dup) throw usage(`already in this case as ${dup.id} (${dup.path}, same SHA-256)`);
    const after = fs.statSync(abs, { bigint: true });
    if (after.mtimeNs !== st.mtimeNs || (kind === 'file' && after.size !== st.size)) throw new KensaError('verify', 'the evidence changed while it was being hashed; make sure nothing writes to it and add it again', { source: abs });

    let description: EvidenceDescription;
    try {
      const cp = await Checkpoint.open(abs, { cacheDir: opts.cacheDir ?? resolveCacheDir() });
      try {
        description = {
          layout: cp.archive.format,
          engine: cp.meta.engine,
          container_name: cp.meta.containerName,
          image: cp.meta.image,
          id: cp.meta.id,
          hostname: cp.uts().nodename,
          arch: cp.arch(),
          processes: cp.processList().length,
        };
      } finally {
        cp.close();
      }
    } catch (e) {
      description = { error: e instanceof KensaError ? e.describe() : String((e as Error)?.message ?? e) };
    }

    const record: Omit<EvidenceRecord, 'seq' | 'addedAt' | 'id'> & { id: string; addedAt: string } = {
      id: '',
      path: abs,
      name: path.basename(abs),
      kind,
      size: partial.size,
      sha256: partial.sha256,
      sha512: partial.sha512,
      mtime: new Date(Number(st.mtimeMs)).toISOString(),
      mtimeNs: st.mtimeNs.toString(),
      description,
      addedAt: new Date().toISOString(),
    };
    if ('files' in partial) {
      record.files = partial.files;
      record.symlinks = partial.symlinks;
      record.others = partial.others;
    }
    const entry = appendEntry(
      this.dir,
      'intake',
      () => {
        // Counted under the log's lock; the same archive added twice at once is refused here too.
        const again = this.evidence().find((e) => e.sha256 === partial.sha256);
        if (again) throw usage(`already in this case as ${again.id} (${again.path}, same SHA-256)`);
        record.id = `E${this.evidence().length + 1}`;
        return record as unknown as Record<string, unknown>;
      },
      this.analyst,
      new Date(record.addedAt),
    );
    return { ...record, seq: entry.seq };
  }

  /**
   * Open evidence as a checkpoint (read-only) for analysis and log the opening with its purpose
   * (`report`, `note`, `workstation`, ...).
   */
  async openEvidence(id: string | undefined, purpose: string, opts: CheckpointOpenOptions = {}): Promise<Checkpoint> {
    const ev = this.resolveEvidence(id);
    const cp = await Checkpoint.open(ev.path, { cacheDir: resolveCacheDir(), ...opts });
    appendEntry(this.dir, 'open', { evidence: ev.id, purpose: String(purpose).slice(0, 200) }, this.analyst);
    return cp;
  }

  // ---- verification ----------------------------------------------------------------------------------

  /**
   * Re-hash every evidence file and every derived file, check the log's chain, its head and case.json.
   * Records the result in the log unless `record: false`.
   */
  async verify(opts: { record?: boolean; onProgress?: HashProgress; signal?: AbortSignal } = {}): Promise<VerifyReport> {
    const st = this.state();
    const chain = readChain(this.dir);
    const chainProblems = chain.problems.map((p) => p.message);
    const caseFile = this.caseFileProblems(st);
    const warnings: string[] = [];
    const total = st.evidence.reduce((s, e) => s + e.size, 0);
    let before = 0;
    const progress = (done: number): void => opts.onProgress?.(before + done, total);

    const evidence: VerifyItem[] = [];
    for (const ev of st.evidence) {
      evidence.push(await verifyEvidence(ev, { onProgress: progress, signal: opts.signal }, warnings));
      before += ev.size;
    }

    // The latest record for each path is the one that must hold (a report rewritten in place supersedes).
    const latest = new Map<string, DerivedRecord>();
    for (const d of st.derived) latest.set(d.path, d);
    const derived: VerifyItem[] = [];
    for (const d of latest.values()) derived.push(await verifyDerived(this.dir, d, opts.signal));

    const problems = [...chainProblems, ...caseFile, ...evidence.flatMap((e) => e.problems), ...derived.flatMap((d) => d.problems)];
    const report: VerifyReport = {
      ok: problems.length === 0,
      time: new Date().toISOString(),
      problems,
      warnings,
      chain: { ok: chainProblems.length === 0, entries: chain.entries.length, head: chain.lastHash, problems: chainProblems },
      caseFile: { ok: caseFile.length === 0, problems: caseFile },
      evidence,
      derived,
    };
    if (opts.record !== false) {
      try {
        const entry = appendEntry(
          this.dir,
          'verify',
          {
            ok: report.ok,
            problems: report.problems,
            warnings: report.warnings,
            evidence: evidence.map((e) => ({ id: e.id, ok: e.ok, sha256: e.sha256, sha512: e.sha512, size: e.size })),
            derived: derived.map((d) => ({ id: d.id, ok: d.ok, sha256: d.sha256 })),
            chainEntries: chain.entries.length,
          },
          this.analyst,
          new Date(report.time),
        );
        report.seq = entry.seq;
      } catch (e) {
        // A damaged log is not extended (custody.ts); the damage is already in `problems`.
        if (!(e instanceof KensaError && e.kind === 'verify')) throw e;
        report.warnings.push('this verification was not recorded: the custody log is damaged and is not extended until it is restored');
      }
    }
    return report;
  }

  // ---- notes / bookmarks -----------------------------------------------------------------------------

  /**
   * Add a bookmark with a note. With `cp` (the evidence opened as a checkpoint) the target is checked
   * against it and the bookmarked bytes are hashed so the report can show they are the same later.
   */
  addNote(note: NoteInput, cp?: Checkpoint): NoteRecord {
    const text = typeof note?.text === 'string' ? note.text.trim() : '';
    if (!text) throw usage('a note needs text');
    if (text.length > MAX_NOTE_TEXT) throw usage(`a note is at most ${MAX_NOTE_TEXT} characters`);
    const ev = this.resolveEvidence(note.evidenceId);
    const target = normaliseTarget(note.target);
    let capture: NoteRecord['capture'];
    if (cp) {
      if (path.resolve(cp.source) !== ev.path) throw usage(`the checkpoint given (${cp.source}) is not evidence ${ev.id} (${ev.path})`);
      capture = checkTarget(cp, target);
    }
    const details: Record<string, unknown> = { id: '', evidenceId: ev.id, text, target };
    if (capture) details.capture = capture;
    const entry = appendEntry(this.dir, 'note', () => ({ ...details, id: `N${this.notes().length + 1}` }), this.analyst);
    details.id = entry.details.id;
    return { ...(details as unknown as NoteRecord), time: entry.time, analyst: entry.analyst, seq: entry.seq };
  }

  // ---- derived files ---------------------------------------------------------------------------------

  /** A fresh path under derived/ for a file about to be written (name made file-name safe, never reused). */
  derivedPath(name: string): string {
    const dir = path.join(this.dir, DERIVED_DIR);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const safe = safeFileName(name);
    const ext = path.extname(safe);
    const stem = safe.slice(0, safe.length - ext.length);
    let candidate = path.join(dir, safe);
    for (let i = 2; fs.existsSync(candidate); i++) candidate = path.join(dir, `${stem}-${i}${ext}`);
    return candidate;
  }

  private prepareDerived(file: string, action: string, evidenceId: string | undefined, copyDir: string): { rel: string; abs: string; copiedFrom?: string; evidenceId?: string } {
    if (typeof action !== 'string' || !action.trim()) throw usage('a derived file needs the command or action that produced it');
    const ev = evidenceId !== undefined || this.evidence().length === 1 ? this.resolveEvidence(evidenceId) : undefined;
    let abs = path.resolve(file);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (e) {
      throw new KensaError('io', `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { source: file });
    }
    if (!st.isFile()) throw usage(`${abs} is not a regular file`);
    if (this.evidence().some((e) => isInside(realOrSelf(e.path), realOrSelf(abs)))) throw usage(`${abs} is evidence, not a derived file`);
    let copiedFrom: string | undefined;
    if (!isInside(this.dir, abs)) {
      // Everything derived lives in the case folder: take a copy, keep the original where the user wants it.
      fs.mkdirSync(path.join(this.dir, copyDir), { recursive: true, mode: 0o700 });
      const dest = copyDir === DERIVED_DIR ? this.derivedPath(path.basename(abs)) : uniquePath(path.join(this.dir, copyDir), safeFileName(path.basename(abs)));
      fs.copyFileSync(abs, dest, fs.constants.COPYFILE_EXCL);
      copiedFrom = abs;
      abs = dest;
    }
    const rel = posixRel(this.dir, abs);
    if ([...rel.split('/')].length === 1 && CASE_OWN_FILES.includes(rel)) throw usage(`${rel} is part of the case itself`);
    return { rel, abs, copiedFrom, evidenceId: ev?.id };
  }

  private logDerived(event: 'derived' | 'report', prep: { rel: string; copiedFrom?: string; evidenceId?: string }, digest: { size: number; sha256: string }, action: string, extra: Record<string, unknown> = {}): DerivedRecord {
    const details: Record<string, unknown> = { id: '', path: prep.rel, size: digest.size, sha256: digest.sha256, action: action.trim(), ...extra };
    if (prep.evidenceId) details.evidenceId = prep.evidenceId;
    if (prep.copiedFrom) details.copiedFrom = prep.copiedFrom;
    const entry = appendEntry(this.dir, event, () => ({ ...details, id: `D${this.derived().length + 1}` }), this.analyst);
    details.id = entry.details.id;
    return { ...(details as unknown as DerivedRecord), kind: event, time: entry.time, seq: entry.seq };
  }

  /**
   * Record a derived file (core, memory dump, extracted file) with its SHA-256 and the exact command or
   * action that produced it. A file outside the case folder is copied into derived/ first. Synchronous:
   * for large files prefer recordDerivedAsync.
   */
  recordDerived(file: string, action: string, evidenceId?: string): DerivedRecord {
    const prep = this.prepareDerived(file, action, evidenceId, DERIVED_DIR);
    return this.logDerived('derived', prep, sha256FileSync(prep.abs), action);
  }

  /** recordDerived with the hash streamed (the event loop stays free for large cores). */
  async recordDerivedAsync(file: string, action: string, evidenceId?: string, opts: { kind?: 'derived' | 'report'; details?: Record<string, unknown>; onProgress?: HashProgress } = {}): Promise<DerivedRecord> {
    const kind = opts.kind ?? 'derived';
    const prep = this.prepareDerived(file, action, evidenceId, kind === 'report' ? REPORTS_DIR : DERIVED_DIR);
    const digest = await sha256File(prep.abs, { onProgress: opts.onProgress });
    return this.logDerived(kind, prep, digest, action, opts.details);
  }

  // ---- free-form events ------------------------------------------------------------------------------

  /** Log an event from the workstation or a command (`export`, `search`, `ui-open`, ...). */
  log(event: string, details: object = {}): void {
    if (!EVENT_NAME.test(event)) throw usage(`event names are lowercase words joined by '-', not ${JSON.stringify(event)}`);
    if (RESERVED_EVENTS.has(event)) throw usage(`"${event}" entries are written by the case itself; use the matching method`);
    appendEntry(this.dir, event, { ...(details as Record<string, unknown>) }, this.analyst);
  }
}

function uniquePath(dir: string, name: string): string {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  let candidate = path.join(dir, name);
  for (let i = 2; fs.existsSync(candidate); i++) candidate = path.join(dir, `${stem}-${i}${ext}`);
  return candidate;
}
