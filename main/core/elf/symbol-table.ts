/**
 * Naming an address of an ELF file: its functions and objects sorted by address, the nearest preceding
 * symbol whose st_size covers the address (System V gABI: st_size is the object's size, 0 when unknown),
 * and the arithmetic between the file's addresses and a process's (the load bias of a position-independent
 * file, a file offset through its PT_LOAD segments).
 */
import type { Vma } from '../memory/vma';
import type { ElfSymbol, ElfSymbols, LoadSegment } from './elf-symbols';

/** STT_* (gABI; STT_GNU_IFUNC from the GNU ABI): the symbol types that name code or data. */
const STT_OBJECT = 1;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
/** STB_* (gABI). */
const STB_GLOBAL = 1;
const STB_WEAK = 2;
/** How far back a lookup walks for an enclosing symbol when the nearest one ends before the address. */
const MAX_WALK_BACK = 64;

export interface SymbolHit {
  symbol: ElfSymbol;
  /** Bytes from the symbol's start to the address. */
  offset: bigint;
  /** Other names at the same address (glibc's `clock_nanosleep`, `__clock_nanosleep`), best first. */
  aliases: string[];
  /** False when st_size is 0: the address follows the symbol, but nothing says the symbol reaches it. */
  sized: boolean;
}

/**
 * Rank among names of one address: the public name first (fewest leading underscores: `accept` before
 * `__libc_accept`, `select` before `__select`, as gdb shows them), then functions, global before weak
 * before local, .dynsym (the exported name) before .symtab, the shorter name.
 */
function rank(s: ElfSymbol): number[] {
  const bind = s.bind === STB_GLOBAL ? 0 : s.bind === STB_WEAK ? 1 : 2;
  const underscores = /^_*/.exec(s.name)![0].length;
  return [underscores, s.type === STT_FUNC || s.type === STT_GNU_IFUNC ? 0 : 1, bind, s.from === 'dynsym' ? 0 : 1, s.name.length];
}

function better(a: ElfSymbol, b: ElfSymbol): number {
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export class SymbolTable {
  /** Functions and objects, by address then preference. */
  private readonly sorted: ElfSymbol[];

  constructor(symbols: readonly ElfSymbol[]) {
    this.sorted = symbols
      .filter((s) => s.type === STT_FUNC || s.type === STT_OBJECT || s.type === STT_GNU_IFUNC)
      .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : better(a, b)));
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Index of the last symbol at or below `vaddr`, or -1. */
  private floor(vaddr: bigint): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid].value <= vaddr) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The names at one address, best first, starting from any index holding it. */
  private group(i: number): { first: number; names: ElfSymbol[] } {
    const v = this.sorted[i].value;
    let first = i;
    while (first > 0 && this.sorted[first - 1].value === v) first--;
    const names: ElfSymbol[] = [];
    for (let k = first; k < this.sorted.length && this.sorted[k].value === v; k++) if (!names.some((s) => s.name === this.sorted[k].name)) names.push(this.sorted[k]);
    return { first, names };
  }

  /**
   * The symbol holding `vaddr` (a file address): the nearest preceding one whose size covers it, else an
   * enclosing one a little further back, else the nearest preceding symbol of unknown size (size 0).
   * Undefined when the address lies before every symbol or past the end of the symbols around it.
   */
  lookup(vaddr: bigint): SymbolHit | undefined {
    const i = this.floor(vaddr);
    if (i < 0) return undefined;
    const hit = (group: ElfSymbol[], chosen: ElfSymbol, sized: boolean): SymbolHit => ({
      symbol: chosen,
      offset: vaddr - chosen.value,
      aliases: group.filter((s) => s !== chosen).map((s) => s.name),
      sized,
    });
    let k = i;
    for (let steps = 0; k >= 0 && steps < MAX_WALK_BACK; steps++) {
      const { first, names } = this.group(k);
      const covering = names.find((s) => s.size > 0n && vaddr < s.value + s.size);
      if (covering) return hit(names, covering, true);
      k = first - 1;
    }
    const nearest = this.group(i).names;
    const unsized = nearest.find((s) => s.size === 0n);
    return unsized ? hit(nearest, unsized, false) : undefined;
  }
}

/** Load bias: where the file's first mapping sits minus the address its PT_LOAD for that offset asked for (0 for ET_EXEC). */
export function loadBias(elf: Pick<ElfSymbols, 'type' | 'loads'>, vmas: readonly Pick<Vma, 'start' | 'pgoff'>[]): bigint {
  if (elf.type !== 3 /* ET_DYN */) return 0n;
  const first = vmas.reduce((a, b) => (b.start < a.start ? b : a));
  const pageMask = ~0xfffn;
  const seg = elf.loads.find((l) => (l.offset & pageMask) === first.pgoff) ?? elf.loads[0];
  return seg ? first.start - first.pgoff - ((seg.vaddr & pageMask) - (seg.offset & pageMask)) : first.start - first.pgoff;
}

/** File offset of `length` bytes at a file virtual address (through the PT_LOAD segments), or undefined. */
export function fileOffsetOf(loads: readonly LoadSegment[], vaddr: bigint, length: number): number | undefined {
  for (const l of loads) {
    if (vaddr >= l.vaddr && vaddr + BigInt(length) <= l.vaddr + l.filesz) return Number(l.offset + (vaddr - l.vaddr));
  }
  return undefined;
}
