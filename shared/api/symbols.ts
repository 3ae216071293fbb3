/**
 * What an address of a process is (main/core/symbols): the mapping holding it and the ELF symbol it falls
 * in. The Threads panel shows it beside each general register; `kensa sym --json` prints the same shape.
 * Part of the API contract (./contract.ts re-exports it; its header gives the rules every type follows).
 */
import type { Hex64 } from './common';

export interface SymbolizedAddress {
  address: Hex64;
  /** False when no mapping holds the address (then neither vma, module nor symbol is present). */
  mapped: boolean;
  vma?: { start: Hex64; end: Hex64; perms: string; kind: string; name: string; path?: string; fileOffset?: Hex64 };
  /** The mapping and offset: `libc.so.6+0xcf545` (file offset), `[stack:7]+0x7fee10` (offset in the mapping), or `not mapped`. */
  location: string;
  /** The ELF object's short name when the address is in one (`libc.so.6`, `[vdso]`). */
  module?: string;
  symbol?: {
    name: string;
    offset: Hex64;
    /** st_size in bytes (0: the object does not say). */
    size: number;
    /** Other names of the same address (`__clock_nanosleep`). */
    aliases: string[];
    table: 'dynsym' | 'symtab';
    /** Where the object was read: `rootfs`, `rootfs-diff`, `ghost-file` or `memory`. */
    source: string;
  };
  /** Why there is no symbol: not mapped, not an ELF object, the file is not at hand, a malformed object. */
  noSymbol?: string;
  /** One line: `libc.so.6!clock_nanosleep+0x65`, else the location. */
  text: string;
}
