/**
 * Compressed archives are decompressed once into the cache, keyed by the SHA-256 of the compressed file,
 * never beside the evidence. Detection is by magic bytes only (gzip 1f 8b, zstd 28 b5 2f fd: RFC 1952,
 * RFC 8878), as checkpointctl's DecompressStream does; the file name is never trusted (Podman writes zstd
 * under a .tar.gz name).
 *
 * Bounded against decompression bombs: a cap on total output and on the output/input ratio, and zstd's
 * window size capped (windowLogMax), each with a flag to raise it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as crypto from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CancelledError, FormatError, KensaError, LimitError, type ErrorLocation } from '../errors';
import { sha256File } from '../io/hash';
import { ensureDir } from '../cache';
import { openReadOnly } from '../io/byte-source';
import { gunzipMembers, GzipStreamError } from './gzip-members';
import { createExclusive, moveIntoPlace, replaceFile, tempBeside } from '../io/output';

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'none';
}

export interface DecompressLimits {
  /** Most bytes a compressed archive may inflate to (`--max-unpacked`). */
  maxUnpackedBytes: number;
  /** Largest output/input ratio accepted once the output passes `ratioFloorBytes` (`--max-ratio`). */
  maxRatio: number;
  ratioFloorBytes: number;
  /** zstd frame window cap as log2 bytes (RFC 8878 Window_Size; 27 = 128 MiB, zstd's own default). */
  zstdWindowLogMax: number;
}

export const DEFAULT_DECOMPRESS_LIMITS: DecompressLimits = {
  maxUnpackedBytes: 64 * 1024 ** 3,
  maxRatio: 1000,
  ratioFloorBytes: 64 * 1024 ** 2,
  zstdWindowLogMax: 27,
};

function cancelled(file: string): CancelledError {
  return new CancelledError('decompression cancelled', { source: file });
}

/** A read stream over evidence: read-only, without touching atime where allowed. */
function evidenceStream(file: string): fs.ReadStream {
  return fs.createReadStream('', { fd: openReadOnly(file), highWaterMark: 1 << 20 });
}

export type ProgressFn = (doneBytes: number, totalBytes: number, phase: string) => void;

type Stage = Transform | ((source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>);

/** Output buffer of one ZSTD_decompressStream call: bounds what one step can produce. */
const ZSTD_STEP_OUT = 1 << 20;

/**
 * libzstd streaming through zstd-napi's low-level binding, one bounded output buffer at a time. (Its
 * high-level DecompressStream decompresses a whole input chunk inside one _transform call, so a few KiB of
 * crafted frames can produce gigabytes before any limit or backpressure applies.)
 */
function zstdNapiStage(limits: DecompressLimits, onTrailing: TrailingFn): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const binding = require('zstd-napi/binding') as typeof import('zstd-napi/binding');
  return async function* (source) {
    const dctx = new binding.DCtx();
    dctx.setParameter(binding.DParameter.windowLogMax, limits.zstdWindowLogMax);
    const out = Buffer.allocUnsafe(ZSTD_STEP_OUT);
    let pending = 0; // ZSTD_decompressStream's hint: non-zero while a frame is unfinished
    let frames = false; // a frame has been completed
    let offset = 0; // compressed bytes consumed
    for await (const chunk of source) {
      let src = chunk;
      while (src.length > 0) {
        let step: [number, number, number];
        try {
          step = dctx.decompressStream(out, src);
        } catch (e) {
          // Between frames (RFC 8878 §3.1: frames follow each other), bytes that start no frame are trailing
          // data after a complete stream, not a cut one: the output is whole.
          if (pending !== 0 || !frames) throw e;
          let rest = src.length;
          for await (const more of source) rest += more.length;
          onTrailing(rest, offset);
          return;
        }
        const [hint, produced, consumed] = step;
        pending = hint;
        if (hint === 0) frames = true;
        offset += consumed;
        src = src.subarray(consumed);
        if (produced > 0) yield Buffer.from(out.subarray(0, produced));
      }
      // Flush what the context still holds for this input (it may buffer up to a block).
      for (;;) {
        const [hint, produced] = dctx.decompressStream(out, Buffer.alloc(0));
        if (produced === 0) break; // (an idle call between frames returns the next header's size: not "pending")
        pending = hint;
        yield Buffer.from(out.subarray(0, produced));
      }
    }
    if (pending !== 0) throw new Error('zstd stream ends inside a frame (truncated)');
  };
}

/** Hears of `bytes` of data after a complete compressed stream (at compressed offset `offset`). */
type TrailingFn = (bytes: number, offset: number) => void;

function makeDecompressor(kind: Compression, limits: DecompressLimits, onTrailing: TrailingFn): Stage {
  if (kind === 'gzip') return (source) => gunzipMembers(source, onTrailing);
  if (kind === 'zstd') {
    // Node >= 22.15 (Electron) has zstd in zlib, a stream that honours backpressure; Node 20 does not,
    // there libzstd comes from zstd-napi.
    const z = zlib as unknown as { createZstdDecompress?: (o?: object) => Transform; constants: Record<string, number> };
    if (typeof z.createZstdDecompress === 'function') {
      const param = z.constants.ZSTD_d_windowLogMax;
      return z.createZstdDecompress(param === undefined ? {} : { params: { [param]: limits.zstdWindowLogMax } });
    }
    return zstdNapiStage(limits, onTrailing);
  }
  throw new KensaError('format', `${kind}-compressed archives are not supported; decompress it first (e.g. with ${kind === 'xz' ? 'xz -dk' : 'bzip2 -dk'})`);
}

class LimitMeter extends Transform {
  out = 0;
  constructor(
    private readonly inputSize: number,
    private readonly limits: DecompressLimits,
    private readonly where: ErrorLocation,
    private readonly onProgress?: ProgressFn,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.out += chunk.length;
    if (this.out > this.limits.maxUnpackedBytes) {
      done(new LimitError(`${this.what()} inflates past ${this.limits.maxUnpackedBytes} bytes`, '--max-unpacked', { ...this.where, offset: this.out }));
      return;
    }
    if (this.out > this.limits.ratioFloorBytes && this.out > this.inputSize * this.limits.maxRatio) {
      done(new LimitError(`${this.what()} inflates more than ${this.limits.maxRatio}:1 (${this.inputSize} bytes to over ${this.out}); a decompression bomb?`, '--max-ratio', { ...this.where, offset: this.out }));
      return;
    }
    this.onProgress?.(this.out, 0, 'decompressing');
    done(null, chunk);
  }

  private what(): string {
    return this.where.member === undefined ? 'archive' : 'member';
  }
}

export interface DecompressedArchive {
  /** Path of the decompressed tar in the cache. */
  tarPath: string;
  /** SHA-256 of the compressed evidence file. */
  sha256: string;
  /** True when an earlier run had already produced it. */
  reused: boolean;
  /** Set when the compressed stream is cut short or corrupt: what decompressed before that is kept. */
  incomplete?: string;
  /** Set when data follows the complete compressed stream (ignored; the output is whole). */
  trailing?: string;
}

/**
 * Decompress `file` into `${cacheDir}/archives/<sha256>.tar` unless already there. The stat memo lets a
 * repeated open skip re-hashing an unchanged file (same device, inode, size and mtime).
 */
export async function decompressToCache(
  file: string,
  kind: Compression,
  cacheDir: string,
  limits: DecompressLimits = DEFAULT_DECOMPRESS_LIMITS,
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<DecompressedArchive> {
  const dir = ensureDir(path.join(cacheDir, 'archives'));
  const st = fs.statSync(file);
  const statKey = crypto
    .createHash('sha256')
    .update(`${fs.realpathSync(file)}\0${st.dev}\0${st.ino}\0${st.size}\0${st.mtimeMs}`)
    .digest('hex');
  const memo = path.join(dir, `stat-${statKey}`);
  let sha = '';
  try {
    sha = fs.readFileSync(memo, 'utf8').trim();
  } catch {
    /* not memoised yet */
  }
  if (!/^[0-9a-f]{64}$/.test(sha)) {
    sha = (await sha256File(file, { onProgress: onProgress && ((done, total) => onProgress(done, total, 'hashing')), signal })).sha256;
    replaceFile(memo, sha + '\n');
  }
  return inflateToCache({ where: { source: file }, size: st.size, chunks: () => evidenceStream(file) }, sha, kind, dir, limits, onProgress, signal);
}

/** Compressed bytes to inflate: where they are (for messages), how many, and a fresh stream of them. */
export interface CompressedInput {
  where: ErrorLocation;
  size: number;
  chunks(): AsyncIterable<Buffer>;
}

/**
 * Inflates `input` (whose SHA-256 is `sha`) into `${dir}/<sha>.tar` unless already there, with the limits of
 * decompressToCache: the outer archive and a compressed member inside it (containerd's gzip rootfs-diff.tar)
 * are bounded alike (--max-unpacked, --max-ratio) and streamed to a file, never held whole in memory.
 */
export async function inflateToCache(
  input: CompressedInput,
  sha: string,
  kind: Compression,
  dir: string,
  limits: DecompressLimits = DEFAULT_DECOMPRESS_LIMITS,
  onProgress?: ProgressFn,
  signal?: AbortSignal,
): Promise<DecompressedArchive> {
  const file = input.where.source ?? '';
  const tarPath = path.join(dir, `${sha}.tar`);
  const trailingPath = path.join(dir, `${sha}.trailing.txt`);
  const trailingNote = (): { trailing?: string } => (fs.existsSync(trailingPath) ? { trailing: fs.readFileSync(trailingPath, 'utf8') } : {});
  if (fs.existsSync(tarPath)) return { tarPath, sha256: sha, reused: true, ...trailingNote() };
  const incompletePath = path.join(dir, `${sha}.incomplete.tar`);
  const notePath = path.join(dir, `${sha}.incomplete.txt`);
  if (fs.existsSync(incompletePath) && fs.existsSync(notePath)) {
    return { tarPath: incompletePath, sha256: sha, reused: true, incomplete: fs.readFileSync(notePath, 'utf8') };
  }

  // A stream a limit stopped is not inflated again up to the same limits: the refusal is remembered.
  const refusedPath = path.join(dir, `${sha}.refused-${limits.maxUnpackedBytes}-${limits.maxRatio}-${limits.ratioFloorBytes}-${limits.zstdWindowLogMax}.json`);
  if (fs.existsSync(refusedPath)) {
    const r = JSON.parse(fs.readFileSync(refusedPath, 'utf8')) as { message: string; flag: string; offset: number };
    throw new LimitError(r.message, r.flag, { ...input.where, offset: r.offset });
  }

  const partial = tempBeside(tarPath);
  const meter = new LimitMeter(input.size, limits, input.where, onProgress);
  // A cut or corrupt compressed stream ends the decompression stage cleanly, so everything decompressed
  // before the break still reaches the file (a partial view beats none); the error is kept for the note.
  let streamError: Error | undefined;
  let trailing: string | undefined;
  const onTrailing: TrailingFn = (bytes, offset) => {
    trailing = `${bytes} byte(s) of data after the end of the ${kind} stream (at compressed offset ${offset}) ignored; the archive before them is complete`;
  };
  const tolerant = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const stage = makeDecompressor(kind, limits, onTrailing);
    const output: AsyncIterable<Buffer> = typeof stage === 'function' ? stage(source) : Readable.from(source).pipe(stage);
    try {
      for await (const chunk of output) yield chunk;
    } catch (e) {
      if (e instanceof KensaError) throw e;
      streamError = e as Error;
      if (typeof stage !== 'function') stage.destroy();
    }
  };
  try {
    await pipeline(input.chunks(), tolerant, meter, fs.createWriteStream('', { fd: createExclusive(partial) }), signal ? { signal } : {});
  } catch (e) {
    fs.rmSync(partial, { force: true });
    if (signal?.aborted) throw cancelled(file);
    if (e instanceof LimitError) {
      const message = e.message.slice(0, e.message.length - ` (raise with ${e.flag})`.length);
      replaceFile(refusedPath, JSON.stringify({ message, flag: e.flag, offset: Number(e.location.offset ?? 0) }));
    }
    if (e instanceof KensaError) throw e;
    throw new FormatError(`cannot decompress: ${(e as Error).message || String(e)}`, { ...input.where, offset: meter.out });
  }
  if (streamError) {
    const msg = streamError.message || String(streamError);
    if (meter.out === 0) {
      fs.rmSync(partial, { force: true });
      throw new FormatError(`${kind} stream is corrupt: ${msg}`, { ...input.where, offset: 0 });
    }
    const where = streamError instanceof GzipStreamError ? `, compressed offset ${streamError.offset}` : '';
    const note = `${kind} stream ends or breaks after ${meter.out} decompressed bytes (${msg}${where}); members after that point are missing`;
    moveIntoPlace(partial, incompletePath);
    replaceFile(notePath, note);
    return { tarPath: incompletePath, sha256: sha, reused: false, incomplete: note };
  }
  if (trailing) replaceFile(trailingPath, trailing);
  moveIntoPlace(partial, tarPath);
  return { tarPath, sha256: sha, reused: false, ...(trailing ? { trailing } : {}) };
}
