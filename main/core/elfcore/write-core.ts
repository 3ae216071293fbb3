/**
 * `kensa core`: one process of a checkpoint as an ELF core file that gdb loads like a kernel-written one.
 *
 * planCore() (layout.ts) fixes every offset first; this module streams the plan: headers and notes, then
 * each segment's bytes through the AddressSpace in bounded chunks, so memory stays flat whatever the size of
 * the process. The file is written beside its final name and renamed into place only when complete, hashed
 * (SHA-256) as it is written (in a worker thread for large cores, stream-hash.ts). Runs of zeros are not written but left as holes (they read back as zeros,
 * and the file is sparse).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Checkpoint } from '../model/checkpoint';
import { AddressSpace } from '../memory/address-space';
import { KensaError } from '../errors';
import { createExclusive, moveIntoPlace, tempBeside } from '../io/output';
import { encodeElfHeader, encodeExtnumSectionHeader, encodeNote, encodeProgramHeader, noteSize, PHDR_SIZE, PT_LOAD, PT_NOTE, EHDR_SIZE, type ProgramHeader } from './elf';
import { isWrittenOrigin, planCore, type CorePlan } from './layout';
import { coreHasher, noHasher, type CoreHasher } from './stream-hash';

export interface CoreWriteOptions {
  pid: number;
  outPath: string;
  signal?: AbortSignal;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Hash the core as it is written (default true). */
  hash?: boolean;
}

export interface CoreWriteResult {
  pid: number;
  path: string;
  size: number;
  /** SHA-256 of the core file (absent when the caller asked for no hash). */
  sha256?: string;
  threads: number[];
  segments: number;
  bytes: Record<string, number>;
  missing: { start: string; end: string; reason: string; file?: string }[];
}

/**
 * Bytes copied per read/write: 1 MiB keeps the buffer in the CPU cache between the read and the write
 * (measured on the benchmark machine: 8 MiB chunks made the same copy 2-3 times slower).
 */
const CHUNK = 1 << 20;
/** Chunks between yields to the event loop. */
const YIELD_EVERY = 16;
/** Staging buffer for headers and notes. */
const HEAD_BUFFER = 1 << 20;

/** Positional writes of the planned file in order, each byte hashed once (stream-hash.ts). */
class CoreFileWriter {
  position = 0;
  constructor(
    private readonly fd: number,
    private readonly path: string,
    readonly hasher: CoreHasher,
    private readonly chunk: number,
  ) {}

  private put(buf: Buffer, len: number): void {
    let done = 0;
    try {
      while (done < len) done += fs.writeSync(this.fd, buf, done, len - done, this.position + done);
    } catch (e) {
      // The host refused (ENOSPC, EIO, EFBIG...): a one-line error naming where, not a stack trace.
      throw new KensaError('io', `cannot write the core: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { source: this.path, offset: this.position + done });
    }
    this.position += len;
  }

  /** Write `len` bytes that `fill` puts into a chunk buffer (at most one chunk). */
  async writeFilled(len: number, fill: (buf: Buffer) => void): Promise<void> {
    const buf = await this.hasher.slot();
    fill(buf);
    this.put(buf, len);
    this.hasher.commit(len);
  }

  /** Write bytes the caller keeps (headers, notes), copied through chunk buffers. */
  async write(src: Buffer, len = src.length): Promise<void> {
    for (let off = 0; off < len; off += this.chunk) {
      const n = Math.min(this.chunk, len - off);
      await this.writeFilled(n, (buf) => src.copy(buf, 0, off, off + n));
    }
  }

  /** Zeros: hashed, but left as a hole in the file (ftruncate at the end makes a trailing one real). */
  async skipZeros(len: number): Promise<void> {
    if (len <= 0) return;
    this.position += len;
    await this.hasher.zeros(len);
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
async function writeHead(w: CoreFileWriter, plan: CorePlan): Promise<void> {
  const phdrs = toProgramHeaders(plan);
  const buf = Buffer.alloc(HEAD_BUFFER);
  let at = 0;
  const flush = async (): Promise<void> => {
    await w.write(buf, at);
    at = 0;
  };
  const reserve = async (n: number): Promise<void> => {
    if (at + n > buf.length) await flush();
  };
  encodeElfHeader({ machine: plan.arch.machine, phnum: phdrs.length, shoff: plan.shoff, shnum: plan.shoff ? 1 : 0 }).copy(buf, 0);
  at = EHDR_SIZE;
  for (const ph of phdrs) {
    await reserve(PHDR_SIZE);
    encodeProgramHeader(ph, buf, at);
    at += PHDR_SIZE;
  }
  for (const n of plan.notes) {
    const desc = n.build();
    if (desc.length !== n.size) throw new Error(`internal: note 0x${n.type.toString(16)} built ${desc.length} bytes, planned ${n.size}`);
    const size = noteSize(n.owner, n.size);
    if (size > buf.length) {
      await flush();
      const big = Buffer.alloc(size);
      encodeNote(n.owner, n.type, desc, big, 0);
      await w.write(big);
      continue;
    }
    await reserve(size);
    at = encodeNote(n.owner, n.type, desc, buf, at);
  }
  await flush();
  if (w.position !== plan.notesOffset + plan.notesSize) throw new Error('internal: notes did not end where planned');
  await w.skipZeros(Number(plan.dataOffset) - w.position);
}

export async function writeCore(cp: Checkpoint, opts: CoreWriteOptions): Promise<CoreWriteResult> {
  opts.signal?.throwIfAborted();
  const plan = planCore(cp, opts.pid);
  const space = plan.space;
  const outPath = path.resolve(opts.outPath);
  const partial = tempBeside(outPath);
  const fd = createExclusive(partial);
  const total = Number(plan.fileSize);
  const hasher = opts.hash === false ? noHasher(CHUNK) : coreHasher(total, CHUNK);
  try {
    const w = new CoreFileWriter(fd, partial, hasher, CHUNK);
    await writeHead(w, plan);
    let chunks = 0;
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
        const from = a;
        if (allZero) await w.skipZeros(len);
        else await w.writeFilled(len, (buf) => extents.forEach((e) => AddressSpace.fill(e, buf, Number(e.start - from), e.start, e.end)));
        a = b;
        opts.onProgress?.(w.position, total);
        // Let the event loop breathe (IPC, progress, cancel) now and then.
        if (++chunks % YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r));
      }
    }
    if (plan.shoff) {
      if (BigInt(w.position) !== plan.shoff) throw new Error('internal: section header offset differs from the plan');
      await w.write(encodeExtnumSectionHeader(1 + plan.segments.length));
    }
    if (w.position !== total) throw new Error(`internal: wrote ${w.position} bytes, planned ${total}`);
    fs.ftruncateSync(fd, total);
    const digest = await hasher.finish();
    fs.closeSync(fd);
    moveIntoPlace(partial, outPath);
    opts.onProgress?.(total, total);
    const bytes: Record<string, number> = {};
    for (const [k, v] of plan.bytes) bytes[k] = Number(v);
    return {
      pid: plan.pid,
      path: outPath,
      size: total,
      ...(opts.hash === false ? {} : { sha256: digest }),
      threads: plan.threads,
      segments: plan.segments.length,
      bytes,
      missing: plan.missing.map((m) => ({ start: '0x' + m.start.toString(16), end: '0x' + m.end.toString(16), reason: m.reason, ...(m.file !== undefined ? { file: m.file } : {}) })),
    };
  } catch (e) {
    hasher.dispose();
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
    fs.rmSync(partial, { force: true });
    throw e;
  }
}
