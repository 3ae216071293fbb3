/**
 * Issue 4 must-show: `kensa diff` of two checkpoints of one counter container, before and after a request,
 * shows the changed pages and the new request text.
 *
 * No second real checkpoint is at hand, so the "after" one is made from podman-counter by editing pid 6's
 * memory through the project's codec (pagemap re-encoded with encodeImage, pages file rewritten):
 * - the request text `GET /secret?NEW_SECRET_77aa HTTP/1.1` written into the heap page holding the key;
 * - a word of the counter binary's data page incremented (4 -> 5), as a served request bumps `counter`;
 * - a heap page that was untouched (zero, not in the checkpoint) now present, holding another request.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { fixture, kensa, tempDir, TEST_CACHE } from '../helpers';
import { isolatePages, PAGE, readPagemap, unpackArchive, writePagemap } from '../unit/memory/synth';
import { PE_PRESENT } from '../../main/core/criu';

const HEAP_KEY_PAGE = 0x3427a000n; // RANDOM_1432_KEY at 0x3427a8e0 (gcore/needles.json)
const REQUEST = 'GET /secret?NEW_SECRET_77aa HTTP/1.1\r\n';
const REQUEST_AT = 0x3427ac00n;
const COUNTER_AT = 0x4ccd90n; // a u64 in the counter binary's .data/.bss page, 4 before the request
const NEW_PAGE = 0x34280000n; // inside [heap] 0x34278000-0x3429a000, zero (not dumped) before
const EXFIL = 'GET /create?exfil.txt HTTP/1.1';

async function afterRequest(): Promise<{ before: string; after: string }> {
  const before = fixture('podman-counter').input;
  const after = path.join(tempDir(), 'after');
  await unpackArchive(before, after, TEST_CACHE);
  const images = path.join(after, 'checkpoint');
  const map = readPagemap(images, 'pagemap-6.img');
  const heap = isolatePages(map, HEAP_KEY_PAGE, 1);
  heap.data!.write(REQUEST, Number(REQUEST_AT - HEAP_KEY_PAGE), 'latin1');
  const data = isolatePages(map, COUNTER_AT, 1);
  const off = Number(COUNTER_AT & 0xfffn);
  assert.equal(data.data!.readBigUInt64LE(off), 4n, 'the counter word holds 4 before');
  data.data!.writeBigUInt64LE(5n, off);
  const fresh = Buffer.alloc(PAGE);
  fresh.write(EXFIL, 0x40, 'latin1');
  map.runs.push({ vaddr: NEW_PAGE, nrPages: 1, flags: PE_PRESENT, data: fresh });
  writePagemap(images, 'pagemap-6.img', map);
  return { before, after };
}

interface DiffJson {
  processes: { added: unknown[]; removed: unknown[]; changed: unknown[]; unchanged: number };
  files: unknown[];
  sockets: unknown[];
  mounts: { added: unknown[]; removed: unknown[]; changed: unknown[] };
  memory_sizes: { pid: number; a: { present: number }; b: { present: number } }[];
  memory: {
    pid: number;
    pages_changed: number;
    pages_appeared: number;
    pages_vanished: number;
    vmas: { start: string; end: string; backing: string; status: string; pages_changed: number; excerpts: { address: string; a: string; b: string; a_text: string; b_text: string }[] }[];
  }[];
}

test('kensa diff shows the changed pages and the new request text (JSON)', async () => {
  const { before, after } = await afterRequest();
  const r = kensa(['diff', before, after, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout) as DiffJson;
  assert.deepEqual([d.processes.added, d.processes.removed, d.processes.changed, d.processes.unchanged], [[], [], [], 3]);
  assert.deepEqual([d.files, d.sockets, d.mounts.added, d.mounts.removed, d.mounts.changed], [[], [], [], [], []]);
  const sizes = d.memory_sizes.find((m) => m.pid === 6)!;
  assert.equal(sizes.b.present - sizes.a.present, PAGE, 'one more page is in the checkpoint');

  const byPid = Object.fromEntries(d.memory.map((m) => [m.pid, m]));
  assert.deepEqual([byPid[1].pages_changed, byPid[7].pages_changed], [0, 0], 'sh and tee did not change');
  const counter = byPid[6];
  assert.deepEqual([counter.pages_changed, counter.pages_appeared, counter.pages_vanished], [3, 0, 0]);
  const heap = counter.vmas.find((v) => v.backing === '[heap]')!;
  assert.equal(heap.pages_changed, 2);
  const texts = heap.excerpts.map((e) => e.b_text);
  assert.ok(texts.some((t) => t.includes('GET /secret?NEW_SECRET_77aa')), `request text in an excerpt: ${JSON.stringify(texts)}`);
  assert.ok(texts.some((t) => t.includes(EXFIL)), 'the text of the page that appeared with content');
  const reqExcerpt = heap.excerpts.find((e) => e.b_text.includes('NEW_SECRET'))!;
  assert.equal(reqExcerpt.address, '0x' + REQUEST_AT.toString(16));
  assert.match(reqExcerpt.a, /^0+$/, 'those bytes were zero before');
  const data = counter.vmas.find((v) => v.backing === '/home/counter/counter' && v.pages_changed === 1)!;
  const e = data.excerpts[0];
  const at = Number(COUNTER_AT - BigInt(e.address));
  assert.deepEqual([Buffer.from(e.a, 'hex')[at], Buffer.from(e.b, 'hex')[at]], [4, 5], 'the counter went from 4 to 5');
});

test('kensa diff table: per-VMA page counts and -/+ hex lines with the request text; a checkpoint against itself shows nothing', async () => {
  const { before, after } = await afterRequest();
  const r = kensa(['diff', before, after]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Processes: 0 added, 0 removed, 0 changed, 3 unchanged/);
  assert.match(r.stdout, /pid 6 \(counter\): 3 changed, 0 appeared, 0 vanished/);
  assert.match(r.stdout, /0x34278000-0x3429a000 rw-p \[heap\]: 2 changed, 0 appeared, 0 vanished/);
  assert.match(r.stdout, /0x3427ac00  - (00 ){16}\s+\.{16}\n\s+\+ 47 45 54 20 2f 73 65 63 72 65 74 3f 4e 45 57 5f\s+GET \/secret\?NEW_/);
  assert.match(r.stdout, /\n\s+text now: GET \/secret\?NEW_SECRET_77aa HTTP\/1\.1\n/, 'the new request as text');
  assert.match(r.stdout, /\n\s+text now: GET \/create\?exfil\.txt HTTP\/1\.1\n/);
  assert.doesNotMatch(r.stdout, /not comparable/, 'file pages neither checkpoint holds are not reported');
  const same = kensa(['diff', before, before]);
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stdout, /no page changed/);
});
