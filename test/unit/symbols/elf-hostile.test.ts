/**
 * ELF symbol reading from a file and from memory, on Debian's libc.so.6 (the threads fixture's rootfs):
 * - the dynamic symbols read from a loaded image (PT_LOAD segments laid out at a base, as the loader maps
 *   them) are exactly the file's .dynsym, names and addresses;
 * - crafted headers and tables (a huge .dynsym, a string table beyond the file, a program header table of
 *   65,535 entries, a DT_HASH count of 2^32-1, a GNU hash of 2^32-1 buckets, a bucket whose chain lies outside memory, a symbol count of 2^32-1, tables
 *   outside memory) each give a FormatError naming the object and the offset or address, never a huge
 *   allocation or a hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as path from 'node:path';
import { openRootfs } from '../../../main/core/rootfs/rootfs';
import { readElfSymbols, type FileBytes } from '../../../main/core/elf/elf-symbols';
import { readElfSymbolsFromMemory, type VirtualBytes } from '../../../main/core/elf/elf-memory';
import { FormatError } from '../../../main/core/errors';
import { fixture, TEST_CACHE } from '../../helpers';

const BASE = 0x7f0000000000n;

async function libc(): Promise<Buffer> {
  const rootfs = await openRootfs(path.join(fixture('threads').ref, 'rootfs.tar.zst'), { cacheDir: TEST_CACHE });
  const hit = rootfs.open('/lib/x86_64-linux-gnu/libc.so.6')!;
  return hit.src.read(0, hit.src.size);
}

function fileOf(bytes: Buffer, label = 'libc.so.6'): FileBytes {
  return { label, size: bytes.length, read: (o, n) => bytes.subarray(o, o + n) };
}

/** The file's PT_LOAD segments copied to BASE + p_vaddr (zeros for .bss), as one buffer. */
function loaded(bytes: Buffer): Buffer {
  const elf = readElfSymbols(fileOf(bytes));
  const end = elf.loads.reduce((m, l) => (l.vaddr + l.memsz > m ? l.vaddr + l.memsz : m), 0n);
  const image = Buffer.alloc(Number(end));
  for (const l of elf.loads) bytes.copy(image, Number(l.vaddr), Number(l.offset), Number(l.offset + l.filesz));
  return image;
}

function memoryOf(image: Buffer): VirtualBytes {
  return {
    label: 'pid 1 memory: libc.so.6',
    inObject: (a) => a >= BASE && a < BASE + BigInt(image.length),
    read: (a, n) => (a >= BASE && a + BigInt(n) <= BASE + BigInt(image.length) ? image.subarray(Number(a - BASE), Number(a - BASE) + n) : undefined),
  };
}

function fromMemory(image: Buffer) {
  return readElfSymbolsFromMemory(memoryOf(image), BASE, [{ start: BASE, pgoff: 0n }]);
}

/** The file offset and value of a dynamic tag in the loaded image. */
function dynTag(image: Buffer, tag: number): { at: number; value: bigint } {
  const ph = Number(image.readBigUInt64LE(32));
  for (let i = 0; i < image.readUInt16LE(56); i++) {
    const p = ph + i * 56;
    if (image.readUInt32LE(p) !== 2) continue;
    for (let d = Number(image.readBigUInt64LE(p + 16)); ; d += 16) {
      const t = Number(image.readBigInt64LE(d));
      if (t === 0) break;
      if (t === tag) return { at: d + 8, value: image.readBigUInt64LE(d + 8) };
    }
  }
  throw new Error(`no dynamic tag ${tag}`);
}

function throwsFormat(fn: () => unknown, where: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `a FormatError, not ${String(e)}`);
    assert.match(e.describe(), where);
    assert.ok(e.location.offset !== undefined, 'names an offset');
    return true;
  });
}

test('dynamic symbols from memory equal the file .dynsym', async () => {
  const bytes = await libc();
  const file = readElfSymbols(fileOf(bytes));
  const mem = fromMemory(loaded(bytes));
  assert.ok(file.symbols.size > 2000, `libc exports ${file.symbols.size} symbols`);
  assert.deepEqual([...mem.symbols.keys()].sort(), [...file.symbols.keys()].sort());
  for (const [name, s] of file.symbols) assert.equal(mem.symbols.get(name)!.value, s.value, name);
  const hit = mem.table.lookup(file.symbols.get('clock_nanosleep')!.value + 0x65n)!;
  assert.equal(hit.symbol.name, 'clock_nanosleep');
  assert.equal(hit.offset, 0x65n);
});

test('hostile ELF files: FormatError naming the file and offset', async () => {
  const bytes = await libc();
  const shoff = Number(bytes.readBigUInt64LE(40));
  const shnum = bytes.readUInt16LE(60);
  const dynsymAt = [...Array(shnum).keys()].map((i) => shoff + i * 64).find((p) => bytes.readUInt32LE(p + 4) === 11)!;
  const huge = Buffer.from(bytes);
  huge.writeBigUInt64LE(0xffffffffffn, dynsymAt + 32); // sh_size of .dynsym
  throwsFormat(() => readElfSymbols(fileOf(huge)), /libc\.so\.6.*(claims|outside)/);
  const strtab = Buffer.from(bytes);
  const link = bytes.readUInt32LE(dynsymAt + 40);
  strtab.writeBigUInt64LE(BigInt(bytes.length), shoff + link * 64 + 24); // .dynstr's sh_offset at the end of the file
  throwsFormat(() => readElfSymbols(fileOf(strtab)), /libc\.so\.6.*outside the/);
  const phnum = Buffer.from(bytes);
  phnum.writeUInt16LE(0xffff, 56);
  throwsFormat(() => readElfSymbols(fileOf(phnum)), /program header/);
  throwsFormat(() => readElfSymbols(fileOf(bytes.subarray(0, 40))), /ELF header/);
});

test('hostile ELF objects in memory: FormatError naming the object and address', async () => {
  const withHash = loaded(await libc());
  // DT_HASH's nchain is the count when present: 2^32-1 is refused.
  const hash = dynTag(withHash, 4);
  const nchain = Buffer.from(withHash);
  nchain.writeUInt32LE(0xffffffff, Number(hash.value) + 4);
  throwsFormat(() => fromMemory(nchain), /claims 4294967295 symbols/);
  // Without DT_HASH (relabelled DT_DEBUG) the count comes from DT_GNU_HASH, as for most objects built today.
  const image = Buffer.from(withHash);
  image.writeBigInt64LE(21n, hash.at - 8);
  assert.equal(fromMemory(image).symbols.size, fromMemory(withHash).symbols.size);
  const gnu = dynTag(image, 0x6ffffef5);
  const buckets = Buffer.from(image);
  buckets.writeUInt32LE(0xffffffff, Number(gnu.value)); // nbuckets
  throwsFormat(() => fromMemory(buckets), /pid 1 memory: libc\.so\.6.*DT_GNU_HASH.*out of range/);
  // A bucket naming symbol 2^31: its chain lies far outside the object.
  const farChain = Buffer.from(image);
  const bloom = image.readUInt32LE(Number(gnu.value) + 8);
  farChain.writeUInt32LE(0x7fffffff, Number(gnu.value) + 16 + bloom * 8);
  throwsFormat(() => fromMemory(farChain), /DT_GNU_HASH chain: 4 bytes at 0x[0-9a-f]+ are not in the checkpoint/);
  const strsz = dynTag(image, 10);
  const bigStr = Buffer.from(image);
  bigStr.writeBigUInt64LE(1n << 40n, strsz.at);
  throwsFormat(() => fromMemory(bigStr), /DT_STRSZ/);
  // DT_SYMENT other than Elf64_Sym's 24 bytes (a bigger one would multiply the bytes read per symbol).
  const syment = Buffer.from(image);
  syment.writeBigUInt64LE(256n, dynTag(image, 11).at);
  throwsFormat(() => fromMemory(syment), /DT_SYMENT 256/);
  const symtab = dynTag(image, 6);
  const away = Buffer.from(image);
  away.writeBigUInt64LE(1n << 46n, symtab.at); // DT_SYMTAB pointing far past the object
  throwsFormat(() => fromMemory(away), /not in the checkpoint/);
  const phnum = Buffer.from(image);
  phnum.writeUInt16LE(0xffff, 56);
  throwsFormat(() => fromMemory(phnum), /program header table/);
});
