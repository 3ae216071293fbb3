/**
 * YARA over a checkpoint (issue 12): every process's address space, mapping by mapping, over the bytes the
 * checkpoint knows, and with --files the files of rootfs-diff.tar and the deleted files it kept.
 *
 * - A region is a run of contiguous known bytes inside one readable mapping (AddressSpace.extents(): pages, shmem
 *   and memfd read through each process that maps them, the parent dump, file pages from rootfs-diff.tar or
 *   --rootfs, ghost files, untouched anonymous zeros). Bytes the checkpoint lacks are never scanned, so a
 *   match never spans a gap, and each region is what `yara` sees when that run is dumped to a file.
 * - A region of at most `chunkBytes` is scanned whole. A longer one is scanned in pieces of `chunkBytes`
 *   that overlap by CHUNK_OVERLAP (a match is kept by the piece it starts in), so memory stays flat; rule
 *   conditions then see one piece (`filesize`, offsets), and `base` says where it starts.
 * - Each region gets the context variables of engine.ts RULE_VARIABLES (pid, comm, exe, perms, ...).
 * - Bounded: at most `maxMatches` matches in all (also the per-string limit of one scan), and `timeoutMs`
 *   in all (and at most PIECE_TIMEOUT_MS for one scan); reaching either stops the scan with a warning
 *   (a partial result). An AbortSignal stops it at once (see abortable()).
 */
import type { Checkpoint } from '../model/checkpoint';
import type { AddressSpace, ByteOrigin, Extent } from '../memory/address-space';
import { contentRanges, extentIndex, fillFromExtents } from '../memory/ranges';
import { isFileMapping, isReadableMapping, isSharedMapping, type Vma } from '../memory/vma';
import type { ByteSource } from '../io/byte-source';
import { KensaError } from '../errors';
import { RULE_VARIABLES, type CompiledRules, type NativeRuleMatch, type RuleVariables } from './engine';
import { pushAll } from '#shared/arrays';

export interface YaraScanOptions {
  /** Processes to scan (default: all). */
  pids?: number[];
  /** Also scan the files of rootfs-diff.tar and the deleted files whose content the checkpoint kept. */
  files?: boolean;
  /** Most matches reported in all (default DEFAULT_MAX_MATCHES). */
  maxMatches?: number;
  /** Longest the whole scan may take, in milliseconds (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Bytes scanned at once (default SCAN_CHUNK). */
  chunkBytes?: number;
  signal?: AbortSignal;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** One string match (or, for a rule without strings, the region the rule matched: `string` is ''). */
export interface YaraMatch {
  rule: string;
  namespace: string;
  tags: string[];
  meta: Record<string, string | number | boolean>;
  /** The string identifier (`$a`), or '' when the rule matched by its condition alone. */
  string: string;
  /** The process (absent for a file scanned with --files). */
  pid?: number;
  vma?: Vma;
  /** For --files: the file as `kensa cat` names it (`rootfs-diff.tar/PATH` or `deleted:/PATH`). */
  file?: string;
  /** The address of the first matched byte (the offset in the file for --files). */
  address: bigint;
  length: number;
  /** Where the first matched byte comes from (shared/byte-origins.ts CONTENT_ORIGINS; `file` for --files). */
  origin: ByteOrigin | 'file';
  /** The file holding it and the offset there (as in `kensa mem --search`). */
  member?: string;
  memberOffset?: number;
  /** The matched bytes, at most MAX_MATCH_DATA of them (`length` says how many there are); none for a region match. */
  data: Buffer;
}

export interface YaraScanResult {
  matches: YaraMatch[];
  /** Regions scanned and their bytes. */
  regions: number;
  scannedBytes: number;
  /** Why the result is partial (match limits, timeout, unreadable files): one line each. */
  warnings: string[];
  /** True when the scan stopped before the end (a limit was reached). */
  cut: boolean;
}

/**
 * 16 MiB pieces. Measured on the 1 GiB benchmark (interleaved rounds on a loaded machine): 4, 8 and 16 MiB
 * scanned within noise of each other; 32 and 64 MiB were 2-3x slower (the piece no longer stays in the CPU
 * cache between the read and the scan). 16 MiB keeps the 256 KiB overlap at 1.5% of the bytes.
 */
export const SCAN_CHUNK = 16 << 20;
/**
 * Overlap of consecutive pieces of one long region: a match up to this long that starts in a piece lies
 * wholly in it (libyara stops a regex match at 4 KiB, RE_SCAN_LIMIT; 256 KiB leaves room for long hex jumps).
 */
export const CHUNK_OVERLAP = 256 << 10;
export const DEFAULT_MAX_MATCHES = 100_000;
export const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;
/**
 * The engine's limit for one scan (one piece of at most SCAN_CHUNK bytes): the engine checks it itself, and
 * a cancelled scan holds its worker thread until then at most. A rule needing a minute for 16 MiB is hostile.
 */
export const PIECE_TIMEOUT_MS = 60_000;
/** Matched bytes kept per match, as libyara keeps them (YR_MAX_MATCH_DATA); the length is always exact. */
export const MAX_MATCH_DATA = 512;

/** A region to scan: bytes [start, end) read from `extents` (memory) or from `source` (a file). */
interface Region {
  start: bigint;
  end: bigint;
  extents?: Extent[];
  source?: ByteSource;
  vars: RuleVariables;
  pid?: number;
  vma?: Vma;
  file?: string;
  member?: string;
}

/** The regions of one process: each mapping's runs of known bytes. */
function processRegions(cp: Checkpoint, pid: number, space: AddressSpace): Region[] {
  const p = cp.process(pid);
  const comm = p?.comm ?? '';
  const exe = cp.exe(pid) ?? '';
  const out: Region[] = [];
  for (const vma of space.vmas) {
    // A mapping the process could not read (no `r`: guard pages, PROT_NONE reservations such as ASan's
    // terabytes of shadow) is skipped, as YARA's own process scan skips what /proc/PID/mem refuses.
    if (!isReadableMapping(vma)) continue;
    const file = isFileMapping(vma);
    const anonymous = !file && (vma.kind === 'anon-private' || vma.kind === 'anon-shared' || vma.kind === 'heap' || vma.kind === 'stack');
    for (const r of contentRanges(space, [{ start: vma.start, end: vma.end }])) {
      out.push({
        start: r.start,
        end: r.end,
        extents: r.extents,
        pid,
        vma,
        vars: { ...RULE_VARIABLES, pid, comm, exe, perms: vma.perms, anonymous, file_backed: file, shared: isSharedMapping(vma), path: vma.file?.path ?? vma.name, base: safeNumber(r.start) },
      });
    }
  }
  return out;
}

/** An address as a YARA integer: exact below 2^53 (every user-space address), else -1. */
function safeNumber(v: bigint): number {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : -1;
}

/** The files --files scans: rootfs-diff.tar's regular files, then the deleted files with ghost content. */
function fileRegions(cp: Checkpoint, warnings: string[]): Region[] {
  const out: Region[] = [];
  const fileVars = (path: string): RuleVariables => ({ ...RULE_VARIABLES, file_backed: true, path });
  for (const f of cp.rootfsChanges()) {
    if (f.type !== 'file' || f.size === 0) continue;
    const member = 'rootfs-diff.tar' + f.path;
    try {
      const source = cp.archive.open(member);
      out.push({ start: 0n, end: BigInt(source.size), source, file: member, member, vars: fileVars(f.path) });
    } catch (e) {
      warnings.push(`${member}: not scanned: ${e instanceof KensaError ? e.describe() : (e as Error).message}`);
    }
  }
  for (const d of cp.deletedFiles()) {
    if (!d.ghost || d.ghost.form === 'none' || d.ghost.knownEnd === 0) continue;
    out.push({ start: 0n, end: BigInt(d.ghost.knownEnd), source: d.ghost, file: `deleted:${d.path}`, member: d.ghost.member, vars: fileVars(d.path) });
    if (d.ghost.knownEnd < d.ghost.size) warnings.push(`deleted:${d.path}: only the first ${d.ghost.knownEnd} of ${d.ghost.size} bytes are in ${d.ghost.member}; the rest was not scanned`);
  }
  return out;
}

/** Run compiled rules over the checkpoint. Matches come per process (pstree order or `pids`), by address; then files. */
export async function scanCheckpoint(cp: Checkpoint, rules: CompiledRules, opts: YaraScanOptions = {}): Promise<YaraScanResult> {
  const pids = opts.pids ?? cp.processList().map((p) => p.pid);
  for (const pid of pids) if (!cp.process(pid)) throw new KensaError('usage', `no process ${pid} in this checkpoint`);
  const warnings: string[] = [];
  const regions: Region[] = [];
  for (const pid of pids) {
    const space = cp.addressSpace(pid);
    if (space) pushAll(regions, processRegions(cp, pid, space)); // a zombie has no memory
  }
  if (opts.files) pushAll(regions, fileRegions(cp, warnings));
  return scanRegions(regions, rules, opts, warnings);
}

/** Read a region's bytes [from, to) into `target`; returns how many could be read (a file may come up short). */
function fillRegion(r: Region, from: bigint, to: bigint, target: Buffer): number {
  if (r.extents) {
    fillFromExtents(r.extents, from, to, target);
    return target.length;
  }
  return r.source!.readInto(Number(from), Number(to - from), target, 0);
}

function describeRegion(r: Region): string {
  if (r.file) return r.file;
  return `pid ${r.pid} ${hexOf(r.start)}-${hexOf(r.end)} (${r.vma?.perms ?? ''} ${r.vma?.name ?? ''})`.replace(/ \)$/, ')');
}

function hexOf(v: bigint): string {
  return '0x' + v.toString(16);
}

async function scanRegions(regions: Region[], rules: CompiledRules, opts: YaraScanOptions, warnings: string[]): Promise<YaraScanResult> {
  const maxMatches = opts.maxMatches ?? DEFAULT_MAX_MATCHES;
  if (!Number.isSafeInteger(maxMatches) || maxMatches < 1) throw new KensaError('usage', '--max-matches takes a count of at least 1');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1) throw new KensaError('usage', '--timeout takes a number of seconds above 0');
  const chunk = opts.chunkBytes ?? SCAN_CHUNK;
  const engine = rules.native;
  // The engine stops a string at this many matches per scan; the one that reaches it is reported cut.
  const perScan = Math.min(maxMatches, 1_000_000);
  engine.setMaxMatchesPerPattern(perScan);
  engine.setTimeout(Math.max(1000, Math.min(PIECE_TIMEOUT_MS, Math.ceil(timeoutMs))));
  const deadline = Date.now() + timeoutMs;

  const total = regions.reduce((n, r) => n + Number(r.end - r.start), 0);
  const largest = regions.reduce((n, r) => Math.max(n, Number(r.end - r.start)), 0);
  const buf = Buffer.allocUnsafe(Math.min(largest, chunk + CHUNK_OVERLAP));
  const matches: YaraMatch[] = [];
  let done = 0;
  let scannedRegions = 0;
  let cut = false;
  opts.onProgress?.(0, total);

  const stop = (why: string): void => {
    warnings.push(why);
    cut = true;
  };

  outer: for (const r of regions) {
    const len = Number(r.end - r.start);
    scannedRegions++;
    const conditionOnly = new Set<string>(); // rules without strings already reported for this region
    for (let off = 0; off < len; off += chunk) {
      opts.signal?.throwIfAborted();
      if (Date.now() > deadline) {
        stop(`the YARA scan took longer than ${timeoutMs / 1000} s (--timeout) and was stopped before ${describeRegion(r)} at offset ${off}; later regions were not scanned`);
        break outer;
      }
      const pieceLen = Math.min(len - off, chunk + CHUNK_OVERLAP);
      const accept = off + chunk >= len ? pieceLen : chunk; // matches starting past this belong to the next piece
      const from = r.start + BigInt(off);
      const got = fillRegion(r, from, from + BigInt(pieceLen), buf.subarray(0, pieceLen));
      const data = buf.subarray(0, got);
      if (got < pieceLen) warnings.push(`${describeRegion(r)}: only ${off + got} of ${len} bytes could be read; the rest was not scanned`);
      const vars = off === 0 ? r.vars : { ...r.vars, base: safeNumber(from) };
      let found: NativeRuleMatch[];
      try {
        found = await abortable(engine.scanAsync(data, vars as unknown as Record<string, string | number | boolean>), opts.signal);
      } catch (e) {
        if (opts.signal?.aborted) throw e;
        const msg = (e as Error).message;
        if (/timed out/i.test(msg)) stop(`the YARA scan of ${describeRegion(r)} timed out (a rule is too slow for this data, --timeout): the scan was stopped there`);
        else stop(`the YARA engine failed on ${describeRegion(r)}: ${msg.split('\n')[0]}; the scan was stopped there`);
        break outer;
      }
      const piece: YaraMatch[] = [];
      for (const rm of found) {
        const perString = new Map<string, number>();
        if (rm.matches.length === 0) {
          if (conditionOnly.has(rm.namespace + ':' + rm.ruleIdentifier)) continue;
          conditionOnly.add(rm.namespace + ':' + rm.ruleIdentifier);
          // The whole region matched: no bytes of its own to show.
          piece.push(makeMatch(r, rm, '', r.start, len, Buffer.alloc(0), 0));
        }
        for (const m of rm.matches) {
          perString.set(m.identifier, (perString.get(m.identifier) ?? 0) + 1);
          if (m.offset >= accept) continue;
          const bytes = data.subarray(m.offset, m.offset + Math.min(m.length, MAX_MATCH_DATA));
          piece.push(makeMatch(r, rm, m.identifier, from + BigInt(m.offset), m.length, bytes, off + m.offset));
        }
        for (const [id, n] of perString) {
          if (n >= perScan) stop(`rule ${rm.ruleIdentifier} string ${id} matched ${n} times in ${describeRegion(r)} (the most one scan reports): further matches of it there were not reported`);
        }
      }
      // By address (the engine lists them rule by rule); pieces follow each other, so the region is in order.
      piece.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
      for (const m of piece) {
        matches.push(m);
        if (matches.length >= maxMatches) {
          stop(`${maxMatches} matches reached (--max-matches): the scan was stopped in ${describeRegion(r)}; later matches were not reported`);
          break outer;
        }
      }
      done += accept;
      opts.onProgress?.(done, total);
      if (got < pieceLen) break;
    }
  }
  opts.onProgress?.(cut ? done : total, total);
  return { matches, regions: scannedRegions, scannedBytes: done, warnings, cut };
}

/**
 * The scan's promise, or the abort: a cancelled scan returns at once. The engine's own scan runs on in its
 * worker thread until it ends or reaches its timeout (it cannot be interrupted from outside); its result is
 * dropped, and the napi task keeps the buffer alive meanwhile.
 */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function makeMatch(r: Region, rm: NativeRuleMatch, id: string, address: bigint, length: number, bytes: Buffer, regionOffset: number): YaraMatch {
  const m: YaraMatch = {
    rule: rm.ruleIdentifier,
    namespace: rm.namespace,
    tags: rm.tags,
    meta: rm.meta,
    string: id,
    address,
    length,
    origin: 'file',
    data: Buffer.from(bytes),
  };
  if (r.pid !== undefined) m.pid = r.pid;
  if (r.vma) m.vma = r.vma;
  if (r.file !== undefined) m.file = r.file;
  if (r.extents) {
    const e = r.extents[extentIndex(r.extents, address)];
    m.origin = e.origin;
    if (e.member !== undefined) m.member = e.member;
    if (e.src && e.srcOffset !== undefined) m.memberOffset = e.srcOffset + Number(address - e.start);
  } else {
    m.member = r.member;
    if (r.member?.startsWith('rootfs-diff.tar/')) m.memberOffset = regionOffset;
  }
  return m;
}
