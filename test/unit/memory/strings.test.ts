/**
 * extractStrings (kensa strings) and memorySummary (kensa mem): strings across page, run and window
 * boundaries, cut by zeros and by missing bytes, UTF-16LE, long runs in pieces; sizes that add up.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { extractStrings, MAX_STRING } from '../../../main/core/memory/strings';
import { memorySummary, spaceSizes } from '../../../main/core/memory/summary';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { FIXTURES, fixture, TEST_CACHE } from '../../helpers';
import { makeSpace, PAGE, vma } from './space';

const list = (it: Iterable<{ address: bigint; text: string; encoding: string }>): [string, string, string][] =>
  [...it].map((s) => ['0x' + s.address.toString(16), s.text, s.encoding]);

test('strings across pages, runs and scan windows; ended by zeros, gaps and missing bytes', () => {
  const a = Buffer.alloc(PAGE);
  const b = Buffer.alloc(PAGE);
  a.write('short', 10, 'latin1'); // below --min 6
  a.write('tab\tseparated words', 100, 'latin1');
  a.write('crosses-the-', PAGE - 12, 'latin1');
  b.write('run-boundary', 0, 'latin1');
  b.write('at-the-end', PAGE - 10, 'latin1');
  const c = Buffer.alloc(PAGE);
  c.write('after-a-lazy-page', 0, 'latin1');
  const space = makeSpace(
    [vma(0x10000n, 0x14000n)],
    [
      { start: 0x11000n, data: b },
      { start: 0x10000n, data: a },
      { start: 0x12000n, pages: 1 }, // lazy-only: not in the checkpoint
      { start: 0x13000n, data: c },
    ],
  );
  assert.deepEqual(list(extractStrings(space)), [
    ['0x10064', 'tab\tseparated words', 'ascii'],
    ['0x10ff4', 'crosses-the-run-boundary', 'ascii'],
    ['0x11ff6', 'at-the-end', 'ascii'], // ends where the missing page starts: not joined to what follows
    ['0x13000', 'after-a-lazy-page', 'ascii'],
  ]);
  assert.deepEqual(list(extractStrings(space, { min: 20 })), [['0x10ff4', 'crosses-the-run-boundary', 'ascii']]);
  assert.deepEqual(list(extractStrings(space, { min: 4, vma: ['0x13000-0x14000'] })), [['0x13000', 'after-a-lazy-page', 'ascii']]);

  // A string over a 64 KiB window boundary inside one run, and one run longer than MAX_STRING.
  const big = Buffer.alloc(64 * PAGE);
  big.write('window-boundary-string', 65536 - 7, 'latin1');
  big.fill(0x41, 100_000, 100_000 + MAX_STRING + 10);
  const s2 = makeSpace([vma(0x100000n, 0x100000n + BigInt(big.length))], [{ start: 0x100000n, data: big }]);
  const found = [...extractStrings(s2)];
  assert.deepEqual(found.map((s) => [s.address - 0x100000n, s.text.length]), [
    [65536n - 7n, 'window-boundary-string'.length],
    [100_000n, MAX_STRING],
    [BigInt(100_000 + MAX_STRING), 10],
  ]);
});

test('UTF-16LE strings with --utf16', () => {
  const a = Buffer.alloc(2 * PAGE);
  a.write('Benutzerkennwort', 200, 'utf16le');
  a.write('Grenze!', PAGE - 6, 'utf16le');
  a.write('ascii only here', 1000, 'latin1');
  const space = makeSpace([vma(0x20000n, 0x22000n)], [{ start: 0x20000n, data: a }]);
  assert.deepEqual(list(extractStrings(space, { utf16: true })), [
    ['0x200c8', 'Benutzerkennwort', 'utf16le'],
    ['0x20ffa', 'Grenze!', 'utf16le'],
  ]);
  assert.deepEqual(list(extractStrings(space)), [['0x203e8', 'ascii only here', 'ascii']]);
});

test('strings of a real process include the secret at its gcore address', async () => {
  const cp = await Checkpoint.open(fixture('criu-dir').input, { cacheDir: TEST_CACHE });
  const found = list(extractStrings(cp.addressSpace(3)!, { min: 8 }));
  assert.ok(found.some(([a, t]) => a === '0x558610b4a4c0' && t === 'RANDOM_1432_KEY'));
  // On the stack the request path holds it: '/secret?' + key, the key at 0x7fff1a9bef08.
  assert.ok(found.some(([a, t]) => a === '0x7fff1a9bef00' && t === '/secret?RANDOM_1432_KEY'));
  cp.close();
});

test('memory sizes add up for every fixture; shared memory is present in both shmpair processes', async () => {
  for (const f of FIXTURES) {
    const cp = await Checkpoint.open(f.input, { cacheDir: TEST_CACHE });
    const rows = memorySummary(cp);
    assert.deepEqual(rows.map((r) => r.pid), f.pids, f.name);
    for (const r of rows) {
      assert.equal(r.private + r.shared + r.fileBacked, r.total, `${f.name} pid ${r.pid}`);
      const byOrigin = Object.values(r.byOrigin).reduce((n, x) => n + (x ?? 0), 0);
      assert.equal(byOrigin, r.total, `${f.name} pid ${r.pid}: every byte has one origin`);
      assert.equal(r.present, (r.byOrigin.pages ?? 0) + (r.byOrigin.shmem ?? 0) + (r.byOrigin.parent ?? 0));
      assert.ok(r.present > 0);
    }
    if (f.name === 'shmpair') for (const r of rows) assert.deepEqual([r.shared, r.byOrigin.shmem], [36 * 1024, 36 * 1024]);
    assert.deepEqual(spaceSizes(cp.addressSpace(rows[0].pid)!, rows[0].comm), rows[0]);
    cp.close();
  }
});
