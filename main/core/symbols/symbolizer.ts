/**
 * Naming an address of a checkpointed process, as gdb's `info symbol` does: the mapping that holds it
 * (file-backed: the file and the file offset, `libc.so.6+0x8a3c0`; else `[heap]`, `[stack]`, `[vdso]`,
 * anonymous memory) and, when the mapping is an ELF object, the nearest preceding function or object with
 * the offset into it (`clock_nanosleep+0x3a`); the .bss past an object's file end (anonymous memory right
 * after its mapping) belongs to that object.
 *
 * Symbols come from the ELF file itself (.dynsym and .symtab: main/core/elf/elf-symbols.ts) read from a ghost
 * image, rootfs-diff.tar or --rootfs, else from the object's dynamic symbols in the process's memory
 * (main/core/elf/elf-memory.ts: the vDSO, or an object whose file is not at hand but whose pages are). Each
 * object is read once per checkpoint. A malformed object or one that cannot be read never fails a lookup:
 * the answer then says `no symbol` and why.
 */
import * as path from 'node:path';
import type { Checkpoint } from '../model/checkpoint';
import type { AddressSpace } from '../memory/address-space';
import type { Vma, VmaKind } from '../memory/vma';
import { KensaError } from '../errors';
import { isContentOrigin } from '#shared/byte-origins';
import { hex } from '#shared/format';
import { readElfSymbols, type ElfSymbols } from '../elf/elf-symbols';
import { readElfSymbolsFromMemory } from '../elf/elf-memory';
import { loadBias } from '../elf/symbol-table';
import { openMappedFile } from '../elf/mapped-file';
import type { SymbolizedAddress } from '#shared/api/symbols';

export interface AddressSymbol {
  name: string;
  /** Bytes from the symbol's start. */
  offset: bigint;
  /** st_size (0: unknown). */
  size: bigint;
  /** Other names of the same address. */
  aliases: string[];
  /** The table it came from. */
  table: 'dynsym' | 'symtab';
  /** Where the ELF object was read: `rootfs`, `rootfs-diff`, `ghost-file`, or `memory`. */
  source: string;
}

export interface AddressInfo {
  address: bigint;
  /** The mapping holding the address; absent when nothing is mapped there. */
  vma?: { start: bigint; end: bigint; perms: string; kind: VmaKind; name: string; path?: string; fileOffset?: bigint };
  /** The mapping and offset: `libc.so.6+0x8a3c0` (file offset), `[stack]+0x1f38` (offset in the mapping). */
  location: string;
  /** The ELF object's short name when the address is in one (`libc.so.6`, `[vdso]`). */
  module?: string;
  symbol?: AddressSymbol;
  /** Why there is no symbol (not mapped, not an ELF object, the file is not at hand, malformed...). */
  noSymbol?: string;
  /** One line: `libc.so.6!clock_nanosleep+0x3a`, else the location, else `not mapped`. */
  text: string;
}

/** One ELF object of a process: its symbols and load bias, or why it has none. */
interface ObjectSymbols {
  elf?: ElfSymbols;
  bias: bigint;
  source: string;
  error?: string;
}

/** Per checkpoint: objects read, by file (shared between processes) or by process and base (memory). */
const cache = new WeakMap<Checkpoint, Map<string, ObjectSymbols>>();

/**
 * Registers whose value is never an address, by CRIU's field name (user_regs_entry) and as shown (gdb's
 * names): the flags, the syscall number (orig_ax), segment selectors, the compat-mode marker, aarch64's pstate.
 */
const NOT_ADDRESSES = new Set(['flags', 'eflags', 'orig_ax', 'orig_rax', 'orig_eax', 'cs', 'ss', 'ds', 'es', 'fs', 'gs', 'mode', 'pstate']);

/** Whether a general register's value may be an address worth naming. */
export function mayHoldAddress(register: string): boolean {
  return !NOT_ADDRESSES.has(register);
}

function reason(e: unknown): string {
  if (e instanceof KensaError) return e.describe();
  throw e; // not bad input: a bug, which must not be hidden as "no symbol"
}

export class ProcessSymbolizer {
  private readonly vmas: Vma[];
  private readonly space?: AddressSpace;
  private readonly objects: Map<string, ObjectSymbols>;
  private readonly threadStacks = new Map<bigint, string>();

  constructor(
    private readonly cp: Checkpoint,
    readonly pid: number,
  ) {
    this.vmas = [...cp.vmas(pid)].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    this.space = cp.addressSpace(pid);
    // A thread's stack is anonymous memory its stack pointer is in (pthread mmaps it); named as Linux before
    // 4.5 named it in /proc/PID/maps: `[stack:TID]`.
    for (const t of cp.threads(pid)) {
      const sp = t.regs.sp;
      const v = sp === undefined ? undefined : this.vmaAt(sp);
      if (v && !v.file && v.kind !== 'stack' && !this.threadStacks.has(v.start)) this.threadStacks.set(v.start, `[stack:${t.tid}]`);
    }
    let objects = cache.get(cp);
    if (!objects) cache.set(cp, (objects = new Map()));
    this.objects = objects;
  }

  private vmaAt(address: bigint): Vma | undefined {
    let lo = 0;
    let hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.vmas[mid].end <= address) lo = mid + 1;
      else hi = mid;
    }
    const v = this.vmas[lo];
    return v && v.start <= address && address < v.end ? v : undefined;
  }

  symbolize(address: bigint): AddressInfo {
    const vma = this.vmaAt(address);
    if (!vma) return { address, location: 'not mapped', noSymbol: 'not mapped', text: 'not mapped' };
    const info: AddressInfo = { address, vma: { start: vma.start, end: vma.end, perms: vma.perms, kind: vma.kind, name: vma.name }, location: '', text: '' };
    let object: ObjectSymbols | undefined;
    if (vma.file) {
      const fileOffset = address - vma.start + vma.pgoff;
      info.vma!.path = vma.file.path;
      info.vma!.fileOffset = fileOffset;
      info.module = path.posix.basename(vma.file.path);
      info.location = `${info.module}+${hex(fileOffset)}`;
      object = this.fileObject(vma);
    } else {
      const label = this.threadStacks.get(vma.start) ?? (vma.name || vma.kind);
      info.location = `${label}+${hex(address - vma.start)}`;
      if (vma.kind === 'vdso') {
        info.module = label;
        object = this.memoryObject(vma.start, [vma], label);
      } else if (vma.kind === 'anon-private') {
        // The zero-filled tail of a writable PT_LOAD (.bss past the file's end) is anonymous memory right
        // after the object's last file mapping: its objects (`counters`) are named as gdb names them.
        const bss = this.bssOwner(vma, address);
        if (bss) {
          info.module = path.posix.basename(bss.path);
          object = bss.object;
        }
      }
    }
    if (!object) {
      info.noSymbol = vma.file ? 'not an ELF object' : `${info.location.replace(/\+0x[0-9a-f]+$/, '')} holds no symbols`;
    } else if (object.error !== undefined) {
      info.noSymbol = object.error;
    } else {
      const hit = object.elf!.table.lookup(address - object.bias);
      if (hit) {
        info.symbol = { name: hit.symbol.name, offset: hit.offset, size: hit.symbol.size, aliases: hit.aliases, table: hit.symbol.from, source: object.source };
      } else {
        info.noSymbol = object.elf!.table.size ? `no symbol of ${info.module} covers ${hex(address)}` : `${info.module} has no symbol table (${object.source})`;
      }
    }
    const sym = info.symbol ? `${info.symbol.name}${info.symbol.offset ? '+' + hex(info.symbol.offset) : ''}` : undefined;
    info.text = sym ? `${info.module}!${sym}` : info.location;
    return info;
  }

  /** The ELF object whose PT_LOAD reaches `address` in anonymous `vma`, when `vma` directly follows one of its file mappings. */
  private bssOwner(vma: Vma, address: bigint): { path: string; object: ObjectSymbols } | undefined {
    const i = this.vmas.indexOf(vma);
    const before = i > 0 ? this.vmas[i - 1] : undefined;
    if (!before?.file || before.end !== vma.start) return undefined;
    const object = this.fileObject(before);
    if (!object?.elf) return undefined;
    const vaddr = address - object.bias;
    return object.elf.loads.some((l) => l.memsz > l.filesz && vaddr >= l.vaddr && vaddr < l.vaddr + l.memsz) ? { path: before.file.path, object } : undefined;
  }

  /** The mappings of the file holding `vma`, and the one mapping its start (the ELF header, file offset 0). */
  private fileMappings(vma: Vma): { all: Vma[]; header?: Vma } {
    const all = this.vmas.filter((v) => v.file && v.file.fileId === vma.file!.fileId);
    return { all, header: all.find((v) => v.pgoff === 0n) };
  }

  /** This process's objects by file id, with its load bias (the files themselves are cached per checkpoint). */
  private readonly byFileId = new Map<number, ObjectSymbols | undefined>();

  private fileObject(vma: Vma): ObjectSymbols | undefined {
    const id = vma.file!.fileId;
    if (!this.byFileId.has(id)) this.byFileId.set(id, this.readFileObject(vma));
    return this.byFileId.get(id);
  }

  private readFileObject(vma: Vma): ObjectSymbols | undefined {
    const file = vma.file!;
    const { all, header } = this.fileMappings(vma);
    // The load bias depends on where this process mapped the file; the symbols only on the file.
    const key = `file:${file.deleted ? `ghost:${file.fileId}` : file.path}`;
    let found = this.objects.get(key);
    if (!found) {
      const opened = openMappedFile(this.cp, file);
      if (opened) {
        try {
          found = { elf: readElfSymbols(opened.bytes), bias: 0n, source: opened.origin };
        } catch (e) {
          found = { bias: 0n, source: opened.origin, error: reason(e) };
        }
      } else {
        found = { bias: 0n, source: 'none', error: `${file.path} is neither in the checkpoint nor in the image rootfs (give --rootfs)` };
      }
      this.objects.set(key, found);
    }
    if (found.elf) return { ...found, bias: loadBias(found.elf, all) };
    // No file, or not one we read: the dynamic symbols may still be in memory, where the ELF header is mapped.
    if (header && this.space) {
      const fromMemory = this.memoryObject(header.start, all, file.path);
      if (fromMemory && !fromMemory.error) return fromMemory;
      if (found.source === 'none' && fromMemory?.error) {
        // Unmodified file pages are not dumped by CRIU: without the file its tables are usually absent from memory too.
        const absent = / are not in the checkpoint$/.test(fromMemory.error);
        return { ...found, error: absent ? `${file.path} is neither in the checkpoint nor in the image rootfs, and its symbol tables are not in the checkpoint's memory (give --rootfs)` : `${found.error}; in memory: ${fromMemory.error}` };
      }
    }
    if (found.error?.includes('not an ELF file')) return undefined;
    return found;
  }

  private memoryObject(base: bigint, mappings: Vma[], label: string): ObjectSymbols | undefined {
    const space = this.space;
    if (!space) return undefined;
    const key = `mem:${this.pid}:${hex(base)}`;
    let found = this.objects.get(key);
    if (!found) {
      const inObject = (a: bigint): boolean => mappings.some((v) => v.start <= a && a < v.end);
      const read = (address: bigint, length: number): Buffer | undefined => {
        if (length < 0 || length > 256 << 20 || address < 0n || address + BigInt(length) > 1n << 64n) return undefined;
        const { data, extents } = space.read(address, length);
        return extents.every((e) => isContentOrigin(e.origin)) ? data : undefined;
      };
      try {
        const elf = readElfSymbolsFromMemory({ label: `pid ${this.pid} memory: ${label}`, read, inObject }, base, mappings);
        found = { elf, bias: loadBias(elf, mappings), source: 'memory' };
      } catch (e) {
        found = { bias: 0n, source: 'memory', error: reason(e) };
      }
      this.objects.set(key, found);
    }
    return found;
  }
}

/** The contract's JSON-safe shape of an AddressInfo (`kensa sym --json`, the Threads panel). */
export function symbolizedAddress(info: AddressInfo): SymbolizedAddress {
  const out: SymbolizedAddress = { address: hex(info.address), mapped: info.vma !== undefined, location: info.location, text: info.text };
  if (info.vma) {
    const v = info.vma;
    out.vma = { start: hex(v.start), end: hex(v.end), perms: v.perms, kind: v.kind, name: v.name };
    if (v.path !== undefined) out.vma.path = v.path;
    if (v.fileOffset !== undefined) out.vma.fileOffset = hex(v.fileOffset);
  }
  if (info.module !== undefined) out.module = info.module;
  if (info.symbol) {
    const s = info.symbol;
    out.symbol = { name: s.name, offset: hex(s.offset), size: s.size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(s.size), aliases: s.aliases, table: s.table, source: s.source };
  }
  if (info.noSymbol !== undefined) out.noSymbol = info.noSymbol;
  return out;
}
