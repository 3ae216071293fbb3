/**
 * The archive layer on the real fixtures: every input form opens, members are found where they are,
 * compressed archives are decompressed once into the cache (never beside the evidence), the evidence is
 * never modified, and hostile shapes (bombs, cut-short archives, traversal names) give typed errors.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tar from 'tar';
import { compress } from 'zstd-napi';
import { CheckpointArchive } from '../../../main/core/archive/archive';
import { checkpointSizes, readContainerMeta } from '../../../main/core/archive/container-meta';
import { KensaError, LimitError } from '../../../main/core/errors';
import { indexTar } from '../../../main/core/archive/tar-index';
import { BufferSource } from '../../../main/core/io/byte-source';
import { FIXTURES, LOCAL_FIXTURES, fixture, kensa, tempDir } from '../../helpers';

const LOCAL_HOSTILE = path.join(LOCAL_FIXTURES, 'hostile');

test('every fixture opens in its own form with the CRIU images found', async () => {
  const cache = tempDir();
  const expectFormat: Record<string, string> = {
    'podman-counter': 'tar.zst',
    'crio-counter': 'tar',
    threads: 'tar.gz',
    'containerd-threads': 'tar',
    shmpair: 'tar.zst',
    'criu-dir': 'image-folder',
  };
  for (const f of FIXTURES) {
    const a = await CheckpointArchive.open(f.input, { cacheDir: cache });
    assert.equal(a.format, expectFormat[f.name], f.name);
    assert.ok(a.imageNames().includes('inventory.img'), `${f.name}: inventory.img`);
    assert.ok(a.imageNames().includes('pstree.img'), `${f.name}: pstree.img`);
    assert.deepEqual(a.warnings, [], f.name);
    a.close();
  }
});

test('a compressed archive is decompressed once into the cache keyed by its SHA-256, never beside it', async () => {
  const cache = tempDir();
  const evidenceDir = tempDir();
  const evidence = path.join(evidenceDir, 'counters.tar.zst');
  fs.copyFileSync(fixture('podman-counter').input, evidence);
  const before = fs.statSync(evidence);
  const first = await CheckpointArchive.open(evidence, { cacheDir: cache });
  assert.ok(first.cachedTar && first.cachedTar.startsWith(cache));
  assert.match(path.basename(first.cachedTar!), /^[0-9a-f]{64}\.tar$/);
  assert.equal(path.basename(first.cachedTar!, '.tar'), first.compressedSha256);
  const cachedMtime = fs.statSync(first.cachedTar!).mtimeMs;
  first.close();
  const second = await CheckpointArchive.open(evidence, { cacheDir: cache });
  assert.equal(second.cachedTar, first.cachedTar);
  assert.equal(fs.statSync(second.cachedTar!).mtimeMs, cachedMtime, 'reused, not rewritten');
  second.close();
  assert.deepEqual(fs.readdirSync(evidenceDir), ['counters.tar.zst'], 'nothing written beside the evidence');
  const after = fs.statSync(evidence);
  assert.equal(after.mtimeMs, before.mtimeMs);
  assert.equal(after.size, before.size);
});

test('rootfs-diff.tar is read in place, plain (Podman, CRI-O) and gzip (containerd)', async () => {
  const cache = tempDir();
  const podman = await CheckpointArchive.open(fixture('podman-counter').input, { cacheDir: cache });
  const diff = podman.rootfsDiff()!;
  assert.equal(diff.gzip, false);
  assert.ok(diff.index.byName.has('home/counter/test-file'));
  assert.ok(diff.index.byName.has('home/counter/logfile'));
  const testFile = podman.open('rootfs-diff.tar/home/counter/test-file');
  assert.equal(testFile.size, 10);
  const containerd = await CheckpointArchive.open(fixture('containerd-threads').input, { cacheDir: cache });
  const cdiff = containerd.rootfsDiff()!;
  assert.equal(cdiff.gzip, true, 'containerd stores rootfs-diff.tar gzip-compressed');
  assert.equal(cdiff.index.members.length, 0, 'nothing changed in that container');
});

test('container metadata by engine, as checkpointctl detects it', async () => {
  const cache = tempDir();
  const want: Record<string, { engine?: string; name?: string; pod?: string; ns?: string; ip?: string }> = {
    'podman-counter': { engine: 'Podman', name: 'counters', ip: '10.88.0.5' },
    'crio-counter': { engine: 'CRI-O', name: 'counter', pod: 'counters', ns: 'default', ip: '10.85.0.12' },
    'containerd-threads': { engine: 'containerd', name: 'workers', pod: 'jobs-7f9c', ns: 'batch' },
    'criu-dir': {},
  };
  for (const [name, w] of Object.entries(want)) {
    const a = await CheckpointArchive.open(fixture(name).input, { cacheDir: cache });
    const m = readContainerMeta(a);
    assert.equal(m.engine, w.engine, name);
    assert.equal(m.containerName, w.name, name);
    assert.equal(m.podName, w.pod, name);
    assert.equal(m.podNamespace, w.ns, name);
    assert.equal(m.ips[0], w.ip, name);
    if (name === 'crio-counter') {
      assert.equal(m.logMember, 'io.kubernetes.cri-o.LogPath');
      assert.equal(m.bindMounts.length, 2);
      assert.equal(m.checkpointed, '2026-11-26T00:55:04.118403372Z');
    }
    if (name === 'containerd-threads') assert.equal(m.runtime, 'io.containerd.runc.v2');
  }
  const crio = await CheckpointArchive.open(fixture('crio-counter').input, { cacheDir: cache });
  assert.deepEqual(checkpointSizes(crio), { checkpointSize: 302134, memoryPagesSize: 253952, amdGpuMemoryPagesSize: 0, rootfsDiffSize: 3072 });
});

test('ls and cat, including a file inside rootfs-diff.tar', () => {
  const f = fixture('podman-counter');
  const ls = kensa(['ls', f.input, '--json']);
  assert.equal(ls.status, 0, ls.stderr);
  const names = (JSON.parse(ls.stdout) as { name: string }[]).map((r) => r.name);
  for (const n of ['config.dump', 'spec.dump', 'checkpoint/pstree.img', 'checkpoint/pages-1.img', 'rootfs-diff.tar']) assert.ok(names.includes(n), n);
  const inner = kensa(['ls', f.input, 'rootfs-diff.tar', '--json']);
  assert.equal(inner.status, 0, inner.stderr);
  assert.ok((JSON.parse(inner.stdout) as { name: string }[]).some((r) => r.name === '/home/counter/test-file'));
  const cat = kensa(['cat', f.input, 'rootfs-diff.tar/home/counter/test-file']);
  assert.equal(cat.status, 0, cat.stderr);
  assert.equal(cat.stdoutBytes.length, 10);
  const crioCat = kensa(['cat', fixture('crio-counter').input, 'io.kubernetes.cri-o.LogPath']);
  assert.match(crioCat.stdout, /GET \/secret\?RANDOM_1432_KEY/);
  const missing = kensa(['cat', f.input, 'checkpoint/no-such.img']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^kensa: error: .*counters\.tar\.zst!checkpoint\/no-such\.img: no such member\n$/);
});

// The timeouts below are hang guards (a bomb that inflated or a cancel that did not stop would run for
// minutes), not speed measurements: those are in npm run bench.
test('a zstd bomb is refused by the ratio limit with a typed error', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const bomb = path.join(dir, 'bomb.tar.zst');
  // 512 MiB of zeros compresses to a few KiB: far past the default 1000:1 ratio once 64 MiB are out.
  fs.writeFileSync(bomb, compress(Buffer.alloc(512 * 1024 * 1024)));
  assert.ok(fs.statSync(bomb).size < 100_000);
  await assert.rejects(CheckpointArchive.open(bomb, { cacheDir: dir }), (e: unknown) => e instanceof LimitError && /--max-ratio/.test(e.message));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'archives')).filter((n) => n.includes('.tar')), [], 'no partial output left behind');
});

test('a tar cut short still opens: what is there is readable and the cut is reported', async () => {
  const dir = tempDir();
  const src = fs.readFileSync(fixture('crio-counter').input);
  const cut = path.join(dir, 'cut.tar');
  // Cut inside checkpoint/pages-2.img's data: the members before it remain readable.
  const pages2 = indexTar(new BufferSource(src)).byName.get('checkpoint/pages-2.img')!;
  fs.writeFileSync(cut, src.subarray(0, pages2.dataOffset + 1000));
  const a = await CheckpointArchive.open(cut, { cacheDir: dir });
  assert.equal(a.truncated, true);
  assert.ok(a.damage.some((w) => /cut short/.test(w)));
  assert.ok(a.readImage('core-1.img')!.length > 0);
  assert.equal(a.entry('checkpoint/pages-2.img')!.truncated, true);
});

test('a corrupt header is a FormatError naming the byte offset', async () => {
  const dir = tempDir();
  const src = Buffer.from(fs.readFileSync(fixture('crio-counter').input));
  src[512 * 3 + 100] ^= 0xff; // inside a later member's header (checksum now wrong)
  const bad = path.join(dir, 'bad.tar');
  fs.writeFileSync(bad, src);
  const r = kensa(['show', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.tar @1536: (tar header checksum mismatch|unreadable tar header)/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
});

test('names that climb out of the archive are flagged, never used as paths', async () => {
  const dir = tempDir();
  const root = path.join(dir, 'src');
  fs.mkdirSync(path.join(root, 'checkpoint'), { recursive: true });
  fs.copyFileSync(path.join(fixture('criu-dir').input, 'inventory.img'), path.join(root, 'checkpoint', 'inventory.img'));
  const out = path.join(dir, 'evil.tar');
  await tar.c({ file: out, cwd: root, preservePaths: true }, ['checkpoint']);
  // Append a member whose name climbs out, by rewriting a header's name field in place.
  const buf = Buffer.from(fs.readFileSync(out));
  const h = new tar.Header(buf.subarray(512 * 1, 512 * 2));
  h.path = '../../etc/evil';
  h.encode(buf, 512);
  fs.writeFileSync(out, buf);
  const a = await CheckpointArchive.open(out, { cacheDir: dir });
  const e = a.entries().find((x) => x.unsafeName);
  assert.ok(e, 'flagged');
  assert.equal(e!.name, 'etc/evil');
  assert.ok(a.warnings.some((w) => /leaves the archive/.test(w)));
  assert.ok(!fs.existsSync(path.join(dir, '..', 'etc', 'evil')));
  void KensaError;
});

test('decompression stops on cancel and leaves no partial output', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const bomb = path.join(LOCAL_HOSTILE, 'zstd-bomb.tar.zst');
  // With the ratio limit raised the bomb would inflate 4 GiB; the signal stops it.
  await assert.rejects(CheckpointArchive.open(bomb, { cacheDir: dir, signal: ac.signal, limits: { maxRatio: 1e9 } }), (e: unknown) => e instanceof KensaError && /cancelled/.test(e.message));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'archives')).filter((n) => n.includes('.tar')), []);
});

test('a compressed archive cut short opens partially: what decompressed before the cut is kept and reported', async () => {
  for (const [name, cutAt] of [['podman-counter', 30_000], ['threads', 20_000]] as const) {
    const dir = tempDir();
    const src = fs.readFileSync(fixture(name).input);
    const cut = path.join(dir, `cut${path.extname(fixture(name).input)}`);
    fs.writeFileSync(cut, src.subarray(0, cutAt));
    const a = await CheckpointArchive.open(cut, { cacheDir: dir });
    assert.equal(a.truncated, true, name);
    assert.match(a.damage[0], /stream ends or breaks after \d+ decompressed bytes/, name);
    assert.ok(a.has('config.dump') && a.readFile('config.dump').length > 0, `${name}: members before the cut are readable`);
    // The same evidence opened again reuses the partial output and says the same.
    const again = await CheckpointArchive.open(cut, { cacheDir: dir });
    assert.deepEqual(again.damage, a.damage);
  }
});
