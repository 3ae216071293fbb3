/**
 * Issue 4 must-show: for every fixture, `kensa mem INPUT --search STRING --json` (no --pid) returns exactly
 * the (pid, address) pairs gcore's cores hold for each string of gcore/needles.json, no more, no fewer.
 * Plus the other `kensa mem` modes through the real binary: sizes, --maps, --dump, and usage errors.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FIXTURES, fixture, kensa, readJson, tempDir } from '../helpers';
import { copyImages, isolatePages, readPagemap, writePagemap } from '../unit/memory/synth';

type Needles = Record<string, Record<string, string[]>>;

for (const f of FIXTURES) {
  test(`${f.name}: every needle of gcore/needles.json is found at exactly its (pid, address) pairs`, () => {
    const needles = readJson<Needles>(path.join(f.ref, 'gcore', 'needles.json'));
    assert.ok(Object.keys(needles).length > 0);
    for (const [text, want] of Object.entries(needles)) {
      const r = kensa(['mem', f.input, '--search', text, '--json']);
      assert.equal(r.status, 0, `${f.name} ${text}: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as { hits: { pid: number; address: string; match: string; origin: string }[]; truncated: boolean };
      assert.equal(out.truncated, false);
      const got: Record<string, string[]> = {};
      for (const h of out.hits) {
        assert.equal(Buffer.from(h.match, 'hex').toString('utf8'), text, 'the matched bytes are the needle');
        (got[String(h.pid)] ??= []).push(h.address);
      }
      for (const list of Object.values(got)) list.sort();
      const expected = Object.fromEntries(Object.entries(want).map(([pid, a]) => [pid, [...a].sort()]));
      assert.deepEqual(got, expected, `${f.name}: ${text}`);
    }
  });
}

test('mem sizes: per process, JSON and table, shared memory counted for both shmpair processes', () => {
  const f = fixture('shmpair');
  const r = kensa(['mem', f.input, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { pid: number; command: string; total: number; private: number; shared: number; file_backed: number; present: number; by_origin: Record<string, number> }[];
  assert.deepEqual(rows.map((x) => x.pid), [1, 6]);
  for (const row of rows) {
    assert.equal(row.command, 'shmpair');
    assert.equal(row.total, row.private + row.shared + row.file_backed);
    // 32 KiB MAP_SHARED|MAP_ANONYMOUS plus one 4 KiB memfd page (src/shmpair.c).
    assert.equal(row.shared, 36 * 1024);
    // Their 9 pages are in pagemap-shmem images; every process that maps them has them present.
    assert.equal(row.by_origin.shmem, 9 * 4096);
    assert.ok(row.present >= row.by_origin.shmem + row.by_origin.pages);
  }
  const t = kensa(['mem', f.input]);
  assert.equal(t.status, 0);
  assert.match(t.stdout, /^PID\s+COMMAND\s+TOTAL\s+PRIVATE\s+SHARED\s+FILE-BACKED\s+PRESENT\s+MISSING/);
  assert.match(t.stdout, /\n6\s+shmpair\s+/);
});

test('mem --maps: VMAs with flags, offsets, backing files and bytes by origin', () => {
  const f = fixture('podman-counter');
  const r = kensa(['mem', f.input, '--pid', '6', '--maps', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const vmas = JSON.parse(r.stdout) as { start: string; end: string; perms: string; kind: string; backing: string; present: number; origins: Record<string, number>; flags: string }[];
  const heap = vmas.find((v) => v.kind === 'heap')!;
  assert.deepEqual([heap.start, heap.end, heap.perms, heap.backing], ['0x34278000', '0x3429a000', 'rw-p', '[heap]']);
  assert.equal(heap.present, heap.origins.pages);
  const exe = vmas.filter((v) => v.backing === '/home/counter/counter');
  assert.equal(exe.length, 5);
  assert.ok(exe.every((v) => v.flags === 'private'));
  const stack = vmas.find((v) => v.kind === 'stack')!;
  assert.match(stack.flags, /growsdown/);
  const t = kensa(['mem', f.input, '--pid', '6', '--maps']);
  assert.match(t.stdout, /0x34278000\s+0x3429a000\s+rw-p\s+heap\s+private,anon\s+0x0\s+136\.0 KiB\s+12\.0 KiB\s+pages:3 zero:31\s+\[heap\]/);
});

test('mem --dump: xxd layout, --raw bytes, JSON with provenance, missing bytes never shown as data', () => {
  const f = fixture('podman-counter');
  const r = kensa(['mem', f.input, '--pid', '6', '--dump', '0x3427a8e0', '--len', '32']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '3427a8e0: 5241 4e44 4f4d 5f31 3433 325f 4b45 5900  RANDOM_1432_KEY.\n3427a8f0: 0000 0000 0000 0000 11f7 0100 0000 0000  ................\n');
  const raw = kensa(['mem', f.input, '--pid', '6', '--dump', '0x3427a8e0', '--len', '15', '--raw']);
  assert.equal(raw.stdoutBytes.toString('latin1'), 'RANDOM_1432_KEY');
  const j = JSON.parse(kensa(['mem', f.input, '--pid', '6', '--dump', '0x3427a8e0', '--len', '15', '--json']).stdout);
  assert.equal(Buffer.from(j.data, 'hex').toString(), 'RANDOM_1432_KEY');
  assert.deepEqual(j.extents.map((e: { origin: string; member: string }) => [e.origin, e.member]), [['pages', 'checkpoint/pages-2.img']]);
  // The counter binary's first page is file-backed and not in the checkpoint (no --rootfs): shown as --.
  const miss = kensa(['mem', f.input, '--pid', '6', '--dump', '0x400000', '--len', '16']);
  assert.equal(miss.status, 0);
  assert.equal(miss.stdout, '00400000: ---- ---- ---- ---- ---- ---- ---- ----                  \n');
  assert.match(miss.stderr, /not in the checkpoint.*missing-file \(\/home\/counter\/counter\)/);
});

test('mem --dump prints what xxd prints for the same bytes (apart from the address column)', () => {
  const f = fixture('podman-counter');
  const heap = kensa(['mem', f.input, '--pid', '6', '--dump', '0x3427a000', '--len', '4096', '--json']);
  const j = JSON.parse(heap.stdout) as { data: string; extents: { origin: string }[] };
  assert.deepEqual(j.extents.map((e) => e.origin), ['pages']);
  const xxd = spawnSync('xxd', [], { input: Buffer.from(j.data, 'hex') });
  assert.equal(xxd.status, 0, 'xxd runs (Debian package xxd)');
  const ours = kensa(['mem', f.input, '--pid', '6', '--dump', '0x3427a000', '--len', '4096']).stdout;
  const strip = (t: string): string[] => t.trimEnd().split('\n').map((l) => l.slice(l.indexOf(':')));
  assert.deepEqual(strip(ours), strip(xxd.stdout.toString()));
});

test('mem with --rootfs reads file-backed pages from the image root file system', () => {
  const f = fixture('podman-counter');
  const rootfs = path.join(f.ref, 'rootfs.tar.zst');
  const r = kensa(['mem', f.input, '--pid', '6', '--dump', '0x400000', '--len', '4', '--json', '--rootfs', rootfs]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.data, '7f454c46', 'the ELF header of /home/counter/counter');
  assert.equal(j.extents[0].origin, 'rootfs');
});

test('mem usage errors exit 1 with one line', () => {
  const f = fixture('podman-counter');
  const cases: string[][] = [
    ['mem', f.input, '--maps'],
    ['mem', f.input, '--pid', '1', '--pid', '6', '--maps'],
    ['mem', f.input, '--search', 'a', '--hex', '61'],
    ['mem', f.input, '--hex', 'abc'],
    ['mem', f.input, '--regex', '('],
    ['mem', f.input, '--utf16'],
    ['mem', f.input, '--pid', '99', '--search', 'x'],
    ['mem', f.input, '--search', 'x', '--vma', '0x2-0x1'],
    ['mem', f.input, '--pid', '6', '--dump', 'nowhere'],
    ['mem'],
  ];
  for (const args of cases) {
    const r = kensa(args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^kensa: error: [^\n]+\n$/, args.join(' '));
  }
});

test('mem --parent reads the pages an incremental dump keeps in its pre-dump', () => {
  const root = tempDir();
  const criu = fixture('criu-dir').input;
  copyImages(criu, path.join(root, 'pre'));
  const final = path.join(root, 'final');
  copyImages(criu, final);
  const map = readPagemap(final, 'pagemap-3.img');
  const run = isolatePages(map, 0x558610b4a000n, 3); // the heap pages holding RANDOM_1432_KEY
  run.flags = 1; // PE_PARENT: in the parent dump only
  delete run.data;
  writePagemap(final, 'pagemap-3.img', map);
  const alone = kensa(['mem', final, '--search', 'RANDOM_1432_KEY', '--json']);
  assert.equal(alone.status, 3, 'partial: the parent is not named');
  assert.match(alone.stderr, /parent dump.*--parent/);
  assert.deepEqual(JSON.parse(alone.stdout).hits.map((h: { address: string }) => h.address), ['0x7fff1a9bef08'], 'only the stack copy is in the checkpoint itself');
  const r = kensa(['mem', final, '--parent', path.join(root, 'pre'), '--search', 'RANDOM_1432_KEY', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const hits = JSON.parse(r.stdout).hits as { address: string; origin: string; member: string }[];
  assert.deepEqual(hits.map((h) => [h.address, h.origin]), [['0x558610b4a4c0', 'parent'], ['0x7fff1a9bef08', 'pages']]);
  assert.match(hits[0].member, /pre!pages-2\.img$/);
});
