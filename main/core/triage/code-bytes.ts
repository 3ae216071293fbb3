/**
 * The first bytes of an executable mapping, and what they look like: an ELF header (a whole program or
 * library placed in memory), machine code, or nothing (zeros / not in the checkpoint).
 */
import type { AddressSpace } from '../memory/address-space';
import { isContentOrigin } from '#shared/byte-origins';
import type { Vma } from '../memory/vma';
import type { EvidencePointer } from '#shared/api/contract';
import { hex } from './finding';

export interface CodeHead {
  /** The bytes the checkpoint holds at the start of the mapping (up to 64). */
  bytes: Buffer;
  known: boolean;
  elf: boolean;
  looksLikeCode: boolean;
  allZero: boolean;
  /** `7f 45 4c 46 02 01 ...`, the first 16 bytes. */
  preview: string;
  /** Where the first byte is in the archive. */
  member?: string;
  memberOffset?: number;
  origin?: string;
}

/** ELF magic (e_ident[EI_MAG0..3], elf(5)). */
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/**
 * Opening bytes of x86-64 functions and shellcode as compilers and payload kits emit them: endbr64,
 * push rbp / mov rbp,rsp, push r12-r15, sub rsp, xor eax,eax / xor rdi,rdi, mov r64, jmp/call rel32, a NOP sled;
 * AArch64: stp x29,x30,[sp,#-N]! (0xa9bf7bfd family), paciasp (0xd503233f), bti c (0xd503245f).
 */
function codeLike(b: Buffer): boolean {
  if (b.length < 4) return false;
  const x86 = [[0xf3, 0x0f, 0x1e, 0xfa], [0x55, 0x48, 0x89, 0xe5], [0x41, 0x57], [0x41, 0x56], [0x41, 0x55], [0x41, 0x54], [0x48, 0x83, 0xec], [0x48, 0x81, 0xec], [0x31, 0xc0], [0x48, 0x31], [0x48, 0x89], [0x48, 0x8b], [0x48, 0xb8], [0xe9], [0xe8], [0xeb], [0xfc, 0x48, 0x83, 0xe4], [0x6a], [0x90, 0x90, 0x90, 0x90]];
  if (x86.some((p) => p.every((v, i) => b[i] === v))) return true;
  const w = b.readUInt32LE(0);
  return (w & 0xffc003ff) === 0xa98003fd || w === 0xd503233f || w === 0xd503245f;
}

export function codeHead(space: AddressSpace, vma: Vma, n = 64): CodeHead {
  const len = Number(vma.end - vma.start < BigInt(n) ? vma.end - vma.start : BigInt(n));
  const { data, extents } = space.read(vma.start, len);
  const first = extents[0];
  const known = first !== undefined && isContentOrigin(first.origin);
  const head: CodeHead = {
    bytes: data,
    known,
    elf: known && data.subarray(0, 4).equals(ELF_MAGIC),
    looksLikeCode: known && codeLike(data),
    allZero: !data.some((x) => x !== 0),
    preview: [...data.subarray(0, 16)].map((x) => x.toString(16).padStart(2, '0')).join(' '),
  };
  if (first) {
    head.origin = first.origin;
    if (first.member !== undefined) head.member = first.member;
    if (first.src && first.srcOffset !== undefined) head.memberOffset = first.srcOffset;
  }
  return head;
}

/** The evidence pointer for the head of a mapping: address, length, where it is in the archive, a preview. */
export function headPointer(pid: number, vma: Vma, head: CodeHead): EvidencePointer {
  const p: EvidencePointer = { kind: 'memory', pid, address: hex(vma.start), length: head.bytes.length, preview: head.preview, label: `pid ${pid} ${hex(vma.start)}: ${head.known ? head.preview : 'not in the checkpoint'}` };
  if (head.member) p.member = head.member;
  if (head.memberOffset !== undefined) p.member_offset = head.memberOffset;
  if (head.origin) p.origin = head.origin;
  return p;
}

/** Words for the head in a title: what the first bytes are. */
export function describeHead(h: CodeHead): string {
  if (!h.known) return 'content not in the checkpoint';
  if (h.elf) return 'starts with an ELF header';
  if (h.allZero) return 'starts with zeros';
  if (h.looksLikeCode) return 'starts like machine code';
  return 'starts with data, not a function prologue';
}
