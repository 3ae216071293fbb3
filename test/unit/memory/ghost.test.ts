/**
 * Ghost files (criu-format.md §1.3, §2.7): the GhostFile view over ghost-file-<id>.img (raw content, sparse
 * chunks, cut or malformed images), remap-fpath normalisation, and the address space reading a deleted
 * mapped file from its ghost (origin ghost-file, member and image offsets) on the crio-counter fixture
 * with the counter executable marked deleted.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeImage } from '../../../main/core/criu';
import { BufferSource } from '../../../main/core/io/byte-source';
import { FormatError, KensaError } from '../../../main/core/errors';
import { GhostFile, remapEntries } from '../../../main/core/model/ghost-file';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { CONTENT_ORIGINS, PRESENT_ORIGINS } from '../../../shared/byte-origins';
import { ORIGIN_NAMES } from '../../../renderer/memory/page-cache';
import { REPO, tempDir, TEST_CACHE } from '../../helpers';
import { COUNTER_PATH, COUNTER_PID, counterBytes, dataRuns, fileIdOf, GHOST_MEMBER, ghostCheckpoint, ghostImage } from './ghost-synth';

const MEMBER = 'checkpoint/ghost-file-9.img';

/** 12 KiB with data at its start, in its middle and at its end, zeros between: three chunks, two holes. */
function sparseFile(): Buffer {
  const b = Buffer.alloc(3 * 4096);
  b.write('ELF-ish head', 0, 'latin1');
  b.fill(0x41, 5000, 5300);
  b.write('tail!', b.length - 5, 'latin1');
  return b;
}

function open(image: Buffer, expectedSize?: number): GhostFile {
  return GhostFile.open(new BufferSource(image), { source: 'evidence.tar', member: MEMBER, expectedSize });
}

describe('GhostFile', () => {
  test('raw content to EOF: the size comes from files.img, a shorter image is a cut at its end', () => {
    const content = Buffer.from('a deleted log line\n'.repeat(20));
    const image = ghostImage(content, 'raw', 0o100644);
    const g = open(image, content.length);
    assert.equal(g.form, 'raw');
    assert.equal(g.type, 'file');
    assert.equal(g.size, content.length);
    assert.equal(g.knownEnd, content.length);
    assert.deepEqual(g.problems, []);
    assert.deepEqual(g.read(0, g.size), content);
    // The single piece points at the content inside the image.
    const [piece] = g.pieces(5, 10);
    assert.deepEqual(image.subarray(piece.imageOffset!, piece.imageOffset! + 5), content.subarray(5, 10));

    const cut = open(image.subarray(0, image.length - 100), content.length);
    assert.equal(cut.size, content.length);
    assert.equal(cut.knownEnd, content.length - 100);
    assert.equal(cut.problems.length, 1);
    assert.equal(cut.problems[0].location.member, MEMBER);
    assert.equal(cut.problems[0].location.offset, image.length - 100);
    assert.match(cut.problems[0].message, /cut short: 280 of 380 bytes/);
    assert.deepEqual(cut.read(0, cut.knownEnd), content.subarray(0, cut.knownEnd));
    assert.throws(() => cut.read(0, cut.size), (e: unknown) => e instanceof FormatError && e.location.member === MEMBER && e.location.offset === image.length - 100);
  });

  test('sparse chunks: holes read as zeros, pieces point into the image, reads equal the file', () => {
    const file = sparseFile();
    const runs = dataRuns(file);
    assert.ok(runs.length === 3 && runs.every((r) => r.len < file.length), JSON.stringify(runs));
    const image = ghostImage(file, 'chunks');
    assert.ok(image.length < file.length, 'holes are not stored');
    const g = open(image);
    assert.equal(g.form, 'chunks');
    assert.equal(g.size, file.length);
    assert.equal(g.knownEnd, file.length);
    assert.equal(g.storedBytes, runs.reduce((n, r) => n + r.len, 0));
    assert.deepEqual(g.read(0, file.length), file);
    for (const [off, len] of [[0, 1], [250, 20], [4990, 400], [12280, 16], [3000, 6000]]) {
      assert.deepEqual(g.read(off, Math.min(len, file.length - off)), file.subarray(off, off + len), `${off}+${len}`);
    }
    const pieces = g.pieces(0, file.length);
    assert.equal(pieces[0].start, 0);
    assert.equal(pieces[pieces.length - 1].end, file.length);
    for (let i = 1; i < pieces.length; i++) assert.equal(pieces[i].start, pieces[i - 1].end, 'contiguous');
    for (const p of pieces) {
      if (p.imageOffset === undefined) assert.ok(file.subarray(p.start, p.end).every((b) => b === 0), `hole ${p.start}-${p.end}`);
      else assert.deepEqual(image.subarray(p.imageOffset, p.imageOffset + p.end - p.start), file.subarray(p.start, p.end));
    }
    assert.equal(pieces.filter((p) => p.imageOffset === undefined).length, 2);
  });

  test('a cut inside chunk data keeps the bytes before it; a cut inside a chunk header keeps the chunks before it', () => {
    const file = sparseFile();
    const image = ghostImage(file, 'chunks');
    const runs = dataRuns(file);
    // The second chunk's data: 20 of its bytes survive.
    const second = image.indexOf(file.subarray(runs[1].off, runs[1].off + runs[1].len));
    const inData = open(image.subarray(0, second + 20));
    assert.equal(inData.knownEnd, runs[1].off + 20);
    assert.equal(inData.problems[0].location.offset, second);
    assert.match(inData.problems[0].message, new RegExp(`chunk at file offset ${runs[1].off} \\(${runs[1].len} bytes\\) is cut short: only 20 bytes remain`));
    assert.deepEqual(inData.read(0, inData.knownEnd), file.subarray(0, inData.knownEnd));
    assert.equal(inData.readInto(0, file.length, Buffer.alloc(file.length), 0), inData.knownEnd, 'readInto stops at the cut');

    // Two bytes into the third chunk's size prefix: what follows the second chunk is unknown.
    const third = second + runs[1].len;
    const inHeader = open(image.subarray(0, third + 2));
    assert.equal(inHeader.knownEnd, runs[1].off + runs[1].len);
    assert.equal(inHeader.problems[0].location.offset, third);
  });

  test('bad input: wrong magic, an oversized or overlapping chunk, no entry: typed errors with member and offset', () => {
    const file = sparseFile();
    const image = ghostImage(file, 'chunks');
    const notGhost = encodeImage({ magicName: 'REMAP_FPATH', entries: [{ orig_id: 1, remap_id: 1, remap_type: 1 }] });
    assert.throws(() => open(notGhost), (e: unknown) => e instanceof FormatError && e.location.offset === 4 && /GHOST_FILE magic/.test(e.message));
    assert.throws(() => open(image.subarray(0, 10)), (e: unknown) => e instanceof FormatError && e.location.member === MEMBER && /before its ghost_file_entry/.test(e.message));
    const huge = Buffer.from(image);
    huge.writeUInt32LE(0x7fffffff, 8);
    assert.throws(() => open(huge), (e: unknown) => e instanceof KensaError && e.location.offset === 8 && /claims 2147483647 bytes/.test(e.message));

    // Chunks out of file order (SEEK_DATA never writes them so): the later one is refused with its offset.
    const swapped = encodeImage({
      magicName: 'GHOST_FILE',
      entries: [{ uid: 0, gid: 0, mode: 0o100644, chunks: true, size: 8192n }, { len: 4n, off: 4096n }, { len: 4n, off: 0n }],
      records: [undefined, { payload: { kind: 'ghost-chunk', data: Buffer.from('abcd') } }, { payload: { kind: 'ghost-chunk', data: Buffer.from('efgh') } }],
    });
    const g = open(swapped);
    assert.equal(g.knownEnd, 4100);
    assert.match(g.problems[0].message, /overlaps or precedes/);
    assert.deepEqual(g.read(4096, 4), Buffer.from('abcd'));
  });

  test('big-endian images and directories (no content)', () => {
    const file = sparseFile();
    const be = encodeImage({
      magicName: 'GHOST_FILE',
      byteOrder: 'big',
      entries: [{ uid: 0, gid: 0, mode: 0o100644, chunks: true, size: BigInt(file.length) }, { len: 12n, off: 0n }],
      records: [undefined, { payload: { kind: 'ghost-chunk', data: file.subarray(0, 12) } }],
    });
    assert.deepEqual(open(be).read(0, file.length), Buffer.concat([file.subarray(0, 12), Buffer.alloc(file.length - 12)]));
    const dir = open(encodeImage({ magicName: 'GHOST_FILE', entries: [{ uid: 0, gid: 0, mode: 0o040755 }], records: [{ payload: { kind: 'ghost-contents', data: Buffer.alloc(0) } }] }));
    assert.equal(dir.form, 'none');
    assert.equal(dir.type, 'dir');
    assert.equal(dir.size, 0);
  });

  test('remap-fpath: remap_type as written, or the ghost bit of remap_id in images older than the field', () => {
    assert.deepEqual(
      remapEntries([{ orig_id: 7, remap_id: 1, remap_type: 1 }, { orig_id: 8, remap_id: 20, remap_type: 0 }, { orig_id: 9, remap_id: 0x80000003 }, { orig_id: 10, remap_id: 4 }, { orig_id: 11, remap_id: 31, remap_type: 2 }]),
      [
        { fileId: 7, remapId: 1, kind: 'ghost' },
        { fileId: 8, remapId: 20, kind: 'linked' },
        { fileId: 9, remapId: 3, kind: 'ghost' },
        { fileId: 10, remapId: 4, kind: 'linked' },
        { fileId: 11, remapId: 31, kind: 'procfs' },
      ],
    );
  });
});

test('ghost-file is a known origin everywhere origins are listed (core, search, contract, hex view, legend, colours)', () => {
  assert.ok(CONTENT_ORIGINS.has('ghost-file'));
  assert.ok(!PRESENT_ORIGINS.has('ghost-file'), 'file content, not dumped memory: not counted as present');
  for (const o of CONTENT_ORIGINS) assert.ok(ORIGIN_NAMES.includes(o), o);
  // The memory legend (a .tsx the Node-side build does not compile) names it.
  assert.match(fs.readFileSync(path.join(REPO, 'renderer', 'panels', 'memory', 'VmaMap.tsx'), 'utf8'), /\['ghost-file', '[^']+'\]/);
  const css = fs.readFileSync(path.join(REPO, 'renderer', 'styles.css'), 'utf8');
  for (const o of ORIGIN_NAMES) assert.match(css, new RegExp(`\\.o-${o}\\b[^{]*\\{`), `a colour for ${o}`);
});

describe('a deleted mapped executable read from its ghost (crio-counter, pid 6)', () => {
  let counter: Buffer;
  let input: string;
  before(async () => {
    counter = await counterBytes(TEST_CACHE);
    input = await ghostCheckpoint(tempDir('kensa-ghost-'), TEST_CACHE, counter, { form: 'chunks' });
  });

  test('file pages CRIU did not dump come from the ghost: origin ghost-file, member and image offsets', async () => {
    const cp = await Checkpoint.open(input, { cacheDir: TEST_CACHE });
    try {
      const space = cp.addressSpace(COUNTER_PID)!;
      const mapped = space.vmas.filter((v) => v.file?.path === COUNTER_PATH);
      assert.equal(mapped.length, 5);
      assert.ok(mapped.every((v) => v.file!.deleted && v.name.endsWith(' (deleted)')));
      const image = fs.readFileSync(path.join(input, GHOST_MEMBER));
      let ghostBytes = 0;
      for (const v of mapped) {
        const { data, extents } = space.read(v.start, Number(v.end - v.start));
        for (const e of extents.filter((x) => x.origin === 'ghost-file')) {
          ghostBytes += Number(e.end - e.start);
          assert.equal(e.member, GHOST_MEMBER);
          const fileOff = Number(v.pgoff + (e.start - v.start));
          const len = Number(e.end - e.start);
          if (e.srcOffset !== undefined) assert.deepEqual(image.subarray(e.srcOffset, e.srcOffset + len), counter.subarray(fileOff, fileOff + len), 'srcOffset is the offset in the ghost image');
          else assert.ok(counter.subarray(fileOff, fileOff + len).every((b) => b === 0), 'a hole of the sparse file');
        }
        if (extents.every((x) => x.origin === 'ghost-file')) assert.deepEqual(data, counter.subarray(Number(v.pgoff), Number(v.pgoff) + data.length));
      }
      assert.equal(ghostBytes, 2 * 4096, 'the two read-only pages CRIU left to the file');
      assert.deepEqual(cp.problems, []);
      assert.deepEqual(cp.deletedFiles().map((d) => [d.fileId, d.path, d.remap, d.ghost?.size, d.users]), [[fileIdOf(path.join(input, 'checkpoint'), COUNTER_PATH), COUNTER_PATH, 'ghost', counter.length, [{ pid: 6, use: 'mmap' }, { pid: 6, use: 'exe' }]]]);
    } finally {
      cp.close();
    }
  });

  test('without its ghost image the pages are missing-file and a problem names the member', async () => {
    const dir = tempDir('kensa-ghost-');
    const copy = await ghostCheckpoint(dir, TEST_CACHE, counter, { form: 'raw' });
    fs.rmSync(path.join(copy, GHOST_MEMBER));
    const cp = await Checkpoint.open(copy, { cacheDir: TEST_CACHE });
    try {
      const space = cp.addressSpace(COUNTER_PID)!;
      const first = space.vmas.find((v) => v.file?.path === COUNTER_PATH)!;
      assert.deepEqual(space.extents(first.start, first.end).map((e) => e.origin), ['missing-file']);
      assert.equal(cp.problems.length, 1);
      assert.equal(cp.problems[0].member, GHOST_MEMBER);
      assert.match(cp.problems[0].text, /named by remap-fpath\.img but not in the checkpoint/);
    } finally {
      cp.close();
    }
  });
});
