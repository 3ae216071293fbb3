/**
 * Crafted archives whose claimed sizes or entity counts are far beyond the bytes they hold (issue 10 §3):
 * a 1 TiB file mapping over a 10-byte file, a 16 GiB and a 64 TiB untouched anonymous reservation, a ghost
 * file claiming 2^52 bytes, and the many-entity cases (150k processes, a 4000-deep chain, 40k orphans,
 * 1M thread ids, 200k VMAs, 300k pagemap runs, 199k tar members). Built from the crio-counter fixture with the
 * project's own codec, at test or benchmark time (several are tens of MiB: they are not committed).
 *
 *   npm run build && node dist/build/make-hostile-scale.js OUTDIR [NAME...]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeImage } from '../main/core/criu';
import { editImage, readBase, replace, tar, tarMember, type Member } from './make-hostile';

const TIB = 1n << 40n;
const GIB = 1n << 30n;
/** An address range no fixture process uses (below the 47-bit user limit). */
const HIGH = 0x7e0000000000n;
/** crio-counter: pid 6 is the counter, whose rootfs-diff.tar holds /home/app/test-file (10 bytes). */
const PID = 6;
const MM = `checkpoint/mm-${PID}.img`;

type Entries = Record<string, unknown>[];

/** A REG files.img entry like the fixture's, for another path. */
function regEntry(entries: Entries, id: number, name: string, size: number): Record<string, unknown> {
  const model = entries.find((e) => e.type !== undefined && (e.reg as Record<string, unknown> | undefined)?.name !== undefined)!;
  const reg: Record<string, unknown> = { ...(model.reg as Record<string, unknown>), id, name, size, pos: 0 };
  delete reg.build_id;
  return { ...model, id, reg };
}

function addVmas(members: Member[], vmas: Record<string, unknown>[]): Member[] {
  return editImage(members, MM, (entries) => {
    const e = entries[0] as { vmas: Record<string, unknown>[] };
    e.vmas = [...e.vmas, ...vmas];
  });
}

/** A private anonymous rw mapping never touched (no page in the images). */
function anonVma(start: bigint, size: bigint): Record<string, unknown> {
  // VMA_AREA_REGULAR | VMA_ANON_PRIVATE (criu-format.md §2.6); MAP_PRIVATE | MAP_ANONYMOUS; PROT_READ | PROT_WRITE.
  return { start, end: start + size, pgoff: 0n, shmid: 0n, prot: 3, flags: 0x22, status: 0x1 | 0x200, fd: -1 };
}

function pstree(members: Member[], entries: Entries): Member[] {
  return replace(members, 'checkpoint/pstree.img', encodeImage({ magicName: 'PSTREE', entries }));
}

/** The fixture's three processes, then `extra` more built by `make(i)`. */
function manyProcesses(members: Member[], extra: number, make: (i: number) => Record<string, unknown>): Member[] {
  const base: Entries = [
    { pid: 1, ppid: 0, pgid: 1, sid: 1, threads: [1] },
    { pid: 6, ppid: 1, pgid: 1, sid: 1, threads: [6] },
    { pid: 7, ppid: 1, pgid: 1, sid: 1, threads: [7] },
  ];
  const entries: Entries = base;
  for (let i = 0; i < extra; i++) entries.push(make(i));
  return pstree(members, entries);
}

/** files.img id 7 (the counter executable, mapped by pid 6) deleted, with a sparse ghost of `size` bytes storing 80 'A's. */
function ghostClaiming(m: Member[], size: bigint): Member[] {
  const ghost = encodeImage({
    magicName: 'GHOST_FILE',
    entries: [{ uid: 0, gid: 0, mode: 0o100755, dev: 45, ino: 1234567n, chunks: true, size }, { len: 80n, off: 0n }],
    records: [undefined, { payload: { kind: 'ghost-chunk' as const, data: Buffer.alloc(80, 0x41) } }],
  });
  const remap = encodeImage({ magicName: 'REMAP_FPATH', entries: [{ orig_id: 7, remap_id: 1, remap_type: 1 }] });
  return [...m, { name: 'checkpoint/remap-fpath.img', data: remap }, { name: 'checkpoint/ghost-file-1.img', data: ghost }];
}

export const SCALE_CASES = {
  /** A private mapping of the 10-byte /home/app/test-file that claims 1 TiB. */
  'file-vma-1tib.tar': (m: Member[]) => {
    const id = 4242;
    m = editImage(m, 'checkpoint/files.img', (entries) => entries.push(regEntry(entries, id, '/home/app/test-file', 10)));
    // VMA_AREA_REGULAR | VMA_FILE_PRIVATE; MAP_PRIVATE; PROT_READ; shmid names the files.img id.
    return addVmas(m, [{ start: HIGH, end: HIGH + TIB, pgoff: 0n, shmid: BigInt(id), prot: 1, flags: 0x2, status: 0x1 | 0x40, fd: -1 }]);
  },
  /** A 16 GiB untouched anonymous reservation (ASan shadow, a JVM heap). */
  'anon-16gib.tar': (m: Member[]) => addVmas(m, [anonVma(HIGH, 16n * GIB)]),
  /** A 64 TiB untouched anonymous reservation. */
  'anon-64tib.tar': (m: Member[]) => addVmas(m, [anonVma(0x100000000000n, 64n * TIB)]),
  /** The counter executable deleted while mapped, its ghost image claiming 2^52 bytes and holding 80. */
  'ghost-2p52.tar': (m: Member[]) => ghostClaiming(m, 1n << 52n),
  /** The same claiming 8 GiB (a size a file system can hold: `cat` writes it sparse). */
  'ghost-8gib.tar': (m: Member[]) => ghostClaiming(m, 8n * GIB),
  /** 150,000 processes (each a child of pid 1, no images of their own). */
  'processes-150k.tar': (m: Member[]) => manyProcesses(m, 150_000, (i) => ({ pid: 100 + i, ppid: 1, pgid: 1, sid: 1, threads: [100 + i] })),
  /** A chain of 4000 processes, each the parent of the next. */
  'chain-4000.tar': (m: Member[]) => manyProcesses(m, 4000, (i) => ({ pid: 100 + i, ppid: i === 0 ? 7 : 99 + i, pgid: 1, sid: 1, threads: [100 + i] })),
  /** 40,000 processes whose parents are not in the tree. */
  'orphans-40k.tar': (m: Member[]) => manyProcesses(m, 40_000, (i) => ({ pid: 100 + i, ppid: 1_000_000 + i, pgid: 1, sid: 1, threads: [100 + i] })),
  /** One process with 1,000,000 thread ids. */
  'threads-1m.tar': (m: Member[]) =>
    pstree(m, [
      { pid: 1, ppid: 0, pgid: 1, sid: 1, threads: [1] },
      { pid: 6, ppid: 1, pgid: 1, sid: 1, threads: Array.from({ length: 1_000_000 }, (_, i) => (i === 0 ? 6 : 1000 + i)) },
      { pid: 7, ppid: 1, pgid: 1, sid: 1, threads: [7] },
    ]),
  /** 200,000 one-page anonymous VMAs in pid 6. */
  'vmas-200k.tar': (m: Member[]) => addVmas(m, Array.from({ length: 200_000 }, (_, i) => anonVma(HIGH + BigInt(i) * 0x2000n, 0x1000n))),
  /** 300,000 one-page pagemap runs (not present: lazy) over a 2.4 GiB anonymous VMA of pid 6. */
  'pagemap-300k.tar': (m: Member[]) => {
    m = addVmas(m, [anonVma(HIGH, 600_000n * 0x1000n)]);
    return editImage(m, `checkpoint/pagemap-${PID}.img`, (entries) => {
      for (let i = 0; i < 300_000; i++) entries.push({ vaddr: HIGH + BigInt(i) * 0x2000n, compat_nr_pages: 0, nr_pages: 1, flags: 2 /* PE_LAZY */ });
    });
  },
  /** 199,000 empty tar members beside the checkpoint. */
  'members-199k.tar': (m: Member[]) => {
    const extra: Buffer[] = [];
    for (let i = 0; i < 199_000; i++) extra.push(tarMember({ name: `junk/f${i}`, data: Buffer.alloc(0) }));
    const whole = tar(m);
    return Buffer.concat([whole.subarray(0, whole.length - 1024), ...extra, Buffer.alloc(1024)]);
  },
} satisfies Record<string, (m: Member[]) => Member[] | Buffer>;

export type ScaleCaseName = keyof typeof SCALE_CASES;
export const SCALE_NAMES = Object.keys(SCALE_CASES) as ScaleCaseName[];

/** Write the named cases (default: all) into `outDir`; returns their paths by name. */
export function makeHostileScale(outDir: string, names: readonly ScaleCaseName[] = SCALE_NAMES): Record<string, string> {
  fs.mkdirSync(outDir, { recursive: true });
  const out: Record<string, string> = {};
  for (const n of names) {
    const made = SCALE_CASES[n](readBase());
    const file = path.join(outDir, n);
    fs.writeFileSync(file, Buffer.isBuffer(made) ? made : tar(made));
    out[n] = file;
  }
  return out;
}

if (require.main === module) {
  const [dir, ...names] = process.argv.slice(2);
  if (!dir) throw new Error('usage: make-hostile-scale OUTDIR [NAME...]');
  for (const p of Object.values(makeHostileScale(dir, names.length ? (names as ScaleCaseName[]) : SCALE_NAMES))) console.log(p);
}
