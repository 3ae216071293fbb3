/**
 * ELF64 core file structures (System V gABI; Linux <uapi/linux/elf.h>, binfmt_elf.c), little-endian.
 * Only what a core needs: the file header, program headers, notes, and the one section header that carries
 * the real program header count when there are more than 65534 (PN_XNUM).
 */

export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const EV_CURRENT = 1;
export const ELFOSABI_NONE = 0;
export const ET_CORE = 4;

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

/** e_phnum value meaning "the count is in section header 0's sh_info" (gABI, Linux elf_core_dump). */
export const PN_XNUM = 0xffff;

export const EHDR_SIZE = 64;
export const PHDR_SIZE = 56;
export const SHDR_SIZE = 64;

/** Note types (<uapi/linux/elf.h>). */
export const NT = {
  PRSTATUS: 1,
  FPREGSET: 2,
  PRPSINFO: 3,
  AUXV: 6,
  SIGINFO: 0x53494749,
  FILE: 0x46494c45,
  X86_XSTATE: 0x202,
  X86_XSAVE_LAYOUT: 0x205,
  ARM_TLS: 0x401,
} as const;

/** Note owners: "CORE" for the classic notes, "LINUX" for the regsets Linux added. */
export const OWNER_CORE = 'CORE';
export const OWNER_LINUX = 'LINUX';

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
  align: bigint;
}

export function encodeElfHeader(opts: { machine: number; phnum: number; shoff: bigint; shnum: number }): Buffer {
  const b = Buffer.alloc(EHDR_SIZE);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = ELFCLASS64;
  b[5] = ELFDATA2LSB;
  b[6] = EV_CURRENT;
  b[7] = ELFOSABI_NONE;
  b.writeUInt16LE(ET_CORE, 16);
  b.writeUInt16LE(opts.machine, 18);
  b.writeUInt32LE(EV_CURRENT, 20);
  b.writeBigUInt64LE(0n, 24); // e_entry
  b.writeBigUInt64LE(BigInt(EHDR_SIZE), 32); // e_phoff: program headers follow the file header
  b.writeBigUInt64LE(opts.shoff, 40);
  b.writeUInt32LE(0, 48); // e_flags
  b.writeUInt16LE(EHDR_SIZE, 52);
  b.writeUInt16LE(PHDR_SIZE, 54);
  b.writeUInt16LE(opts.phnum >= PN_XNUM ? PN_XNUM : opts.phnum, 56);
  b.writeUInt16LE(opts.shnum ? SHDR_SIZE : 0, 58);
  b.writeUInt16LE(opts.shnum, 60);
  b.writeUInt16LE(0, 62); // e_shstrndx: SHN_UNDEF
  return b;
}

export function encodeProgramHeader(ph: ProgramHeader, target: Buffer, at: number): void {
  target.writeUInt32LE(ph.type, at);
  target.writeUInt32LE(ph.flags, at + 4);
  target.writeBigUInt64LE(ph.offset, at + 8);
  target.writeBigUInt64LE(ph.vaddr, at + 16);
  target.writeBigUInt64LE(0n, at + 24); // p_paddr
  target.writeBigUInt64LE(ph.filesz, at + 32);
  target.writeBigUInt64LE(ph.memsz, at + 40);
  target.writeBigUInt64LE(ph.align, at + 48);
}

/** Section header 0 as Linux writes it for PN_XNUM cores: sh_info holds the real e_phnum (fill_extnum_info). */
export function encodeExtnumSectionHeader(phnum: number): Buffer {
  const b = Buffer.alloc(SHDR_SIZE); // sh_name 0, sh_type SHT_NULL, sh_link SHN_UNDEF
  b.writeBigUInt64LE(1n, 32); // sh_size = e_shnum (1)
  b.writeUInt32LE(phnum, 44); // sh_info = the real number of program headers
  return b;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** Bytes a note takes in the file: header, name and descriptor, each padded to 4 (ELF64 notes use 4 on Linux). */
export function noteSize(owner: string, descsz: number): number {
  return 12 + align4(owner.length + 1) + align4(descsz);
}

/** Write one note at `at`: n_namesz counts the NUL, n_descsz is exact, padding is zero. */
export function encodeNote(owner: string, type: number, desc: Buffer, target: Buffer, at: number): number {
  const namesz = owner.length + 1;
  target.writeUInt32LE(namesz, at);
  target.writeUInt32LE(desc.length, at + 4);
  target.writeUInt32LE(type >>> 0, at + 8);
  target.fill(0, at + 12, at + noteSize(owner, desc.length));
  target.write(owner, at + 12, 'latin1');
  desc.copy(target, at + 12 + align4(namesz));
  return at + noteSize(owner, desc.length);
}
