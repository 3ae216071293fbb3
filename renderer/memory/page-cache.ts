/**
 * Memory bytes for the hex view, kept outside React state: chunks of CHUNK bytes keyed
 * by (pid, chunk address), fetched once, kept in an LRU of MAX_CHUNKS (8 MiB), with a version number the
 * view subscribes to (useSyncExternalStore) so rows re-render when a chunk they wait for arrives.
 */
import type { ApiError, ByteOriginName, KensaClient } from '#shared/api/contract';
import { isContentOrigin } from '#shared/byte-origins';

export const CHUNK = 4096;
export const MAX_CHUNKS = 2048;

/** Origin codes per byte: index into ORIGIN_NAMES. */
export const ORIGIN_NAMES: readonly ByteOriginName[] = [
  'pages', 'shmem', 'parent', 'rootfs-diff', 'rootfs', 'zero', 'not-dumped', 'missing-parent', 'missing-lazy', 'missing-file', 'missing-pages', 'unmapped',
  'ghost-file', 'past-eof',
];
const ORIGIN_CODE = new Map(ORIGIN_NAMES.map((n, i) => [n, i]));
/** Whether the byte with this origin code is content (shared/byte-origins.ts); others show as `--`. */
export function isKnownOrigin(code: number): boolean {
  return isContentOrigin(ORIGIN_NAMES[code]);
}

export interface Chunk {
  data: Uint8Array;
  /** ORIGIN_NAMES index of every byte. */
  origin: Uint8Array;
}

type Entry = { state: 'loading' } | { state: 'ready'; chunk: Chunk } | { state: 'error'; error: ApiError };

export function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private version = 0;
  private notifyScheduled = false;

  constructor(private readonly client: Pick<KensaClient, 'readMemory'>) {}

  static chunkAddress(address: bigint): bigint {
    return address - (address % BigInt(CHUNK));
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  /** The chunk holding `address`, or undefined while it loads (the load starts here). */
  get(pid: number, address: bigint): Chunk | ApiError | undefined {
    const base = PageCache.chunkAddress(address);
    const key = `${pid}:${base}`;
    const e = this.entries.get(key);
    if (e) {
      // LRU: move to the end.
      this.entries.delete(key);
      this.entries.set(key, e);
      return e.state === 'ready' ? e.chunk : e.state === 'error' ? e.error : undefined;
    }
    this.entries.set(key, { state: 'loading' });
    this.evict();
    void this.load(pid, base, key);
    return undefined;
  }

  /** Bytes [start, end) when every chunk is loaded, else undefined (and the loads start). */
  bytes(pid: number, start: bigint, end: bigint): { data: Uint8Array; origin: Uint8Array } | undefined {
    const n = Number(end - start);
    const data = new Uint8Array(n);
    const origin = new Uint8Array(n);
    let missing = false;
    for (let base = PageCache.chunkAddress(start); base < end; base += BigInt(CHUNK)) {
      const c = this.get(pid, base);
      if (!c || !('data' in c)) {
        missing = true;
        continue;
      }
      const from = start > base ? start : base;
      const to = end < base + BigInt(CHUNK) ? end : base + BigInt(CHUNK);
      const off = Number(from - base);
      const len = Number(to - from);
      data.set(c.data.subarray(off, off + len), Number(from - start));
      origin.set(c.origin.subarray(off, off + len), Number(from - start));
    }
    return missing ? undefined : { data, origin };
  }

  private async load(pid: number, base: bigint, key: string): Promise<void> {
    const r = await this.client.readMemory({ pid, address: '0x' + base.toString(16), length: CHUNK });
    if (!this.entries.has(key)) return; // evicted or cleared meanwhile
    if (!r.ok) this.entries.set(key, { state: 'error', error: r.error });
    else {
      const data = decodeBase64(r.value.data);
      const origin = new Uint8Array(data.length).fill(ORIGIN_CODE.get('unmapped')!);
      for (const x of r.value.extents) {
        const from = Number(BigInt(x.start) - base);
        const to = Number(BigInt(x.end) - base);
        origin.fill(ORIGIN_CODE.get(x.origin) ?? ORIGIN_CODE.get('unmapped')!, Math.max(0, from), Math.min(data.length, to));
      }
      this.entries.set(key, { state: 'ready', chunk: { data, origin } });
    }
    this.notify();
  }

  private evict(): void {
    while (this.entries.size > MAX_CHUNKS) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Batch notifications: many chunks arriving together re-render once. */
  private notify(): void {
    this.version++;
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      for (const l of [...this.listeners]) l();
    });
  }

  clear(): void {
    this.entries.clear();
    this.notify();
  }

  get size(): number {
    return this.entries.size;
  }
}
