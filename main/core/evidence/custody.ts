/**
 * The custody log: append-only JSON lines, each entry chained to the one before it by hash.
 *
 * Line format (one entry per line, UTF-8, `\n` after each):
 *   {"seq":N,"time":"RFC 3339 UTC","event":"...","analyst":"...","details":{...},"prev":"<64 hex>","hash":"<64 hex>"}
 * - `details` is written with its object keys sorted (canonical JSON), so the same entry always has the
 *   same bytes;
 * - `hash` = SHA-256 of the line's bytes up to (not including) `,"hash":...`, followed by `}`: i.e. of the
 *   entry serialised without its hash. `prev` is the previous entry's hash; the first entry's `prev` is 64
 *   zeros. `seq` starts at 1 and increases by one.
 * Verification recomputes each line from its parsed fields and requires the exact same bytes, so a change of
 * any single byte (even one that leaves the JSON meaning intact, like `\u001b` -> `\u001B`) is found.
 *
 * `custody.head` holds `SEQ HASH` of the last entry, rewritten atomically after each append: cutting entries
 * off the end of the log (which a chain alone cannot reveal) makes it disagree. An attacker who rewrites both
 * can only be caught by a copy of the head hash kept elsewhere (the report prints it for that purpose).
 *
 * Appends from several processes (the workstation and the CLI on the same case) are serialised by an
 * O_EXCL lock file; each append re-reads and re-checks the whole log, so nothing is cached across processes
 * and nothing is ever chained onto a damaged log.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KensaError } from '../errors';
import { openAppend, replaceFile, tryCreateExclusive } from '../io/output';
import { sha256Hex } from '../io/hash';
import { jsonSafe } from '#shared/format';

export const CUSTODY_FILE = 'custody.jsonl';
export const HEAD_FILE = 'custody.head';
export const LOCK_FILE = 'custody.lock';
export const GENESIS_HASH = '0'.repeat(64);

/** A lock older than this is left over from a crashed process and may be broken. */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

export interface CustodyEntry {
  seq: number;
  time: string;
  event: string;
  analyst?: string;
  details: Record<string, unknown>;
  prev: string;
  hash: string;
}

export interface ChainProblem {
  /** 1-based line number in custody.jsonl (0 for the head file or the file as a whole). */
  line: number;
  message: string;
}

export interface ChainReport {
  entries: CustodyEntry[];
  problems: ChainProblem[];
  /** The hash the next entry must carry as `prev` (the last readable entry's hash). */
  lastHash: string;
  lastSeq: number;
}

/** JSON with object keys sorted at every level: one byte sequence per value. */
export function canonicalJson(value: unknown): string {
  const v = jsonSafe(value);
  const walk = (x: unknown): string => {
    if (x instanceof Date) return JSON.stringify(x.toISOString());
    if (x === null || typeof x !== 'object') return JSON.stringify(x) ?? 'null';
    if (Array.isArray(x)) return '[' + x.map((e) => (e === undefined ? 'null' : walk(e))).join(',') + ']';
    const keys = Object.keys(x as object)
      .filter((k) => (x as Record<string, unknown>)[k] !== undefined)
      .sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + walk((x as Record<string, unknown>)[k])).join(',') + '}';
  };
  return walk(v);
}

/** The entry without its hash, in the fixed field order. */
function entryBody(e: Omit<CustodyEntry, 'hash'>): string {
  let s = `{"seq":${e.seq},"time":${JSON.stringify(e.time)},"event":${JSON.stringify(e.event)}`;
  if (e.analyst !== undefined) s += `,"analyst":${JSON.stringify(e.analyst)}`;
  s += `,"details":${canonicalJson(e.details)},"prev":${JSON.stringify(e.prev)}}`;
  return s;
}

export function entryHash(e: Omit<CustodyEntry, 'hash'>): string {
  return sha256Hex(entryBody(e));
}

export function serialiseEntry(e: CustodyEntry): string {
  const body = entryBody(e);
  return body.slice(0, -1) + `,"hash":${JSON.stringify(e.hash)}}`;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Read and check the whole chain. Never throws for damage: damage is reported as problems. */
export function readChain(caseDir: string): ChainReport {
  const file = path.join(caseDir, CUSTODY_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { entries: [], problems: [{ line: 0, message: `${CUSTODY_FILE}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})` }], lastHash: GENESIS_HASH, lastSeq: 0 };
  }
  const entries: CustodyEntry[] = [];
  const problems: ChainProblem[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else if (text.length > 0) problems.push({ line: lines.length, message: `${CUSTODY_FILE} line ${lines.length}: last line is not terminated (cut short or edited)` });
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  lines.forEach((line, i) => {
    const n = i + 1;
    const where = `${CUSTODY_FILE} line ${n}`;
    let parsed: CustodyEntry;
    try {
      parsed = JSON.parse(line) as CustodyEntry;
    } catch {
      problems.push({ line: n, message: `${where}: not valid JSON (the line was edited)` });
      // Keep following the chain from the line after it, using its hash if one can be picked out.
      const m = /"hash":"([0-9a-f]{64})"\}$/.exec(line);
      prevHash = m ? m[1] : prevHash;
      prevSeq++;
      return;
    }
    const label = typeof parsed?.event === 'string' ? `${where} (${parsed.event})` : where;
    if (!parsed || typeof parsed !== 'object' || typeof parsed.seq !== 'number' || typeof parsed.time !== 'string' || typeof parsed.event !== 'string' || typeof parsed.prev !== 'string' || typeof parsed.hash !== 'string' || typeof parsed.details !== 'object' || parsed.details === null) {
      problems.push({ line: n, message: `${label}: not a custody entry (fields missing or of the wrong type)` });
      prevSeq++;
      return;
    }
    const body = { seq: parsed.seq, time: parsed.time, event: parsed.event, analyst: parsed.analyst, details: parsed.details, prev: parsed.prev };
    const recomputed = entryHash(body);
    if (!HEX64.test(parsed.hash) || recomputed !== parsed.hash) {
      problems.push({ line: n, message: `${label}: entry changed: its hash does not match its content (recorded ${parsed.hash.slice(0, 16)}…, content gives ${recomputed.slice(0, 16)}…)` });
    } else if (serialiseEntry(parsed) !== line) {
      problems.push({ line: n, message: `${label}: entry changed: the line's bytes differ from the recorded entry's canonical form` });
    }
    if (parsed.prev !== prevHash) problems.push({ line: n, message: `${label}: chain broken: prev ${parsed.prev.slice(0, 16)}… does not name the entry before it (${prevHash.slice(0, 16)}…); an entry was removed, inserted or changed` });
    if (parsed.seq !== prevSeq + 1) problems.push({ line: n, message: `${label}: sequence number ${parsed.seq}, expected ${prevSeq + 1}` });
    entries.push(parsed);
    prevHash = parsed.hash;
    prevSeq = parsed.seq;
  });
  const head = readHead(caseDir);
  if (head === undefined) problems.push({ line: 0, message: `${HEAD_FILE}: missing or unreadable` });
  else if (head.seq !== prevSeq || head.hash !== prevHash) {
    problems.push({ line: 0, message: `${HEAD_FILE} names entry ${head.seq} (${head.hash.slice(0, 16)}…) but the log ends at entry ${prevSeq} (${prevHash.slice(0, 16)}…): entries were removed from or added to the end of the log` });
  }
  return { entries, problems, lastHash: prevHash, lastSeq: prevSeq };
}

export function readHead(caseDir: string): { seq: number; hash: string } | undefined {
  try {
    const m = /^(\d+) ([0-9a-f]{64})\n?$/.exec(fs.readFileSync(path.join(caseDir, HEAD_FILE), 'utf8'));
    return m ? { seq: Number(m[1]), hash: m[2] } : undefined;
  } catch {
    return undefined;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withLock<T>(caseDir: string, fn: () => T): T {
  const lock = path.join(caseDir, LOCK_FILE);
  const deadline = Date.now() + LOCK_WAIT_MS;
  let fd: number | undefined;
  while (fd === undefined) {
    fd = tryCreateExclusive(lock);
    if (fd !== undefined) fs.writeSync(fd, String(process.pid));
    else {
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > STALE_LOCK_MS) fs.rmSync(lock, { force: true });
      } catch {
        /* the holder removed it meanwhile */
      }
      if (Date.now() > deadline) throw new KensaError('io', 'the custody log is locked by another process', { source: lock });
      sleepSync(20);
    }
  }
  try {
    return fn();
  } finally {
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Append one entry; returns it with its seq, prev and hash filled in. `details` may be a function: it is
 * called while the log is locked, so ids counted from the log (E2, N3, D4) cannot be handed out twice by
 * two processes appending at once.
 */
export function appendEntry(caseDir: string, event: string, details: Record<string, unknown> | (() => Record<string, unknown>), analyst?: string, now: Date = new Date()): CustodyEntry {
  return withLock(caseDir, () => {
    // Never extend a damaged log: a later entry would chain onto the damage and, with the head rewritten,
    // hide entries cut from the end. The damage stays visible until the log is restored.
    let last = { seq: 0, hash: GENESIS_HASH };
    if (fs.existsSync(path.join(caseDir, CUSTODY_FILE)) || fs.existsSync(path.join(caseDir, HEAD_FILE))) {
      const chain = readChain(caseDir);
      if (chain.problems.length) {
        throw new KensaError('verify', `the custody log is damaged (${chain.problems[0].message}${chain.problems.length > 1 ? `, and ${chain.problems.length - 1} more` : ''}); nothing more is recorded until it is restored`, { source: caseDir });
      }
      last = { seq: chain.lastSeq, hash: chain.lastHash };
    }
    if (typeof details === 'function') details = details();
    const body = { seq: last.seq + 1, time: now.toISOString(), event, analyst, details: JSON.parse(canonicalJson(details)) as Record<string, unknown>, prev: last.hash };
    const entry: CustodyEntry = { ...body, hash: entryHash(body) };
    if (entry.analyst === undefined) delete entry.analyst;
    const file = path.join(caseDir, CUSTODY_FILE);
    const fd = openAppend(file);
    try {
      fs.writeSync(fd, serialiseEntry(entry) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const head = path.join(caseDir, HEAD_FILE);
    replaceFile(head, `${entry.seq} ${entry.hash}\n`);
    return entry;
  });
}
