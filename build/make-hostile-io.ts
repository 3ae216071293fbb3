/**
 * Crafted inputs for the resource and output-path attacks of issue 10 §3 (memory blow-ups from small
 * archives, silent truncation, output paths, hangs, nested bombs), generated when the tests run from the
 * crio-counter fixture (build/make-hostile.ts) instead of being committed: several inflate to tens of MiB.
 *
 *   npm run build && node dist/build/make-hostile-io.js OUTDIR
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readBase, replace, tar, tarMember } from './make-hostile';

/** mm_entry.mm_saved_auxv is field 13, a repeated uint64 (CRIU mm.proto): a packed run is tag 13<<3|2. */
const MM_SAVED_AUXV_PACKED_TAG = (13 << 3) | 2;

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

/**
 * mm-6.img whose entry gains a packed mm_saved_auxv of `count` one-byte varints: a few KiB of gzip that
 * decode to `count` values. The entry's u32 size (after the two magics, criu-format.md §1.1) grows with it.
 */
export function auxvBombImage(mm: Buffer, count: number): Buffer {
  const size = mm.readUInt32LE(8);
  const run = Buffer.concat([Buffer.from([MM_SAVED_AUXV_PACKED_TAG]), varint(count), Buffer.alloc(count, 1)]);
  const head = Buffer.from(mm.subarray(0, 12));
  head.writeUInt32LE(size + run.length, 8);
  return Buffer.concat([head, mm.subarray(12, 12 + size), run, mm.subarray(12 + size)]);
}

export const HOSTILE_IO_NAMES = [
  'auxv-bomb.tar.gz',
  'gzip-trailing.tar.gz',
  'gzip-two-members.tar.gz',
  'gzip-bad-crc.tar.gz',
  'gzip-cut.tar.gz',
  'zstd-trailing.tar.zst',
  'nested-gzip-bomb.tar',
] as const;

/** Deterministic non-zero filler (not a gzip or zstd magic). */
function garbage(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 0x41 + ((i * 7) % 26);
  return b;
}

export function makeHostileIo(outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const base = readBase();
  const written: string[] = [];
  const write = (name: string, data: Buffer): void => {
    fs.writeFileSync(path.join(outDir, name), data);
    written.push(name);
  };
  const member = (name: string): Buffer => base.find((m) => m.name === name)!.data;

  // 1. 40 Mi one-byte varints in one packed field: ~40 KiB of gzip, ~40 MiB of image, just under the ratio
  // limit's 64 MiB floor; decoded naively, 40 Mi BigInts exhaust the heap.
  const bomb = auxvBombImage(member('checkpoint/mm-6.img'), 40 * 1024 * 1024);
  write('auxv-bomb.tar.gz', zlib.gzipSync(tar(replace(base, 'checkpoint/mm-6.img', bomb)), { level: 9 }));

  // 2. Silent truncation: a complete gzip stream then 3000 bytes that are no gzip member; two members (a
  // valid gzip file, RFC 1952 §2.2); a member whose CRC-32 was altered; a member cut 5000 bytes short; a
  // complete zstd stream then bytes that start no frame.
  const whole = tar(base);
  const gz = zlib.gzipSync(whole, { level: 9 });
  write('gzip-trailing.tar.gz', Buffer.concat([gz, garbage(3000)]));
  const half = 512 * Math.floor(whole.length / 1024);
  write('gzip-two-members.tar.gz', Buffer.concat([zlib.gzipSync(whole.subarray(0, half)), zlib.gzipSync(whole.subarray(half))]));
  const badCrc = Buffer.from(gz);
  badCrc[badCrc.length - 8] ^= 0xff; // the trailer is CRC-32 then ISIZE, both little-endian (§2.3.1)
  write('gzip-bad-crc.tar.gz', badCrc);
  write('gzip-cut.tar.gz', gz.subarray(0, gz.length - 5000));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Compressor } = require('zstd-napi') as typeof import('zstd-napi');
  write('zstd-trailing.tar.zst', Buffer.concat([new Compressor().compress(whole), garbage(17)]));

  // 5. A nested bomb: rootfs-diff.tar gzip-compressed as containerd writes it, holding one file of 512 MiB of
  // zeros: ~530 KB of gzip members (concatenated members are one gzip file, RFC 1952 §2.2; each 16 MiB of
  // zeros deflates ~1030:1) inside a plain tar.
  const zeros = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
  const head = tarMember({ name: 'home/app/zeros', data: Buffer.alloc(0) }).subarray(0, 512);
  const big = Buffer.from(head);
  big.write((512 * 1024 * 1024).toString(8).padStart(11, '0') + '\0', 124, 'latin1'); // ustar size field (octal)
  let sum = 0;
  big.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  for (const b of big) sum += b;
  big.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  const nested = Buffer.concat([zlib.gzipSync(big), ...Array.from({ length: 32 }, () => zeros), zlib.gzipSync(Buffer.alloc(1024))]);
  write('nested-gzip-bomb.tar', tar(replace(base, 'rootfs-diff.tar', nested)));
  return written;
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: make-hostile-io OUTDIR');
  for (const n of makeHostileIo(out)) console.log(path.join(out, n));
}
