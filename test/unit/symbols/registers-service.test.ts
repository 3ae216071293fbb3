/**
 * The Threads panel's registers with what they point at (main/services/registers.ts), on the threads fixture:
 * - with its rootfs, every general register but the flags, and fs_base / gs_base, carry the symbolizer's answer; rip of a thread
 *   sleeping in libc names the function, rsp the thread's stack `[stack:TID]`, a small value `not mapped`;
 * - with a rootfs whose libc.so.6 has hostile section headers (.dynsym claims 2^40 bytes), rip is still named
 *   from the dynamic symbols through PT_DYNAMIC, as the loader found them;
 * - with a hostile program header table (e_phnum 65,535), the registers are all there, rip says where it is
 *   (libc.so.6+offset) and, as why there is no symbol, the FormatError naming the file and offset.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { openRootfs } from '../../../main/core/rootfs/rootfs';
import { threadInfosWithAddresses } from '../../../main/services/registers';
import { fixture, tempDir, TEST_CACHE } from '../../helpers';
import type { RegisterValue } from '../../../shared/api/contract';

const LIBC = 'lib/x86_64-linux-gnu/libc.so.6';

async function open(rootfsPath: string): Promise<Checkpoint> {
  const rootfs = await openRootfs(rootfsPath, { cacheDir: TEST_CACHE });
  return Checkpoint.open(fixture('threads').input, { cacheDir: TEST_CACHE, rootfs });
}

test('general registers carry what they point at', async () => {
  const cp = await open(path.join(fixture('threads').ref, 'rootfs.tar.zst'));
  const threads = threadInfosWithAddresses(cp, 1);
  assert.equal(threads.length, cp.threads(1).length);
  for (const t of threads) {
    for (const r of t.general) assert.equal(r.points === undefined, ['eflags', 'orig_rax'].includes(r.name), `${t.tid} ${r.name}`);
    const rip = t.general.find((r) => r.name === 'rip')!;
    assert.ok(rip.points?.symbol, `tid ${t.tid}: rip ${rip.value} names a symbol (${rip.points?.noSymbol})`);
    const rsp = t.general.find((r) => r.name === 'rsp')!;
    assert.match(rsp.points!.text, t.tid === 1 ? /^\[stack\]\+0x/ : new RegExp(`^\\[stack:${t.tid}\\]\\+0x`));
    for (const r of t.general.filter((x) => x.points && BigInt(x.value) < 0x1000n)) assert.deepEqual([r.points!.mapped, r.points!.text], [false, 'not mapped']);
    // The thread pointer is an address (glibc's TCB: for a pthread, at the top of that thread's stack
    // mapping); the segment selectors are not.
    for (const r of t.segment) assert.equal(r.points === undefined, !r.name.endsWith('_base'), `${t.tid} ${r.name}`);
    const fsBase = t.segment.find((r) => r.name === 'fs_base')!;
    assert.equal(fsBase.points!.mapped, true, `tid ${t.tid}: fs_base ${fsBase.value} is mapped`);
    if (t.tid !== 1) assert.match(fsBase.points!.text, new RegExp(`^\\[stack:${t.tid}\\]\\+0x`));
  }
  assert.ok(threads.some((t) => t.general.find((r) => r.name === 'rip')!.points!.module === 'libc.so.6'));
});

/** The threads fixture with a rootfs whose libc.so.6 is patched by `patch`. */
async function withHostileLibc(patch: (bytes: Buffer) => void): Promise<Checkpoint> {
  const cache = tempDir('kensa-sym-hostile-');
  const clean = await (await openRootfs(path.join(fixture('threads').ref, 'rootfs.tar.zst'), { cacheDir: cache })).sysroot(cache);
  const root = path.join(cache, 'hostile-root');
  fs.cpSync(clean, root, { recursive: true, verbatimSymlinks: true });
  const libc = path.join(root, LIBC);
  const bytes = Buffer.from(fs.readFileSync(libc));
  fs.rmSync(libc);
  patch(bytes);
  fs.writeFileSync(libc, bytes);
  return open(root);
}

function libcRips(cp: Checkpoint): RegisterValue[] {
  const threads = threadInfosWithAddresses(cp, 1);
  assert.equal(threads.reduce((n, t) => n + t.general.length, 0), cp.threads(1).length * 19, 'every general register is shown');
  const rips = threads.map((t) => t.general.find((r) => r.name === 'rip')!).filter((r) => r.points?.module === 'libc.so.6');
  assert.ok(rips.length > 0);
  return rips;
}

test('a libc whose section headers are hostile: the dynamic symbols the loader uses still name rip', async () => {
  let dynsym = 0;
  const cp = await withHostileLibc((bytes) => {
    const shoff = Number(bytes.readBigUInt64LE(40));
    dynsym = [...Array(bytes.readUInt16LE(60)).keys()].map((i) => shoff + i * 64).find((p) => bytes.readUInt32LE(p + 4) === 11)!;
    bytes.writeBigUInt64LE(1n << 40n, dynsym + 32); // .dynsym's sh_size: 2^40
  });
  assert.ok(dynsym > 0);
  for (const rip of libcRips(cp)) {
    assert.equal(rip.points!.symbol?.source, 'memory', 'read through PT_DYNAMIC, as the loader does');
    assert.match(rip.points!.text, /^libc\.so\.6!\w+\+0x/);
  }
});

test('a libc whose program header table is hostile: registers shown, rip says where and why there is no symbol', async () => {
  const cp = await withHostileLibc((bytes) => bytes.writeUInt16LE(0xffff, 56)); // e_phnum
  for (const rip of libcRips(cp)) {
    assert.equal(rip.points!.symbol, undefined);
    assert.match(rip.points!.location, /^libc\.so\.6\+0x[0-9a-f]+$/);
    assert.match(rip.points!.noSymbol!, /^rootfs:\/lib\/x86_64-linux-gnu\/libc\.so\.6 @54: bad program header table \(65535 entries/);
  }
});
