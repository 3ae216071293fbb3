/**
 * Files deleted while open or mapped, through the real binary, on crio-counter with the counter executable
 * (mapped by pid 6) and tee's log file (fd 3 of pid 7) marked deleted and their content in ghost images
 * (test/unit/memory/ghost-synth.ts), without --rootfs: mem --maps, search, core, cat deleted:, ls deleted,
 * inspect --files; a cut ghost image (exit 3, the rest still read); a linked remap (no content to give).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { fixture, kensa, tempDir, TEST_CACHE } from '../helpers';
import { bytesAt, readCoreFile } from '../unit/elfcore/elf-reader';
import { COUNTER_PATH, counterBytes, GHOST_MEMBER, ghostCheckpoint, ghostImage, LOG_PATH, logBytes } from '../unit/memory/ghost-synth';

interface MapRow {
  start: string;
  end: string;
  perms: string;
  offset: string;
  backing: string;
  origins: Record<string, number>;
  extents: { start: string; end: string; origin: string; member?: string; member_offset?: number }[];
}

const crio = fixture('crio-counter');
/** A .rodata string of the counter program (`strings -t x` shows it at 0x2088, in the page CRIU left to the file). */
const RODATA = 'HTTP/1.0 200 OK';

function maps(input: string): { rows: MapRow[]; status: number; stderr: string } {
  const r = kensa(['mem', input, '--pid', '6', '--maps', '--json']);
  return { rows: JSON.parse(r.stdout) as MapRow[], status: r.status, stderr: r.stderr };
}

/** The counter's read-only mappings whose pages the checkpoint does not hold (the ELF header page and .rodata). */
function fileOnlyMaps(rows: MapRow[]): MapRow[] {
  return rows.filter((v) => v.backing.startsWith(COUNTER_PATH) && v.perms === 'r--p' && !v.origins.pages);
}

describe('ghost files', () => {
  let counter: Buffer;
  let raw: string;
  let chunked: string;
  let cut: string;
  let cutAt: number;
  let linked: string;
  before(async () => {
    counter = await counterBytes(TEST_CACHE);
    raw = await ghostCheckpoint(tempDir('kensa-ghost-cli-'), TEST_CACHE, counter, { form: 'raw', withLog: 'ghost' });
    chunked = await ghostCheckpoint(tempDir('kensa-ghost-cli-'), TEST_CACHE, counter, { form: 'chunks', asTar: true });
    // Cut 100 bytes into the chunk holding .rodata (file offset 0x2000).
    const image = ghostImage(counter, 'chunks');
    cutAt = image.indexOf(counter.subarray(0x2000, 0x2040)) + 100;
    cut = await ghostCheckpoint(tempDir('kensa-ghost-cli-'), TEST_CACHE, counter, { form: 'chunks', cutCounterGhostAt: cutAt });
    linked = await ghostCheckpoint(tempDir('kensa-ghost-cli-'), TEST_CACHE, counter, { form: 'raw', withLog: 'linked' });
  });

  test('mem --maps without --rootfs: the pages that were missing-file come from the ghost, with member and offset', () => {
    const original = fileOnlyMaps(maps(crio.input).rows);
    assert.deepEqual(original.map((v) => [v.offset, v.origins]), [['0x0', { 'missing-file': 4096 }], ['0x2000', { 'missing-file': 4096 }]]);
    const image = fs.readFileSync(path.join(raw, GHOST_MEMBER));
    const contentStart = image.length - counter.length; // raw form: the file follows the ghost_file_entry to EOF
    for (const input of [raw, chunked]) {
      const { rows, status, stderr } = maps(input);
      assert.equal(status, 0, stderr);
      const ghosted = fileOnlyMaps(rows);
      assert.deepEqual(ghosted.map((v) => [v.start, v.offset, v.origins]), original.map((v) => [v.start, v.offset, { 'ghost-file': 4096 }]));
      assert.ok(ghosted.every((v) => v.backing === `${COUNTER_PATH} (deleted)`));
      for (const v of ghosted) for (const e of v.extents) assert.equal(e.member, GHOST_MEMBER);
      if (input === raw) assert.deepEqual(ghosted.map((v) => v.extents.map((e) => e.member_offset)), [[contentStart], [contentStart + 0x2000]]);
      else assert.ok(ghosted[0].extents.some((e) => e.member_offset === undefined), 'the zero padding after the ELF headers is a hole of the sparse ghost');
    }
    const human = kensa(['mem', chunked, '--pid', '6', '--maps']);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /r--p .* ghost-file:1 +\/home\/app\/counter \(deleted\)/);
  });

  test('search finds a .rodata string in the ghost-backed page, which the checkpoint alone does not hold', () => {
    const fileOff = counter.indexOf(RODATA);
    assert.ok(fileOff >= 0x2000 && fileOff < 0x3000, `${RODATA} at 0x${fileOff.toString(16)}`);
    const rodataMap = fileOnlyMaps(maps(crio.input).rows).find((v) => v.offset === '0x2000')!;
    const address = '0x' + (BigInt(rodataMap.start) + BigInt(fileOff - 0x2000)).toString(16);
    type Hit = { address: string; origin: string; member?: string; member_offset?: number; text: string };
    const search = (input: string): Hit[] => {
      const r = kensa(['mem', input, '--pid', '6', '--search', RODATA, '--json']);
      assert.equal(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout) as { hits: Hit[] }).hits;
    };
    assert.equal(search(crio.input).find((h) => h.address === address), undefined);
    const image = fs.readFileSync(path.join(raw, GHOST_MEMBER));
    for (const input of [raw, chunked]) {
      const hit = search(input).find((h) => h.address === address);
      assert.ok(hit, `a hit at ${address}`);
      assert.equal(hit.origin, 'ghost-file');
      assert.equal(hit.member, GHOST_MEMBER);
      if (input === raw) assert.equal(image.toString('latin1', hit.member_offset!, hit.member_offset! + RODATA.length), RODATA);
    }
  });

  test('core writes the ghost-backed pages with the file bytes at their offsets and reports them under ghost-file', () => {
    const out = tempDir('kensa-ghost-core-');
    const r = kensa(['core', chunked, '--pid', '6', '--out', out, '--json', '--no-hash']);
    assert.equal(r.status, 0, r.stderr);
    const [row] = JSON.parse(r.stdout) as { path: string; bytes: Record<string, number>; missing: { file?: string }[] }[];
    assert.equal(row.bytes['ghost-file'], 2 * 4096);
    assert.ok(!row.missing.some((m) => m.file === COUNTER_PATH), 'the executable is no longer left out');
    const core = readCoreFile(row.path);
    for (const v of fileOnlyMaps(maps(chunked).rows)) {
      const off = Number(BigInt(v.offset));
      assert.deepEqual(bytesAt(core, BigInt(v.start), 4096), counter.subarray(off, off + 4096), `page at ${v.start} (file offset ${v.offset})`);
    }
    const human = kensa(['core', chunked, '--pid', '6', '--out', tempDir('kensa-ghost-core-'), '--no-hash']);
    assert.match(human.stdout, /core\.6: ghost-file 8\.0 KiB, pages/);
  });

  test('cat deleted:PATH recovers the file byte for byte (raw and sparse ghosts); deleted:#ID names one by files.img id', () => {
    for (const input of [raw, chunked]) {
      const r = kensa(['cat', input, `deleted:${COUNTER_PATH}`]);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdoutBytes.equals(counter), `${input}: ${r.stdoutBytes.length} bytes`);
    }
    const ids = JSON.parse(kensa(['ls', raw, 'deleted', '--json']).stdout) as { name: string; file_id: number }[];
    const log = kensa(['cat', raw, `deleted:#${ids.find((d) => d.name === LOG_PATH)!.file_id}`]);
    assert.equal(log.status, 0, log.stderr);
    assert.ok(log.stdoutBytes.equals(logBytes()));
    const none = kensa(['cat', raw, 'deleted:/home/app/not-there']);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^kensa: error: .*no file deleted while open or mapped is named \/home\/app\/not-there/);
  });

  test('ls ARCHIVE deleted: each deleted file with its size, where its content is and who used it', () => {
    const r = kensa(['ls', raw, 'deleted', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; type: string; size: number; mode: string; remap: string; member: string; used_by: { pid: number; use: string }[] }[];
    assert.deepEqual(
      rows.map((x) => [x.name, x.type, x.size, x.mode, x.remap, x.member, x.used_by]),
      [
        [COUNTER_PATH, 'file', counter.length, '-rwxr-xr-x', 'ghost', GHOST_MEMBER, [{ pid: 6, use: 'mmap' }, { pid: 6, use: 'exe' }]],
        [LOG_PATH, 'file', logBytes().length, '-rw-r--r--', 'ghost', 'checkpoint/ghost-file-2.img', [{ pid: 7, use: 'fd 3' }]],
      ],
    );
    const human = kensa(['ls', raw, 'deleted']);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /24\.3 KiB .*checkpoint\/ghost-file-1\.img +6 mmap, 6 exe +\/home\/app\/counter\n/);
    const none = kensa(['ls', crio.input, 'deleted', '--json']);
    assert.equal(none.status, 0, none.stderr);
    assert.deepEqual(JSON.parse(none.stdout), []);
  });

  test('inspect --files: a deleted file says its content is in the checkpoint, with its size and member', () => {
    const r = kensa(['inspect', raw, '--files', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const fds = (JSON.parse(r.stdout) as { file_descriptors: { pid: number; open_files: { fd: number | string; path: string; deleted?: boolean; ghost?: object }[] }[] }[])[0].file_descriptors;
    const of = (pid: number) => fds.find((p) => p.pid === pid)!.open_files;
    assert.deepEqual(of(7).find((f) => f.fd === 3), { type: 'REG', fd: 3, path: `${LOG_PATH} (deleted)`, deleted: true, ghost: { member: 'checkpoint/ghost-file-2.img', size: 218 } });
    assert.deepEqual(of(6).find((f) => f.fd === 'mmap'), { type: 'REG', fd: 'mmap', path: `${COUNTER_PATH} (deleted)`, deleted: true, ghost: { member: GHOST_MEMBER, size: counter.length } });
    assert.ok(!of(1).some((f) => f.deleted));
    const tree = kensa(['inspect', raw, '--files']);
    assert.equal(tree.status, 0, tree.stderr);
    assert.match(tree.stdout, /\[REG 3\] {2}\/home\/app\/logfile \(deleted\) — content in the checkpoint: 218 B \(checkpoint\/ghost-file-2\.img\)/);
    assert.match(tree.stdout, /\[mmap\] {2}\/home\/app\/counter \(deleted\) — content in the checkpoint: 24\.3 KiB \(checkpoint\/ghost-file-1\.img\)/);
  });

  test('a cut ghost image: a typed warning naming member and offset, exit 3; what it holds and the rest are still read', () => {
    const { rows, status, stderr } = maps(cut);
    assert.equal(status, 3);
    // The offset is where the chunk's bytes begin in the image: 100 of them are there.
    const warning = new RegExp(`^kensa: warning: ${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}!${GHOST_MEMBER} @${cutAt - 100}: ghost chunk at file offset 8192 \\(\\d+ bytes\\) is cut short: only 100 bytes remain in the image$`, 'm');
    assert.match(stderr, warning);
    const [head, rodata] = fileOnlyMaps(rows);
    assert.deepEqual(head.origins, { 'ghost-file': 4096 });
    assert.deepEqual(rodata.origins, { 'ghost-file': 100, 'missing-file': 4096 - 100 });
    assert.deepEqual(rows.filter((v) => !v.backing.startsWith(COUNTER_PATH)), maps(crio.input).rows.filter((v) => !v.backing.startsWith(COUNTER_PATH)), 'every other mapping reads as before');

    const cat = kensa(['cat', cut, `deleted:${COUNTER_PATH}`]);
    assert.equal(cat.status, 3);
    assert.match(cat.stderr, warning);
    assert.ok(cat.stdoutBytes.equals(counter.subarray(0, 0x2000 + 100)), `${cat.stdoutBytes.length} bytes written: the file up to the cut`);
    const ls = kensa(['ls', cut, 'deleted', '--json']);
    assert.equal(ls.status, 3);
    assert.equal((JSON.parse(ls.stdout) as { known_size: number }[])[0].known_size, 0x2000 + 100);
    const ps = kensa(['ps', cut]);
    assert.equal(ps.status, 0, ps.stderr);
  });

  test('a linked remap keeps no content in the checkpoint: cat says so (exit 2), ls deleted lists it', () => {
    const r = kensa(['cat', linked, `deleted:${LOG_PATH}`]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /checkpoint\/remap-fpath\.img: \/home\/app\/logfile was deleted while in use, but CRIU kept it as a hard link .*\(linked remap\): its content is not in the checkpoint/);
    const ls = JSON.parse(kensa(['ls', linked, 'deleted', '--json']).stdout) as { name: string; remap: string; content: string; size: number }[];
    assert.deepEqual(ls.find((x) => x.name === LOG_PATH), { ...ls.find((x) => x.name === LOG_PATH), remap: 'linked', content: 'not in the checkpoint (linked remap)', size: 218 });
  });

  test('kensa gdb: an executable deleted while running is recovered from its ghost for gdb (symbols, bt to main)', () => {
    const out = tempDir('kensa-ghost-gdb-');
    const r = kensa(['gdb', raw, '--pid', '6', '--rootfs', path.join(crio.ref, 'rootfs.tar.zst'), '--out', out, '--batch', '--ex', 'bt', '--ex', 'info inferiors']);
    assert.equal(r.status, 0, r.stderr);
    const recovered = path.join(out, 'exe.6');
    assert.ok(fs.readFileSync(recovered).equals(counter), 'gdb is given the recovered executable, byte for byte');
    assert.ok(r.stdout.includes(recovered), `gdb's inferior is the recovered file:\n${r.stdout}`);
    assert.doesNotMatch(r.stdout + r.stderr, /newer than core/);
    const core = fs.statSync(path.join(out, 'core.6'));
    assert.ok(core.mtimeMs >= fs.statSync(recovered).mtimeMs, 'exe.6 is written before the core, so gdb never finds it newer');
    assert.match(r.stdout, /#1 +0x[0-9a-f]+ in main \(.*\) at counter\.c:37/);
  });
});
