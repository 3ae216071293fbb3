/**
 * A small, independent ELF64 core reader for the tests (written from the gABI, not from the writer's code):
 * file header, program headers (with PN_XNUM), notes, and the bytes at an address.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export interface Phdr {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  memsz: bigint;
  align: bigint;
}

export interface Note {
  owner: string;
  type: number;
  desc: Buffer;
  /** File offset of the note header. */
  offset: number;
}

export interface ElfCore {
  data: Buffer;
  elfClass: number;
  machine: number;
  type: number;
  phnum: number;
  phdrs: Phdr[];
  loads: Phdr[];
  notes: Note[];
  shoff: number;
  shnum: number;
}

export function readCore(data: Buffer): ElfCore {
  if (data.toString('latin1', 0, 4) !== '\x7fELF') throw new Error('not an ELF file');
  const elfClass = data[4];
  if (elfClass !== 2 || data[5] !== 1) throw new Error('not ELF64 little-endian');
  const type = data.readUInt16LE(16);
  const machine = data.readUInt16LE(18);
  const phoff = Number(data.readBigUInt64LE(32));
  const shoff = Number(data.readBigUInt64LE(40));
  const phentsize = data.readUInt16LE(54);
  let phnum = data.readUInt16LE(56);
  const shnum = data.readUInt16LE(60);
  if (phnum === 0xffff) {
    if (!shoff) throw new Error('PN_XNUM without a section header');
    phnum = data.readUInt32LE(shoff + 44); // sh_info of section 0
  }
  const phdrs: Phdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    phdrs.push({
      type: data.readUInt32LE(at),
      flags: data.readUInt32LE(at + 4),
      offset: Number(data.readBigUInt64LE(at + 8)),
      vaddr: data.readBigUInt64LE(at + 16),
      filesz: Number(data.readBigUInt64LE(at + 32)),
      memsz: data.readBigUInt64LE(at + 40),
      align: data.readBigUInt64LE(at + 48),
    });
  }
  const notes: Note[] = [];
  for (const ph of phdrs.filter((p) => p.type === 4)) {
    let at = ph.offset;
    const end = ph.offset + ph.filesz;
    while (at + 12 <= end) {
      const namesz = data.readUInt32LE(at);
      const descsz = data.readUInt32LE(at + 4);
      const ntype = data.readUInt32LE(at + 8);
      const nameAt = at + 12;
      const descAt = nameAt + ((namesz + 3) & ~3);
      notes.push({ owner: data.toString('latin1', nameAt, nameAt + Math.max(0, namesz - 1)), type: ntype, desc: data.subarray(descAt, descAt + descsz), offset: at });
      at = descAt + ((descsz + 3) & ~3);
    }
  }
  return { data, elfClass, machine, type, phnum, phdrs, loads: phdrs.filter((p) => p.type === 1), notes, shoff, shnum };
}

/** The file bytes at [addr, addr+len) if one PT_LOAD holds them all in the file. */
export function bytesAt(core: ElfCore, addr: bigint, len: number): Buffer | undefined {
  for (const p of core.loads) {
    if (addr >= p.vaddr && addr + BigInt(len) <= p.vaddr + BigInt(p.filesz)) {
      const off = p.offset + Number(addr - p.vaddr);
      return core.data.subarray(off, off + len);
    }
  }
  return undefined;
}

/** A zstd-compressed file (the gcore references), via the zstd command line tool. */
export function readZstd(file: string): Buffer {
  const r = spawnSync('zstd', ['-dc', file], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`zstd -dc ${file} failed: ${r.stderr?.toString()}`);
  return r.stdout;
}

export function readCoreFile(file: string): ElfCore {
  return readCore(fs.readFileSync(file));
}

export interface NtFileEntry {
  start: bigint;
  end: bigint;
  offsetBytes: bigint;
  name: string;
}

/** NT_FILE entries with file offsets in bytes (gdb's gcore writes page_size 1, the kernel the page size). */
export function parseNtFile(desc: Buffer): NtFileEntry[] {
  const count = Number(desc.readBigUInt64LE(0));
  const pageSize = desc.readBigUInt64LE(8);
  const names = desc.subarray(16 + count * 24).toString('utf8').split('\0');
  const out: NtFileEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = 16 + i * 24;
    out.push({ start: desc.readBigUInt64LE(at), end: desc.readBigUInt64LE(at + 8), offsetBytes: desc.readBigUInt64LE(at + 16) * pageSize, name: names[i] });
  }
  return out;
}
