/**
 * Reads of a checkpointed process's memory for walking interpreter structures: every read goes through the
 * process's AddressSpace, a page at a time (cached), and fails with a MemoryFault when any byte of it is not
 * known content (unmapped, missing from the checkpoint, never dumped). A pointer taken from the target's
 * memory is therefore never trusted: reading through it either gives the real bytes or a fault naming the
 * address, and the walker turns a fault into a partial stack plus a warning.
 */
import type { AddressSpace } from '../memory/address-space';
import { isContentOrigin } from '#shared/byte-origins';

export class MemoryFault extends Error {
  constructor(
    readonly address: bigint,
    readonly length: number,
    readonly what: string,
  ) {
    super(`${what}: ${length} bytes at 0x${address.toString(16)} are not in the checkpoint`);
    this.name = 'MemoryFault';
  }
}

/** Pages kept in the cache (4 KiB each): 64 MiB at most, far above a stack walk's working set. */
const MAX_CACHED_PAGES = 16384;
/** Largest single structure read (a string, a line table, a tuple of names); bigger sizes are refused. */
export const MAX_OBJECT_READ = 1 << 20;

export class RemoteMemory {
  private readonly pages = new Map<bigint, Buffer | null>();
  private readonly pageSize: bigint;
  /** Number of reads served (a budget: the walker stops a hostile structure that would make it read forever). */
  reads = 0;

  constructor(readonly space: AddressSpace) {
    this.pageSize = BigInt(space.pageSize);
  }

  private page(base: bigint): Buffer | null {
    let p = this.pages.get(base);
    if (p !== undefined) return p;
    if (this.pages.size >= MAX_CACHED_PAGES) this.pages.clear();
    const { data, extents } = this.space.read(base, Number(this.pageSize));
    p = extents.every((e) => isContentOrigin(e.origin)) ? data : null;
    this.pages.set(base, p);
    return p;
  }

  /** Exactly `length` bytes at `address`, or a MemoryFault. */
  bytes(address: bigint, length: number, what = 'read'): Buffer {
    this.reads++;
    if (length < 0 || length > MAX_OBJECT_READ || !Number.isSafeInteger(length)) throw new MemoryFault(address, length, `${what} (size out of range)`);
    if (address <= 0n || address + BigInt(length) > 1n << 64n) throw new MemoryFault(address, length, what);
    const out = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const at = address + BigInt(done);
      const base = at - (at % this.pageSize);
      const page = this.page(base);
      if (!page) throw new MemoryFault(address, length, what);
      const from = Number(at - base);
      const n = Math.min(length - done, page.length - from);
      page.copy(out, done, from, from + n);
      done += n;
    }
    return out;
  }

  u64(address: bigint, what?: string): bigint {
    return this.bytes(address, 8, what).readBigUInt64LE(0);
  }

  i64(address: bigint, what?: string): bigint {
    return this.bytes(address, 8, what).readBigInt64LE(0);
  }

  i32(address: bigint, what?: string): number {
    return this.bytes(address, 4, what).readInt32LE(0);
  }

  u8(address: bigint, what?: string): number {
    return this.bytes(address, 1, what)[0];
  }

  /** True when `length` bytes at `address` are all known content. */
  readable(address: bigint, length: number): boolean {
    try {
      this.bytes(address, length);
      return true;
    } catch (e) {
      if (e instanceof MemoryFault) return false;
      throw e;
    }
  }

  /** A NUL-terminated byte string of at most `max` bytes (cut at the first unreadable page). */
  cString(address: bigint, max: number, what = 'string'): Buffer {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < max) {
      const at = address + BigInt(got);
      const room = Number(this.pageSize - (at % this.pageSize));
      const n = Math.min(room, max - got);
      const chunk = got === 0 ? this.bytes(at, n, what) : this.tryBytes(at, n);
      if (!chunk) break;
      const nul = chunk.indexOf(0);
      if (nul !== -1) {
        parts.push(chunk.subarray(0, nul));
        break;
      }
      parts.push(chunk);
      got += n;
    }
    return Buffer.concat(parts);
  }

  private tryBytes(address: bigint, length: number): Buffer | undefined {
    try {
      return this.bytes(address, length);
    } catch (e) {
      if (e instanceof MemoryFault) return undefined;
      throw e;
    }
  }
}
