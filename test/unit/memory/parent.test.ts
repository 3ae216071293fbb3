/**
 * Incremental dumps (criu-format.md §1.5): PE_PARENT runs read from the parent dump through a `parent`
 * link (folder on disk, or a folder inside the same archive), through `--parent`, up a chain of parents;
 * and reported as missing-parent, with a problem, when no parent is at hand.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tar from 'tar';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { PE_PARENT } from '../../../main/core/criu';
import { searchMemory } from '../../../main/core/memory/search';
import { fixture, tempDir, TEST_CACHE } from '../../helpers';
import { copyImages, isolatePages, PAGE, readPagemap, writePagemap } from './synth';

const CRIU_DIR = fixture('criu-dir').input;
const PID = 3;
const HEAP_KEY = 0x558610b4a4c0n; // RANDOM_1432_KEY in pid 3's heap (gcore/needles.json)
const STACK_KEY = 0x7fff1a9bef08n; // and on its stack

/** The original bytes of pid 3 around both keys, read from the unmodified fixture. */
async function originalBytes(): Promise<{ heap: Buffer; stack: Buffer }> {
  const cp = await Checkpoint.open(CRIU_DIR, { cacheDir: TEST_CACHE });
  const space = cp.addressSpace(PID)!;
  const out = { heap: space.read(HEAP_KEY & ~0xfffn, 3 * PAGE).data, stack: space.read(STACK_KEY & ~0xfffn, PAGE).data };
  cp.close();
  return out;
}

/**
 * An image folder whose pid-3 pages around the heap key (3 pages) and the stack key (1 page) are left to
 * the parent: the runs are flagged PE_PARENT and their bytes removed from the pages file.
 */
function childOf(dir: string): void {
  copyImages(CRIU_DIR, dir);
  const map = readPagemap(dir, `pagemap-${PID}.img`);
  for (const [addr, n] of [[HEAP_KEY & ~0xfffn, 3], [STACK_KEY & ~0xfffn, 1]] as const) {
    const run = isolatePages(map, addr, n);
    run.flags = PE_PARENT;
    delete run.data;
  }
  writePagemap(dir, `pagemap-${PID}.img`, map);
}

test('PE_PARENT pages are read from the folder the parent link names', async () => {
  const want = await originalBytes();
  const root = tempDir();
  copyImages(CRIU_DIR, path.join(root, 'pre'));
  childOf(path.join(root, 'final'));
  fs.symlinkSync('../pre', path.join(root, 'final', 'parent'));
  const cp = await Checkpoint.open(path.join(root, 'final'), { cacheDir: TEST_CACHE });
  const space = cp.addressSpace(PID)!;
  const heap = space.read(HEAP_KEY & ~0xfffn, 3 * PAGE);
  assert.ok(heap.data.equals(want.heap), 'heap pages equal the parent dump');
  assert.deepEqual([...new Set(heap.extents.map((e) => e.origin))], ['parent']);
  assert.match(heap.extents[0].member ?? '', /pre!pages-2\.img$/, 'provenance names the parent pages file');
  assert.ok(space.read(STACK_KEY & ~0xfffn, PAGE).data.equals(want.stack));
  const hits = await searchMemory(cp, { pattern: { text: 'RANDOM_1432_KEY' } });
  assert.deepEqual(hits.map((h) => [h.pid, h.address, h.origin]), [[PID, HEAP_KEY, 'parent'], [PID, STACK_KEY, 'parent']]);
  assert.deepEqual(cp.problems, []);
  cp.close();
});

test('a chain of parents is followed (the parent keeps the page in its own parent)', async () => {
  const want = await originalBytes();
  const root = tempDir();
  copyImages(CRIU_DIR, path.join(root, 'pre1'));
  childOf(path.join(root, 'pre2'));
  fs.symlinkSync('../pre1', path.join(root, 'pre2', 'parent'));
  childOf(path.join(root, 'final'));
  fs.symlinkSync('../pre2', path.join(root, 'final', 'parent'));
  const cp = await Checkpoint.open(path.join(root, 'final'), { cacheDir: TEST_CACHE });
  const heap = cp.addressSpace(PID)!.read(HEAP_KEY & ~0xfffn, 3 * PAGE);
  assert.ok(heap.data.equals(want.heap));
  assert.match(heap.extents[0].member ?? '', /pre1!pages-2\.img$/, 'bytes come from the grandparent');
  cp.close();
});

test('without a parent the pages are missing-parent and the checkpoint says so; --parent supplies it', async () => {
  const want = await originalBytes();
  const root = tempDir();
  copyImages(CRIU_DIR, path.join(root, 'pre'));
  childOf(path.join(root, 'final'));
  const alone = await Checkpoint.open(path.join(root, 'final'), { cacheDir: TEST_CACHE });
  const r = alone.addressSpace(PID)!.read(HEAP_KEY & ~0xfffn, 3 * PAGE);
  assert.deepEqual([...new Set(r.extents.map((e) => e.origin))], ['missing-parent']);
  assert.ok(alone.problems.some((p) => /parent dump/.test(p.message)), 'a problem names the missing parent');
  assert.deepEqual(await searchMemory(alone, { pattern: { text: 'RANDOM_1432_KEY' } }), [], 'missing bytes are never searched as zeros');
  alone.close();

  const given = await Checkpoint.open(path.join(root, 'final'), { cacheDir: TEST_CACHE, parent: path.join(root, 'pre') });
  assert.ok(given.addressSpace(PID)!.read(HEAP_KEY & ~0xfffn, 3 * PAGE).data.equals(want.heap));
  assert.deepEqual(given.problems, []);
  given.close();
});

test('a parent link that resolves nowhere is reported, not followed out of an archive', async () => {
  const root = tempDir();
  childOf(path.join(root, 'final', 'checkpoint'));
  fs.symlinkSync('../pre-checkpoint', path.join(root, 'final', 'checkpoint', 'parent'));
  const file = path.join(root, 'final.tar');
  await tar.c({ file, cwd: path.join(root, 'final'), portable: true }, ['checkpoint']);
  const cp = await Checkpoint.open(file, { cacheDir: TEST_CACHE });
  assert.equal(cp.addressSpace(PID)!.read(HEAP_KEY, 16).extents[0].origin, 'missing-parent');
  assert.ok(cp.problems.some((p) => /not in this archive/.test(p.message)));
  cp.close();
});

test('Podman layout: checkpoint/parent -> ../pre-checkpoint inside one archive, and a separate pre-checkpoint archive', async () => {
  const want = await originalBytes();
  const root = tempDir();
  const both = path.join(root, 'both');
  copyImages(CRIU_DIR, path.join(both, 'pre-checkpoint'));
  childOf(path.join(both, 'checkpoint'));
  fs.symlinkSync('../pre-checkpoint', path.join(both, 'checkpoint', 'parent'));
  const file = path.join(root, 'with-previous.tar');
  await tar.c({ file, cwd: both, portable: true }, ['checkpoint', 'pre-checkpoint']);
  const cp = await Checkpoint.open(file, { cacheDir: TEST_CACHE });
  const heap = cp.addressSpace(PID)!.read(HEAP_KEY & ~0xfffn, 3 * PAGE);
  assert.ok(heap.data.equals(want.heap));
  assert.match(heap.extents[0].member ?? '', /with-previous\.tar!pre-checkpoint\/pages-2\.img$/);
  cp.close();

  // `podman container checkpoint --pre-checkpoint -e pre.tar` exports pre-checkpoint/ alone.
  const pre = path.join(root, 'pre.tar');
  await tar.c({ file: pre, cwd: both, portable: true }, ['pre-checkpoint']);
  const finalOnly = path.join(root, 'final.tar');
  await tar.c({ file: finalOnly, cwd: both, portable: true }, ['checkpoint']);
  const split = await Checkpoint.open(finalOnly, { cacheDir: TEST_CACHE, parent: pre });
  assert.ok(split.addressSpace(PID)!.read(HEAP_KEY & ~0xfffn, 3 * PAGE).data.equals(want.heap));
  assert.deepEqual(split.problems, []);
  split.close();
});
