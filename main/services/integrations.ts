/**
 * The engines other issues build (memory search, ELF core writer, gdb launch, image rootfs, evidence case
 * and report), reached through the cross-team contract signatures (shared docs: contracts).
 *
 * Each is loaded on first use with require(): a build that does not carry an engine yet answers
 * 'unavailable' for the operations that need it, and everything else keeps working. The types below are
 * the contract's signatures, written here once; when an engine lands its module is loaded as is.
 */
import type { Checkpoint } from '../core/model/checkpoint';
import type { FileContentResolver, ByteOrigin } from '../core/memory/address-space';
import type { Vma } from '../core/memory/vma';
import { KensaError } from '../core/errors';

export type SearchPattern = { text: string; utf16?: boolean; ignoreCase?: boolean } | { hex: string } | { regex: string; ignoreCase?: boolean };
export interface SearchOptions {
  pattern: SearchPattern;
  pids?: number[];
  vma?: string[];
  context?: number;
  maxHits?: number;
  signal?: AbortSignal;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}
export interface SearchHit {
  pid: number;
  address: bigint;
  length: number;
  vma: Vma;
  origin: ByteOrigin;
  match: Buffer;
  before: Buffer;
  after: Buffer;
}
interface SearchModule {
  searchMemory(cp: Checkpoint, opts: SearchOptions): Promise<SearchHit[]>;
}

export interface Rootfs extends FileContentResolver {
  readonly path: string;
  readonly kind: 'folder' | 'tar' | 'oci';
  sysroot(cacheDir: string): Promise<string>;
  close(): void;
}
interface RootfsModule {
  openRootfs(path: string, opts?: { cacheDir?: string }): Promise<Rootfs>;
}

export interface CoreWriteOptions {
  pid: number;
  outPath: string;
  signal?: AbortSignal;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}
export interface CoreWriteResult {
  pid: number;
  path: string;
  size: number;
  sha256: string;
  threads: number[];
  segments: number;
  bytes: Record<string, number>;
  missing: { start: string; end: string; reason: string; file?: string }[];
}
interface WriteCoreModule {
  writeCore(cp: Checkpoint, opts: CoreWriteOptions): Promise<CoreWriteResult>;
}

export interface GdbLaunch {
  gdb: string;
  args: string[];
  cwd: string;
  corePath: string;
  sysroot?: string;
  exe?: string;
}
interface GdbLaunchModule {
  prepareGdb(cp: Checkpoint, pid: number, opts: { rootfs?: Rootfs; outDir: string; cacheDir?: string }): Promise<GdbLaunch>;
}

export type NoteInput = {
  evidenceId?: string;
  text: string;
  target:
    | { kind: 'process'; pid: number }
    | { kind: 'thread'; pid: number; tid: number }
    | { kind: 'memory'; pid: number; address: string; length: number }
    | { kind: 'search-hit'; pid: number; address: string; length: number; pattern: string }
    | { kind: 'file'; member: string }
    | { kind: 'socket'; pid?: number; inode: number };
};
/** The parts of the evidence engine's records the workstation relies on; the rest is passed through. */
export interface EvidenceRecordLike {
  id: string;
  sha256?: string;
  path?: string;
  [k: string]: unknown;
}
export interface EvidenceCaseLike {
  readonly dir: string;
  readonly id: string;
  addEvidence(archive: string, onProgress?: (doneBytes: number, totalBytes: number) => void): Promise<EvidenceRecordLike>;
  evidence(): EvidenceRecordLike[];
  verify(): Promise<unknown>;
  addNote(note: NoteInput): unknown;
  notes(): unknown[];
  recordDerived(file: string, action: string, evidenceId?: string): unknown;
  log(event: string, details?: object): void;
}
interface CaseModule {
  EvidenceCase: { init(dir: string, opts?: { analyst?: string; title?: string }): EvidenceCaseLike; open(dir: string): EvidenceCaseLike };
}
interface ReportModule {
  writeReport(caseDir: string, format: 'html' | 'pdf' | 'json', outFile: string): Promise<{ path: string; sha256: string }>;
}

/** Where each engine lives (relative to this file, in the source tree and in dist alike). */
const MODULES = {
  search: '../core/memory/search',
  rootfs: '../core/rootfs/rootfs',
  writeCore: '../core/elfcore/write-core',
  gdbLaunch: '../core/elfcore/gdb-launch',
  evidenceCase: '../core/evidence/case',
  report: '../core/evidence/report',
} as const;

export type EngineName = keyof typeof MODULES;

const WHO: Record<EngineName, string> = {
  search: 'memory search',
  rootfs: 'the image root file system reader (--rootfs)',
  writeCore: 'the ELF core writer',
  gdbLaunch: 'the gdb launcher',
  evidenceCase: 'evidence cases',
  report: 'the evidence report',
};

const loaded = new Map<EngineName, unknown>();

function load<T>(name: EngineName, exportName: string): T | undefined {
  if (loaded.has(name)) return (loaded.get(name) as T | null) ?? undefined;
  let mod: unknown = null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(MODULES[name]);
    if (!mod || typeof (mod as Record<string, unknown>)[exportName] === 'undefined') mod = null;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // Only "this engine is not in the build" means unavailable; an engine that fails to load is a bug to show.
    if (err?.code !== 'MODULE_NOT_FOUND' || !String(err.message).includes(MODULES[name].split('/').pop()!)) throw e;
    mod = null;
  }
  loaded.set(name, mod);
  return (mod as T | null) ?? undefined;
}

export function hasEngine(name: EngineName): boolean {
  const exportName = { search: 'searchMemory', rootfs: 'openRootfs', writeCore: 'writeCore', gdbLaunch: 'prepareGdb', evidenceCase: 'EvidenceCase', report: 'writeReport' }[name];
  return load(name, exportName) !== undefined;
}

/** Thrown (and turned into an 'unavailable' Result) when an engine is not in this build. */
export class UnavailableError extends KensaError {
  constructor(readonly engine: EngineName) {
    super('usage', `${WHO[engine]} is not available in this build of Kensa`);
  }
}

function need<T>(name: EngineName, exportName: string): T {
  const m = load<T>(name, exportName);
  if (!m) throw new UnavailableError(name);
  return m;
}

export const engines = {
  searchMemory: (cp: Checkpoint, opts: SearchOptions) => need<SearchModule>('search', 'searchMemory').searchMemory(cp, opts),
  openRootfs: (path: string, opts?: { cacheDir?: string }) => need<RootfsModule>('rootfs', 'openRootfs').openRootfs(path, opts),
  writeCore: (cp: Checkpoint, opts: CoreWriteOptions) => need<WriteCoreModule>('writeCore', 'writeCore').writeCore(cp, opts),
  prepareGdb: (cp: Checkpoint, pid: number, opts: { rootfs?: Rootfs; outDir: string; cacheDir?: string }) => need<GdbLaunchModule>('gdbLaunch', 'prepareGdb').prepareGdb(cp, pid, opts),
  initCase: (dir: string, opts?: { analyst?: string; title?: string }) => need<CaseModule>('evidenceCase', 'EvidenceCase').EvidenceCase.init(dir, opts),
  openCase: (dir: string) => need<CaseModule>('evidenceCase', 'EvidenceCase').EvidenceCase.open(dir),
  writeReport: (caseDir: string, format: 'html' | 'pdf' | 'json', outFile: string) => need<ReportModule>('report', 'writeReport').writeReport(caseDir, format, outFile),
};
