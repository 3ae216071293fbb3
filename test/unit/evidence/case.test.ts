/**
 * EvidenceCase over real fixtures: intake hashes, bookmarks checked against the checkpoint with their bytes
 * hashed, derived files recorded (and copied in when written elsewhere), and verify() naming exactly what
 * changed: one byte of the evidence, of a derived file, of case.json, a file added to or removed from a
 * folder of evidence.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { fixture, tempDir, TEST_CACHE, readJson } from '../../helpers';
import { EvidenceCase } from '../../../main/core/evidence/case';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { readChain } from '../../../main/core/evidence/custody';

const sha256 = (b: Buffer | string): string => crypto.createHash('sha256').update(b).digest('hex');

/** A private copy of a fixture archive (tests that change evidence must never touch the fixtures). */
function copyOf(name: string): string {
  const src = fixture(name).input;
  const dir = tempDir();
  const dest = path.join(dir, path.basename(src));
  if (fs.statSync(src).isDirectory()) fs.cpSync(src, dest, { recursive: true });
  else fs.copyFileSync(src, dest);
  return dest;
}

function flipByte(file: string, offset: number): void {
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, offset);
  b[0] ^= 0xff;
  fs.writeSync(fd, b, 0, 1, offset);
  fs.closeSync(fd);
}

function needle(name: string): { pid: number; address: string } {
  const n = readJson<Record<string, Record<string, string[]>>>(path.join(fixture(name).ref, 'gcore', 'needles.json')).RANDOM_1432_KEY;
  const pid = Object.keys(n)[0];
  return { pid: Number(pid), address: n[pid][0] };
}

test('init writes case.json and the first custody entry; open reads it back; bad folders are refused', () => {
  const dir = path.join(tempDir(), 'case');
  const c = EvidenceCase.init(dir, { analyst: 'alice', title: 'Counter incident' });
  assert.match(c.id, /^[0-9a-f-]{36}$/);
  const info = readJson<Record<string, unknown>>(path.join(dir, 'case.json'));
  assert.deepEqual(info, { ...c.info });
  assert.equal(info.analyst, 'alice');
  assert.equal(info.title, 'Counter incident');
  assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
  const again = EvidenceCase.open(dir);
  assert.equal(again.id, c.id);
  assert.equal(again.entries()[0].event, 'case-init');
  assert.deepEqual(again.integrity(), { ok: true, problems: [] });
  assert.throws(() => EvidenceCase.init(dir), /not empty/);
  assert.throws(() => EvidenceCase.open(tempDir()), (e: Error & { kind?: string }) => e.kind === 'missing' && /not a Kensa case/.test(e.message));
});

test('addEvidence records size, SHA-256, SHA-512 and what the archive is; duplicates and paths inside the case are refused', async () => {
  const archive = copyOf('podman-counter');
  const c = EvidenceCase.init(path.join(tempDir(), 'case'), { analyst: 'a' });
  const progress: number[] = [];
  const ev = await c.addEvidence(archive, (done) => progress.push(done), { cacheDir: TEST_CACHE });
  assert.equal(ev.id, 'E1');
  assert.equal(ev.path, archive);
  assert.equal(ev.kind, 'file');
  assert.equal(ev.size, fs.statSync(archive).size);
  assert.equal(ev.sha256, execFileSync('sha256sum', [archive], { encoding: 'utf8' }).split(' ')[0]);
  assert.equal(ev.sha512, execFileSync('sha512sum', [archive], { encoding: 'utf8' }).split(' ')[0]);
  assert.equal(progress[progress.length - 1], ev.size);
  assert.equal(ev.description?.engine, 'Podman');
  assert.equal(ev.description?.container_name, 'counters');
  assert.equal(ev.description?.processes, 3);
  assert.deepEqual(c.evidence().map((e) => e.id), ['E1']);
  await assert.rejects(c.addEvidence(archive, undefined, { cacheDir: TEST_CACHE }), /already in this case as E1/);
  const inside = path.join(c.dir, 'derived.tar');
  fs.copyFileSync(archive, inside);
  await assert.rejects(c.addEvidence(inside), /outside the case folder/);
  // Something that is not a checkpoint is still recorded and hashed, with the reason it cannot be read.
  const junk = path.join(tempDir(), 'junk.bin');
  fs.writeFileSync(junk, 'not a checkpoint');
  const j = await c.addEvidence(junk, undefined, { cacheDir: TEST_CACHE });
  assert.equal(j.id, 'E2');
  assert.equal(j.sha256, sha256('not a checkpoint'));
  assert.match(j.description?.error ?? '', /tar|checkpoint/);
  assert.throws(() => c.resolveEvidence(), /2 pieces of evidence/);
  assert.equal(c.resolveEvidence('e2').id, 'E2');
});

test('bookmarks: targets are checked against the checkpoint, memory and file bytes are hashed', async () => {
  const archive = fixture('podman-counter').input;
  const c = EvidenceCase.init(path.join(tempDir(), 'case'));
  await c.addEvidence(archive, undefined, { cacheDir: TEST_CACHE });
  const cp = await c.openEvidence(undefined, 'test', { cacheDir: TEST_CACHE });
  try {
    const { pid, address } = needle('podman-counter');
    const mem = c.addNote({ text: 'key in the heap', target: { kind: 'memory', pid, address, length: 15 } }, cp);
    assert.equal(mem.id, 'N1');
    assert.equal(mem.evidenceId, 'E1');
    assert.deepEqual(mem.capture, { size: 15, sha256: sha256('RANDOM_1432_KEY'), origins: ['pages'] });
    // Addresses are normalised to lowercase 0x hex, whatever the caller wrote.
    const dec = c.addNote({ text: 'same, decimal', target: { kind: 'search-hit', pid, address: String(BigInt(address)), length: 15, pattern: 'RANDOM_1432_KEY' } }, cp);
    assert.deepEqual(dec.target, { kind: 'search-hit', pid, address, length: 15, pattern: 'RANDOM_1432_KEY' });
    const file = c.addNote({ text: 'created by GET /create', target: { kind: 'file', member: '/rootfs-diff.tar/home/counter/test-file' } }, cp);
    const expected = execFileSync('sh', ['-c', 'zstd -dc "$1" | tar -xO rootfs-diff.tar | tar -xO home/counter/test-file', 'sh', archive]);
    assert.deepEqual(file.target, { kind: 'file', member: 'rootfs-diff.tar/home/counter/test-file' });
    assert.deepEqual(file.capture, { size: expected.length, sha256: sha256(expected) });
    assert.equal(c.addNote({ text: 'listener', target: { kind: 'socket', inode: cp.sockets(6)[0].inode! } }, cp).id, 'N4');
    assert.equal(c.addNote({ text: 'main thread', target: { kind: 'thread', pid: 6, tid: 6 } }, cp).capture, undefined);
    assert.throws(() => c.addNote({ text: 'x', target: { kind: 'process', pid: 99 } }, cp), /no process 99/);
    assert.throws(() => c.addNote({ text: 'x', target: { kind: 'thread', pid: 6, tid: 7 } }, cp), /no thread 7/);
    assert.throws(() => c.addNote({ text: 'x', target: { kind: 'memory', pid: 6, address: '0x10', length: 4 } }, cp), /not mapped in process 6/);
    assert.throws(() => c.addNote({ text: 'x', target: { kind: 'socket', inode: 1 } }, cp), /no socket with inode 1/);
    assert.throws(() => c.addNote({ text: 'x', target: { kind: 'file', member: 'rootfs-diff.tar/etc/shadow' } }, cp), /no such member/);
    assert.throws(() => c.addNote({ text: '   ', target: { kind: 'process', pid: 6 } }), /needs text/);
    assert.throws(() => c.addNote({ text: 'x', target: { kind: 'memory', pid: 6, address: 'zz', length: 4 } }), /not an address/);
    assert.throws(() => c.addNote({ text: 'x', target: { kind: 'memory', pid: 6, address: '0x1000', length: 0 } }), /at least 1 byte/);
    assert.throws(() => c.addNote({ text: 'x', target: { kind: 'bogus' } as never }), /unknown bookmark target/);
    assert.deepEqual(c.notes().map((n) => n.id), ['N1', 'N2', 'N3', 'N4', 'N5']);
    // Failed bookmarks left nothing in the log.
    assert.deepEqual(c.entries().map((e) => e.event), ['case-init', 'intake', 'open', 'note', 'note', 'note', 'note', 'note']);
  } finally {
    cp.close();
  }
});

test('derived files: recorded with SHA-256 and action; written elsewhere -> copied into derived/', async () => {
  const archive = fixture('crio-counter').input;
  const c = EvidenceCase.init(path.join(tempDir(), 'case'));
  await c.addEvidence(archive, undefined, { cacheDir: TEST_CACHE });
  // A memory dump of pid 6's heap made through the AddressSpace reader.
  const cp = await Checkpoint.open(archive, { cacheDir: TEST_CACHE });
  const space = cp.addressSpace(6)!;
  const heap = space.vmas.find((v) => v.kind === 'heap' || v.name === '[heap]')!;
  const bytes = space.read(heap.start, Number(heap.end - heap.start)).data;
  cp.close();
  const dumpPath = c.derivedPath('heap-6.bin');
  assert.equal(path.dirname(dumpPath), path.join(c.dir, 'derived'));
  fs.writeFileSync(dumpPath, bytes);
  const d1 = c.recordDerived(dumpPath, 'AddressSpace(6).read([heap])');
  assert.deepEqual({ id: d1.id, path: d1.path, size: d1.size, sha256: d1.sha256, evidenceId: d1.evidenceId, kind: d1.kind }, { id: 'D1', path: 'derived/heap-6.bin', size: bytes.length, sha256: sha256(bytes), evidenceId: 'E1', kind: 'derived' });
  assert.ok(bytes.includes(Buffer.from('RANDOM_1432_KEY')), 'the heap holds the needle');
  // Elsewhere: copied in, original left alone.
  const outside = path.join(tempDir(), 'notes.txt');
  fs.writeFileSync(outside, 'analyst notes');
  const d2 = await c.recordDerivedAsync(outside, 'written by hand');
  assert.equal(d2.path, 'derived/notes.txt');
  assert.equal(d2.copiedFrom, outside);
  assert.equal(fs.readFileSync(path.join(c.dir, d2.path), 'utf8'), 'analyst notes');
  assert.equal(c.derivedPath('notes.txt'), path.join(c.dir, 'derived', 'notes-2.txt'));
  assert.equal(c.derivedPath('../../etc/passwd'), path.join(c.dir, 'derived', '__.._etc_passwd'));
  assert.throws(() => c.recordDerived(archive, 'x'), /is evidence/);
  assert.throws(() => c.recordDerived(path.join(c.dir, 'case.json'), 'x'), /part of the case/);
  assert.throws(() => c.recordDerived(dumpPath, ' '), /needs the command or action/);
  assert.deepEqual(c.derived().map((d) => d.id), ['D1', 'D2']);
});

test('log(): free-form events are chained; the case\'s own event names are reserved', () => {
  const c = EvidenceCase.init(path.join(tempDir(), 'case'));
  c.log('export', { what: 'hex view copied', bytes: 64 });
  assert.equal(c.entries()[1].event, 'export');
  assert.deepEqual(c.entries()[1].details, { bytes: 64, what: 'hex view copied' });
  assert.throws(() => c.log('intake', {}), /written by the case itself/);
  assert.throws(() => c.log('Bad Name'), /event names/);
});

test('verify: passes on an untouched case and names one changed byte of evidence, derived file or case.json', async () => {
  const archive = copyOf('crio-counter');
  const c = EvidenceCase.init(path.join(tempDir(), 'case'));
  await c.addEvidence(archive, undefined, { cacheDir: TEST_CACHE });
  const dump = c.derivedPath('dump.bin');
  fs.writeFileSync(dump, crypto.randomBytes(5000));
  c.recordDerived(dump, 'test dump');
  const ok = await c.verify();
  assert.equal(ok.ok, true, ok.problems.join('\n'));
  assert.equal(ok.evidence[0].sha256, c.evidence()[0].sha256);
  assert.equal(c.latestVerification()?.ok, true);
  assert.equal(c.latestVerification()?.seq, ok.seq);

  const mtime = fs.statSync(archive).mtime;
  flipByte(archive, 100_000);
  fs.utimesSync(archive, mtime, mtime); // a careful tamperer restores the mtime: the hash still tells
  const bad = await c.verify();
  assert.equal(bad.ok, false);
  assert.equal(bad.problems.length, 2);
  assert.match(bad.problems[0], new RegExp(`^evidence E1 \\(${archive.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): SHA-256 changed: recorded ${c.evidence()[0].sha256}, now [0-9a-f]{64}$`));
  assert.match(bad.problems[1], /^evidence E1 .*: SHA-512 changed/);
  assert.equal(c.latestVerification()?.ok, false);
  flipByte(archive, 100_000);

  flipByte(dump, 4999);
  const badDump = await c.verify();
  assert.deepEqual(badDump.problems.map((p) => p.replace(/[0-9a-f]{64}/g, 'H')), ['derived file D1 (derived/dump.bin): SHA-256 changed: recorded H, now H']);
  flipByte(dump, 4999);

  const caseFile = path.join(c.dir, 'case.json');
  const info = fs.readFileSync(caseFile, 'utf8');
  fs.writeFileSync(caseFile, info.replace('"analyst":"', '"analyst":"X'));
  const badInfo = await c.verify({ record: false });
  assert.deepEqual(badInfo.problems, ['case.json: changed since the case was created (it no longer matches custody entry 1)']);
  fs.writeFileSync(caseFile, info);

  fs.rmSync(dump);
  assert.match((await c.verify()).problems.join('\n'), /derived file D1 \(derived\/dump.bin\): missing/);
});

test('verify on folder evidence names the file that changed, appeared or disappeared', async () => {
  const folder = copyOf('criu-dir');
  const c = EvidenceCase.init(path.join(tempDir(), 'case'));
  const ev = await c.addEvidence(folder, undefined, { cacheDir: TEST_CACHE });
  assert.equal(ev.kind, 'folder');
  assert.equal(ev.files?.length, fs.readdirSync(folder).length);
  assert.equal((await c.verify()).ok, true);
  flipByte(path.join(folder, 'pages-2.img'), 10);
  assert.match((await c.verify()).problems.join('\n'), /evidence E1 \(.*\): file pages-2\.img changed/);
  flipByte(path.join(folder, 'pages-2.img'), 10);
  fs.writeFileSync(path.join(folder, 'extra.img'), 'x');
  assert.match((await c.verify()).problems.join('\n'), /file extra\.img was added/);
  fs.rmSync(path.join(folder, 'extra.img'));
  fs.renameSync(path.join(folder, 'dump.log'), path.join(folder, '..', 'dump.log'));
  assert.match((await c.verify()).problems.join('\n'), /file dump\.log was removed/);
  fs.renameSync(path.join(folder, '..', 'dump.log'), path.join(folder, 'dump.log'));
  assert.equal((await c.verify()).ok, true);
});

test('integrity(): the cheap check on open sees a moved mtime and a damaged log without re-hashing', async () => {
  const archive = copyOf('podman-counter');
  const c = EvidenceCase.init(path.join(tempDir(), 'case'));
  await c.addEvidence(archive, undefined, { cacheDir: TEST_CACHE });
  assert.deepEqual(c.integrity(), { ok: true, problems: [] });
  fs.utimesSync(archive, new Date(), new Date(Date.now() + 5000));
  assert.match(c.integrity().problems.join('\n'), /evidence E1 .*: modification time changed/);
  const log = path.join(c.dir, 'custody.jsonl');
  fs.writeFileSync(log, fs.readFileSync(log, 'utf8').replace('"kind":"file"', '"kind":"fila"'));
  assert.match(EvidenceCase.open(c.dir).integrity().problems.join('\n'), /custody\.jsonl line 2 \(intake\): entry changed/);
});

test('ids stay unique when two processes bookmark the same case at once', async () => {
  const c = EvidenceCase.init(path.join(tempDir(), 'case'));
  await c.addEvidence(fixture('crio-counter').input, undefined, { cacheDir: TEST_CACHE });
  const mod = path.resolve(__dirname, '../../../main/core/evidence/case.js');
  const script = `const { EvidenceCase } = require(${JSON.stringify(mod)});
const c = EvidenceCase.open(process.argv[1]);
for (let i = 0; i < 15; i++) c.addNote({ text: 'from ' + process.pid + ' #' + i, target: { kind: 'process', pid: 6 } });`;
  await Promise.all(
    [0, 1].map(
      () =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, ['-e', script, c.dir], { stdio: 'inherit' });
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}`))));
        }),
    ),
  );
  const ids = c.notes().map((n) => n.id);
  assert.equal(ids.length, 30);
  assert.equal(new Set(ids).size, 30);
  assert.deepEqual(readChain(c.dir).problems, []);
});
