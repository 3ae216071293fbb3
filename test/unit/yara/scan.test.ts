/**
 * main/core/yara/scan.ts on a real fixture: a region scanned in small overlapping pieces gives the same
 * string matches as scanned whole (none lost at a piece boundary, none reported twice); progress reaches the
 * total; an AbortSignal stops the scan; compile errors are placed in their own file.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fixture, TEST_CACHE } from '../../helpers';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { compileRules } from '../../../main/core/yara/engine';
import { scanCheckpoint, type YaraMatch } from '../../../main/core/yara/scan';

const RULES = `
rule lit { strings: $a = "counter" $b = { 00 00 00 00 00 00 00 01 } condition: any of them }
rule re { strings: $r = /[a-z]{4,}\\/[a-z]{3,}/ condition: $r }
`;

const key = (m: YaraMatch): string => `${m.pid}|${m.rule}|${m.string}|0x${m.address.toString(16)}|${m.length}`;

test('pieces of 4 KiB give the same string matches as whole regions', async () => {
  const cp = await Checkpoint.open(fixture('podman-counter').input, { cacheDir: TEST_CACHE });
  try {
    const rules = compileRules([{ name: 'inline.yar', text: RULES }]);
    let last = [0, 0];
    const whole = await scanCheckpoint(cp, rules, { onProgress: (d, t) => (last = [d, t]) });
    assert.ok(last[1] > 0 && last[0] === last[1], `progress reaches the total (${last})`);
    const pieces = await scanCheckpoint(cp, rules, { chunkBytes: 4096 });
    const a = whole.matches.filter((m) => m.string).map(key);
    const b = pieces.matches.filter((m) => m.string).map(key);
    assert.ok(a.length > 50, `${a.length} matches`);
    assert.deepEqual(b, a);
    assert.equal(new Set(b).size, b.length, 'no match twice');
    assert.equal(whole.scannedBytes, pieces.scannedBytes);
  } finally {
    cp.close();
  }
});

test('an aborted scan stops with the abort reason', async () => {
  const cp = await Checkpoint.open(fixture('podman-counter').input, { cacheDir: TEST_CACHE });
  try {
    const rules = compileRules([{ name: 'inline.yar', text: RULES }]);
    const ac = new AbortController();
    let calls = 0;
    await assert.rejects(
      scanCheckpoint(cp, rules, { chunkBytes: 4096, signal: ac.signal, onProgress: () => ++calls === 3 && ac.abort() }),
      (e: Error) => e.name === 'AbortError',
    );
  } finally {
    cp.close();
  }
});

test('compile errors name the file and the line within it, after other files', () => {
  assert.throws(
    () => compileRules([{ name: 'one.yar', text: 'rule a { condition: true }\nrule b { condition: true }\n' }, { name: 'two.yar', text: '\n\nrule c { condition: nope }' }]),
    /the rules do not compile: two\.yar:3:21: unknown identifier `nope`/,
  );
});
