/**
 * Page-by-page comparison of one process's memory: changed pages with excerpts, a grown heap (pages
 * appeared), a mapping gone (vanished) and one new, zero-to-data changes, pages only one side holds.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { diffAddressSpaces } from '../../../main/core/memory/diff';
import { makeSpace, PAGE, vma } from './space';

test('changed, appeared, vanished and not comparable pages, per VMA, with excerpts', async () => {
  const heapA = Buffer.alloc(2 * PAGE, 0x11);
  const heapB = Buffer.from(heapA);
  heapB.write('NEW-REQUEST', PAGE + 0x123, 'latin1');
  const gone = Buffer.alloc(PAGE, 0x22);
  const fresh = Buffer.alloc(PAGE);
  fresh.write('fresh page', 0x10, 'latin1');
  const a = makeSpace(
    [vma(0x100000n, 0x102000n, { kind: 'heap' }), vma(0x200000n, 0x201000n), vma(0x400000n, 0x402000n)],
    [{ start: 0x100000n, data: heapA }, { start: 0x200000n, data: gone }, { start: 0x400000n, pages: 1 }],
  );
  const b = makeSpace(
    [vma(0x100000n, 0x104000n, { kind: 'heap' }), vma(0x300000n, 0x301000n), vma(0x400000n, 0x402000n)],
    [{ start: 0x100000n, data: heapB }, { start: 0x300000n, data: fresh }, { start: 0x400000n, data: Buffer.alloc(PAGE, 0x33) }, { start: 0x401000n, data: fresh }],
  );
  const d = await diffAddressSpaces(a, b);
  const rows = d.vmas.map((v) => [v.start.toString(16), v.status, v.pagesChanged, v.pagesAppeared, v.pagesVanished, v.pagesUnknown]);
  assert.deepEqual(rows, [
    ['100000', 'resized', 1, 2, 0, 0], // heap grew by two pages; one page changed
    ['200000', 'vanished', 0, 0, 1, 0],
    ['300000', 'appeared', 0, 1, 0, 0],
    ['400000', 'same', 1, 0, 0, 1], // page 1: lazy (missing) in A; page 2: zero in A, data in B
  ]);
  assert.deepEqual([d.pagesChanged, d.pagesAppeared, d.pagesVanished, d.pagesUnknown], [2, 3, 1, 1]);
  const e = d.vmas[0].excerpts[0];
  assert.equal(e.address, 0x101120n, 'the excerpt starts at the 16-byte line of the first changed byte');
  assert.equal(e.b.toString('latin1', 3, 14), 'NEW-REQUEST');
  assert.ok(e.a.subarray(3, 14).every((x) => x === 0x11));
  const z = d.vmas[3].excerpts[0];
  assert.equal(z.address, 0x401010n);
  assert.equal(z.b.toString('latin1', 0, 10), 'fresh page');
  const same = await diffAddressSpaces(a, a);
  assert.deepEqual([same.pagesChanged, same.pagesAppeared, same.pagesVanished, same.vmas.length], [0, 0, 0, 0], 'lazy pages missing on both sides are not compared');
});
