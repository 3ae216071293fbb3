/**
 * Evidence hashing: SHA-256 and SHA-512 from one streaming pass agree with coreutils (sha256sum,
 * sha512sum) on the real fixtures and on files larger than one read chunk; a folder's digest is the digest
 * of the manifest `sha256sum` prints for its files in byte order; hashing never changes the file.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fixture, tempDir } from '../../helpers';
import { hashFolder, folderManifest, compareBytes } from '../../../main/core/evidence/hash';
import { hashFile, sha256FileSync } from '../../../main/core/io/hash';
import { CancelledError, KensaError } from '../../../main/core/errors';

function coreutils(tool: 'sha256sum' | 'sha512sum', file: string): string {
  return execFileSync(tool, ['--', file], { encoding: 'utf8' }).split(' ')[0];
}

test('file digests equal sha256sum / sha512sum for every archive fixture', async () => {
  for (const name of ['podman-counter', 'crio-counter', 'threads', 'containerd-threads', 'shmpair']) {
    const f = fixture(name).input;
    const d = await hashFile(f);
    assert.equal(d.sha256, coreutils('sha256sum', f), `${name} sha256`);
    assert.equal(d.sha512, coreutils('sha512sum', f), `${name} sha512`);
    assert.equal(d.size, fs.statSync(f).size);
    assert.deepEqual(sha256FileSync(f), { size: d.size, sha256: d.sha256 });
  }
});

test('streaming across chunk boundaries: a 3.5 MiB file, progress reaches the total', async () => {
  const dir = tempDir();
  const f = path.join(dir, 'big.bin');
  const data = crypto.randomBytes(3.5 * 1024 * 1024 + 17);
  fs.writeFileSync(f, data);
  const seen: number[] = [];
  const d = await hashFile(f, { onProgress: (done, total) => (assert.equal(total, data.length), seen.push(done)) });
  assert.equal(d.sha256, crypto.createHash('sha256').update(data).digest('hex'));
  assert.equal(d.sha512, crypto.createHash('sha512').update(data).digest('hex'));
  assert.equal(seen[seen.length - 1], data.length);
  assert.ok(seen.length >= 4, 'more than one chunk was read');
});

test('an aborted hash stops with a typed error', async () => {
  const f = fixture('crio-counter').input;
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(hashFile(f, { signal: ac.signal }), (e: Error) => e instanceof CancelledError && e instanceof KensaError && /cancelled/.test(e.message));
});

test('folder digest = digest of the sorted sha256sum manifest (criu-dir images), per-file digests too', async () => {
  const dir = fixture('criu-dir').input;
  const d = await hashFolder(dir);
  const names = fs.readdirSync(dir).sort(compareBytes);
  assert.deepEqual(d.files.map((f) => f.path), names);
  // What a user would type: sha256sum of every file in C-locale order, then sha256sum of that listing.
  const manifest = execFileSync('sh', ['-c', 'cd "$1" && find . -type f -printf "%P\\0" | LC_ALL=C sort -z | xargs -0 sha256sum --', 'sh', dir], { encoding: 'utf8' });
  assert.equal(folderManifest(d.files, 'sha256'), manifest);
  assert.equal(d.sha256, crypto.createHash('sha256').update(manifest).digest('hex'));
  const manifest512 = execFileSync('sh', ['-c', 'cd "$1" && find . -type f -printf "%P\\0" | LC_ALL=C sort -z | xargs -0 sha512sum --', 'sh', dir], { encoding: 'utf8' });
  assert.equal(d.sha512, crypto.createHash('sha512').update(manifest512).digest('hex'));
  for (const f of d.files) assert.equal(f.sha256, coreutils('sha256sum', path.join(dir, f.path)), f.path);
});

test('folders: nested files, symlinks recorded and never followed', async () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'b.img'), 'bee');
  fs.writeFileSync(path.join(dir, 'a.img'), 'ay');
  fs.symlinkSync('/etc/passwd', path.join(dir, 'link'));
  const d = await hashFolder(dir);
  assert.deepEqual(d.files.map((f) => f.path), ['a.img', 'sub/b.img']);
  assert.deepEqual(d.symlinks, [{ path: 'link', target: '/etc/passwd' }]);
  assert.equal(d.size, 5);
});

test('hashing leaves the file untouched: bytes, mtime and atime', async () => {
  const dir = tempDir();
  const f = path.join(dir, 'e.tar');
  fs.copyFileSync(fixture('crio-counter').input, f);
  const past = new Date('2020-01-02T03:04:05Z');
  fs.utimesSync(f, past, past); // an atime far in the past would be updated by any counted read under relatime
  const before = fs.statSync(f, { bigint: true });
  await hashFile(f);
  sha256FileSync(f);
  const after = fs.statSync(f, { bigint: true });
  assert.equal(after.mtimeNs, before.mtimeNs);
  assert.equal(after.ctimeNs, before.ctimeNs);
  // O_NOATIME: we are root (or the owner), so the kernel does not move atime.
  assert.equal(after.atimeNs, before.atimeNs);
});
