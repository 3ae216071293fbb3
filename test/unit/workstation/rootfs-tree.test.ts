/**
 * The Files panel's tree (main/services/rootfs-tree.ts) on podman-counter: the image (rootfs.tar.zst) merged
 * with the container's rootfs-diff.tar, badges against the image, and image files read through readFile.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { KensaServices } from '../../../main/services/kensa-services';
import * as path from 'node:path';
import { LOCAL_FIXTURES, TEST_CACHE } from '../../helpers';

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
