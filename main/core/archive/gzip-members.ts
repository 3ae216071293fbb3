/**
 * gzip decompression member by member (RFC 1952), with zlib's raw inflate doing the work.
 *
 * Node's Gunzip reads concatenated members, but bytes after the last member that are not another member make
 * it fail, and the output of its last step is lost with the error: a complete archive followed by a few bytes
 * lost its last kilobytes, reported as a cut stream. Here each member is parsed (header, deflate data,
 * CRC-32 and ISIZE trailer) and its end is known exactly (the raw inflate stops at the deflate stream's last
 * block; `bytesWritten` is what it consumed), so what follows the last member is told apart:
 *  - nothing, or zero padding (tape blocking): a complete stream;
 *  - anything else: trailing data, reported through `onTrailing` (the output is complete);
 *  - a member that ends early or fails its CRC: an Error, after every byte inflated before it was yielded.
 * Input is fed in 64 KiB pieces, so one step inflates at most ~66 MiB (deflate's ratio is at most 1032:1)
 * before the consumer's limits and backpressure apply.
 */
import * as zlib from 'node:zlib';

/** Compressed bytes handed to the inflater per step (bounds one step's output, see above). */
const STEP_IN = 64 * 1024;
/** A gzip header longer than this (FEXTRA, FNAME, FCOMMENT) is not one a real tool wrote. */
const MAX_HEADER = 1024 * 1024;

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const FRESERVED = 0xe0;

/** A pull queue over the compressed input, so bytes the inflater did not consume can be given back. */
class InputQueue {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  /** Bytes taken from the queue so far: the offset of its head in the compressed file. */
  offset = 0;

  constructor(private readonly it: AsyncIterator<Buffer>) {}

  /** True when at least `n` bytes are buffered (false: the input ends before). */
  async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.chunks.push(r.value);
        this.buffered += r.value.length;
      }
    }
    return this.buffered >= n;
  }

  get available(): number {
    return this.buffered;
  }

  /** The first `n` buffered bytes (n <= available), without taking them. */
  peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!.subarray(0, n);
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  take(n: number): Buffer {
    const out = this.peek(n);
    this.skip(n);
    return Buffer.from(out);
  }

  skip(n: number): void {
    this.offset += n;
    this.buffered -= n;
    while (n > 0) {
      const head = this.chunks[0]!;
      if (head.length <= n) {
        this.chunks.shift();
        n -= head.length;
      } else {
        this.chunks[0] = head.subarray(n);
        n = 0;
      }
    }
  }

  /** Up to `max` bytes (at least one), or undefined at the end of the input. */
  async next(max: number): Promise<Buffer | undefined> {
    if (!(await this.fill(1))) return undefined;
    const head = this.chunks[0]!;
    const n = Math.min(max, head.length);
    const out = head.subarray(0, n);
    this.skip(n);
    return out;
  }

  /** Gives back the last `n` bytes taken (what the inflater did not consume). */
  unshift(bytes: Buffer): void {
    if (!bytes.length) return;
    this.chunks.unshift(bytes);
    this.buffered += bytes.length;
    this.offset -= bytes.length;
  }

  /** Counts the rest of the input and whether it is all zero bytes (nothing is kept). */
  async drain(): Promise<{ bytes: number; allZero: boolean }> {
    let bytes = 0;
    let allZero = true;
    for (;;) {
      const b = await this.next(1 << 20);
      if (!b) return { bytes, allZero };
      bytes += b.length;
      if (allZero && b.some((x) => x !== 0)) allZero = false;
    }
  }
}

/** Thrown for a malformed or cut stream; `offset` is where in the compressed file it was found. */
export class GzipStreamError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Reads a member header (RFC 1952 §2.3) from the queue; returns false when the bytes are not one. */
async function readHeader(q: InputQueue): Promise<void> {
  const at = q.offset;
  if (!(await q.fill(10))) throw new GzipStreamError('gzip header cut short', at);
  const h = q.peek(10);
  if (h[0] !== 0x1f || h[1] !== 0x8b) throw new GzipStreamError('not a gzip member (no 1f 8b magic)', at);
  if (h[2] !== 8) throw new GzipStreamError(`gzip compression method ${h[2]} is not deflate (8)`, at + 2);
  const flags = h[3]!;
  if (flags & FRESERVED) throw new GzipStreamError(`gzip header sets reserved flag bits (0x${flags.toString(16)})`, at + 3);
  let length = 10;
  const need = async (n: number): Promise<void> => {
    if (n > MAX_HEADER) throw new GzipStreamError(`gzip header longer than ${MAX_HEADER} bytes`, at);
    if (!(await q.fill(n))) throw new GzipStreamError('gzip header cut short', at);
  };
  if (flags & FEXTRA) {
    await need(length + 2);
    length += 2 + q.peek(length + 2).readUInt16LE(length);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    // zero-terminated; read on until the NUL
    for (;;) {
      await need(length + 1);
      const nul = q.peek(q.available).indexOf(0, length);
      if (nul >= 0) {
        length = nul + 1;
        break;
      }
      await need(q.available + 1);
    }
  }
  if (flags & FHCRC) length += 2;
  await need(length);
  q.skip(length);
}

/**
 * Resolves when `act` calls back or the stream fails or closes (zlib never calls a write back after an
 * error, so waiting for the callback alone would wait for ever).
 */
function settled(stream: zlib.InflateRaw, act: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('error', done);
    stream.once('close', done);
    act(done);
  });
}

/**
 * The decompressed bytes of every member of a gzip stream, in order. `onTrailing` hears of bytes after the
 * last member that are neither another member nor zero padding (the output is complete).
 */
export async function* gunzipMembers(source: AsyncIterable<Buffer>, onTrailing: (bytes: number, offset: number) => void): AsyncGenerator<Buffer> {
  const q = new InputQueue(source[Symbol.asyncIterator]());
  const crc32 = (zlib as unknown as { crc32?: (data: Buffer, value?: number) => number }).crc32;
  for (let member = 0; ; member++) {
    if (member > 0) {
      if (!(await q.fill(1))) return;
      await q.fill(2);
      if (q.available < 2 || q.peek(1)[0] !== 0x1f || q.peek(2)[1] !== 0x8b) {
        const at = q.offset;
        const rest = await q.drain();
        if (!rest.allZero) onTrailing(rest.bytes, at);
        return;
      }
    }
    await readHeader(q);
    const dataAt = q.offset;
    const inflate = zlib.createInflateRaw();
    const out: Buffer[] = [];
    let failure: Error | undefined;
    let ended = false;
    inflate.on('data', (b: Buffer) => out.push(b));
    inflate.on('error', (e: Error) => (failure = e));
    inflate.on('end', () => (ended = true));
    let written = 0;
    let crc = 0;
    let size = 0;
    const emit = function* (): Generator<Buffer> {
      while (out.length) {
        const b = out.shift()!;
        if (crc32) crc = crc32(b, crc);
        size = (size + b.length) % 0x100000000;
        yield b;
      }
    };
    for (;;) {
      const piece = await q.next(STEP_IN);
      if (!piece) {
        if (!ended && !failure) await settled(inflate, (done) => (inflate.once('end', done), inflate.end()));
        yield* emit();
        if (!ended || failure) throw new GzipStreamError(`gzip member ${member + 1} is cut short: its deflate data ends early (${failure?.message ?? 'unexpected end of file'})`, q.offset);
        break;
      }
      if (!failure) await settled(inflate, (done) => inflate.write(piece, () => done()));
      written += piece.length;
      yield* emit();
      if (failure) throw new GzipStreamError(`gzip member ${member + 1} is corrupt: ${failure.message}`, dataAt + inflate.bytesWritten);
      if (ended || inflate.bytesWritten < written) {
        // the deflate stream ended inside this piece: the rest belongs to the trailer and what follows
        q.unshift(piece.subarray(piece.length - (written - inflate.bytesWritten)));
        if (!ended) await settled(inflate, (done) => inflate.once('end', done));
        yield* emit();
        break;
      }
    }
    inflate.destroy();
    const trailerAt = q.offset;
    if (!(await q.fill(8))) throw new GzipStreamError(`gzip member ${member + 1} is cut short: its 8-byte CRC-32 and size trailer is missing`, trailerAt);
    const trailer = q.take(8);
    if (crc32 && trailer.readUInt32LE(0) !== crc >>> 0) throw new GzipStreamError(`gzip member ${member + 1} fails its CRC-32 check (the data is corrupt)`, trailerAt);
    if (trailer.readUInt32LE(4) !== size) throw new GzipStreamError(`gzip member ${member + 1} inflates to ${size} bytes (mod 2^32) but its trailer says ${trailer.readUInt32LE(4)}`, trailerAt + 4);
  }
}
