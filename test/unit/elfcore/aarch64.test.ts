/**
 * aarch64 cores from a synthetic checkpoint (built here with the project's CRIU image encoder), loaded with
 * Debian's gdb-multiarch (`set architecture aarch64`): e_machine from core_entry.mtype on this x86_64 host,
 * user_pt_regs, fpsimd and TPIDR_EL0 for every thread, AT_PAGESZ of 16 KiB from the saved auxv, memory from
 * pages and from a folder rootfs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CoreEntryMarch, type CoreEntry } from '../../../main/core/criu/index';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { openRootfs } from '../../../main/core/rootfs/rootfs';
import { writeCore } from '../../../main/core/elfcore/write-core';
import { prepareGdb } from '../../../main/core/elfcore/gdb-launch';
import { tempDir } from '../../helpers';
import { page, writeSyntheticCheckpoint } from './synthetic';
import { parseNtFile, readCoreFile } from './elf-reader';

const PAGE = 16384;
const MASK64 = (1n << 64n) - 1n;

function thread(tid: number, leader: boolean): CoreEntry {
  const base = BigInt(tid) << 32n;
  const core: CoreEntry = {
    mtype: CoreEntryMarch.AARCH64,
    ti_aarch64: {
      clear_tid_addr: 0xffff8a7e50f0n,
      tls: 0xffff8a7e5880n + BigInt(tid) * 0x1000n,
      gpregs: {
        regs: Array.from({ length: 31 }, (_, i) => base + 0x1000n + BigInt(i) * 0x11n),
        sp: 0xffffffffc000n - 0x100n * BigInt(tid),
        pc: 0x400010n + BigInt(tid) * 4n,
        pstate: 0x60001000n,
      },
      fpsimd: {
        // V0..V31 as (low, high) u64 pairs, as CRIU stores them.
        vregs: Array.from({ length: 64 }, (_, i) => (BigInt(i) * 0x0101010101010101n + base) & MASK64),
        fpsr: 0x10 + tid,
        fpcr: 0x3000000,
      },
    },
    thread_core: { futex_rla: 0n, futex_rla_len: 24, blk_sigset: 0n, comm: leader ? 'armprog' : 'armworker' },
  };
  if (leader) core.tc = { task_state: 1, exit_code: 0, personality: 0, flags: 0x400100, blk_sigset: 0n, comm: 'armprog' };
  return core;
}

test('an aarch64 checkpoint becomes a core gdb-multiarch reads', async () => {
  const dir = tempDir('kensa-aarch64-');
  const rootDir = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(rootDir, 'bin'), { recursive: true });
  const prog = Buffer.concat([page(PAGE, '\x7fELF-not-really'), page(PAGE, 'PROG-SECOND-PAGE')]);
  fs.writeFileSync(path.join(rootDir, 'bin', 'prog'), prog);
  const args = Buffer.from('/bin/prog\0--mode\0aarch64\0');
  const stackTop = 0xffffffffc000n;
  const stack = page(PAGE * 2);
  args.copy(stack, PAGE * 2 - 0x100);
  const images = writeSyntheticCheckpoint(
    path.join(dir, 'images'),
    [
      {
        pid: 1,
        threads: [
          { tid: 1, core: thread(1, true) },
          { tid: 2, core: thread(2, false) },
        ],
        vmas: [
          { start: 0x400000n, end: 0x408000n, prot: 5, flags: 0x2, status: 0x1 | 0x40, shmid: 1 }, // r-xp /bin/prog
          { start: 0x410000n, end: 0x418000n, prot: 3, flags: 0x22, status: 0x1 | 0x20 | 0x200 }, // [heap]
          { start: stackTop - BigInt(PAGE * 2), end: stackTop, prot: 3, flags: 0x122, status: 0x1 | 0x200 }, // [stack]
        ],
        runs: [
          { vaddr: 0x410000n, pages: 1, data: page(PAGE, 'AARCH64-HEAP-NEEDLE') },
          { vaddr: stackTop - BigInt(PAGE * 2), pages: 2, data: stack },
        ],
        // AT_PAGESZ 16 KiB, AT_ENTRY, AT_NULL missing as in CRIU's x86 copy (the writer appends it).
        auxv: [6n, BigInt(PAGE), 9n, 0x400010n],
        argStart: stackTop - 0x100n,
        argEnd: stackTop - 0x100n + BigInt(args.length),
        exeFileId: 1,
      },
    ],
    [{ type: 1, id: 1, reg: { id: 1, flags: 0, pos: 0n, fown: { uid: 0, euid: 0, signum: 0, pid_type: 0, pid: 0 }, name: '/bin/prog', size: BigInt(prog.length) } }],
  );
  const cache = path.join(dir, 'cache');
  const rootfs = await openRootfs(rootDir, { cacheDir: cache });
  const cp = await Checkpoint.open(images, { cacheDir: cache, rootfs });
  const out = path.join(dir, 'core.1');
  const result = await writeCore(cp, { pid: 1, outPath: out });
  assert.deepEqual(result.threads, [1, 2]);
  assert.equal(result.bytes.rootfs, 2 * PAGE);
  assert.equal(result.bytes.pages, 3 * PAGE);
  assert.deepEqual(result.missing, []);

  const core = readCoreFile(out);
  assert.equal(core.machine, 183, 'EM_AARCH64 although the host is not');
  assert.equal(core.loads[0].align, BigInt(PAGE));
  assert.equal(core.loads[0].offset % PAGE, 0);
  const types = core.notes.map((n) => n.type);
  assert.deepEqual(types, [1, 3, 0x53494749, 6, 0x46494c45, 2, 0x401, 1, 2, 0x401], 'kernel note order for aarch64');
  const prstatus = core.notes.filter((n) => n.type === 1);
  assert.deepEqual(prstatus.map((n) => n.desc.length), [392, 392]);
  assert.equal(core.notes.find((n) => n.type === 2)!.desc.length, 528);
  const ntFile = parseNtFile(core.notes.find((n) => n.type === 0x46494c45)!.desc);
  assert.deepEqual(ntFile, [{ start: 0x400000n, end: 0x408000n, offsetBytes: 0n, name: '/bin/prog' }]);
  assert.equal(core.notes.find((n) => n.type === 0x46494c45)!.desc.readBigUInt64LE(8), BigInt(PAGE), 'NT_FILE page size from AT_PAGESZ');
  const auxv = core.notes.find((n) => n.type === 6)!.desc;
  assert.equal(auxv.length, 3 * 16);
  assert.equal(auxv.readBigUInt64LE(32), 0n, 'AT_NULL appended');
  const psargs = core.notes.find((n) => n.type === 3)!.desc.toString('latin1', 56, 136).replace(/\0+$/, '');
  assert.equal(psargs, '/bin/prog --mode aarch64 ', 'pr_psargs read from memory, NULs as spaces (kernel fill_psinfo)');

  // gdb-multiarch, as prepareGdb picks it for a foreign architecture.
  const launch = await prepareGdb(cp, 1, { rootfs, outDir: path.join(dir, 'gdb'), cacheDir: cache });
  assert.match(path.basename(launch.gdb), /^gdb-multiarch$/);
  assert.ok(launch.args.includes('set architecture aarch64'));
  const r = spawnSync(
    launch.gdb,
    [
      '-batch',
      ...launch.args,
      '-ex', 'info threads',
      '-ex', 'thread apply all info registers',
      '-ex', 'thread apply all p/x $v1.d.u',
      '-ex', 'thread apply all p/x $v31.d.u',
      '-ex', 'x/s 0x410000',
      '-ex', 'x/s 0x404000',
    ].filter((a) => a !== '-q'),
    { encoding: 'utf8', timeout: 60_000 },
  );
  const text = r.stdout + r.stderr;
  assert.equal(r.status, 0, text);
  assert.doesNotMatch(text, /warning|error|cannot|unable/i, text);
  const lwps = [...text.matchAll(/^\*?\s+\d+\s+LWP (\d+)/gm)].map((m) => Number(m[1])).sort();
  assert.deepEqual(lwps, [1, 2]);
  const blocks = text.split(/^Thread \d+ \(LWP (\d+)\):$/m);
  const regsOf = new Map<number, Map<string, bigint>>();
  const vOf = new Map<number, string[]>();
  for (let i = 1; i < blocks.length; i += 2) {
    const tid = Number(blocks[i]);
    const body = blocks[i + 1];
    const m = regsOf.get(tid) ?? new Map<string, bigint>();
    for (const line of body.split('\n')) {
      const r2 = /^(\w+)\s+(0x[0-9a-f]+)\s/.exec(line);
      if (r2) m.set(r2[1], BigInt(r2[2]));
      const v = /^\$\d+ = \{(0x[0-9a-f]+), (0x[0-9a-f]+)\}$/.exec(line);
      if (v) vOf.set(tid, [...(vOf.get(tid) ?? []), v[1], v[2]]);
    }
    regsOf.set(tid, m);
  }
  for (const tid of [1, 2]) {
    const want = thread(tid, tid === 1).ti_aarch64!;
    const gp = want.gpregs!;
    const fp = want.fpsimd!;
    const got = regsOf.get(tid)!;
    gp.regs!.forEach((v, i) => assert.equal(got.get(`x${i}`), v, `tid ${tid} x${i}`));
    assert.equal(got.get('sp'), gp.sp, `tid ${tid} sp`);
    assert.equal(got.get('pc'), gp.pc, `tid ${tid} pc`);
    assert.equal(got.get('cpsr'), gp.pstate, `tid ${tid} cpsr`);
    assert.equal(got.get('fpsr'), BigInt(fp.fpsr!), `tid ${tid} fpsr`);
    assert.equal(got.get('fpcr'), BigInt(fp.fpcr!), `tid ${tid} fpcr`);
    assert.equal(got.get('tpidr'), want.tls, `tid ${tid} tpidr (NT_ARM_TLS)`);
    const v = fp.vregs!.map((x) => '0x' + x.toString(16));
    assert.deepEqual(vOf.get(tid), [v[2], v[3], v[62], v[63]], `tid ${tid} v1, v31`);
  }
  assert.match(text, /^0x410000:\s+"AARCH64-HEAP-NEEDLE"$/m);
  assert.match(text, /^0x404000:\s+"PROG-SECOND-PAGE"$/m);
  cp.close();
  rootfs.close();
});
