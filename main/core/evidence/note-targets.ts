/**
 * What a note points at (NoteTarget, shared/api/case.ts): checked and put in canonical form, described in
 * words for reports, and checked against the checkpoint (the bookmarked bytes hashed) when the note is made.
 */
import * as crypto from 'node:crypto';
import { KensaError } from '../errors';
import type { NoteTarget, NoteRecord } from '#shared/api/case';
import type { Checkpoint } from '../model/checkpoint';
import { normaliseMemberName } from '../archive/tar-index';
import { hex, parseNumber } from '#shared/format';
import { SEVERITIES } from '#shared/api/contract';

/** Largest memory range a bookmark may cover (its bytes are hashed at bookmark time and shown in reports). */
export const MAX_NOTE_RANGE = 16 * 1024 * 1024;
/** Evidence pointers a finding bookmark keeps (the Findings page sends at most this many). */
export const MAX_FINDING_EVIDENCE = 32;
/** Bytes of a bookmarked Python frame hashed: CPython 3.11's _PyInterpreterFrame before its localsplus array. */
export const PYTHON_FRAME_CAPTURE = 72;

function usage(message: string): KensaError {
  return new KensaError('usage', message);
}

/** `0x` lowercase hex of a user-given address (decimal or 0x hex). */
function normaliseAddress(value: string | number | bigint): string {
  const v = typeof value === 'bigint' ? value : typeof value === 'number' ? BigInt(value) : parseNumber(value);
  if (v === undefined || v < 0n || v >= 1n << 64n) throw usage(`not an address: ${JSON.stringify(String(value))}`);
  return hex(v);
}

function positiveInt(value: unknown, what: string, max = 0x7fffffff): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) throw usage(`${what} must be a whole number from 0 to ${max}, not ${JSON.stringify(value)}`);
  return value;
}

/** Check a target's shape and put it in canonical form (addresses as 0x hex, members normalised). */
export function normaliseTarget(t: NoteTarget): NoteTarget {
  switch (t?.kind) {
    case 'process':
      return { kind: 'process', pid: positiveInt(t.pid, 'pid') };
    case 'thread':
      return { kind: 'thread', pid: positiveInt(t.pid, 'pid'), tid: positiveInt(t.tid, 'tid') };
    case 'memory':
    case 'search-hit':
    case 'yara-match': {
      const length = positiveInt(t.length, 'length', MAX_NOTE_RANGE);
      if (length === 0) throw usage('a memory bookmark needs a length of at least 1 byte');
      const base = { pid: positiveInt(t.pid, 'pid'), address: normaliseAddress(t.address), length };
      if (t.kind === 'memory') return { kind: 'memory', ...base };
      if (t.kind === 'yara-match') {
        if (typeof t.rule !== 'string' || !t.rule || t.rule.length > 256 || typeof t.string !== 'string' || t.string.length > 256) throw usage('a YARA match bookmark names its rule and string');
        return { kind: 'yara-match', ...base, rule: t.rule, string: t.string };
      }
      if (typeof t.pattern !== 'string' || t.pattern.length === 0) throw usage('a search-hit bookmark names the pattern that found it');
      return { kind: 'search-hit', ...base, pattern: t.pattern };
    }
    case 'file': {
      const member = typeof t.member === 'string' ? normaliseMemberName(t.member).name : '';
      if (!member) throw usage('a file bookmark needs a member name (e.g. rootfs-diff.tar/home/counter/test-file)');
      return { kind: 'file', member };
    }
    case 'socket': {
      const out: NoteTarget = { kind: 'socket', inode: positiveInt(t.inode, 'inode', 0xffffffff) };
      if (t.pid !== undefined) out.pid = positiveInt(t.pid, 'pid');
      return out;
    }
    case 'python-frame': {
      const text = (v: unknown, what: string): string => {
        if (typeof v !== 'string' || v.length === 0 || v.length > 4096) throw usage(`a Python frame bookmark needs its ${what} (1 to 4096 characters)`);
        return v;
      };
      const out: NoteTarget = { kind: 'python-frame', pid: positiveInt(t.pid, 'pid'), tid: positiveInt(t.tid, 'tid'), frame: normaliseAddress(t.frame), function: text(t.function, 'function'), file: text(t.file, 'file') };
      if (t.line !== undefined) out.line = positiveInt(t.line, 'line');
      return out;
    }
    case 'triage-finding': {
      const text = (v: unknown, what: string, max: number): string => {
        if (typeof v !== 'string' || v.length === 0 || v.length > max) throw usage(`a finding bookmark needs its ${what} (1 to ${max} characters)`);
        return v;
      };
      if (!SEVERITIES.includes(t.severity)) throw usage(`a finding's severity is one of ${SEVERITIES.join(', ')}`);
      if (!Array.isArray(t.evidence) || t.evidence.length > MAX_FINDING_EVIDENCE) throw usage(`a finding bookmark lists at most ${MAX_FINDING_EVIDENCE} evidence pointers`);
      const out: NoteTarget = {
        kind: 'triage-finding', id: text(t.id, 'id', 64), severity: t.severity, technique: text(t.technique, 'technique', 32), technique_name: text(t.technique_name, 'technique name', 200),
        title: text(t.title, 'title', 4096), evidence: t.evidence.map((e) => text(e, 'evidence pointer', 4096)),
      };
      if (t.pid !== undefined) out.pid = positiveInt(t.pid, 'pid');
      return out;
    }
    default:
      throw usage(`unknown bookmark target ${JSON.stringify((t as { kind?: unknown })?.kind)}`);
  }
}

/** One line naming a target, for logs, tables and reports. */
export function describeTarget(t: NoteTarget): string {
  switch (t.kind) {
    case 'process':
      return `process ${t.pid}`;
    case 'thread':
      return `thread ${t.tid} of process ${t.pid}`;
    case 'memory':
      return `memory ${t.address} +${t.length} in process ${t.pid}`;
    case 'search-hit':
      return `search hit ${t.address} +${t.length} in process ${t.pid} for ${JSON.stringify(t.pattern)}`;
    case 'yara-match':
      return `YARA match of ${t.rule}${t.string ? ' ' + t.string : ''} at ${t.address} +${t.length} in process ${t.pid}`;
    case 'file':
      return `file ${t.member}`;
    case 'socket':
      return `socket inode ${t.inode}${t.pid !== undefined ? ` of process ${t.pid}` : ''}`;
    case 'python-frame':
      return `Python frame ${t.function} (${t.file}:${t.line ?? '?'}) in thread ${t.tid} of process ${t.pid}`;
    case 'triage-finding':
      return `finding ${t.id} (${t.severity}, ${t.technique}): ${t.title}`;
  }
}

/** Check a target exists in the checkpoint; hash the bytes of memory and file targets. */
export function checkTarget(cp: Checkpoint, t: NoteTarget): NoteRecord['capture'] {
  const needProcess = (pid: number) => {
    const p = cp.process(pid);
    if (!p) throw usage(`no process ${pid} in ${cp.source} (processes: ${cp.processList().map((x) => x.pid).join(', ')})`);
    return p;
  };
  switch (t.kind) {
    case 'process':
      needProcess(t.pid);
      return undefined;
    case 'thread': {
      const p = needProcess(t.pid);
      if (!p.tids.includes(t.tid)) throw usage(`process ${t.pid} has no thread ${t.tid} (threads: ${p.tids.join(', ')})`);
      return undefined;
    }
    case 'triage-finding':
      // The finding's own evidence pointers were checked when it was made; its process must be in this archive.
      if (t.pid !== undefined) needProcess(t.pid);
      return undefined;
    case 'python-frame': {
      const p = needProcess(t.pid);
      if (!p.tids.includes(t.tid)) throw usage(`process ${t.pid} has no thread ${t.tid} (threads: ${p.tids.join(', ')})`);
      // The frame's fixed part (_PyInterpreterFrame up to localsplus, 72 bytes in 3.11) is hashed as it is now.
      const space = cp.addressSpace(t.pid);
      if (!space) throw usage(`process ${t.pid} has no memory in the checkpoint`);
      const { data, extents } = space.read(BigInt(t.frame), PYTHON_FRAME_CAPTURE);
      if (extents.some((e) => e.origin === 'unmapped')) throw usage(`${t.frame} is not mapped in process ${t.pid}`);
      return { size: data.length, sha256: crypto.createHash('sha256').update(data).digest('hex'), origins: [...new Set(extents.map((e) => e.origin))] };
    }
    case 'memory':
    case 'search-hit':
    case 'yara-match': {
      needProcess(t.pid);
      const space = cp.addressSpace(t.pid);
      if (!space) throw usage(`process ${t.pid} has no memory in the checkpoint`);
      const { data, extents } = space.read(BigInt(t.address), t.length);
      const unmapped = extents.find((e) => e.origin === 'unmapped');
      if (unmapped) throw usage(`${hex(unmapped.start)}-${hex(unmapped.end)} is not mapped in process ${t.pid}`);
      const origins = [...new Set(extents.map((e) => e.origin))];
      return { size: data.length, sha256: crypto.createHash('sha256').update(data).digest('hex'), origins };
    }
    case 'file': {
      const src = cp.archive.open(t.member);
      try {
        const h = crypto.createHash('sha256');
        const CH = 1 << 20;
        for (let off = 0; off < src.size; off += CH) h.update(src.read(off, Math.min(CH, src.size - off)));
        return { size: src.size, sha256: h.digest('hex') };
      } finally {
        src.close();
      }
    }
    case 'socket': {
      const pids = t.pid !== undefined ? [needProcess(t.pid).pid] : cp.processList().map((p) => p.pid);
      const hit = pids.some((pid) => cp.sockets(pid).some((s) => s.inode === t.inode));
      if (!hit) throw usage(`no socket with inode ${t.inode}${t.pid !== undefined ? ` in process ${t.pid}` : ''} in ${cp.source}`);
      return undefined;
    }
  }
}
