/**
 * Issue 2 must-show: for every image of every fixture, `kensa decode --format crit` prints byte for byte
 * what CRIU 4.2's `crit show` printed (the fixture's crit/*.json). Run through the CLI's own entry point
 * in-process (the same code path as bin/kensa.js, without 150 process start-ups).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../main/cli/main';
import { FIXTURES, TEST_CACHE, kensa } from '../helpers';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main([...args, '--cache', TEST_CACHE], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

for (const f of FIXTURES) {
  test(`decode --format crit equals crit show for every image of ${f.name}`, async () => {
    const goldens = fs.readdirSync(path.join(f.ref, 'crit')).filter((n) => n.endsWith('.json'));
    assert.ok(goldens.length >= 15, `expected the fixture's crit goldens, found ${goldens.length}`);
    const bare = f.name === 'criu-dir';
    for (const g of goldens) {
      const base = g.replace(/\.json$/, '');
      const member = base === 'stats-dump' ? (bare ? 'stats-dump' : 'stats-dump') : bare ? `${base}.img` : `checkpoint/${base}.img`;
      const r = await run(['decode', f.input, member]);
      assert.equal(r.code, 0, `${f.name} ${member}: ${r.err}`);
      const want = fs.readFileSync(path.join(f.ref, 'crit', g), 'utf8');
      assert.ok(r.out === want, `${f.name} ${member}: output differs from crit's ${g}`);
    }
  });
}

test('decode of a single .img file, raw format, and the image list when MEMBER is missing', async () => {
  const img = path.join(FIXTURES.find((f) => f.name === 'criu-dir')!.input, 'pstree.img');
  const crit = await run(['decode', img]);
  assert.equal(crit.code, 0);
  assert.equal(crit.out, fs.readFileSync(path.join(FIXTURES.find((f) => f.name === 'criu-dir')!.ref, 'crit', 'pstree.json'), 'utf8'));
  const raw = await run(['decode', img, '--format', 'raw']);
  assert.equal(raw.code, 0);
  const parsed = JSON.parse(raw.out);
  assert.deepEqual(
    parsed.entries.map((e: { fields: { pid: number } }) => e.fields.pid),
    [1, 3, 4],
  );
  const list = await run(['decode', FIXTURES[0].input]);
  assert.equal(list.code, 1, 'no MEMBER: usage exit');
  assert.match(list.out, /checkpoint\/core-6\.img/);
  assert.doesNotMatch(list.out, /pages-\d+\.img/, 'raw page images are not listed as decodable');
});

test('the real binary decodes an image from a zstd archive (bin/kensa.js end to end)', () => {
  const f = FIXTURES.find((x) => x.name === 'podman-counter')!;
  const r = kensa(['decode', f.input, 'checkpoint/core-6.img']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, fs.readFileSync(path.join(f.ref, 'crit', 'core-6.json'), 'utf8'));
});
