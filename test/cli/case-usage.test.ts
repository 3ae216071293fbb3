/**
 * `kensa case` / `kensa report` arguments: every way to name a bookmark target, and usage errors that exit 1
 * with one line saying what is missing, without touching the case.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fixture, kensa, tempDir } from '../helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('bookmark targets: process, thread, memory, search hit, socket, archive member, rootfs-diff file', () => {
  const dir = path.join(tempDir(), 'case');
  assert.equal(kensa(['case', 'init', dir, '--title', 'targets']).status, 0);
  assert.equal(kensa(['case', 'add', dir, fixture('podman-counter').input]).status, 0);
  const notes: [string[], Json][] = [
    [['--pid', '1'], { kind: 'process', pid: 1 }],
    [['--pid', '6', '--tid', '6'], { kind: 'thread', pid: 6, tid: 6 }],
    [['--pid', '6', '--addr', '875014368', '--len', '0x10'], { kind: 'memory', pid: 6, address: '0x3427a8e0', length: 16 }],
    [['--socket', '24371', '--pid', '6'], { kind: 'socket', pid: 6, inode: 24371 }],
    [['--file', 'core-6.img'], { kind: 'file', member: 'checkpoint/core-6.img' }],
    [['--file', 'rootfs-diff.tar/home/counter/logfile'], { kind: 'file', member: 'rootfs-diff.tar/home/counter/logfile' }],
  ];
  for (const [args] of notes) {
    const r = kensa(['case', 'note', dir, ...args, '--text', `note ${args.join(' ')}`, '--json']);
    assert.equal(r.status, 0, r.stderr);
  }
  const shown = JSON.parse(kensa(['case', 'show', dir, '--json']).stdout) as Json;
  assert.deepEqual(shown.notes.map((n: Json) => n.target), notes.map(([, t]) => t));
  const member = execFileSync('sh', ['-c', 'zstd -dc "$1" | tar -xO checkpoint/core-6.img', 'sh', fixture('podman-counter').input]);
  assert.deepEqual(shown.notes[4].capture, { size: member.length, sha256: crypto.createHash('sha256').update(member).digest('hex') }, 'the member is hashed whole');
  assert.equal(shown.latestVerification.ok, true);
  assert.equal(shown.integrity.ok, true);
  const log = kensa(['case', 'log', dir]);
  assert.equal(log.status, 0);
  assert.match(log.stdout, /^#\s+TIME \(UTC\)\s+EVENT\s+ANALYST\s+WHAT$/m);
  assert.match(log.stdout, /bookmark N3 on memory 0x3427a8e0 \+16 in process 6 of E1/);
});

test('usage errors exit 1 with one line and leave the case untouched', () => {
  const dir = path.join(tempDir(), 'case');
  assert.equal(kensa(['case', 'init', dir]).status, 0);
  const log = path.join(dir, 'custody.jsonl');
  const before = fs.readFileSync(log);
  const cases: [string[], RegExp][] = [
    [['case'], /case needs a subcommand/],
    [['case', 'frobnicate', dir], /case needs a subcommand/],
    [['case', 'init'], /case init needs DIR/],
    [['case', 'init', dir], /not empty/],
    [['case', 'add', dir], /case add needs DIR ARCHIVE/],
    [['case', 'verify', dir, '--text', 'x'], /case verify takes no --text/],
    [['case', 'note', dir, '--pid', '6'], /needs --text/],
    [['case', 'note', dir, '--pid', '6', '--file', 'x', '--text', 't'], /bookmarks one thing/],
    [['case', 'note', dir, '--pid', '6', '--addr', '0x10', '--text', 't'], /--addr and --len go together/],
    [['case', 'note', dir, '--pid', 'six', '--text', 't'], /--pid takes a number/],
    [['case', 'note', dir, '--pid', '6', '--text', 't'], /holds no evidence yet/],
    [['case', 'record', dir, log], /needs --action/],
    [['report', dir, '--format', 'docx', '--out', 'x'], /--format html, pdf or json/],
    [['report', dir, '--format', 'pdf'], /needs --out FILE/],
  ];
  for (const [args, message] of cases) {
    const r = kensa(args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line');
  }
  assert.ok(fs.readFileSync(log).equals(before), 'nothing was logged');
  const missing = kensa(['case', 'show', path.join(dir, 'nope')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /not a Kensa case/);
});
