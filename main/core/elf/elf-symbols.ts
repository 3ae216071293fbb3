/**
 * A small, bounds-checked reader of the symbols of an ELF64 little-endian file (System V gABI "Object
 * Files": file header, program headers, section headers, SHT_DYNSYM / SHT_SYMTAB and the SHT_STRTAB each
 * links by sh_link). .dynsym survives strip (the loader needs it), so a stripped interpreter still names
 * `_PyRuntime` and a stripped libc `clock_nanosleep`; .symtab, when an unstripped binary keeps it, adds the
 * local functions.
 *
 * Every offset, count and size read from the file is checked against the file's size and a limit before it
 * is used, so a crafted binary gives a FormatError naming the file and offset, never a huge allocation.
 * Python stacks (main/core/python) and the address symbolizer (main/core/symbols) both read ELF files here.
 */
import { FormatError } from '../errors';
import { EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, PHDR_SIZE, PT_LOAD, SHDR_SIZE } from '../elfcore/elf';
import { SymbolTable } from './symbol-table';

/** Bytes of an ELF file, wherever they come from (rootfs, rootfs-diff.tar, a ghost image). */
export interface FileBytes {
  /** Where the bytes are, for error messages (`rootfs:/usr/bin/python3.11`). */
  readonly label: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset` (the caller has checked the range against `size`). */
  read(offset: number, length: number): Buffer;
}

/** Section types (gABI): the full and the dynamic symbol tables, string tables. */
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_DYNSYM = 11;
/** Elf64_Sym is 24 bytes (st_name 4, st_info 1, st_other 1, st_shndx 2, st_value 8, st_size 8). */
export const SYM_SIZE = 24;
/** st_shndx: SHN_UNDEF (an imported symbol), SHN_ABS (a constant, not an address in a section). */
const SHN_UNDEF = 0;
const SHN_ABS = 0xfff1;
/** ET_EXEC: fixed addresses; ET_DYN: position independent (PIE or shared object), loaded at a bias. */
export const ET_EXEC = 2;
export const ET_DYN = 3;
/** Limits far above any real binary (CPython's .dynsym holds ~8,700 symbols, libc's ~3,000, a large
 * unstripped C++ program's .symtab a few hundred thousand; 65,535 sections is ELF's own cap). */
const MAX_SECTIONS = 65535;
export const MAX_SYMBOLS = 4_000_000;
export const MAX_PHDRS = 4096;
/** Longest symbol name read (C++ names can be long; CPython's are under 64). */
export const MAX_NAME = 4096;
/** Largest string table read (libc's .dynstr is 16 KiB, a large C++ .strtab tens of MiB). */
export const MAX_STRTAB = 256 << 20;

export interface LoadSegment {
  vaddr: bigint;
  offset: bigint;
  filesz: bigint;
  memsz: bigint;
  flags: number;
}

/** One defined symbol: st_value is a virtual address as the file asks for it (before the load bias). */
export interface ElfSymbol {
  name: string;
  value: bigint;
  size: bigint;
  /** STT_* (gABI): 1 OBJECT, 2 FUNC, 10 GNU_IFUNC, ... */
  type: number;
  /** STB_* (gABI): 0 LOCAL, 1 GLOBAL, 2 WEAK. */
  bind: number;
  from: 'dynsym' | 'symtab';
}
/** The name Python's interpreter finder has always used. */
export type DynamicSymbol = ElfSymbol;

export interface ElfSymbols {
  type: number;
  machine: number;
  loads: LoadSegment[];
  /** Dynamic symbols with a non-zero value, by name (the first definition wins, as the loader's would). */
  symbols: Map<string, ElfSymbol>;
  /** Functions and objects of .dynsym and .symtab by address, for naming an address. */
  table: SymbolTable;
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

/** The ELF identification and header fields both readers need, checked. */
export function parseElfHeader(eh: Buffer, label: string, at = 0): { type: number; machine: number; phoff: bigint; shoff: bigint; phentsize: number; phnum: number; shentsize: number; shnum: number } {
  if (eh.length < EHDR_SIZE || eh.readUInt32BE(0) !== 0x7f454c46) throw new FormatError('not an ELF file (no \\x7fELF magic)', { source: label, offset: at });
  if (eh[4] !== ELFCLASS64 || eh[5] !== ELFDATA2LSB) throw new FormatError(`only ELF64 little-endian is read (class ${eh[4]}, data ${eh[5]})`, { source: label, offset: at + 4 });
  return {
    type: eh.readUInt16LE(16),
    machine: eh.readUInt16LE(18),
    phoff: eh.readBigUInt64LE(32),
    shoff: eh.readBigUInt64LE(40),
    phentsize: eh.readUInt16LE(54),
    phnum: eh.readUInt16LE(56),
    shentsize: eh.readUInt16LE(58),
    shnum: eh.readUInt16LE(60),
  };
}

/** Program headers of one type from a checked table (`ph` holds phnum entries of phentsize bytes). */
export function programHeaders(ph: Buffer, phnum: number, phentsize: number, type: number): LoadSegment[] {
  const out: LoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    if (ph.readUInt32LE(at) !== type) continue;
    out.push({
      flags: ph.readUInt32LE(at + 4),
      offset: ph.readBigUInt64LE(at + 8),
      vaddr: ph.readBigUInt64LE(at + 16),
      filesz: ph.readBigUInt64LE(at + 32),
      memsz: ph.readBigUInt64LE(at + 40),
    });
  }
  return out;
}

/**
 * The defined symbols of a checked symbol table (`count` entries of `entsize` bytes in `syms`, names in
 * `strs`), entry 0 (always the null symbol) skipped. Undefined (imported) and absolute symbols name no
 * address of this file and are left out.
 */
export function parseSymbolEntries(syms: Buffer, count: number, entsize: number, strs: Buffer, from: ElfSymbol['from']): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  for (let k = 1; k < count; k++) {
    const at = k * entsize;
    const nameOff = syms.readUInt32LE(at);
    const info = syms[at + 4];
    const shndx = syms.readUInt16LE(at + 6);
    const value = syms.readBigUInt64LE(at + 8);
    if (shndx === SHN_UNDEF || shndx === SHN_ABS || value === 0n || nameOff >= strs.length) continue;
    const end = strs.indexOf(0, nameOff);
    const stop = end === -1 ? Math.min(strs.length, nameOff + MAX_NAME) : Math.min(end, nameOff + MAX_NAME);
    if (stop === nameOff) continue; // a nameless symbol (section or file symbols) names nothing
    out.push({ name: strs.toString('latin1', nameOff, stop), value, size: syms.readBigUInt64LE(at + 16), type: info & 0xf, bind: info >> 4, from });
  }
  return out;
}

/** Parse the header, the PT_LOAD segments, .dynsym and (when present) .symtab of an ELF64 little-endian file. */
export function readElfSymbols(file: FileBytes): ElfSymbols {
  const h = parseElfHeader(need(file, 0, EHDR_SIZE, 'ELF header'), file.label);
  const phoff = safe(h.phoff, file, 'e_phoff', 32);
  const shoff = safe(h.shoff, file, 'e_shoff', 40);
  const { type, machine, phentsize, phnum, shentsize, shnum } = h;

  let loads: LoadSegment[] = [];
  if (phnum > 0) {
    if (phentsize < PHDR_SIZE || phnum > MAX_PHDRS) throw new FormatError(`bad program header table (${phnum} entries of ${phentsize} bytes)`, { source: file.label, offset: 54 });
    loads = programHeaders(need(file, phoff, phnum * phentsize, 'program headers'), phnum, phentsize, PT_LOAD);
  }

  const symbols = new Map<string, ElfSymbol>();
  const all: ElfSymbol[] = [];
  if (shnum === 0 || shoff === 0) return { type, machine, loads, symbols, table: new SymbolTable(all) };
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
  const seen = new Set<number>();
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== SHT_DYNSYM && s.type !== SHT_SYMTAB) continue;
    if (seen.has(s.type)) continue; // one table of each kind, as the gABI allows
    seen.add(s.type);
    const what = s.type === SHT_DYNSYM ? '.dynsym' : '.symtab';
    if (s.link >= shnum) throw new FormatError(`${what} links to section ${s.link} of ${shnum}`, { source: file.label, offset: shoff + i * shentsize + 40 });
    const strtab = section(s.link);
    if (strtab.type !== SHT_STRTAB) throw new FormatError(`${what}'s string table (section ${s.link}) is not SHT_STRTAB`, { source: file.label, offset: shoff + s.link * shentsize + 4 });
    const entsize = s.entsize || SYM_SIZE;
    if (entsize < SYM_SIZE) throw new FormatError(`${what} entries of ${entsize} bytes (expected ${SYM_SIZE})`, { source: file.label, offset: shoff + i * shentsize + 56 });
    const count = Math.floor(s.size / entsize);
    if (count > MAX_SYMBOLS) throw new FormatError(`${what} claims ${count} symbols (limit ${MAX_SYMBOLS})`, { source: file.label, offset: s.offset });
    if (strtab.size > MAX_STRTAB) throw new FormatError(`${what}'s string table claims ${strtab.size} bytes (limit ${MAX_STRTAB})`, { source: file.label, offset: strtab.offset });
    const syms = need(file, s.offset, count * entsize, what);
    const strs = need(file, strtab.offset, strtab.size, `${what}'s string table`);
    const parsed = parseSymbolEntries(syms, count, entsize, strs, s.type === SHT_DYNSYM ? 'dynsym' : 'symtab');
    if (s.type === SHT_DYNSYM) for (const sym of parsed) if (!symbols.has(sym.name)) symbols.set(sym.name, sym);
    for (const sym of parsed) all.push(sym); // not push(...parsed): millions of arguments overflow the stack
    if (seen.size === 2) break;
  }
  return { type, machine, loads, symbols, table: new SymbolTable(all) };
}
