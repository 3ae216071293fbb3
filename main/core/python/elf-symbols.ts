/**
 * A small, bounds-checked reader of the dynamic symbols of an ELF64 little-endian file (System V gABI
 * "Object Files": file header, program headers, section headers, SHT_DYNSYM and its SHT_STRTAB linked by
 * sh_link). Enough to find `_PyRuntime` and `Py_Version` in a stripped interpreter: .dynsym survives strip.
 *
 * Every offset, count and size read from the file is checked against the file's size and a limit before it
 * is used, so a crafted binary gives a FormatError naming the file and offset, never a huge allocation.
 */
import { FormatError } from '../errors';
import { EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, PHDR_SIZE, PT_LOAD, SHDR_SIZE } from '../elfcore/elf';

/** Bytes of an ELF file, wherever they come from (rootfs, rootfs-diff.tar, a ghost image). */
export interface FileBytes {
  /** Where the bytes are, for error messages (`rootfs:/usr/bin/python3.11`). */
  readonly label: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset` (the caller has checked the range against `size`). */
  read(offset: number, length: number): Buffer;
}

/** Section types (gABI): the dynamic symbol table and string tables. */
const SHT_STRTAB = 3;
const SHT_DYNSYM = 11;
/** Elf64_Sym is 24 bytes (st_name 4, st_info 1, st_other 1, st_shndx 2, st_value 8, st_size 8). */
const SYM_SIZE = 24;
/** ET_EXEC: fixed addresses; ET_DYN: position independent (PIE or shared object), loaded at a bias. */
export const ET_EXEC = 2;
export const ET_DYN = 3;
/** Limits far above any real binary (CPython's .dynsym holds ~8,700 symbols; 65,535 sections is ELF's own cap). */
const MAX_SECTIONS = 65535;
const MAX_SYMBOLS = 4_000_000;
const MAX_PHDRS = 4096;
/** Longest symbol name read (C++ names can be long; CPython's are under 64). */
const MAX_NAME = 4096;

export interface LoadSegment {
  vaddr: bigint;
  offset: bigint;
  filesz: bigint;
  memsz: bigint;
  flags: number;
}

export interface DynamicSymbol {
  name: string;
  value: bigint;
  size: bigint;
}

export interface ElfSymbols {
  type: number;
  machine: number;
  loads: LoadSegment[];
  /** Dynamic symbols with a non-zero value, by name (the first definition wins, as the loader's would). */
  symbols: Map<string, DynamicSymbol>;
}

function need(file: FileBytes, offset: number, length: number, what: string): Buffer {
  if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > file.size) {
    throw new FormatError(`${what}: ${length} bytes at ${offset} lie outside the ${file.size}-byte file`, { source: file.label, offset: Math.max(0, offset) });
  }
  return file.read(offset, length);
}

function safe(n: bigint, file: FileBytes, what: string, at: number): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`${what} ${n} is out of range`, { source: file.label, offset: at });
  return Number(n);
}

/** Parse the header, the PT_LOAD segments and the .dynsym of an ELF64 little-endian file. */
export function readElfSymbols(file: FileBytes): ElfSymbols {
  const eh = need(file, 0, EHDR_SIZE, 'ELF header');
  if (eh.readUInt32BE(0) !== 0x7f454c46) throw new FormatError('not an ELF file (no \\x7fELF magic)', { source: file.label, offset: 0 });
  if (eh[4] !== ELFCLASS64 || eh[5] !== ELFDATA2LSB) throw new FormatError(`only ELF64 little-endian is read (class ${eh[4]}, data ${eh[5]})`, { source: file.label, offset: 4 });
  const type = eh.readUInt16LE(16);
  const machine = eh.readUInt16LE(18);
  const phoff = safe(eh.readBigUInt64LE(32), file, 'e_phoff', 32);
  const shoff = safe(eh.readBigUInt64LE(40), file, 'e_shoff', 40);
  const phentsize = eh.readUInt16LE(54);
  const phnum = eh.readUInt16LE(56);
  const shentsize = eh.readUInt16LE(58);
  const shnum = eh.readUInt16LE(60);

  const loads: LoadSegment[] = [];
  if (phnum > 0) {
    if (phentsize < PHDR_SIZE || phnum > MAX_PHDRS) throw new FormatError(`bad program header table (${phnum} entries of ${phentsize} bytes)`, { source: file.label, offset: 54 });
    const ph = need(file, phoff, phnum * phentsize, 'program headers');
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (ph.readUInt32LE(at) !== PT_LOAD) continue;
      loads.push({
        flags: ph.readUInt32LE(at + 4),
        offset: ph.readBigUInt64LE(at + 8),
        vaddr: ph.readBigUInt64LE(at + 16),
        filesz: ph.readBigUInt64LE(at + 32),
        memsz: ph.readBigUInt64LE(at + 40),
      });
    }
  }

  const symbols = new Map<string, DynamicSymbol>();
  if (shnum === 0 || shoff === 0) return { type, machine, loads, symbols };
  if (shentsize < SHDR_SIZE || shnum > MAX_SECTIONS) throw new FormatError(`bad section header table (${shnum} entries of ${shentsize} bytes)`, { source: file.label, offset: 58 });
  const sh = need(file, shoff, shnum * shentsize, 'section headers');
  const section = (i: number): { type: number; offset: number; size: number; link: number; entsize: number } => {
    const at = i * shentsize;
    return {
      type: sh.readUInt32LE(at + 4),
      offset: safe(sh.readBigUInt64LE(at + 24), file, 'sh_offset', shoff + at + 24),
      size: safe(sh.readBigUInt64LE(at + 32), file, 'sh_size', shoff + at + 32),
      link: sh.readUInt32LE(at + 40),
      entsize: safe(sh.readBigUInt64LE(at + 56), file, 'sh_entsize', shoff + at + 56),
    };
  };
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== SHT_DYNSYM) continue;
    if (s.link >= shnum) throw new FormatError(`.dynsym links to section ${s.link} of ${shnum}`, { source: file.label, offset: shoff + i * shentsize + 40 });
    const strtab = section(s.link);
    if (strtab.type !== SHT_STRTAB) throw new FormatError(`.dynsym's string table (section ${s.link}) is not SHT_STRTAB`, { source: file.label, offset: shoff + s.link * shentsize + 4 });
    const entsize = s.entsize || SYM_SIZE;
    if (entsize < SYM_SIZE) throw new FormatError(`.dynsym entries of ${entsize} bytes (expected ${SYM_SIZE})`, { source: file.label, offset: shoff + i * shentsize + 56 });
    const count = Math.floor(s.size / entsize);
    if (count > MAX_SYMBOLS) throw new FormatError(`.dynsym claims ${count} symbols (limit ${MAX_SYMBOLS})`, { source: file.label, offset: s.offset });
    const syms = need(file, s.offset, count * entsize, '.dynsym');
    const strs = need(file, strtab.offset, strtab.size, '.dynstr');
    for (let k = 1; k < count; k++) {
      const at = k * entsize;
      const nameOff = syms.readUInt32LE(at);
      const shndx = syms.readUInt16LE(at + 6);
      const value = syms.readBigUInt64LE(at + 8);
      if (shndx === 0 || value === 0n || nameOff >= strs.length) continue; // undefined (imported) symbols
      const end = strs.indexOf(0, nameOff);
      const stop = end === -1 ? Math.min(strs.length, nameOff + MAX_NAME) : Math.min(end, nameOff + MAX_NAME);
      const name = strs.toString('latin1', nameOff, stop);
      if (!symbols.has(name)) symbols.set(name, { name, value, size: syms.readBigUInt64LE(at + 16) });
    }
    break;
  }
  return { type, machine, loads, symbols };
}
