/**
 * The Files panel's tree (main/services/rootfs-tree.ts) on podman-counter: the image (rootfs.tar.zst) merged
 * with the container's rootfs-diff.tar, badges against the image, and image files read through readFile.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { KensaServices } from '../../../main/services/kensa-services';
import type { RootfsDirEntry } from '../../../shared/api/contract';
import { readBase, replace, tar } from '../../../build/make-hostile';
import { LOCAL_FIXTURES, TEST_CACHE, tempDir } from '../../helpers';

const COUNTERS = path.join(LOCAL_FIXTURES, 'podman-counter/counters.tar.zst');
const ROOTFS = path.join(LOCAL_FIXTURES, 'podman-counter/rootfs.tar.zst');

test('rootfsDir: the image tree with the counter\'s changes badged against it; files open from either side', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: COUNTERS, rootfs: ROOTFS })).ok);
    const root = await services.rootfsDir({ path: '/' });
    assert.ok(root.ok, JSON.stringify(root));
    assert.equal(root.value.image, true);
    assert.ok(['bin', 'etc', 'home'].every((n) => root.value.entries.some((e) => e.name === n)), root.value.entries.map((e) => e.name).join(' '));

    const home = await services.rootfsDir({ path: '/home/counter' });
    assert.ok(home.ok, JSON.stringify(home));
    const byName = new Map(home.value.entries.map((e) => [e.name, e]));
    // The image holds only the counter binary: the files the container wrote are new.
    assert.equal(byName.get('test-file')?.badge, 'added');
    assert.equal(byName.get('logfile')?.badge, 'added');
    assert.equal(byName.get('test-file')?.member, 'rootfs-diff.tar/home/counter/test-file');
    const counter = byName.get('counter');
    assert.equal(counter?.kind, 'file');
    assert.equal(counter?.badge, undefined, 'a file only in the image has no badge');
    assert.equal(counter?.member, 'rootfs:/home/counter/counter');

    // The binary is read from the image (an ELF), the changed file from the archive.
    const elf = await services.readFile({ member: counter!.member!, length: 4 });
    assert.ok(elf.ok, JSON.stringify(elf));
    assert.equal(Buffer.from(elf.value.data, 'base64').toString('latin1'), '\x7fELF');
    assert.equal(elf.value.size, counter!.size);
    const written = await services.readFile({ member: byName.get('test-file')!.member! });
    assert.ok(written.ok && written.value.size === byName.get('test-file')!.size);

    // Links are listed as links, and a path climbing out stays inside the root.
    const out = await services.rootfsDir({ path: '/../../..' });
    assert.ok(out.ok && out.value.path === '/');
    const missing = await services.readFile({ member: 'rootfs:/etc/no-such-file' });
    assert.ok(!missing.ok && /no such file in the rootfs/.test(missing.error.message));
  } finally {
    await services.closeArchive();
  }
});

test('rootfsDir without --rootfs lists only the container\'s changes', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: COUNTERS })).ok);
    const home = await services.rootfsDir({ path: '/home/counter' });
    assert.ok(home.ok, JSON.stringify(home));
    assert.equal(home.value.image, false);
    assert.deepEqual(home.value.entries.map((e) => e.name).sort(), ['logfile', 'test-file']);
    // With no image to compare against, an entry is only known to be written, never claimed added or changed.
    assert.deepEqual(home.value.entries.map((e) => e.badge), ['written', 'written']);
  } finally {
    await services.closeArchive();
  }
});

/**
 * crio-counter (a plain CRI-O tar) with a crafted rootfs-diff.tar and deleted.files: every way a checkpoint
 * records a deletion (deleted.files, a `.wh.NAME` whiteout, an opaque `.wh..wh..opq` directory) next to
 * added and changed files. The image (crio-counter/rootfs.tar.zst) holds etc/passwd, home/app/counter,
 * lib/x86_64-linux-gnu/libc.so.6, bin/busybox and links to it (bin/wget, bin/sh, ...).
 */
const CRIO_ROOTFS = path.join(LOCAL_FIXTURES, 'crio-counter/rootfs.tar.zst');
function craftedArchive(): string {
  const diff = tar([
    { name: 'home/app/test-file', data: Buffer.from('TEST-FILE\n') },
    { name: 'home/app/counter', data: Buffer.from('replaced binary\n'), mode: 0o755 },
    { name: 'etc/.wh.passwd', data: Buffer.alloc(0) },
    { name: 'lib/.wh..wh..opq', data: Buffer.alloc(0) },
    { name: 'lib/new-lib.so', data: Buffer.from('new library\n') },
    { name: 'tmp/.wh.gone-before-image', data: Buffer.alloc(0) },
  ]);
  const deleted = Buffer.from(JSON.stringify(['/bin/wget', '/home/app/old.log', '/var/log/app/rotated.log']));
  const out = path.join(tempDir('kensa-rootfs-tree-'), 'crafted.tar');
  fs.writeFileSync(out, tar(replace(replace(readBase(), 'rootfs-diff.tar', diff), 'deleted.files', deleted)));
  return out;
}

async function listed(services: KensaServices, dir: string): Promise<Map<string, RootfsDirEntry>> {
  const r = await services.rootfsDir({ path: dir });
  assert.ok(r.ok, JSON.stringify(r));
  return new Map(r.value.entries.map((e) => [e.name, e]));
}

/** The image as a folder: the same tar unpacked (zstd and GNU tar, installed with the test tools). */
function unpackedRootfs(): string {
  const dir = tempDir('kensa-rootfs-folder-');
  const r = spawnSync('tar', ['--zstd', '-xf', CRIO_ROOTFS, '-C', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

/** The image as an OCI image layout folder: one zstd layer, the same tar (image-spec: index, manifest, blobs). */
function ociRootfs(): string {
  const layout = path.join(tempDir('kensa-rootfs-oci-'), 'layout');
  const blobs = path.join(layout, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const blob = (data: Buffer): string => {
    const d = crypto.createHash('sha256').update(data).digest('hex');
    fs.writeFileSync(path.join(blobs, d), data);
    return `sha256:${d}`;
  };
  const layer = fs.readFileSync(CRIO_ROOTFS);
  const config = Buffer.from('{}');
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blob(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: blob(layer), size: layer.length }],
  }));
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: blob(manifest), size: manifest.length }] }));
  fs.writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return layout;
}

const ROOTFS_FORMS = { tar: () => CRIO_ROOTFS, folder: unpackedRootfs, 'OCI layout': ociRootfs };

for (const form of Object.keys(ROOTFS_FORMS) as (keyof typeof ROOTFS_FORMS)[]) {
  test(`rootfsDir badges deletions from deleted.files, whiteouts and opaque directories (rootfs as a ${form})`, async () => {
    const services = new KensaServices({ cacheDir: TEST_CACHE });
    try {
      const opened = await services.openArchive({ path: craftedArchive(), rootfs: ROOTFS_FORMS[form]() });
      assert.ok(opened.ok, JSON.stringify(opened));
      const root = await listed(services, '/');
      // Directories holding changes say so (for the "changes only" view); /var exists only through deleted.files.
      for (const d of ['home', 'etc', 'lib', 'tmp', 'bin', 'var']) assert.equal(root.get(d)?.holdsChanges, true, d);
      assert.equal(root.get('lib64')?.holdsChanges, undefined, 'lib64 is as in the image');
      assert.equal(root.get('var')?.badge, undefined, 'a folder implied only by a deletion is not claimed added');

      const app = await listed(services, '/home/app');
      assert.equal(app.get('test-file')?.badge, 'added');
      assert.equal(app.get('counter')?.badge, 'changed', 'written over the image file');
      assert.equal(app.get('counter')?.member, 'rootfs-diff.tar/home/app/counter');
      assert.equal(app.get('counter')?.size, 'replaced binary\n'.length);
      assert.match(app.get('test-file')?.mtime ?? '', /^2026-11-26T/);
      // deleted.files names a file the image never had: listed, badged, nothing to read.
      assert.equal(app.get('old.log')?.badge, 'deleted');
      assert.equal(app.get('old.log')?.member, undefined);

      // A `.wh.NAME` whiteout of an image file: the image entry is badged deleted and cannot be opened.
      const etc = await listed(services, '/etc');
      assert.equal(etc.get('passwd')?.badge, 'deleted');
      assert.equal(etc.get('passwd')?.member, undefined);
      assert.ok(![...etc.keys()].some((n) => n.startsWith('.wh.')), 'whiteout members are never listed as files');
      const tmp = await listed(services, '/tmp');
      assert.equal(tmp.get('gone-before-image')?.badge, 'deleted');

      // The opaque directory hides what the image held there; the file written after it is new.
      const lib = await listed(services, '/lib');
      assert.equal(lib.get('x86_64-linux-gnu')?.badge, 'deleted');
      assert.equal(lib.get('new-lib.so')?.badge, 'added');
      assert.ok(![...lib.keys()].some((n) => n.startsWith('.wh.')), [...lib.keys()].join(' '));

      // deleted.files on an image symlink; its siblings stay as in the image.
      const bin = await listed(services, '/bin');
      assert.equal(bin.get('wget')?.badge, 'deleted');
      assert.equal(bin.get('wget')?.kind, 'symlink');
      assert.equal(bin.get('sh')?.badge, undefined);
      assert.equal(bin.get('busybox')?.member, 'rootfs:/bin/busybox');

      const varLog = await listed(services, '/var/log/app');
      assert.equal(varLog.get('rotated.log')?.badge, 'deleted');
    } finally {
      await services.closeArchive();
    }
  });
}

test('rootfsDir without --rootfs: deletions are still reachable and whiteouts are badged, nothing is claimed added', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: craftedArchive() })).ok);
    const root = await listed(services, '/');
    assert.deepEqual([...root.keys()].sort(), ['bin', 'etc', 'home', 'lib', 'tmp', 'var']);
    assert.ok([...root.values()].every((e) => e.holdsChanges && e.badge === undefined), JSON.stringify([...root.values()]));
    assert.equal((await listed(services, '/bin')).get('wget')?.badge, 'deleted');
    assert.equal((await listed(services, '/etc')).get('passwd')?.badge, 'deleted');
    const lib = await listed(services, '/lib');
    assert.deepEqual([...lib.entries()].map(([n, e]) => `${n}:${e.badge}`), ['new-lib.so:written']);
  } finally {
    await services.closeArchive();
  }
});
