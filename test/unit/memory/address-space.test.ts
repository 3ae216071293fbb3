/**
 * Where every byte comes from (AddressSpace.extents): file pages from the resolver (never for a deleted
 * file), missing pagemap, lazy-only runs, shmem holes, never-dumped areas, and pages_id ≠ pid on a fixture.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { AddressSpace, type FileContentResolver } from '../../../main/core/memory/address-space';
import { BufferSource } from '../../../main/core/io/byte-source';
import { PE_PRESENT } from '../../../main/core/memory/pagemap';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { fixture, TEST_CACHE } from '../../helpers';
import { makeSpace, PAGE, vma } from './space';

function fileSpace(deleted: boolean, size = 0x2800, end = 0x403000n): AddressSpace {
  const v = vma(0x400000n, end, { kind: 'file-private', prot: 1, name: '/bin/tool' });
  v.pgoff = 0x1000n;
  v.file = { path: '/bin/tool', fileId: 7, size: BigInt(size), deleted };
  const file = Buffer.alloc(size, 0x46);
  file.write('FILE-PAGE-1', 0x1000, 'latin1');
  const files: FileContentResolver = { open: (p) => (p === '/bin/tool' ? { src: new BufferSource(file), origin: 'rootfs', member: 'rootfs:/bin/tool' } : undefined) };
  const cow = Buffer.alloc(PAGE, 0x43);
  return new AddressSpace({
    pid: 9,
    pageSize: PAGE,
    vmas: [v],
    pagemap: { pagesId: 2, runs: [{ start: 0x401000n, end: 0x402000n, flags: PE_PRESENT, pagesOffset: 0, entryIndex: 1 }], presentBytes: PAGE, problems: [] },
    pages: new BufferSource(cow),
    pagesMember: 'checkpoint/pages-2.img',
    shmem: () => undefined,
    files,
  });
}

test('file pages: the resolver for pages never copied, the checkpoint for copied ones, nothing past the end of the file', () => {
  const space = fileSpace(false);
  const r = space.read(0x400000n, 3 * PAGE);
  assert.deepEqual(
    r.extents.map((e) => [e.start.toString(16), e.end.toString(16), e.origin, e.member, e.srcOffset]),
    [
      ['400000', '401000', 'rootfs', 'rootfs:/bin/tool', 0x1000],
      ['401000', '402000', 'pages', 'checkpoint/pages-2.img', 0],
      // File offset 0x3000 is a page wholly past its 0x2800 bytes: SIGBUS in the live process, no content.
      ['402000', '403000', 'past-eof', undefined, undefined],
    ],
  );
  assert.equal(r.data.subarray(0, 11).toString('latin1'), 'FILE-PAGE-1', 'pgoff 0x1000 maps file offset 0x1000');
  assert.equal(r.data[PAGE], 0x43, 'the copied page comes from the checkpoint');
  assert.ok(r.data.subarray(2 * PAGE).every((b) => b === 0), 'read() still gives zeros there; extents say they are not content');
});

test('a mapping far longer than its file (1 TiB over 0x3400 bytes): the last page\'s tail is content, the rest is one past-eof extent', () => {
  const end = 0x400000n + (1n << 40n);
  const space = fileSpace(false, 0x3400, end);
  const ex = space.extents(0x400000n, end);
  assert.deepEqual(
    ex.map((e) => [e.start.toString(16), e.end.toString(16), e.origin]),
    [
      ['400000', '401000', 'rootfs'],
      ['401000', '402000', 'pages'],
      ['402000', '403000', 'rootfs'], // file bytes 0x3000-0x3400, then zeros to the end of that page
      ['403000', end.toString(16), 'past-eof'],
    ],
  );
  const tail = space.read(0x402000n, PAGE).data;
  assert.ok(tail.subarray(0, 0x400).every((b) => b === 0x46) && tail.subarray(0x400).every((b) => b === 0));
});

test('a deleted file is never read by its path: its pages not in the checkpoint are missing-file', () => {
  const r = fileSpace(true).read(0x400000n, 3 * PAGE);
  assert.deepEqual(r.extents.map((e) => e.origin), ['missing-file', 'pages', 'missing-file']);
});

test('lazy-only runs, a missing pagemap, never-dumped areas', () => {
  const lazy = makeSpace([vma(0x10000n, 0x13000n)], [{ start: 0x10000n, data: Buffer.alloc(PAGE, 1) }, { start: 0x11000n, pages: 1 }]);
  assert.deepEqual(lazy.extents(0x10000n, 0x13000n).map((e) => e.origin), ['pages', 'missing-lazy', 'zero']);
  const v = vma(0x20000n, 0x21000n);
  const noMap = new AddressSpace({ pid: 2, pageSize: PAGE, vmas: [v], pagemap: undefined, pages: undefined, shmem: () => undefined });
  assert.deepEqual(noMap.extents(0x20000n, 0x21000n).map((e) => e.origin), ['missing-pages'], 'no pagemap: nothing is known, not even zeros');
  const vvar = vma(0x30000n, 0x32000n, { kind: 'vvar', prot: 1 });
  assert.deepEqual(makeSpace([vvar], []).extents(0x2f000n, 0x33000n).map((e) => e.origin), ['unmapped', 'not-dumped', 'unmapped']);
});

test('fixtures: pid 3 of criu-dir reads pages-2.img (pages_id, not the pid); shmem holes read as zero', async () => {
  const cp = await Checkpoint.open(fixture('criu-dir').input, { cacheDir: TEST_CACHE });
  const heap = cp.addressSpace(3)!.read(0x558610b4a4c0n, 15);
  assert.equal(heap.data.toString(), 'RANDOM_1432_KEY');
  assert.equal(heap.extents[0].member, 'pages-2.img');
  cp.close();
  const sp = await Checkpoint.open(fixture('shmpair').input, { cacheDir: TEST_CACHE });
  const shared = sp.addressSpace(1)!;
  const v = shared.vmaAt(0x7feee6553000n)!;
  const origins = new Set(shared.extents(v.start, v.end).map((e) => e.origin));
  assert.ok(origins.has('shmem'));
  for (const o of origins) assert.ok(o === 'shmem' || o === 'zero', `shared mapping byte origin ${o}`);
  sp.close();
});
