/**
 * Issue 7 must-show: every command on every crafted archive of test/fixtures/hostile (made by
 * build/make-hostile.ts from the crio-counter fixture) gives the expected one-line errors or warnings and
 * exit code, writes nothing outside the cache and its --out folder, and stays within generous kill limits.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { KENSA_BIN, LOCAL_FIXTURES, tempDir } from '../helpers';
import { HOSTILE_NAMES, makeHostile } from '../../build/make-hostile';

const HOSTILE = path.join(LOCAL_FIXTURES, 'hostile');

interface Expectation {
  /** Exit code per command (default for all commands in `all`). */
  all?: number;
  show?: number;
  inspect?: number;
  ps?: number;
  mem?: number;
  core?: number;
  yara?: number;
  /** Every stderr line of every command matches one of these. */
  lines: RegExp[];
  /** At least one stderr line matches this (for commands whose exit is not 0). */
  mention?: RegExp;
}

const EXPECT: Record<(typeof HOSTILE_NAMES)[number], Expectation> = {
  'tar-traversal.tar': { all: 0, lines: [/member name "(\.\.\/)+tmp\/kensa-escaped" is absolute or leaves the archive/, /"\/etc\/kensa-absolute" is absolute/] },
  'rootfs-diff-traversal.tar': { all: 0, lines: [/rootfs-diff\.tar: member name .* leaves the archive/, /device file "dev\/evil-null" is listed only/, /duplicate member "home\/app\/test-file"/] },
  'symlink-escape.tar': { all: 0, lines: [/lies behind symlink "home\/app\/escape" -> "\/etc"; the link is never followed/, /hard link "home\/app\/hard" points outside the archive/] },
  'zstd-bomb.tar.zst': { all: 2, lines: [/^kensa: error: .*zstd-bomb\.tar\.zst @\d+: archive inflates more than 1000:1 .*raise with --max-ratio/] },
  'entry-4gib.tar': { all: 3, lines: [/core-6\.img @8: entry claims 4294967280 bytes but only \d+ remain/, /process 6 has no core/, /core\.\d+: .* left out/] },
  'pagemap-overclaim.tar': { all: 3, show: 0, lines: [/pagemap-6\.img: pagemap entry \d+ claims 68719476736 pages/, /core\.6: .* left out of the core/] },
  'pstree-cycle.tar': { all: 3, lines: [/pstree\.img: .*cycle/] },
  'html-escape-comm.tar': { all: 0, lines: [] },
  'cut-short.tar': { all: 3, lines: [/archive is cut short/, /missing: no process tree/] },
};

function run(args: string[], cwd: string, home: string, cache: string): { status: number; stdout: Buffer; stderr: string; signal: NodeJS.Signals | null } {
  // The timeout is the hang guard: a command still running after it is killed, and the signal fails the test.
  const r = spawnSync(process.execPath, [KENSA_BIN, ...args], {
    cwd,
    env: { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), KENSA_CACHE_DIR: cache },
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString(), signal: r.signal };
}

function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(path.relative(dir, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

test('the committed corpus is what build/make-hostile.ts makes from the fixtures', () => {
  const dir = tempDir();
  const names = makeHostile(dir);
  assert.deepEqual([...names].sort(), [...HOSTILE_NAMES].sort());
  for (const n of names) assert.ok(fs.readFileSync(path.join(dir, n)).equals(fs.readFileSync(path.join(HOSTILE, n))), `${n} differs: rerun node dist/build/make-hostile.js`);
});

for (const name of HOSTILE_NAMES) {
  test(`hostile ${name}: expected exit codes and one-line messages, nothing written outside cache and --out`, () => {
    const e = EXPECT[name];
    const work = tempDir();
    const cwd = path.join(work, 'cwd');
    const home = path.join(work, 'home');
    const cache = path.join(work, 'cache');
    const out = path.join(work, 'out');
    fs.mkdirSync(cwd);
    fs.mkdirSync(home);
    const archive = path.join(HOSTILE, name);
    const before = fs.statSync(archive);
    const escapes = ['/tmp/kensa-escaped', '/etc/kensa-absolute', '/tmp/kensa-diff-escaped', '/etc/kensa-diff-absolute', '/etc/kensa-through-link'];
    for (const f of escapes) fs.rmSync(f, { force: true });
    const commands: Record<string, string[]> = {
      show: ['show', archive],
      inspect: ['inspect', archive, '--all'],
      ps: ['ps', archive],
      mem: ['mem', archive],
      core: ['core', archive, '--out', out],
      yara: ['yara', path.join(LOCAL_FIXTURES, 'yara', 'exactness.yar'), archive, '--files'],
      // No Python in these checkpoints: exit 2 saying so, after the archive's own problems.
      py: ['py', archive],
    };
    for (const [cmd, args] of Object.entries(commands)) {
      const r = run(args, cwd, home, cache);
      const want = cmd === 'py' ? 2 : ((e as unknown as Record<string, number | undefined>)[cmd] ?? e.all);
      assert.equal(r.signal, null, `${cmd} was killed`);
      assert.equal(r.status, want, `${cmd} ${name}: exit ${r.status}\n${r.stderr}`);
      const lines = r.stderr.split('\n').filter(Boolean);
      for (const l of lines) {
        assert.match(l, /^kensa: (error|warning): /, `${cmd}: every stderr line is one message (${l})`);
        assert.ok(e.lines.some((re) => re.test(l)) || (cmd === 'py' && /^kensa: error: .*: no (CPython )?process in this checkpoint/.test(l)), `${cmd} ${name}: unexpected message: ${l}`);
        assert.doesNotMatch(l, /\x1b|\x07/, 'no raw escape sequences on stderr');
        assert.doesNotMatch(l, /internal error|    at /, 'no stack trace');
      }
      if (want !== 0) assert.ok(lines.length > 0, `${cmd}: a non-zero exit says why`);
      assert.ok(!r.stdout.includes(0x1b), `${cmd}: no raw ESC byte on stdout`);
    }
    for (const f of escapes) assert.ok(!fs.existsSync(f), `${f} was written`);
    assert.deepEqual(listTree(cwd), [], 'nothing written in the working folder');
    assert.deepEqual(listTree(home), [], 'nothing written in HOME (the cache is elsewhere)');
    const outFiles = fs.existsSync(out) ? listTree(out) : [];
    for (const f of outFiles) assert.match(f, /^core\.\d+$/, `only cores in --out (${f})`);
    const after = fs.statSync(archive);
    assert.equal(after.mtimeMs, before.mtimeMs, 'evidence untouched');
  });
}

test('a process name holding HTML and terminal escapes is printed escaped', () => {
  const work = tempDir();
  const r = run(['ps', path.join(HOSTILE, 'html-escape-comm.tar')], work, work, path.join(work, 'cache'));
  assert.equal(r.status, 0);
  const text = r.stdout.toString();
  assert.ok(text.includes('<img src=x onerror=alert(1)>\\x1b[31mRED\\x1b]0;pwned\\x07'), text);
  const json = run(['ps', path.join(HOSTILE, 'html-escape-comm.tar'), '--json'], work, work, path.join(work, 'cache'));
  const rows = JSON.parse(json.stdout.toString()) as { pid: number; comm: string }[];
  assert.equal(rows.find((p) => p.pid === 6)!.comm, '<img src=x onerror=alert(1)>\x1b[31mRED\x1b]0;pwned\x07', 'JSON keeps the exact string (escaped by JSON itself)');
});
