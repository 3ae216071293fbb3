/**
 * Issue 10 §3, the resource and output-path attacks: each crafted input (build/make-hostile-io.ts, made from
 * the crio-counter fixture when the test runs) gives the expected exit code and one-line message naming the
 * file and byte offset, and ends bounded: each command runs with a 512 MiB V8 heap and a kill timer, so a
 * blow-up or a hang fails the test instead of the machine.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { KENSA_BIN, tempDir } from '../helpers';
import { makeHostileIo } from '../../build/make-hostile-io';

const WORK = tempDir('kensa-hostile-io-');
let made: string | undefined;
function input(name: string): string {
  if (!made) {
    made = path.join(WORK, 'inputs');
    makeHostileIo(made);
  }
  return path.join(made, name);
}

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

/** `kensa ARGS` with a capped heap and a kill timer; an own cache per call unless given. */
function bounded(args: string[], opts: { cache?: string; cwd?: string; input?: string } = {}): Run {
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', KENSA_BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, KENSA_CACHE_DIR: opts.cache ?? tempDir('kensa-hio-cache-') },
    timeout: 60_000,
    input: opts.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  const stderr = r.stderr.toString();
  return { status: r.status, signal: r.signal, stdout: r.stdout.toString(), stderr, lines: stderr.split('\n').filter(Boolean) };
}

function assertEndsBounded(r: Run, what: string): void {
  assert.equal(r.signal, null, `${what} was killed (hang or heap exhausted)\n${r.stderr.slice(-2000)}`);
  assert.doesNotMatch(r.stderr, /internal error|    at |heap out of memory/, `${what}: no crash`);
  for (const l of r.lines) assert.match(l, /^kensa: (error|warning): /, `${what}: every stderr line is one message (${l})`);
}

test('a packed repeated field of 40 Mi one-byte varints stops at the value limit, named with member and offset', () => {
  const archive = input('auxv-bomb.tar.gz');
  const limit = /^kensa: (error|warning): .*auxv-bomb\.tar\.gz!checkpoint\/mm-6\.img @\d+: decoding would pass 4194304 protobuf values in this image \(mm_entry\.mm_saved_auxv\).*raise with --max-values/;
  const cache = tempDir('kensa-hio-cache-');
  for (const args of [['ps', archive], ['inspect', archive, '--all'], ['mem', archive]]) {
    const r = bounded(args, { cache });
    assertEndsBounded(r, args[0]!);
    assert.equal(r.status, 3, `${args[0]}: the rest of the checkpoint is shown, partial\n${r.stderr}`);
    assert.ok(r.lines.some((l) => limit.test(l)), `${args[0]}: ${r.stderr}`);
  }
  const d = bounded(['decode', archive, 'checkpoint/mm-6.img'], { cache });
  assertEndsBounded(d, 'decode');
  assert.equal(d.status, 2);
  assert.match(d.lines[0]!, limit);
  // the limit is the user's to raise: a smaller one stops earlier, at the same field
  const small = bounded(['decode', archive, 'checkpoint/mm-6.img', '--max-values', '1000'], { cache });
  assert.equal(small.status, 2);
  assert.match(small.lines[0]!, /mm-6\.img @\d+: decoding would pass 1000 protobuf values/);
  // an intact image decodes as before under the default limit
  const ok = bounded(['decode', archive, 'checkpoint/core-6.img'], { cache });
  assert.equal(ok.status, 0, ok.stderr);
});
