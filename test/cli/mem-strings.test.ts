/** `kensa strings` through the real binary: text and JSON, --min, --utf16, one --pid required. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fixture, kensa } from '../helpers';

test('kensa strings lists printable strings with their addresses', () => {
  const f = fixture('podman-counter');
  const r = kensa(['strings', f.input, '--pid', '6']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^00003427a8e0 RANDOM_1432_KEY$/m, 'the secret in the heap, at its gcore address');
  const lines = r.stdout.trimEnd().split('\n');
  assert.ok(lines.every((l) => /^[0-9a-f]{12} \S/.test(l)), 'ADDRESS TEXT lines');
  const long = kensa(['strings', f.input, '--pid', '6', '--min', '16']);
  assert.doesNotMatch(long.stdout, /RANDOM_1432_KEY$/m, '15 characters are below --min 16');
  const j = JSON.parse(kensa(['strings', f.input, '--pid', '6', '--json', '--vma', '[heap]']).stdout) as { address: string; encoding: string; text: string }[];
  assert.deepEqual(j.find((s) => s.text === 'RANDOM_1432_KEY'), { address: '0x3427a8e0', encoding: 'ascii', text: 'RANDOM_1432_KEY' });
  assert.ok(j.every((s) => BigInt(s.address) >= 0x34278000n && BigInt(s.address) < 0x3429a000n), '--vma [heap] keeps to the heap');
  const u = kensa(['strings', f.input, '--pid', '6', '--utf16', '--json']);
  assert.equal(u.status, 0);
  assert.ok((JSON.parse(u.stdout) as { encoding: string }[]).every((s) => s.encoding === 'utf16le'));
});

test('kensa strings needs exactly one --pid', () => {
  const f = fixture('podman-counter');
  for (const args of [['strings', f.input], ['strings', f.input, '--pid', '1,6'], ['strings', f.input, '--pid', '6', '--min', '0']]) {
    const r = kensa(args);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, /^kensa: error: /);
  }
});
