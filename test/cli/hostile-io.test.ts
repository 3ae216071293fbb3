/**
 * Issue 10 §3, the resource and output-path attacks: each crafted input (build/make-hostile-io.ts, made from
 * the crio-counter fixture when the test runs) gives the expected exit code and one-line message naming the
 * file and byte offset, and ends bounded: each command runs with a 512 MiB V8 heap and a kill timer, so a
 * blow-up or a hang fails the test instead of the machine.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { KENSA_BIN, LOCAL_FIXTURES, tempDir } from '../helpers';
import { makeHostileIo } from '../../build/make-hostile-io';
import { readBase, tar } from '../../build/make-hostile';

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

let caches = 0;

/** `kensa ARGS` with a capped heap and a kill timer; an own cache per call unless given. */
function bounded(args: string[], opts: { cache?: string; cwd?: string; input?: string } = {}): Run {
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', KENSA_BIN, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, KENSA_CACHE_DIR: opts.cache ?? path.join(WORK, `cache-${++caches}`) },
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
  const cache = path.join(WORK, 'cache-bomb');
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

/** A copy of the bare image folder fixture to plant things in. */
function imageFolder(): string {
  const dir = path.join(WORK, `folder-${++caches}`, 'images');
  fs.cpSync(path.join(LOCAL_FIXTURES, 'criu-dir', 'images'), dir, { recursive: true });
  return dir;
}

test('a FIFO, a socket or a device given as the archive is refused at once, not read', async () => {
  const dir = tempDir('kensa-hio-special-');
  const fifo = path.join(dir, 'evidence.tar');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const sock = path.join(dir, 'evidence.sock');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  try {
    const cases: Array<[string, RegExp]> = [
      [fifo, /^kensa: error: .*evidence\.tar: a FIFO \(named pipe\), not a regular file: refused/],
      [sock, /^kensa: error: .*evidence\.sock: a socket, not a regular file: refused/],
      ['/dev/zero', /^kensa: error: \/dev\/zero: a character device, not a regular file: refused/],
    ];
    for (const [file, message] of cases) {
      for (const args of [['show', file], ['ps', file], ['decode', file], ['mem', file, '--search', 'x']]) {
        const r = bounded(args);
        assertEndsBounded(r, `${args[0]} ${file}`);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.lines.length, 1);
        assert.match(r.lines[0]!, message);
      }
    }
    // and as evidence of a case: refused before anything is recorded
    const caseDir = path.join(dir, 'case');
    assert.equal(bounded(['case', 'init', caseDir, '--analyst', 'a', '--title', 't']).status, 0);
    const log = fs.readFileSync(path.join(caseDir, 'custody.jsonl'));
    const add = bounded(['case', 'add', caseDir, fifo]);
    assertEndsBounded(add, 'case add');
    assert.equal(add.status, 1, add.stderr);
    assert.match(add.lines[0]!, /evidence\.tar is neither a file nor a folder/);
    assert.ok(fs.readFileSync(path.join(caseDir, 'custody.jsonl')).equals(log), 'nothing recorded');
  } finally {
    server.close();
  }
});

test('a FIFO in place of an image inside a folder is named and skipped, never opened', () => {
  const dir = imageFolder();
  const core = path.join(dir, 'core-1.img');
  fs.rmSync(core);
  assert.equal(spawnSync('mkfifo', [core]).status, 0);
  for (const args of [['ps', dir], ['inspect', dir, '--all'], ['mem', dir]]) {
    const r = bounded(args);
    assertEndsBounded(r, args[0]!);
    assert.equal(r.status, 3, `${args[0]}: partial, the rest is shown\n${r.stderr}`);
    assert.ok(r.lines.some((l) => /images!core-1\.img: core-1\.img is a fifo, not a regular file: refused/.test(l)), r.stderr);
  }
  const member = bounded(['decode', dir, 'core-1.img']);
  assert.equal(member.status, 2, member.stderr);
  assert.match(member.lines[0]!, /images!core-1\.img: core-1\.img is a fifo, not a regular file/);
  const direct = bounded(['decode', core]);
  assert.equal(direct.status, 2, direct.stderr);
  assert.match(direct.lines[0]!, /core-1\.img: a FIFO \(named pipe\), not a regular file/);
});

test("a folder's parent link at / is not walked: it is named as no image folder, the rest is read", () => {
  const dir = imageFolder();
  fs.symlinkSync('/', path.join(dir, 'parent'));
  for (const args of [['ps', dir], ['mem', dir], ['mem', dir, '--search', 'kensa-no-such-string']]) {
    const r = bounded(args);
    assertEndsBounded(r, args[0]!);
    assert.equal(r.status, 3, `${args.join(' ')}: ${r.stderr}`);
    assert.deepEqual(r.lines.filter((l) => /parent/.test(l)), [
      `kensa: warning: ${dir}!parent: parent link points at /, a folder that is not a CRIU image folder (no inventory.img in it); not followed`,
    ]);
  }
  // a parent link to a real image folder is still followed (the fixture itself, as a pre-dump would be)
  const child = imageFolder();
  fs.symlinkSync(path.join(LOCAL_FIXTURES, 'criu-dir', 'images'), path.join(child, 'parent'));
  const ok = bounded(['ps', child]);
  assert.equal(ok.status, 0, ok.stderr);
});

/** A case with one evidence folder (a copy of the bare image fixture). */
function caseWithFolderEvidence(): { caseDir: string; evidence: string; work: string } {
  const work = path.join(WORK, `case-${++caches}`);
  fs.mkdirSync(work);
  const evidence = imageFolder();
  const caseDir = path.join(work, 'case');
  assert.equal(bounded(['case', 'init', caseDir, '--analyst', 'a', '--title', 't']).status, 0);
  const add = bounded(['case', 'add', caseDir, evidence]);
  assert.equal(add.status, 0, add.stderr);
  return { caseDir, evidence, work };
}

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, name);
    const st = fs.lstatSync(p);
    out.set(name, st.isFile() ? fs.readFileSync(p).toString('base64') : st.isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : 'dir');
  }
  return out;
}

test('report --out naming the custody log (or case.json) is refused before anything is touched', () => {
  const { caseDir } = caseWithFolderEvidence();
  for (const own of ['custody.jsonl', 'custody.head', 'case.json']) {
    const before = snapshot(caseDir);
    const r = bounded(['report', caseDir, '--format', 'json', '--out', path.join(caseDir, own)]);
    assertEndsBounded(r, `report --out ${own}`);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.lines[0]!, new RegExp(`is the case's own ${own.replace('.', '\\.')}: never overwritten`));
    assert.deepEqual(snapshot(caseDir), before, `${own}: the case folder is byte for byte as before (no .tmp left either)`);
  }
  const v = bounded(['case', 'verify', caseDir]);
  assert.equal(v.status, 0, v.stderr);
});

test('report --out through a symlinked folder into the evidence, or at a planted link, is refused; the link is never followed', () => {
  const { caseDir, evidence, work } = caseWithFolderEvidence();
  const into = path.join(work, 'innocent-looking');
  fs.symlinkSync(evidence, into);
  const victim = path.join(work, 'victim.txt');
  fs.writeFileSync(victim, 'precious\n');
  const planted = path.join(work, 'report.html');
  fs.symlinkSync(victim, planted);
  const evidenceBefore = snapshot(evidence);
  const caseBefore = snapshot(caseDir);

  const r1 = bounded(['report', caseDir, '--format', 'html', '--out', path.join(into, 'report.html')]);
  assertEndsBounded(r1, 'report into evidence');
  assert.equal(r1.status, 1, r1.stderr);
  assert.match(r1.lines[0]!, /refusing to write over or into evidence E1 .*lands at .*images\/report\.html/);

  const r2 = bounded(['report', caseDir, '--format', 'html', '--out', planted]);
  assertEndsBounded(r2, 'report over a planted link');
  assert.equal(r2.status, 1, r2.stderr);
  assert.match(r2.lines[0]!, /report\.html is a symbolic link: never replaced or written through/);

  assert.deepEqual(snapshot(evidence), evidenceBefore, 'evidence untouched');
  assert.deepEqual(snapshot(caseDir), caseBefore, 'nothing recorded');
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious\n');
  assert.equal(fs.readlinkSync(planted), victim);

  // and a report to an ordinary path still works
  const ok = bounded(['report', caseDir, '--format', 'json', '--out', path.join(work, 'out', 'report.json')]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(fs.readdirSync(path.join(work, 'out')), ['report.json'], 'no temporary file left beside it');
});

test('core --out over a planted link at core.PID replaces the link, never writes through it', () => {
  const work = path.join(WORK, `core-${++caches}`);
  const out = path.join(work, 'out');
  fs.mkdirSync(out, { recursive: true });
  const victim = path.join(work, 'victim');
  fs.writeFileSync(victim, 'precious\n');
  fs.symlinkSync(victim, path.join(out, 'core.1'));
  const r = bounded(['core', path.join(LOCAL_FIXTURES, 'criu-dir', 'images'), '--pid', '1', '--out', out]);
  assertEndsBounded(r, 'core');
  assert.ok(r.status === 0 || r.status === 3, r.stderr);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious\n', 'the link target is untouched');
  assert.ok(fs.lstatSync(path.join(out, 'core.1')).isFile(), 'core.1 is the new core, a regular file');
  assert.deepEqual(fs.readdirSync(out).sort(), ['core.1'], 'no partial file left');
});

/** The tar every compressed case of make-hostile-io.ts holds. */
function wholeTar(): Buffer {
  return tar(readBase());
}

/** The decompressed tar the cache holds after opening a compressed archive with `cache` (exactly one). */
function cachedTar(cache: string): Buffer {
  const dir = path.join(cache, 'archives');
  const tars = fs.readdirSync(dir).filter((n) => n.endsWith('.tar'));
  assert.equal(tars.length, 1, tars.join(' '));
  return fs.readFileSync(path.join(dir, tars[0]!));
}

test('a complete gzip or zstd stream followed by other bytes gives the whole archive and a warning, never a cut', () => {
  for (const [name, kind, bytes] of [['gzip-trailing.tar.gz', 'gzip', 3000], ['zstd-trailing.tar.zst', 'zstd', 17]] as const) {
    const cache = path.join(WORK, `cache-${++caches}`);
    for (let open = 0; open < 2; open++) {
      // the second open reuses the cache and must say the same
      const r = bounded(['ls', input(name)], { cache });
      assertEndsBounded(r, name);
      assert.equal(r.status, 0, `${name}: complete, so exit 0\n${r.stderr}`);
      assert.deepEqual(r.lines, [`kensa: warning: ${input(name)}: ${bytes} byte(s) of data after the end of the ${kind} stream (at compressed offset ${fs.statSync(input(name)).size - bytes}) ignored; the archive before them is complete`]);
    }
    assert.ok(cachedTar(cache).equals(wholeTar()), `${name}: every byte of the archive, as gzip -d / zstd -d give it`);
  }
});

test('gzip members read one after another; a bad CRC or a cut member is a partial result (exit 3) naming the offset', () => {
  const two = path.join(WORK, `cache-${++caches}`);
  const r = bounded(['ls', input('gzip-two-members.tar.gz')], { cache: two });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.lines, []);
  assert.ok(cachedTar(two).equals(wholeTar()));

  const crc = bounded(['ls', input('gzip-bad-crc.tar.gz')]);
  assertEndsBounded(crc, 'bad crc');
  assert.equal(crc.status, 3, crc.stderr);
  assert.match(crc.lines[0]!, /gzip-bad-crc\.tar\.gz: gzip stream ends or breaks after \d+ decompressed bytes \(gzip member 1 fails its CRC-32 check \(the data is corrupt\), compressed offset \d+\)/);

  const cut = bounded(['ls', input('gzip-cut.tar.gz')]);
  assertEndsBounded(cut, 'cut');
  assert.equal(cut.status, 3, cut.stderr);
  assert.match(cut.lines[0]!, /gzip-cut\.tar\.gz: gzip stream ends or breaks after \d+ decompressed bytes \(gzip member 1 is cut short: its deflate data ends early .*compressed offset \d+\); members after that point are missing/);
});

test('cat of a member the archive ends inside writes what is there, says so with the offset, and exits 3', () => {
  const r = spawnSync(process.execPath, [KENSA_BIN, 'cat', path.join(LOCAL_FIXTURES, 'hostile', 'cut-short.tar'), 'checkpoint/pages-2.img'], {
    env: { ...process.env, KENSA_CACHE_DIR: path.join(WORK, `cache-${++caches}`) },
    timeout: 60_000,
  });
  assert.equal(r.status, 3, r.stderr.toString());
  assert.equal(r.stdout.length, 5000, 'the 5000 bytes present (make-hostile.ts cuts pages-2.img after 5000)');
  const lines = r.stderr.toString().split('\n').filter(Boolean);
  assert.match(lines[0]!, /cut-short\.tar!checkpoint\/pages-2\.img @5000: member is cut short: 5000 of its \d+ bytes are in the archive/);
});

test('a gzip rootfs-diff.tar bomb is inflated as a stream under the archive limits, and the hint names the flag that applies', () => {
  const archive = input('nested-gzip-bomb.tar');
  const unpacked = /^kensa: warning: .*nested-gzip-bomb\.tar: rootfs-diff\.tar @16777728: member inflates past 16777216 bytes \(raise with --max-unpacked\)$/;
  for (const args of [['ls', archive, 'rootfs-diff.tar'], ['ps', archive], ['mem', archive], ['show', archive]]) {
    const r = bounded([...args, '--max-unpacked', '16M']);
    assertEndsBounded(r, args[0]!);
    assert.equal(r.status, 3, `${args[0]}: the rest of the checkpoint is read, rootfs-diff.tar is named as damage\n${r.stderr}`);
    assert.ok(r.lines.some((l) => unpacked.test(l)), r.stderr);
  }
  // the refusal is remembered in the cache for the same limits: the next command says the same, without inflating
  const cache = path.join(WORK, `cache-${++caches}`);
  const first = bounded(['ps', archive, '--max-unpacked', '16M'], { cache });
  const again = bounded(['ps', archive, '--max-unpacked', '16M'], { cache });
  assert.deepEqual(again.lines, first.lines);
  assert.equal(again.status, 3);
  assert.equal(fs.readdirSync(path.join(cache, 'archives')).filter((n) => n.includes('.refused-')).length, 1);
  assert.equal(fs.readdirSync(path.join(cache, 'archives')).filter((n) => n.endsWith('.tar') || n.includes('partial')).length, 0, 'nothing half-inflated is kept');
  const cat = bounded(['cat', archive, 'rootfs-diff.tar/home/app/zeros', '--max-unpacked', '16M']);
  assert.equal(cat.status, 2, cat.stderr);
  assert.match(cat.lines[0]!, /^kensa: error: .*nested-gzip-bomb\.tar!rootfs-diff\.tar @16777728: member inflates past 16777216 bytes \(raise with --max-unpacked\)$/);
  // the ratio limit applies to the member as to the archive (from 64 MiB out: 100:1 of ~530 KB is passed at once)
  const ratio = bounded(['ls', archive, 'rootfs-diff.tar', '--max-ratio', '100']);
  assert.equal(ratio.status, 3, ratio.stderr);
  assert.match(ratio.lines[0]!, /rootfs-diff\.tar @\d+: member inflates more than 100:1 \(\d+ bytes to over \d+\); a decompression bomb\? \(raise with --max-ratio\)$/);
  // raising the flag the hint names lets it through (512 MiB of zeros, streamed to the cache)
  const raised = bounded(['ls', archive, 'rootfs-diff.tar', '--max-ratio', '2000', '--json']);
  assert.equal(raised.status, 0, raised.stderr);
  const rows = JSON.parse(raised.stdout) as Array<{ name?: string; path?: string; size: number }>;
  assert.ok(rows.some((r) => (r.name ?? r.path ?? '').endsWith('home/app/zeros') && r.size === 512 * 1024 * 1024), raised.stdout.slice(0, 500));
});
