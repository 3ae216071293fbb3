/**
 * The value budget bounds what one image, and all images of a checkpoint together, may decode to (issue 10
 * §3: a few KiB of packed one-byte varints exhausted the heap). Packed runs are counted before protobufjs
 * allocates them; unpacked fields and messages as their tags are read.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { decodeImage, encodeImage, ValueBudget } from '../../../main/core/criu/index.js';
import { LimitError } from '../../../main/core/errors.js';
import { auxvBombImage } from '../../../build/make-hostile-io.js';
import { LOCAL_FIXTURES } from '../../helpers.js';

const MM = fs.readFileSync(path.join(LOCAL_FIXTURES, 'criu-dir', 'images', 'mm-1.img'));

function limitOf(fn: () => unknown): LimitError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof LimitError, String(e));
    return e;
  }
  assert.fail('expected a LimitError');
}

test('a packed run is counted before it is read: the error names the field and the offset of its tag', () => {
  const bomb = auxvBombImage(MM, 100_000);
  const e = limitOf(() => decodeImage(bomb, { member: 'mm-1.img' }, new ValueBudget(50_000, 'image')));
  assert.equal(e.flag, '--max-values');
  assert.match(e.message, /would pass 50000 protobuf values in this image \(mm_entry\.mm_saved_auxv\)/);
  // the run was appended at the end of the entry: its tag sits 100000 bytes and a 3-byte length before the end
  assert.equal(e.location.offset, MM.readUInt32LE(8) + 12);
  assert.equal(e.location.member, 'mm-1.img');
  // with room enough, the same image decodes and keeps every element (after the entry's own auxv values)
  const before = (decodeImage(MM).entries[0] as { mm_saved_auxv: bigint[] }).mm_saved_auxv.length;
  const img = decodeImage(bomb, {}, new ValueBudget(200_000, 'image'));
  assert.equal((img.entries[0] as { mm_saved_auxv: bigint[] }).mm_saved_auxv.length, before + 100_000);
});

test('unpacked repeated values and messages count as their tags are read', () => {
  const img = decodeImage(MM);
  const entry = img.entries[0] as Record<string, unknown> & { vmas: object[] };
  const many = { ...entry, vmas: Array.from({ length: 5000 }, () => entry.vmas[0]!) };
  const bytes = encodeImage({ ...img, entries: [many] });
  const e = limitOf(() => decodeImage(bytes, { member: 'mm-1.img' }, new ValueBudget(10_000, 'image')));
  assert.match(e.message, /mm_entry\.vmas|vma_entry\./);
  assert.ok(typeof e.location.offset === 'number' && e.location.offset > 12 && e.location.offset < bytes.length);
});

test('images drawing on one checkpoint total stop when the total is spent, naming the checkpoint limit', () => {
  const total = new ValueBudget(1500, 'checkpoint');
  let decoded = 0;
  const e = limitOf(() => {
    for (let i = 0; i < 100; i++) {
      decodeImage(MM, { member: `mm-${i}.img` }, total.image(100_000));
      decoded++;
    }
  });
  assert.ok(decoded >= 1 && decoded < 100, `${decoded} images decoded before the total ran out`);
  assert.match(e.message, /would pass 1500 protobuf values in this checkpoint/);
  assert.equal(e.location.member, `mm-${decoded}.img`);
});
