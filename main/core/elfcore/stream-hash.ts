/**
 * SHA-256 of a core as it is written, without a second pass over it.
 *
 * The writer fills chunk buffers and writes them; the hash is computed from the same buffers. For large
 * cores the buffers are slots of a ring in shared memory and a worker thread hashes each slot while the
 * writer fills the next ones, so the hash (on the 1 GiB benchmark about as costly as all the copying) runs
 * on the other core and nothing is copied between threads. Memory stays bounded by the ring. Small cores are
 * hashed inline (starting a worker costs ~30 ms).
 */
import * as crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface CoreHasher {
  /** A buffer of `chunkSize` bytes to fill; give it to commit() before asking for the next one. */
  slot(): Promise<Buffer>;
  /** The first `len` bytes of the last slot were written to the file: hash them. */
  commit(len: number): void;
  /** `len` zero bytes follow in the file (a hole). */
  zeros(len: number): Promise<void>;
  /** The file is complete: its digest. */
  finish(): Promise<string>;
  dispose(): void;
}

/** Atomics.waitAsync (ES2024; in Node >= 16 and Electron): waits without blocking the event loop. */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

/** Cores at least this large are hashed by a worker. */
export const WORKER_THRESHOLD = 64 * 1024 * 1024;
/** Slots in the shared ring (bytes in flight = SLOTS × chunk size). */
const SLOTS = 16;
/** ctrl[PRODUCED], ctrl[CONSUMED]: slot counters (monotonic, mod 2^31 never reached for cores < 2 PiB). */
const PRODUCED = 0;
const CONSUMED = 1;
/** A slot's length entry: >= 0 bytes of data, < 0 that many zero bytes, END_MARK the end of the file. */
const END_MARK = Number.NaN;

/**
 * For callers that hash elsewhere or not at all (`kensa core --no-hash`): the SHA-256 of a 1 GiB core costs
 * ~0.65 s of CPU with SHA-NI here, more than copying it does.
 */
export function noHasher(chunkSize: number): CoreHasher {
  const buf = Buffer.allocUnsafe(chunkSize);
  return {
    slot: async () => buf,
    commit: () => undefined,
    zeros: async () => undefined,
    finish: async () => '',
    dispose: () => undefined,
  };
}

class InlineHasher implements CoreHasher {
  private readonly hash = crypto.createHash('sha256');
  private readonly buf: Buffer;
  private zeroBuf?: Buffer;
  constructor(chunkSize: number) {
    this.buf = Buffer.allocUnsafe(chunkSize);
  }
  async slot(): Promise<Buffer> {
    return this.buf;
  }
  commit(len: number): void {
    this.hash.update(len === this.buf.length ? this.buf : this.buf.subarray(0, len));
  }
  async zeros(len: number): Promise<void> {
    this.zeroBuf ??= Buffer.alloc(this.buf.length);
    for (let left = len; left > 0; ) {
      const n = Math.min(left, this.zeroBuf.length);
      this.hash.update(n === this.zeroBuf.length ? this.zeroBuf : this.zeroBuf.subarray(0, n));
      left -= n;
    }
  }
  async finish(): Promise<string> {
    return this.hash.digest('hex');
  }
  dispose(): void {}
}

/** The worker: hashes slots in order, frees each one, and posts the digest at END_MARK. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
const { ctrlBuf, lensBuf, dataBuf, slots, chunk } = workerData;
const ctrl = new Int32Array(ctrlBuf);
const lens = new Float64Array(lensBuf);
const zeros = new Uint8Array(chunk);
let consumed = 0;
for (;;) {
  const produced = Atomics.load(ctrl, ${PRODUCED});
  if (consumed === produced) {
    Atomics.wait(ctrl, ${PRODUCED}, produced);
    continue;
  }
  const i = consumed % slots;
  const len = lens[i];
  if (Number.isNaN(len)) {
    parentPort.postMessage(hash.digest('hex'));
    break;
  }
  if (len >= 0) hash.update(new Uint8Array(dataBuf, i * chunk, len));
  else for (let left = -len; left > 0; left -= chunk) hash.update(left >= chunk ? zeros : zeros.subarray(0, left));
  consumed++;
  Atomics.store(ctrl, ${CONSUMED}, consumed);
  Atomics.notify(ctrl, ${CONSUMED});
}
`;

class RingHasher implements CoreHasher {
  private readonly worker: Worker;
  private readonly ctrl: Int32Array;
  private readonly lens: Float64Array;
  private readonly data: SharedArrayBuffer;
  private produced = 0;
  private failed?: Error;
  private digestPromise: Promise<string>;

  constructor(private readonly chunk: number) {
    const ctrlBuf = new SharedArrayBuffer(8);
    const lensBuf = new SharedArrayBuffer(8 * SLOTS);
    this.data = new SharedArrayBuffer(SLOTS * chunk);
    this.ctrl = new Int32Array(ctrlBuf);
    this.lens = new Float64Array(lensBuf);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ctrlBuf, lensBuf, dataBuf: this.data, slots: SLOTS, chunk } });
    this.digestPromise = new Promise((resolve, reject) => {
      this.worker.once('message', (hex: string) => resolve(hex));
      this.worker.once('error', (e: unknown) => {
        this.failed = e instanceof Error ? e : new Error(String(e));
        reject(this.failed);
      });
    });
    this.digestPromise.catch(() => undefined); // surfaced by slot() / finish()
  }

  /**
   * A free slot. When the ring is full, wait (without blocking the event loop) until the worker has freed
   * half of it: one wake-up per half ring instead of one per chunk, since each costs an event-loop turn.
   */
  private async free(): Promise<number> {
    if (this.failed) throw this.failed;
    if (this.produced - Atomics.load(this.ctrl, CONSUMED) < SLOTS) return this.produced % SLOTS;
    for (;;) {
      if (this.failed) throw this.failed;
      const consumed = Atomics.load(this.ctrl, CONSUMED);
      if (this.produced - consumed <= SLOTS / 2) return this.produced % SLOTS;
      const w = waitAsync(this.ctrl, CONSUMED, consumed, 1000);
      if (w.async) await w.value;
    }
  }

  private publish(i: number, len: number): void {
    this.lens[i] = len;
    this.produced++;
    Atomics.store(this.ctrl, PRODUCED, this.produced);
    Atomics.notify(this.ctrl, PRODUCED);
  }

  async slot(): Promise<Buffer> {
    const i = await this.free();
    return Buffer.from(this.data, i * this.chunk, this.chunk);
  }

  commit(len: number): void {
    this.publish(this.produced % SLOTS, len);
  }

  async zeros(len: number): Promise<void> {
    this.publish(await this.free(), -len);
  }

  async finish(): Promise<string> {
    this.publish(await this.free(), END_MARK);
    const hex = await this.digestPromise;
    void this.worker.terminate();
    return hex;
  }

  dispose(): void {
    void this.worker.terminate();
  }
}

/** A hasher for a file of `totalBytes` written in chunks of `chunkSize`. */
export function coreHasher(totalBytes: number, chunkSize: number): CoreHasher {
  return totalBytes >= WORKER_THRESHOLD ? new RingHasher(chunkSize) : new InlineHasher(chunkSize);
}
