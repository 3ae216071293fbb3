/**
 * `kensa core`: one process of a checkpoint as an ELF core file that gdb loads like a kernel-written one.
 *
 * planCore() (layout.ts) fixes every offset first; this module streams the plan: headers and notes, then
 * each segment's bytes through the AddressSpace in bounded chunks, so memory stays flat whatever the size of
 * the process. The file is written beside its final name and renamed into place only when complete, hashed
 * (SHA-256) as it is written. Runs of zeros are not written but left as holes (they read back as zeros,
 * and the file is sparse).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import type { Checkpoint } from '../model/checkpoint';
import { AddressSpace } from '../memory/address-space';
import { KensaError } from '../errors';
import { encodeElfHeader, encodeExtnumSectionHeader, encodeNote, encodeProgramHeader, noteSize, PHDR_SIZE, PT_LOAD, PT_NOTE, EHDR_SIZE, type ProgramHeader } from './elf';
import { isWrittenOrigin, planCore, type CorePlan } from './layout';

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

/** Bytes copied per read/write: large enough for sequential speed, small enough to keep memory flat. */
const CHUNK = 8 << 20;
/** Staging buffer for headers and notes. */
const HEAD_BUFFER = 1 << 20;

class HashingWriter {
  readonly hash = crypto.createHash('sha256');
  position = 0;
  private zeros?: Buffer;
  constructor(private readonly fd: number) {}

  write(buf: Buffer, len = buf.length): void {
    let done = 0;
    while (done < len) done += fs.writeSync(this.fd, buf, done, len - done, this.position + done);
    this.hash.update(len === buf.length ? buf : buf.subarray(0, len));
    this.position += len;
  }

  /** Zeros: hashed, but left as a hole in the file (ftruncate at the end makes a trailing one real). */
  skipZeros(len: number): void {
    this.zeros ??= Buffer.alloc(CHUNK);
    for (let left = len; left > 0; ) {
      const n = Math.min(left, this.zeros.length);
      this.hash.update(n === this.zeros.length ? this.zeros : this.zeros.subarray(0, n));
      left -= n;
    }
    this.position += len;
  }
}

function toProgramHeaders(plan: CorePlan): ProgramHeader[] {
  const ps = BigInt(plan.pageSize);
  return [
    // PT_NOTE: notes are 4-byte aligned (fill_elf_note_phdr).
    { type: PT_NOTE, flags: 0, offset: BigInt(plan.notesOffset), vaddr: 0n, filesz: BigInt(plan.notesSize), memsz: 0n, align: 4n },
    ...plan.segments.map((s) => ({ type: PT_LOAD, flags: s.flags, offset: s.offset, vaddr: s.vaddr, filesz: s.filesz, memsz: s.memsz, align: ps })),
  ];
}

/** Headers, program headers and notes, streamed through a bounded buffer; then zero padding to the data. */
function writeHead(w: HashingWriter, plan: CorePlan): void {
  const phdrs = toProgramHeaders(plan);
  const buf = Buffer.alloc(HEAD_BUFFER);
  let at = 0;
  const flush = (): void => {
    w.write(buf, at);
    at = 0;
  };
  const reserve = (n: number): void => {
    if (at + n > buf.length) flush();
  };
  encodeElfHeader({ machine: plan.arch.machine, phnum: phdrs.length, shoff: plan.shoff, shnum: plan.shoff ? 1 : 0 }).copy(buf, 0);
  at = EHDR_SIZE;
  for (const ph of phdrs) {
    reserve(PHDR_SIZE);
    encodeProgramHeader(ph, buf, at);
    at += PHDR_SIZE;
  }
  for (const n of plan.notes) {
    const desc = n.build();
    if (desc.length !== n.size) throw new Error(`internal: note 0x${n.type.toString(16)} built ${desc.length} bytes, planned ${n.size}`);
    const size = noteSize(n.owner, n.size);
    if (size > buf.length) {
      flush();
      const big = Buffer.alloc(size);
      encodeNote(n.owner, n.type, desc, big, 0);
      w.write(big);
      continue;
    }
    reserve(size);
    at = encodeNote(n.owner, n.type, desc, buf, at);
  }
  flush();
  if (w.position !== plan.notesOffset + plan.notesSize) throw new Error('internal: notes did not end where planned');
  w.skipZeros(Number(plan.dataOffset) - w.position);
}

export async function writeCore(cp: Checkpoint, opts: CoreWriteOptions): Promise<CoreWriteResult> {
  opts.signal?.throwIfAborted();
  const plan = planCore(cp, opts.pid);
  const space = plan.space;
  const outPath = path.resolve(opts.outPath);
  const partial = `${outPath}.partial-${process.pid}`;
  let fd: number;
  try {
    fd = fs.openSync(partial, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC, 0o600);
  } catch (e) {
    throw new KensaError('io', `cannot write the core: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { source: partial });
  }
  const total = Number(plan.fileSize);
  try {
    const w = new HashingWriter(fd);
    writeHead(w, plan);
    const buf = Buffer.allocUnsafe(CHUNK);
    for (const seg of plan.segments) {
      if (BigInt(w.position) !== seg.offset) throw new Error('internal: segment offset differs from the plan');
      const end = seg.vaddr + seg.filesz;
      for (let a = seg.vaddr; a < end; ) {
        opts.signal?.throwIfAborted();
        const b = end - a > BigInt(CHUNK) ? a + BigInt(CHUNK) : end;
        const len = Number(b - a);
        const extents = space.extents(a, b);
        let allZero = true;
        for (const e of extents) {
          if (!isWrittenOrigin(e.origin)) throw new Error(`internal: ${e.origin} bytes at 0x${e.start.toString(16)} inside planned file data`);
          if (e.src) allZero = false;
        }
        if (allZero) w.skipZeros(len);
        else {
          for (const e of extents) AddressSpace.fill(e, buf, Number(e.start - a), e.start, e.end);
          w.write(buf, len);
        }
        a = b;
        opts.onProgress?.(w.position, total);
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    if (plan.shoff) {
      if (BigInt(w.position) !== plan.shoff) throw new Error('internal: section header offset differs from the plan');
      w.write(encodeExtnumSectionHeader(1 + plan.segments.length));
    }
    if (w.position !== total) throw new Error(`internal: wrote ${w.position} bytes, planned ${total}`);
    fs.ftruncateSync(fd, total);
    fs.closeSync(fd);
    fs.renameSync(partial, outPath);
    opts.onProgress?.(total, total);
    const bytes: Record<string, number> = {};
    for (const [k, v] of plan.bytes) bytes[k] = Number(v);
    return {
      pid: plan.pid,
      path: outPath,
      size: total,
      sha256: w.hash.digest('hex'),
      threads: plan.threads,
      segments: plan.segments.length,
      bytes,
      missing: plan.missing.map((m) => ({ start: '0x' + m.start.toString(16), end: '0x' + m.end.toString(16), reason: m.reason, ...(m.file !== undefined ? { file: m.file } : {}) })),
    };
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
    fs.rmSync(partial, { force: true });
    throw e;
  }
}
