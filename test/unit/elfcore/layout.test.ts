/**
 * The core layout on synthetic x86_64 checkpoints: which bytes go in the file and which are left out (and
 * reported), VMAs split where content sources differ, the kernel's omissions (guard entries, MADV_DONTDUMP,
 * untouched PROT_NONE), special mappings as zeros, damaged pages files, PN_XNUM, the XSAVE note for each
 * component set, signal masks and pr_psargs, cancellation.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CoreEntryMarch, type CoreEntry } from '../../../main/core/criu/index';
import { Header } from 'tar';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { openRootfs } from '../../../main/core/rootfs/rootfs';
import { writeCore } from '../../../main/core/elfcore/write-core';
import { xsaveComponents, xstateSizeFor } from '../../../main/core/elfcore/arch-x86_64';
import { buildNtFile, buildPrpsinfo, ntFileSize } from '../../../main/core/elfcore/notes';
import { spawnSync } from 'node:child_process';
import { tempDir } from '../../helpers';
import { page, writeSyntheticCheckpoint, type SyntheticProcess } from './synthetic';
import { readCoreFile } from './elf-reader';

const P = 4096;
const GPREGS = ['r15', 'r14', 'r13', 'r12', 'bp', 'bx', 'r11', 'r10', 'r9', 'r8', 'ax', 'cx', 'dx', 'si', 'di', 'orig_ax', 'ip', 'cs', 'flags', 'sp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs'];

function x86Thread(tid: number, opts: { leader?: boolean; xsave?: Record<string, unknown>; blk?: bigint; pending?: number[] } = {}): CoreEntry {
  const gpregs: Record<string, bigint | number> = {};
  GPREGS.forEach((r, i) => (gpregs[r] = BigInt(tid) * 0x100n + BigInt(i)));
  gpregs.mode = 1;
  const siginfo = (signo: number): { siginfo: Buffer } => {
    const b = Buffer.alloc(128);
    b.writeInt32LE(signo, 0);
    return { siginfo: b };
  };
  const core = {
    mtype: CoreEntryMarch.X86_64,
    thread_info: {
      clear_tid_addr: 0n,
      gpregs,
      fpregs: { cwd: 0x37f, swd: 0, twd: 0, fop: 0, rip: 0n, rdp: 0n, mxcsr: 0x1f80, mxcsr_mask: 0xffff, st_space: Array(32).fill(0), xmm_space: Array.from({ length: 64 }, (_, i) => i), ...(opts.xsave ? { xsave: opts.xsave } : {}) },
    },
    thread_core: { futex_rla: 0n, futex_rla_len: 24, blk_sigset: opts.blk ?? 0n, comm: 'synth', ...(opts.pending ? { signals_p: { signals: opts.pending.map(siginfo) } } : {}) },
    ...(opts.leader ? { tc: { task_state: 1, exit_code: 0, personality: 0, flags: 0x400000, blk_sigset: opts.blk ?? 0n, comm: 'synth' } } : {}),
  };
  return core as unknown as CoreEntry;
}

function proc(over: Partial<SyntheticProcess>): SyntheticProcess {
  return { pid: 1, threads: [{ tid: 1, core: x86Thread(1, { leader: true }) }], vmas: [], runs: [], auxv: [6n, 4096n], ...over };
}

const FILE = { type: 1, id: 5, reg: { id: 5, flags: 0, pos: 0n, fown: { uid: 0, euid: 0, signum: 0, pid_type: 0, pid: 0 }, name: '/lib/libgone.so', size: 4n * 4096n } };

describe('what goes into the file', () => {
  test('sources, splits, omissions and what is reported', async () => {
    const dir = tempDir('kensa-layout-');
    const A = 0x10000000n;
    const images = writeSyntheticCheckpoint(
      path.join(dir, 'images'),
      [
        proc({
          vmas: [
            // file-backed: pages 0 and 3 were written (in the images), 1-2 are the file's, which no rootfs holds
            { start: A, end: A + 4n * 4096n, prot: 3, flags: 0x2, status: 0x1 | 0x40, shmid: 5 },
            // anonymous, never touched: zeros, written
            { start: A + 0x10000n, end: A + 0x12000n, prot: 3, flags: 0x22, status: 0x1 | 0x200 },
            // PROT_NONE and untouched (a guard page): no file data, as the kernel
            { start: A + 0x20000n, end: A + 0x21000n, prot: 0, flags: 0x22, status: 0x1 | 0x200 },
            // MADV_DONTDUMP, even with a page in the images: no file data
            { start: A + 0x30000n, end: A + 0x31000n, prot: 3, flags: 0x22, status: 0x1 | 0x200, madv: 1n << 16n },
            // CRIU's MADV_GUARD description: not a mapping, no segment at all
            { start: A + 0x40000n, end: A + 0x41000n, prot: 0, flags: 0x22, status: 0x10000 },
            // pages the pagemap lists but the pages file lacks (cut): left out, reported
            { start: A + 0x50000n, end: A + 0x52000n, prot: 3, flags: 0x22, status: 0x1 | 0x200 },
            // [vvar] and [vsyscall]: whole, zeros
            { start: A + 0x60000n, end: A + 0x62000n, prot: 1, flags: 0x22, status: 0x1 | 0x200 | 0x1000, madv: 1n << 16n },
            { start: 0xffffffffff600000n, end: 0xffffffffff601000n, prot: 4, flags: 0x22, status: 0x4 | 0x200 },
          ],
          runs: [
            { vaddr: A, pages: 1, data: page(P, 'FILE-PAGE-0') },
            { vaddr: A + 3n * 4096n, pages: 1, data: page(P, 'FILE-PAGE-3') },
            { vaddr: A + 0x30000n, pages: 1, data: page(P, 'DONTDUMP-SECRET') },
            { vaddr: A + 0x50000n, pages: 2, data: page(2 * P, 'CUT-PAGES', 0x41) },
          ],
          pagesFileBytes: 3 * P, // the pages file ends where the last run's data should start
        }),
      ],
      [FILE],
    );
    const cp = await Checkpoint.open(images, { cacheDir: path.join(dir, 'cache') });
    const r = await writeCore(cp, { pid: 1, outPath: path.join(dir, 'core.1') });
    const core = readCoreFile(r.path);
    const loads = core.loads.map((l) => ({ vaddr: l.vaddr - A, filesz: l.filesz, memsz: Number(l.memsz), flags: l.flags }));
    const big = 0xffffffffff600000n - A;
    assert.deepEqual(loads, [
      { vaddr: 0n, filesz: P, memsz: 3 * P, flags: 6 }, // page 0 in the file, pages 1-2 left out
      { vaddr: 3n * 4096n, filesz: P, memsz: P, flags: 6 }, // split: page 3 in a PT_LOAD of its own
      { vaddr: 0x10000n, filesz: 2 * P, memsz: 2 * P, flags: 6 },
      { vaddr: 0x20000n, filesz: 0, memsz: P, flags: 0 },
      { vaddr: 0x30000n, filesz: 0, memsz: P, flags: 6 },
      { vaddr: 0x50000n, filesz: 0, memsz: 2 * P, flags: 6 },
      { vaddr: 0x60000n, filesz: 2 * P, memsz: 2 * P, flags: 4 },
      { vaddr: big, filesz: P, memsz: P, flags: 1 },
    ]);
    const at = (addr: bigint, len: number): Buffer => {
      const l = core.loads.find((x) => addr >= x.vaddr && addr + BigInt(len) <= x.vaddr + BigInt(x.filesz))!;
      return core.data.subarray(l.offset + Number(addr - l.vaddr), l.offset + Number(addr - l.vaddr) + len);
    };
    assert.equal(at(A, 11).toString(), 'FILE-PAGE-0');
    assert.equal(at(A + 3n * 4096n, 11).toString(), 'FILE-PAGE-3');
    assert.ok(at(A + 0x10000n, 2 * P).every((b) => b === 0));
    assert.ok(at(A + 0x60000n, 2 * P).every((b) => b === 0));
    assert.ok(!core.data.includes('DONTDUMP-SECRET'));
    assert.deepEqual(r.bytes, { pages: 2 * P, 'missing-file': 2 * P, zero: 2 * P, 'prot-none': P, dontdump: P, 'missing-pages': 2 * P, 'not-dumped': 3 * P });
    assert.deepEqual(r.missing, [
      { start: '0x10001000', end: '0x10003000', reason: 'file-backed page not in the checkpoint, rootfs-diff.tar or the rootfs', file: '/lib/libgone.so' },
      { start: '0x10050000', end: '0x10052000', reason: 'page listed in the pagemap but its pages file is missing or cut short' },
    ]);
    assert.ok(cp.problems.some((p) => /pages-1\.img/.test(p.text)), 'the cut pages file is a checkpoint problem too');
    cp.close();
  });

  test('a VMA that ends before it starts is reported and left out, the rest written', async () => {
    const dir = tempDir('kensa-badvma-');
    const images = writeSyntheticCheckpoint(path.join(dir, 'images'), [
      proc({
        vmas: [
          { start: 0x400000n, end: 0x401000n, prot: 3, flags: 0x22, status: 0x201 },
          { start: 0x500000n, end: 0x4ff000n, prot: 3, flags: 0x22, status: 0x201 },
        ],
        runs: [{ vaddr: 0x400000n, pages: 1, data: page(P, 'GOOD') }],
      }),
    ]);
    const cp = await Checkpoint.open(images, { cacheDir: path.join(dir, 'cache') });
    const r = await writeCore(cp, { pid: 1, outPath: path.join(dir, 'core.1') });
    assert.equal(r.segments, 1);
    assert.ok(cp.problems.some((p) => /inverted|before it starts/.test(p.text)), JSON.stringify(cp.problems));
    cp.close();
  });

  test('more than 65534 program headers: PN_XNUM and the real count in section header 0', async () => {
    const dir = tempDir('kensa-xnum-');
    const n = 70_000;
    const vmas = Array.from({ length: n }, (_, i) => ({ start: 0x100000000n + BigInt(i) * 0x2000n, end: 0x100000000n + BigInt(i) * 0x2000n + 0x1000n, prot: 0, flags: 0x22, status: 0x1 | 0x200 }));
    const images = writeSyntheticCheckpoint(path.join(dir, 'images'), [proc({ vmas })]);
    const cp = await Checkpoint.open(images, { cacheDir: path.join(dir, 'cache') });
    const r = await writeCore(cp, { pid: 1, outPath: path.join(dir, 'core.1') });
    const data = fs.readFileSync(r.path);
    assert.equal(data.readUInt16LE(56), 0xffff, 'e_phnum = PN_XNUM');
    assert.equal(data.readUInt16LE(60), 1, 'one section header');
    assert.equal(Number(data.readBigUInt64LE(40)), data.length - 64, 'section header at the end');
    const core = readCoreFile(r.path);
    assert.equal(core.phnum, n + 1);
    assert.equal(core.loads.length, n);
    assert.equal(r.segments, n);
    cp.close();
  });

  test('file-backed pages: rootfs-diff.tar before the image rootfs', async () => {
    const dir = tempDir('kensa-diff-');
    const A = 0x30000000n;
    const unpacked = path.join(dir, 'unpacked');
    writeSyntheticCheckpoint(path.join(unpacked, 'checkpoint'), [proc({ vmas: [{ start: A, end: A + 4096n, prot: 1, flags: 0x2, status: 0x1 | 0x40, shmid: 5 }, { start: A + 0x10000n, end: A + 0x11000n, prot: 1, flags: 0x2, status: 0x1 | 0x40, shmid: 6 }] })], [
      FILE,
      { type: 1, id: 6, reg: { ...FILE.reg, id: 6, name: '/lib/libsame.so' } },
    ]);
    // The container changed /lib/libgone.so (rootfs-diff.tar); /lib/libsame.so is the image's.
    const member = (name: string, data: Buffer): Buffer => {
      const h = Buffer.alloc(512);
      new Header({ path: name, type: 'File', size: data.length, mode: 0o644, mtime: new Date(0) }).encode(h, 0);
      return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
    };
    fs.writeFileSync(path.join(unpacked, 'rootfs-diff.tar'), Buffer.concat([member('lib/libgone.so', page(P, 'FROM-ROOTFS-DIFF')), Buffer.alloc(1024)]));
    const rootDir = path.join(dir, 'rootfs');
    fs.mkdirSync(path.join(rootDir, 'lib'), { recursive: true });
    fs.writeFileSync(path.join(rootDir, 'lib/libgone.so'), page(P, 'STALE-IMAGE-COPY'));
    fs.writeFileSync(path.join(rootDir, 'lib/libsame.so'), page(P, 'FROM-IMAGE-ROOTFS'));
    const rootfs = await openRootfs(rootDir);
    const cp = await Checkpoint.open(unpacked, { cacheDir: path.join(dir, 'cache'), rootfs });
    const r = await writeCore(cp, { pid: 1, outPath: path.join(dir, 'core.1') });
    assert.deepEqual(r.bytes, { 'rootfs-diff': P, rootfs: P });
    const core = readCoreFile(r.path);
    assert.equal(core.data.toString('latin1', core.loads[0].offset, core.loads[0].offset + 16), 'FROM-ROOTFS-DIFF');
    assert.equal(core.data.toString('latin1', core.loads[1].offset, core.loads[1].offset + 17), 'FROM-IMAGE-ROOTFS');
    cp.close();
    rootfs.close();
  });

  test('incremental dumps: PE_PARENT pages come from the parent images', async () => {
    const dir = tempDir('kensa-parent-');
    const A = 0x20000000n;
    const vmas = [{ start: A, end: A + 3n * 4096n, prot: 3, flags: 0x22, status: 0x201 }];
    writeSyntheticCheckpoint(path.join(dir, 'pre'), [proc({ vmas, runs: [{ vaddr: A, pages: 2, data: Buffer.concat([page(P, 'PARENT-PAGE-0'), page(P, 'PARENT-PAGE-1')]) }] })]);
    const images = writeSyntheticCheckpoint(path.join(dir, 'images'), [
      proc({ vmas, runs: [{ vaddr: A, pages: 1, flags: 1 /* PE_PARENT */ }, { vaddr: A + 4096n, pages: 1, data: page(P, 'CHILD-PAGE-1') }] }),
    ]);
    fs.symlinkSync('../pre', path.join(images, 'parent')); // as criu dump --prev-images-dir leaves it
    const cp = await Checkpoint.open(images, { cacheDir: path.join(dir, 'cache') });
    const r = await writeCore(cp, { pid: 1, outPath: path.join(dir, 'core.1') });
    assert.deepEqual(r.bytes, { parent: P, pages: P, zero: P });
    const core = readCoreFile(r.path);
    const off = core.loads[0].offset;
    assert.equal(core.data.toString('latin1', off, off + 13), 'PARENT-PAGE-0');
    assert.equal(core.data.toString('latin1', off + P, off + P + 12), 'CHILD-PAGE-1', 'the child\'s page wins over the parent\'s');
    cp.close();
  });

  test('a large core is hashed by the worker: the digest is the file\'s', async () => {
    const dir = tempDir('kensa-bighash-');
    const base = 0x7f0000000000n;
    const size = 96n << 20n; // above WORKER_THRESHOLD: hashed in the shared ring by a worker thread
    // Data every 8 MiB: the zero runs between are written as holes (runs of SPARSE_ZERO_RUN and more get no file data).
    const runs = [...Array.from({ length: 12 }, (_, i) => BigInt(i) * (8n << 20n)), size - 4096n].map((off, i) => ({ vaddr: base + off, pages: 1, data: page(P, `DATA-${i}`, 0x5a) }));
    const images = writeSyntheticCheckpoint(path.join(dir, 'images'), [proc({ vmas: [{ start: base, end: base + size, prot: 3, flags: 0x22, status: 0x201 }], runs })]);
    const cp = await Checkpoint.open(images, { cacheDir: path.join(dir, 'cache') });
    const r = await writeCore(cp, { pid: 1, outPath: path.join(dir, 'core.1') });
    const bytes = fs.readFileSync(r.path);
    assert.ok(r.size > 64 << 20);
    assert.equal(r.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
    const core = readCoreFile(r.path);
    for (const [i, run] of runs.entries()) {
      const off = core.loads[0].offset + Number(run.vaddr - base);
      assert.equal(bytes.toString('latin1', off, off + `DATA-${i}`.length), `DATA-${i}`);
    }
    // Each 1 MiB chunk holding a data page is written whole (13 of them); the rest are holes.
    assert.ok(fs.statSync(r.path).blocks * 512 < 24 << 20, 'untouched memory is a hole, not written zeros');
    cp.close();
  });

  test('cancelled: no core and no partial file left behind', async () => {
    const dir = tempDir('kensa-abort-');
    const runs = [0x400000n, 0x23ff000n].map((vaddr) => ({ vaddr, pages: 1, data: page(P, 'x') }));
    const images = writeSyntheticCheckpoint(path.join(dir, 'images'), [proc({ vmas: [{ start: 0x400000n, end: 0x2400000n, prot: 3, flags: 0x22, status: 0x201 }], runs })]);
    const cp = await Checkpoint.open(images, { cacheDir: path.join(dir, 'cache') });
    const ac = new AbortController();
    fs.mkdirSync(path.join(dir, 'out'));
    // Cancel after the first chunk of page data has been written.
    const p = writeCore(cp, { pid: 1, outPath: path.join(dir, 'out', 'core.1'), signal: ac.signal, onProgress: () => ac.abort() });
    await assert.rejects(p, (e: Error) => e.name === 'AbortError');
    assert.deepEqual(fs.readdirSync(path.join(dir, 'out')), []);
    cp.close();
  });

  test('untouched memory costs nothing: a 64 TiB reservation with a page at each end writes two pages, and gdb reads zeros between', async (t) => {
    const dir = tempDir('kensa-sparse-');
    const base = 0x100000000000n;
    const size = 64n << 40n;
    const runs = [base, base + size - 4096n].map((vaddr, i) => ({ vaddr, pages: 1, data: page(P, `EDGE-${i}`) }));
    const images = writeSyntheticCheckpoint(path.join(dir, 'images'), [proc({ vmas: [{ start: base, end: base + size, prot: 3, flags: 0x22, status: 0x201 }], runs })]);
    const cp = await Checkpoint.open(images, { cacheDir: path.join(dir, 'cache') });
    const r = await writeCore(cp, { pid: 1, outPath: path.join(dir, 'core.1') });
    assert.deepEqual(r.bytes, { pages: 2 * P, zero: Number(size) - 2 * P }, 'every byte is still accounted for');
    const core = readCoreFile(r.path);
    const loads = core.loads.map((l) => [l.vaddr.toString(16), l.filesz, l.memsz.toString(16)]);
    // p_filesz stops before the untouched run (p_memsz covers it); the page after it starts a new PT_LOAD.
    assert.deepEqual(loads, [
      [base.toString(16), P, (size - 4096n).toString(16)],
      [(base + size - 4096n).toString(16), P, '1000'],
    ]);
    assert.ok(r.size < 64 * 1024, `core of ${r.size} bytes`);
    assert.equal(r.sha256, crypto.createHash('sha256').update(fs.readFileSync(r.path)).digest('hex'));
    cp.close();
    const gdb = spawnSync('gdb', ['-batch', '-nx', '-c', r.path, '-ex', `x/2gx 0x${(base + (1n << 40n)).toString(16)}`, '-ex', `x/s 0x${(base + size - 4096n).toString(16)}`], { encoding: 'utf8' });
    if (gdb.error) return t.skip('gdb is not installed (Debian package gdb)');
    assert.match(gdb.stdout, /:\s+0x0000000000000000\s+0x0000000000000000/, 'zeros in the reservation, not "Cannot access memory"');
    assert.match(gdb.stdout, /"EDGE-1"/);
  });
});

describe('notes', () => {
  test('NT_PRSTATUS: in-namespace ids, pending and blocked signals, registers, fpvalid; leader first', async () => {
    const dir = tempDir('kensa-notes-');
    const images = writeSyntheticCheckpoint(path.join(dir, 'images'), [
      proc({
        pid: 7,
        ppid: 0,
        threads: [
          { tid: 9, core: x86Thread(9, { pending: [10] }) },
          { tid: 7, core: x86Thread(7, { leader: true, blk: 0x4002n, pending: [2, 15] }) },
        ],
        vmas: [{ start: 0x400000n, end: 0x401000n, prot: 3, flags: 0x22, status: 0x201 }],
      }),
    ]);
    const cp = await Checkpoint.open(images, { cacheDir: path.join(dir, 'cache') });
    const r = await writeCore(cp, { pid: 7, outPath: path.join(dir, 'core.7') });
    assert.deepEqual(r.threads, [7, 9]);
    const prs = readCoreFile(r.path).notes.filter((n) => n.type === 1).map((n) => n.desc);
    assert.equal(prs[0].readInt32LE(32), 7);
    assert.equal(prs[1].readInt32LE(32), 9);
    assert.equal(prs[0].readBigUInt64LE(16), (1n << 1n) | (1n << 14n), 'SIGINT and SIGTERM pending');
    assert.equal(prs[1].readBigUInt64LE(16), 1n << 9n, 'SIGUSR1 pending on the other thread');
    assert.equal(prs[0].readBigUInt64LE(24), 0x4002n, 'pr_sighold = blk_sigset');
    assert.equal(prs[0].readInt32LE(40), 7, 'pr_pgrp');
    GPREGS.forEach((_, i) => assert.equal(prs[1].readBigUInt64LE(112 + i * 8), 9n * 0x100n + BigInt(i)));
    assert.equal(prs[0].readInt32LE(328), 1, 'pr_fpvalid');
    cp.close();
  });

  test('NT_X86_XSTATE: size and XCR0 from the components present, as gdb 13 expects', () => {
    const comp = (fields: Record<string, number>): Record<string, unknown> => {
      const x: Record<string, unknown> = { xstate_bv: 0xffn };
      for (const [k, n] of Object.entries(fields)) x[k] = Array(n).fill(1n);
      return x;
    };
    const cases: [Record<string, number>, bigint, number][] = [
      [{}, 0x3n, 576],
      [{ ymmh_space: 64 }, 0x7n, 832],
      [{ ymmh_space: 64, bndreg_state: 8, bndcsr_state: 8 }, 0x1fn, 1088],
      [{ ymmh_space: 64, opmask_reg: 8, zmm_upper: 64, hi16_zmm: 128 }, 0xe7n, 2688],
      [{ ymmh_space: 64, opmask_reg: 8, zmm_upper: 64, hi16_zmm: 128, pkru: 2 }, 0x2e7n, 2696],
      [{ ymmh_space: 63 }, 0x3n, 576], // an incomplete component is left out, never claimed
    ];
    for (const [fields, xcr0, size] of cases) {
      const got = xsaveComponents(comp(fields));
      assert.equal(got.xcr0, xcr0, JSON.stringify(fields));
      assert.equal(xstateSizeFor(got.xcr0), size, JSON.stringify(fields));
    }
  });

  test('NT_PRPSINFO: comm, and at most 79 argument bytes with NULs as spaces', () => {
    const args = Buffer.from('a'.repeat(60) + '\0' + 'b'.repeat(40) + '\0');
    const b = buildPrpsinfo({ state: 1, nice: -5, flag: 0x400100n, uid: 1000, gid: 100, pid: 6, ppid: 1, pgrp: 1, sid: 1, comm: 'counter', args });
    assert.equal(b.length, 136);
    assert.equal(b.toString('latin1', 1, 2), 'S');
    assert.equal(b.readInt8(3), -5);
    assert.equal(b.toString('latin1', 40, 56).replace(/\0+$/, ''), 'counter');
    assert.equal(b.toString('latin1', 56, 136), 'a'.repeat(60) + ' ' + 'b'.repeat(18) + '\0');
  });

  test('NT_FILE: descsz ends at the last NUL, offsets in pages', () => {
    const maps = [
      { start: 0x1000n, end: 0x3000n, offset: 0x2000n, name: '/a' },
      { start: 0x5000n, end: 0x6000n, offset: 0n, name: '/memfd:x (deleted)' },
    ];
    const b = buildNtFile(maps, 4096);
    assert.equal(b.length, ntFileSize(maps));
    assert.equal(b.length, 16 + 2 * 24 + 3 + 19);
    assert.equal(b.readBigUInt64LE(32), 2n);
    assert.equal(b[b.length - 1], 0);
  });
});
