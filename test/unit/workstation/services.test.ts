/**
 * Long work in the services: progress events and cancel for decompression, search and core writing;
 * hashing an evidence folder file by file; derived files in the cache, never beside the evidence.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import * as zlib from 'node:zlib';
import { Header } from 'tar';
import { KensaServices } from '../../../main/services/kensa-services';
import type { KensaEvents } from '../../../shared/api/contract';
import { fixture, tempDir, TEST_CACHE } from '../../helpers';

function progressOf(services: KensaServices): KensaEvents['progress'][] {
  const out: KensaEvents['progress'][] = [];
  services.subscribe((name, payload) => {
    if (name === 'progress') out.push(payload as KensaEvents['progress']);
  });
  return out;
}

/** crio-counter's members plus 48 MiB of random bytes, gzip-compressed: decompression takes a while. */
function slowArchive(): string {
  const src = fs.readFileSync(fixture('crio-counter').input);
  const filler = crypto.randomBytes(48 << 20);
  const h = new Header({ path: 'filler.bin', mode: 0o644, size: filler.length, type: 'File', mtime: new Date(0) });
  const block = Buffer.alloc(512);
  h.encode(block, 0);
  // The fixture tar ends with two zero blocks; put the filler before them.
  let end = src.length;
  while (end >= 512 && src.subarray(end - 512, end).every((b) => b === 0)) end -= 512;
  const tar = Buffer.concat([src.subarray(0, end), block, filler, Buffer.alloc((512 - (filler.length % 512)) % 512), Buffer.alloc(1024)]);
  const out = path.join(tempDir(), 'slow.tar.gz');
  fs.writeFileSync(out, zlib.gzipSync(tar, { level: 1 }));
  return out;
}

test('cancelling an open while it decompresses answers at once; nothing is opened', async () => {
  const archive = slowArchive();
  const services = new KensaServices({ cacheDir: tempDir('kensa-cache-') });
  const progress = progressOf(services);
  try {
    services.subscribe((name, payload) => {
      if (name === 'progress' && (payload as KensaEvents['progress']).phase === 'decompressing') void services.cancel({ taskId: 'open-slow' });
    });
    const r = await services.openArchive({ path: archive, taskId: 'open-slow' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.kind, 'cancelled');
    assert.ok(progress.some((p) => p.taskId === 'open-slow' && p.phase === 'hashing'));
    assert.deepEqual(await services.session(), { ok: true, value: null });
    // The same archive opens fine afterwards.
    const again = await services.openArchive({ path: archive });
    assert.ok(again.ok, !again.ok ? again.error.message : '');
    assert.equal(again.value.processes, 3);
  } finally {
    services.dispose();
  }
});

test('cancelling a search ends it as cancelled; the next search runs', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: fixture('shmpair').input })).ok);
    const search = services.search({ pattern: { regex: 'PAIR-[A-Z]+' }, taskId: 's1' });
    assert.deepEqual(await services.cancel({ taskId: 's1' }), { ok: true, value: { cancelled: true } });
    const r = await search;
    assert.equal(!r.ok && r.error.kind, 'cancelled');
    const again = await services.search({ pattern: { text: 'PAIR-SHARED-ANON-6b2f' }, taskId: 's1' });
    assert.ok(again.ok);
    assert.deepEqual(again.value.hits.map((h) => `${h.pid}:${h.address}`).sort(), ['1:0x7feee6553000', '6:0x7feee6553000']);
    assert.equal(again.value.hits[0].origin, 'shmem');
  } finally {
    services.dispose();
  }
});

test('a regex that backtracks without end does not freeze the services: they answer, and cancel ends the search', { timeout: 60_000 }, async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: fixture('shmpair').input })).ok);
    // Exponential on any run of zero bytes (each zero matched two ways): it never finishes on real memory.
    const search = services.search({ pattern: { regex: '(\\x00|\\x00)*x' }, taskId: 'evil' });
    await new Promise((r) => setTimeout(r, 300));
    const session = await services.session();
    assert.ok(session.ok && session.value !== null, 'the services answer while the regex runs (in its worker)');
    assert.deepEqual(await services.cancel({ taskId: 'evil' }), { ok: true, value: { cancelled: true } });
    const r = await search;
    assert.equal(!r.ok && r.error.kind, 'cancelled');
    const again = await services.search({ pattern: { regex: 'PAIR-SHARED-ANON-[0-9a-f]+' }, taskId: 'evil' });
    assert.ok(again.ok && again.value.hits.length === 2);
  } finally {
    services.dispose();
  }
});

test('writing a core reports progress and lands in the cache, never beside the evidence', async () => {
  const cache = tempDir('kensa-cache-');
  const services = new KensaServices({ cacheDir: cache });
  const progress = progressOf(services);
  const f = fixture('criu-dir');
  const before = fs.readdirSync(f.input).sort();
  try {
    assert.ok((await services.openArchive({ path: f.input })).ok);
    const r = await services.writeCore({ pid: 3, taskId: 'core-3' });
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.ok(r.value.path.startsWith(path.join(cache, 'derived')));
    assert.equal(r.value.sha256, crypto.createHash('sha256').update(fs.readFileSync(r.value.path)).digest('hex'));
    assert.deepEqual(r.value.threads, [3]);
    const last = progress.filter((p) => p.taskId === 'core-3').pop();
    assert.ok(last && last.phase === 'writing core' && last.done === last.total && last.total > 0);
    assert.deepEqual(fs.readdirSync(f.input).sort(), before, 'the evidence folder is untouched');
  } finally {
    services.dispose();
  }
});

test('hashing an evidence folder hashes every file in it', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  const f = fixture('criu-dir');
  try {
    assert.ok((await services.openArchive({ path: f.input })).ok);
    const r = await services.hashEvidence({ taskId: 'h' });
    assert.ok(r.ok);
    const files = fs.readdirSync(f.input).filter((n) => fs.statSync(path.join(f.input, n)).isFile()).sort();
    assert.deepEqual(r.value.map((h) => path.basename(h.path)), files);
    const core = r.value.find((h) => h.path.endsWith('core-3.img'))!;
    assert.equal(core.sha256, crypto.createHash('sha256').update(fs.readFileSync(core.path)).digest('hex'));
    const o = await services.overview();
    assert.ok(o.ok && o.value.hashes.length === files.length, 'the overview keeps the hashes');
  } finally {
    services.dispose();
  }
});
