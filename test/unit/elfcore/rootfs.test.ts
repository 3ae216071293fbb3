/**
 * `--rootfs` in every form (cli-conventions.md): tar, tar.gz, tar.zst, OCI image layout with whiteouts, and
 * a folder. Paths resolve as inside a chroot; the sysroot for gdb is extracted into the cache only; member
 * names that climb out or are absolute, and links that point out of the root, are refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, test } from 'node:test';
import { Header } from 'tar';
import { openRootfs, type Rootfs } from '../../../main/core/rootfs/rootfs';
import { KensaError } from '../../../main/core/errors';
import { tempDir } from '../../helpers';

type Entry = { path: string; type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link'; data?: string; linkpath?: string; mode?: number };

/** A ustar archive written block by block (node-tar's Header encodes each header, hostile names included). */
function tarOf(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const type = e.type ?? 'File';
    const h = new Header({ path: e.path, type, size: type === 'File' ? data.length : 0, mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644), linkpath: e.linkpath, mtime: new Date(0), uid: 0, gid: 0 });
    const block = Buffer.alloc(512);
    h.encode(block, 0);
    blocks.push(block);
    if (type === 'File' && data.length) blocks.push(Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const TREE: Entry[] = [
  { path: './', type: 'Directory' },
  { path: './bin/', type: 'Directory' },
  { path: './bin/busybox', data: 'BUSYBOX', mode: 0o4755 },
  { path: './bin/sh', type: 'SymbolicLink', linkpath: 'busybox' },
  { path: './bin/ash', type: 'Link', linkpath: 'bin/busybox' },
  { path: './usr/lib/x86_64-linux-gnu/ld.so', data: 'LOADER' },
  { path: './lib', type: 'SymbolicLink', linkpath: 'usr/lib' },
  { path: './lib64/ld-linux.so', type: 'SymbolicLink', linkpath: '/lib/x86_64-linux-gnu/ld.so' },
  { path: '../../escape', data: 'ESCAPED' },
  { path: '/abs/file', data: 'ABSOLUTE' },
  { path: './evil', type: 'SymbolicLink', linkpath: '../../../../../../etc/passwd' },
  { path: './blocker', data: 'a file' },
  { path: './blocker/inside', data: 'under a file' },
  { path: './loop', type: 'SymbolicLink', linkpath: 'loop' },
];

function read(r: Rootfs, p: string): string | undefined {
  const f = r.open(p);
  return f ? f.src.read(0, f.src.size).toString() : undefined;
}

function checkTree(r: Rootfs): void {
  assert.equal(read(r, '/bin/busybox'), 'BUSYBOX');
  assert.equal(read(r, '/bin/sh'), 'BUSYBOX', 'relative symlink');
  assert.equal(read(r, '/bin/ash'), 'BUSYBOX', 'hard link');
  assert.equal(read(r, '/lib64/ld-linux.so'), 'LOADER', 'absolute symlink through a symlinked directory, inside the root');
  assert.equal(read(r, '/../../bin/busybox'), 'BUSYBOX', '.. at the root stays at the root');
  assert.equal(read(r, '/escape'), undefined, 'a member named ../../escape is refused');
  assert.equal(read(r, '/abs/file'), undefined, 'an absolute member name is refused');
  assert.equal(read(r, '/blocker/inside'), undefined);
  assert.equal(read(r, '/loop'), undefined, 'a symlink loop resolves to nothing');
  assert.equal(read(r, '/bin'), undefined, 'a directory is not file content');
  assert.equal(r.open('/bin/busybox')?.origin, 'rootfs');
}

/** Every link under `dir` either dangles or resolves inside `dir` (or inside one of `alsoInside`). */
function assertContained(dir: string, alsoInside: string[] = []): void {
  const allowed = [dir, ...alsoInside].map((d) => fs.realpathSync(d));
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) {
        let target: string;
        try {
          target = fs.realpathSync(p);
        } catch {
          continue; // dangling: harmless
        }
        assert.ok(allowed.some((a) => target === a || target.startsWith(a + path.sep)), `${p} leads out to ${target}`);
      } else if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
}

async function checkSysroot(r: Rootfs & { warnings?: string[] }, cache: string): Promise<string> {
  const root = await r.sysroot(cache);
  assert.ok(root.startsWith(path.resolve(cache) + path.sep), 'the sysroot is in the cache');
  assert.equal(fs.readFileSync(path.join(root, 'bin/sh'), 'utf8'), 'BUSYBOX');
  assert.equal(fs.readFileSync(path.join(root, 'lib64/ld-linux.so'), 'utf8'), 'LOADER');
  assert.equal(fs.readlinkSync(path.join(root, 'lib64/ld-linux.so')), '../lib/x86_64-linux-gnu/ld.so', 'absolute link rewritten relative');
  assert.ok(!fs.existsSync(path.join(root, 'evil')) && !isLink(path.join(root, 'evil')), 'a link pointing out is refused');
  assert.equal(fs.statSync(path.join(root, 'bin/busybox')).mode & 0o7777, 0o755, 'no setuid bit in the cache');
  assert.ok(!fs.existsSync(path.join(path.dirname(root), 'escape')) && !fs.existsSync(path.join(path.dirname(path.dirname(root)), 'escape')));
  assertContained(root);
  assert.ok((r.warnings ?? []).some((w) => /escape/.test(w)));
  assert.ok((r.warnings ?? []).some((w) => /evil/.test(w) && /outside/.test(w)));
  // Extracted once: a second call reuses the folder.
  const mtime = fs.statSync(root).mtimeMs;
  assert.equal(await r.sysroot(cache), root);
  assert.equal(fs.statSync(root).mtimeMs, mtime);
  return root;
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

describe('rootfs forms', () => {
  const tar = tarOf(TREE);

  test('tar, read in place', async () => {
    const dir = tempDir('kensa-rootfs-');
    fs.writeFileSync(path.join(dir, 'rootfs.tar'), tar);
    const r = await openRootfs(path.join(dir, 'rootfs.tar'), { cacheDir: path.join(dir, 'cache') });
    assert.equal(r.kind, 'tar');
    checkTree(r);
    await checkSysroot(r, path.join(dir, 'cache'));
    r.close();
  });

  test('tar.gz and tar.zst, by magic whatever the name', async () => {
    const dir = tempDir('kensa-rootfs-');
    fs.writeFileSync(path.join(dir, 'a.tar'), zlib.gzipSync(tar));
    const z = spawnSync('zstd', ['-q', '-c'], { input: tar });
    assert.equal(z.status, 0, 'zstd is needed for this test (Debian package: zstd)');
    fs.writeFileSync(path.join(dir, 'b.tar.gz'), z.stdout);
    for (const f of ['a.tar', 'b.tar.gz']) {
      const r = await openRootfs(path.join(dir, f), { cacheDir: path.join(dir, 'cache') });
      checkTree(r);
      await checkSysroot(r, path.join(dir, 'cache'));
      r.close();
    }
  });

  test('OCI image layout: layers in order, whiteouts, opaque directories, digests checked', async () => {
    const dir = tempDir('kensa-oci-');
    const layout = path.join(dir, 'layout');
    const blobs = path.join(layout, 'blobs', 'sha256');
    fs.mkdirSync(blobs, { recursive: true });
    const blob = (data: Buffer): string => {
      const d = crypto.createHash('sha256').update(data).digest('hex');
      fs.writeFileSync(path.join(blobs, d), data);
      return `sha256:${d}`;
    };
    const lower = zlib.gzipSync(tarOf([...TREE, { path: 'a/keep', data: 'KEEP' }, { path: 'a/gone', data: 'GONE' }, { path: 'a/gonedir/x', data: 'X' }, { path: 'opq/old', data: 'OLD' }]));
    const upperTar = tarOf([{ path: 'a/.wh.gone' }, { path: 'a/.wh.gonedir' }, { path: 'opq/new', data: 'NEW' }, { path: 'opq/.wh..wh..opq' }, { path: 'bin/busybox', data: 'BUSYBOX-2' }]);
    const upper = spawnSync('zstd', ['-q', '-c'], { input: upperTar }).stdout;
    const layers = [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: blob(lower), size: lower.length },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: blob(upper), size: upper.length },
    ];
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blob(Buffer.from('{}')), size: 2 }, layers }));
    const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: blob(manifest), size: manifest.length }] };
    fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify(index));
    fs.writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');

    const r = await openRootfs(layout, { cacheDir: path.join(dir, 'cache') });
    assert.equal(r.kind, 'oci');
    assert.equal(read(r, '/bin/sh'), 'BUSYBOX-2', 'the upper layer wins');
    assert.equal(read(r, '/a/keep'), 'KEEP');
    assert.equal(read(r, '/a/gone'), undefined, '.wh.gone hides a file');
    assert.equal(read(r, '/a/gonedir/x'), undefined, '.wh.gonedir hides a directory and its contents');
    assert.equal(read(r, '/opq/old'), undefined, '.wh..wh..opq hides the lower directory contents');
    assert.equal(read(r, '/opq/new'), 'NEW', 'but not the same layer\'s');
    const root = await r.sysroot(path.join(dir, 'cache'));
    assert.ok(!fs.existsSync(path.join(root, 'a/.wh.gone')) && !fs.existsSync(path.join(root, 'a/gone')));
    assert.equal(fs.readFileSync(path.join(root, 'opq/new'), 'utf8'), 'NEW');
    r.close();

    // A layer whose bytes are not the blob its digest names.
    fs.writeFileSync(path.join(blobs, layers[0].digest.slice(7)), zlib.gzipSync(tarOf([{ path: 'tampered', data: 'x' }])));
    await assert.rejects(openRootfs(layout, { cacheDir: path.join(dir, 'cache2') }), (e: KensaError) => e.kind === 'format' && /digest/.test(e.message));

    // More than one image: refused, not guessed.
    fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [index.manifests[0], index.manifests[0]] }));
    await assert.rejects(openRootfs(layout, { cacheDir: path.join(dir, 'cache3') }), (e: KensaError) => e.kind === 'usage' && /2 manifests/.test(e.message));
  });

  test('a folder: resolved without following host links; a mirror sysroot when links lead out', async () => {
    const dir = tempDir('kensa-rootfs-folder-');
    const root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(root, 'usr/lib/x86_64-linux-gnu'), { recursive: true });
    fs.mkdirSync(path.join(root, 'lib64'));
    fs.writeFileSync(path.join(root, 'bin/busybox'), 'BUSYBOX');
    fs.symlinkSync('busybox', path.join(root, 'bin/sh'));
    fs.writeFileSync(path.join(root, 'usr/lib/x86_64-linux-gnu/ld.so'), 'LOADER');
    fs.symlinkSync('usr/lib', path.join(root, 'lib'));
    const outside = path.join(dir, 'outside-secret');
    fs.writeFileSync(outside, 'HOST FILE');
    fs.symlinkSync(outside, path.join(root, 'hostlink'));
    fs.symlinkSync('../outside-secret', path.join(root, 'evil'));

    // Before an absolute link exists, the folder itself is the sysroot.
    const plain = await openRootfs(root, { cacheDir: path.join(dir, 'cache') });
    assert.equal(plain.kind, 'folder');
    fs.rmSync(path.join(root, 'hostlink'));
    fs.rmSync(path.join(root, 'evil'));
    assert.equal(await plain.sysroot(path.join(dir, 'cache')), fs.realpathSync(root));
    fs.symlinkSync(outside, path.join(root, 'hostlink'));
    fs.symlinkSync('../outside-secret', path.join(root, 'evil'));
    fs.symlinkSync('/lib/x86_64-linux-gnu/ld.so', path.join(root, 'lib64/ld-linux.so'));

    const r = await openRootfs(root, { cacheDir: path.join(dir, 'cache') });
    assert.equal(read(r, '/bin/sh'), 'BUSYBOX');
    assert.equal(read(r, '/lib64/ld-linux.so'), 'LOADER', 'an absolute link is read inside the root, not on the host');
    assert.equal(read(r, '/hostlink'), undefined, 'a link to a host path resolves inside the root (where it does not exist)');
    assert.equal(read(r, '/evil'), undefined);
    const mirror = await r.sysroot(path.join(dir, 'cache'));
    assert.notEqual(mirror, fs.realpathSync(root));
    assert.ok(mirror.startsWith(path.resolve(dir, 'cache')));
    assert.equal(fs.readFileSync(path.join(mirror, 'lib64/ld-linux.so'), 'utf8'), 'LOADER');
    assert.equal(fs.readFileSync(path.join(mirror, 'bin/sh'), 'utf8'), 'BUSYBOX');
    assert.ok(!fs.existsSync(path.join(mirror, 'evil')), 'a relative link climbing out is refused');
    assert.ok(!fs.existsSync(path.join(mirror, 'hostlink')), 'a link to a host path does not reach the host file');
    assertContained(mirror, [root]);
    r.close();
    plain.close();
  });

  test('not a rootfs', async () => {
    const dir = tempDir('kensa-rootfs-bad-');
    await assert.rejects(openRootfs(path.join(dir, 'none')), (e: KensaError) => e.kind === 'io');
    fs.writeFileSync(path.join(dir, 'empty'), '');
    await assert.rejects(openRootfs(path.join(dir, 'empty')), (e: KensaError) => e.kind === 'format');
    fs.writeFileSync(path.join(dir, 'junk'), Buffer.alloc(1024, 7));
    await assert.rejects(openRootfs(path.join(dir, 'junk'), { cacheDir: path.join(dir, 'cache') }), (e: KensaError) => e instanceof KensaError && e.kind === 'format');
  });
});
