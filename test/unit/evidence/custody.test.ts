/**
 * The custody log: each line's hash covers its exact bytes, each entry names the previous entry's hash, and
 * the head file catches entries cut from the end. Every kind of tampering is named by line.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { tempDir } from '../../helpers';
import { appendEntry, canonicalJson, readChain, CUSTODY_FILE, HEAD_FILE, GENESIS_HASH } from '../../../main/core/evidence/custody';

function logWith(n: number): string {
  const dir = tempDir();
  for (let i = 1; i <= n; i++) appendEntry(dir, 'test-event', { i, text: `entry ${i}`, esc: '\x1b[31m' }, 'tester', new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
  return dir;
}

function lines(dir: string): string[] {
  return fs.readFileSync(path.join(dir, CUSTODY_FILE), 'utf8').split('\n').slice(0, -1);
}

function writeLines(dir: string, ls: string[]): void {
  fs.writeFileSync(path.join(dir, CUSTODY_FILE), ls.map((l) => l + '\n').join(''));
}

test('entries chain by SHA-256 of their bytes; an intact log has no problems', () => {
  const dir = logWith(4);
  const chain = readChain(dir);
  assert.deepEqual(chain.problems, []);
  assert.equal(chain.entries.length, 4);
  assert.equal(chain.entries[0].prev, GENESIS_HASH);
  const ls = lines(dir);
  for (let i = 0; i < 4; i++) {
    const e = chain.entries[i];
    assert.equal(e.seq, i + 1);
    if (i > 0) assert.equal(e.prev, chain.entries[i - 1].hash);
    // The hash is SHA-256 of the line without its hash field.
    const body = ls[i].replace(/,"hash":"[0-9a-f]{64}"\}$/, '}');
    assert.equal(e.hash, crypto.createHash('sha256').update(body).digest('hex'));
  }
  assert.equal(fs.readFileSync(path.join(dir, HEAD_FILE), 'utf8'), `4 ${chain.entries[3].hash}\n`);
});

test('canonical JSON: sorted keys at every level, undefined dropped, bigint as number or string', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson({ x: 5n, y: 1n << 60n }), '{"x":5,"y":"1152921504606846976"}');
});

test('any single changed byte in any line is found and named by line', () => {
  const dir = logWith(3);
  const original = lines(dir);
  for (let li = 0; li < original.length; li++) {
    // Every position of the line: flip one bit of the byte there (ASCII stays ASCII).
    for (let pos = 0; pos < original[li].length; pos += 7) {
      const ls = [...original];
      const b = Buffer.from(ls[li]);
      b[pos] ^= 0x01;
      ls[li] = b.toString('latin1');
      writeLines(dir, ls);
      const chain = readChain(dir);
      assert.ok(chain.problems.some((p) => p.message.includes(`line ${li + 1}`)), `byte ${pos} of line ${li + 1} changed unnoticed: ${JSON.stringify(chain.problems)}`);
    }
  }
  writeLines(dir, original);
  assert.deepEqual(readChain(dir).problems, []);
});

test('a change that keeps the JSON meaning (\\u001b -> \\u001B) is still found', () => {
  const dir = logWith(2);
  const ls = lines(dir);
  assert.ok(ls[1].includes('\\u001b'));
  ls[1] = ls[1].replace('\\u001b', '\\u001B');
  writeLines(dir, ls);
  const p = readChain(dir).problems;
  assert.equal(p.length, 1);
  assert.match(p[0].message, /line 2 \(test-event\): entry changed: the line's bytes differ/);
});

test('removed, inserted, swapped and cut entries are named', () => {
  const dir = logWith(4);
  const ls = lines(dir);
  writeLines(dir, [ls[0], ls[2], ls[3]]);
  assert.ok(readChain(dir).problems.some((p) => /line 2 .*chain broken/.test(p.message)));
  writeLines(dir, [ls[0], ls[2], ls[1], ls[3]]);
  assert.ok(readChain(dir).problems.some((p) => /line 2 .*chain broken/.test(p.message)));
  writeLines(dir, [ls[0], ls[1], ls[1], ls[2], ls[3]]);
  assert.ok(readChain(dir).problems.some((p) => /line 3 .*chain broken/.test(p.message)));
  // Cut from the end: the chain alone is intact, the head says otherwise.
  writeLines(dir, ls.slice(0, 3));
  const cut = readChain(dir).problems;
  assert.equal(cut.length, 1);
  assert.match(cut[0].message, /custody\.head names entry 4 .* but the log ends at entry 3/);
  // A half-written last line.
  fs.writeFileSync(path.join(dir, CUSTODY_FILE), ls.join('\n') + '\n' + ls[3].slice(0, 40));
  assert.ok(readChain(dir).problems.some((p) => /not terminated/.test(p.message)));
});

test('appending to a log whose last line is unreadable is refused (nothing can be chained to it)', () => {
  const dir = logWith(2);
  const ls = lines(dir);
  ls[1] = ls[1].slice(0, -5);
  writeLines(dir, ls);
  assert.throws(() => appendEntry(dir, 'x', {}), (e: Error & { kind?: string }) => e.kind === 'verify');
});

test('appends from several processes at once stay one chain (lock file)', async () => {
  const dir = tempDir();
  appendEntry(dir, 'start', {});
  const { spawn } = await import('node:child_process');
  const script = `const { appendEntry } = require(${JSON.stringify(path.resolve(__dirname, '../../../main/core/evidence/custody.js'))});
for (let i = 0; i < 40; i++) appendEntry(process.argv[1], 'worker', { who: process.pid, i });`;
  await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['-e', script, dir], { stdio: 'inherit' });
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}`))));
        }),
    ),
  );
  const chain = readChain(dir);
  assert.deepEqual(chain.problems, []);
  assert.equal(chain.entries.length, 121);
  assert.equal(fs.existsSync(path.join(dir, 'custody.lock')), false);
});

test('a damaged log is never extended: cutting the tail cannot be healed by appending', () => {
  const dir = logWith(4);
  const ls = lines(dir);
  writeLines(dir, ls.slice(0, 3));
  assert.throws(() => appendEntry(dir, 'verify', { ok: false }), (e: Error & { kind?: string }) => e.kind === 'verify' && /custody log is damaged \(custody\.head names entry 4/.test(e.message));
  assert.equal(lines(dir).length, 3, 'nothing appended');
  assert.equal(readChain(dir).problems.length, 1, 'still reported');
  writeLines(dir, ls);
  assert.equal(appendEntry(dir, 'after-restore', {}).seq, 5);
});
