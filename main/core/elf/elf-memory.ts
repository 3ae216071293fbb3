/**
 * The dynamic symbols of an ELF object read from a process's memory, without its file: the loader maps the
 * ELF header and program headers (first PT_LOAD), PT_DYNAMIC names the dynamic section, whose DT_SYMTAB,
 * DT_STRTAB/DT_STRSZ and DT_SYMENT give the tables and DT_HASH (nchain) or DT_GNU_HASH (highest index
 * reached by its buckets and chains) the symbol count (System V gABI "Dynamic Section"; the GNU hash layout
 * as glibc's dl-lookup.c reads it). This names the vDSO, whose only copy is in memory, and any object whose
 * file is not at hand but whose pages the checkpoint holds.
 *
 * glibc rewrites most DT_* pointers of a writable dynamic section to run-time addresses (elf/get-dynamic-info.h,
 * ADJUST_DYN_INFO) but not a read-only one (the vDSO's): a pointer is taken as it is when it lies in the
 * object's mappings, else moved by the load bias. Every count and size is checked against a limit and every
 * read against known memory: a crafted object gives a FormatError naming it and the address.
 */
import { FormatError } from '../errors';
import { hex } from '#shared/format';
import { EHDR_SIZE, PHDR_SIZE, PT_LOAD } from '../elfcore/elf';
import { MAX_PHDRS, MAX_STRTAB, MAX_SYMBOLS, SYM_SIZE, parseElfHeader, parseSymbolEntries, programHeaders, type ElfSymbols } from './elf-symbols';
import { SymbolTable, loadBias } from './symbol-table';

/** Known bytes of a process's memory: `length` bytes at `address`, or undefined when any is not in the checkpoint. */
export interface VirtualBytes {
  /** What is read, for error messages (`pid 6 memory: [vdso]`). */
  readonly label: string;
  read(address: bigint, length: number): Buffer | undefined;
  /** Whether `address` lies in one of the object's own mappings. */
  inObject(address: bigint): boolean;
}

/** Program header and dynamic tags (gABI; DT_GNU_HASH from the GNU ABI). */
const PT_DYNAMIC = 2;
const DT_NULL = 0;
const DT_HASH = 4;
const DT_STRTAB = 5;
const DT_SYMTAB = 6;
const DT_STRSZ = 10;
const DT_SYMENT = 11;
const DT_GNU_HASH = 0x6ffffef5;
/** Elf64_Dyn is 16 bytes; a dynamic section has a few dozen entries (libc's: 36). */
const DYN_SIZE = 16;
const MAX_DYN_ENTRIES = 4096;
/** GNU hash buckets: libc has 1,000-odd; a limit far above any real object. */
const MAX_GNU_BUCKETS = 1 << 20;
/** Bloom filter words (ELFCLASS64: 8 bytes each). */
const MAX_BLOOM_WORDS = 1 << 20;
/** Longest GNU hash chain followed (glibc's own chains hold a handful of symbols). */
const MAX_CHAIN = 1 << 16;

/**
 * Dynamic symbols of the object whose ELF header is mapped at `base` (`vmas`: its mappings, for the load
 * bias). Throws a FormatError when the object is malformed or its tables are not in memory.
 */
export function readElfSymbolsFromMemory(mem: VirtualBytes, base: bigint, vmas: readonly { start: bigint; pgoff: bigint }[]): ElfSymbols {
  const at = (address: bigint, length: number, what: string): Buffer => {
    const b = mem.read(address, length);
    if (!b) throw new FormatError(`${what}: ${length} bytes at ${hex(address)} are not in the checkpoint`, { source: mem.label, offset: address });
    return b;
  };
  const h = parseElfHeader(at(base, EHDR_SIZE, 'ELF header'), mem.label);
  if (h.phentsize < PHDR_SIZE || h.phnum === 0 || h.phnum > MAX_PHDRS || h.phoff > 1n << 32n) {
    throw new FormatError(`bad program header table (${h.phnum} entries of ${h.phentsize} bytes at ${hex(h.phoff)})`, { source: mem.label, offset: base + 32n });
  }
  const ph = at(base + h.phoff, h.phnum * h.phentsize, 'program headers');
  const loads = programHeaders(ph, h.phnum, h.phentsize, PT_LOAD);
  const dynamic = programHeaders(ph, h.phnum, h.phentsize, PT_DYNAMIC)[0];
  const empty = (): ElfSymbols => ({ type: h.type, machine: h.machine, loads, symbols: new Map(), table: new SymbolTable([]) });
  if (!dynamic) return empty(); // a static executable: no dynamic symbols
  const bias = loadBias({ type: h.type, loads }, vmas);
  const address = (p: bigint): bigint => (mem.inObject(p) ? p : BigInt.asUintN(64, p + bias));

  const dynCount = Math.floor(Number(dynamic.memsz < BigInt(MAX_DYN_ENTRIES * DYN_SIZE) ? dynamic.memsz : BigInt(MAX_DYN_ENTRIES * DYN_SIZE)) / DYN_SIZE);
  const dynAt = BigInt.asUintN(64, dynamic.vaddr + bias);
  const dyn = at(dynAt, dynCount * DYN_SIZE, 'dynamic section');
  const tags = new Map<number, bigint>();
  for (let i = 0; i < dynCount; i++) {
    const tag = dyn.readBigInt64LE(i * DYN_SIZE);
    if (tag === BigInt(DT_NULL)) break;
    const t = Number(tag);
    if (!tags.has(t)) tags.set(t, dyn.readBigUInt64LE(i * DYN_SIZE + 8));
  }
  const symtab = tags.get(DT_SYMTAB);
  const strtab = tags.get(DT_STRTAB);
  if (symtab === undefined || strtab === undefined) return empty();
  const syment = Number(tags.get(DT_SYMENT) ?? BigInt(SYM_SIZE));
  // Elf64_Sym is 24 bytes, never more: a larger DT_SYMENT would only multiply how much is read.
  if (syment !== SYM_SIZE) throw new FormatError(`DT_SYMENT ${syment} (Elf64_Sym is ${SYM_SIZE} bytes)`, { source: mem.label, offset: dynAt });
  const strsz = tags.get(DT_STRSZ) ?? 0n;
  if (strsz === 0n || strsz > BigInt(MAX_STRTAB)) throw new FormatError(`DT_STRSZ ${strsz} is out of range (1..${MAX_STRTAB})`, { source: mem.label, offset: dynAt });

  const count = symbolCount(tags, address, at, mem.label, dynAt);
  if (count > MAX_SYMBOLS) throw new FormatError(`the dynamic symbol table claims ${count} symbols (limit ${MAX_SYMBOLS})`, { source: mem.label, offset: dynAt });
  const syms = at(address(symtab), count * syment, 'dynamic symbol table');
  const strs = at(address(strtab), Number(strsz), 'dynamic string table');
  const parsed = parseSymbolEntries(syms, count, syment, strs, 'dynsym');
  const symbols = new Map<string, (typeof parsed)[number]>();
  for (const s of parsed) if (!symbols.has(s.name)) symbols.set(s.name, s);
  return { type: h.type, machine: h.machine, loads, symbols, table: new SymbolTable(parsed) };
}

/** Number of dynamic symbols: DT_HASH's nchain, else one past the highest index DT_GNU_HASH reaches. */
function symbolCount(tags: Map<number, bigint>, address: (p: bigint) => bigint, at: (a: bigint, n: number, what: string) => Buffer, label: string, dynAt: bigint): number {
  const sysv = tags.get(DT_HASH);
  if (sysv !== undefined) return at(address(sysv) + 4n, 4, 'DT_HASH nchain').readUInt32LE(0);
  const gnu = tags.get(DT_GNU_HASH);
  if (gnu === undefined) throw new FormatError('neither DT_HASH nor DT_GNU_HASH: the symbol count is unknown', { source: label, offset: dynAt });
  const g = address(gnu);
  const head = at(g, 16, 'DT_GNU_HASH header');
  const nbuckets = head.readUInt32LE(0);
  const symoffset = head.readUInt32LE(4);
  const bloomWords = head.readUInt32LE(8);
  if (nbuckets === 0 || nbuckets > MAX_GNU_BUCKETS || bloomWords > MAX_BLOOM_WORDS) {
    throw new FormatError(`DT_GNU_HASH with ${nbuckets} buckets and ${bloomWords} bloom words is out of range`, { source: label, offset: g });
  }
  const bucketsAt = g + 16n + BigInt(bloomWords) * 8n;
  const buckets = at(bucketsAt, nbuckets * 4, 'DT_GNU_HASH buckets');
  let last = 0;
  for (let i = 0; i < nbuckets; i++) last = Math.max(last, buckets.readUInt32LE(i * 4));
  if (last < symoffset) return symoffset; // every bucket empty: only the unhashed symbols
  // Walk the chain of the highest bucket to its end (bit 0 set). Real chains hold a few entries.
  const chainAt = bucketsAt + BigInt(nbuckets) * 4n;
  for (let index = last; index < last + MAX_CHAIN; index++) {
    if (at(chainAt + BigInt(index - symoffset) * 4n, 4, 'DT_GNU_HASH chain').readUInt32LE(0) & 1) return index + 1;
  }
  throw new FormatError(`DT_GNU_HASH chain of bucket ${last} runs past ${MAX_CHAIN} entries`, { source: label, offset: g });
}
