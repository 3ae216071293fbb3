/**
 * Pagemaps across CRIU versions (criu-format.md §1.4) and decoding speed on a large one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  PE_LAZY,
  PE_PARENT,
  PE_PRESENT,
  critJson,
  decodeImage,
  encodeImage,
  entriesOfType,
  normalizePagemapEntry,
  pagemapRuns,
  type PagemapEntry,
} from '../../../main/core/criu/index.js';
import { fixtureImages } from './fixture-images.js';

test('CRIU 4.2 pagemaps: the count is in nr_pages (field 5), compat_nr_pages is 0', () => {
  const img = decodeImage(fixtureImages('criu-dir').get('pagemap-3.img')!, { member: 'pagemap-3.img' });
  const { pagesId, runs } = pagemapRuns(img);
  assert.equal(pagesId, 2); // pagemap-3.img → pages-2.img: never derive it from the pid
  const raw = entriesOfType(img, 'pagemap_entry');
  assert.equal(raw.length, runs.length);
  assert.ok(raw.every((e) => e.compat_nr_pages === 0 && e.nr_pages !== undefined));
  const present = runs.filter((r) => (r.flags & PE_PRESENT) !== 0).reduce((sum, r) => sum + r.nrPages, 0n);
  assert.equal(Number(present) * 4096, fixtureImages('criu-dir').get('pages-2.img')!.length);
});

test('pre-4.2 pagemaps: no head magic, count in field 2, legacy in_parent, flags absent', () => {
  const old: PagemapEntry[] = [
    { vaddr: 0x400000n, compat_nr_pages: 3 }, // no flags → PE_PRESENT
    { vaddr: 0x500000n, compat_nr_pages: 2, in_parent: true }, // legacy in_parent → PE_PARENT
    { vaddr: 0x600000n, compat_nr_pages: 1, flags: PE_LAZY }, // explicit flags are kept
    { vaddr: 0x700000n, compat_nr_pages: 1, flags: PE_PRESENT, in_parent: true }, // in_parent adds PE_PARENT
  ];
  const bytes = encodeImage({ magicName: 'PAGEMAP', headMagic: null, entries: [{ pages_id: 1 }, ...old] });
  assert.equal(bytes.readUInt32LE(0), 0x56084025); // the type magic comes first: a pre-1.1 image
  const img = decodeImage(bytes, { member: 'pagemap-1.img' });
  assert.equal(img.headMagic, null);
  assert.deepEqual(img.warnings, []);
  assert.deepEqual(img.entries.slice(1), old); // the wire as it is
  assert.deepEqual(pagemapRuns(img).runs, [
    { vaddr: 0x400000n, nrPages: 3n, flags: PE_PRESENT },
    { vaddr: 0x500000n, nrPages: 2n, flags: PE_PARENT },
    { vaddr: 0x600000n, nrPages: 1n, flags: PE_LAZY },
    { vaddr: 0x700000n, nrPages: 1n, flags: PE_PRESENT | PE_PARENT },
  ]);
  // crit shows what is on the wire, like crit 3.x did for old dumps
  assert.match(critJson(img), /"vaddr": "0x400000",\n {12}"compat_nr_pages": 3\n/);
  // field 5 wins over field 2 when both are present
  assert.equal(normalizePagemapEntry({ vaddr: 0n, compat_nr_pages: 7, nr_pages: 9n, flags: PE_PRESENT }).nrPages, 9n);
});

test('a 100k-entry pagemap decodes whole, every entry with its 64-bit count', () => {
  // Scale, not speed (speed is measured by npm run bench): every entry comes back, in order, exact.
  const entries: object[] = [{ pages_id: 1 }];
  for (let i = 0; i < 100_000; i++) {
    entries.push({ vaddr: 0x7f0000000000n + BigInt(i) * 0x3000n, compat_nr_pages: 0, flags: PE_LAZY | PE_PRESENT, nr_pages: 2n });
  }
  const img = decodeImage(encodeImage({ magicName: 'PAGEMAP', entries }));
  assert.equal(img.entries.length, 100_001);
  const last = img.entries[100_000] as { vaddr: unknown; nr_pages: unknown };
  assert.equal(BigInt(String(last.vaddr)), 0x7f0000000000n + 99_999n * 0x3000n);
  assert.equal(BigInt(String(last.nr_pages)), 2n);
});
