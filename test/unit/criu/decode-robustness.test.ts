/**
 * Hostile and odd input: truncation at every byte, absurd size claims, unknown fields (kept and re-encoded),
 * missing required fields, wrong wire types, packed encodings, invalid UTF-8, deep nesting, unknown magics,
 * raw images, big-endian images.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { FormatError, KensaError } from '../../../main/core/errors.js';
import {
  critJson,
  decodeImage,
  decodeMessage,
  encodeImage,
  encodeMessage,
  rawJson,
  type PstreeEntry,
} from '../../../main/core/criu/index.js';
import { fixtureImages } from './fixture-images.js';

const COMMON = 0x54564319; // IMG_COMMON, criu-format.md §1.1
const PSTREE = 0x50273030;

function u32le(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32LE(v >>> 0, i * 4));
  return b;
}

/** A PSTREE image from raw message bodies. */
function pstreeImage(...bodies: Buffer[]): Buffer {
  return Buffer.concat([u32le(COMMON, PSTREE), ...bodies.flatMap((b) => [u32le(b.length), b])]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

function expectFormatError(fn: () => unknown, offset: number, pattern: RegExp): FormatError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FormatError, `expected a FormatError, got ${String(e)}`);
    assert.equal(e.location.offset, offset, `offset of "${e.message}"`);
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail('no error');
}

describe('truncated images', () => {
  const pstree = fixtureImages('criu-dir').get('pstree.img')!;
  const full = decodeImage(pstree, { member: 'pstree.img' });

  test('cut at every length: whole entries decode, a partial one names its offset', () => {
    assert.equal(full.entries.length, 3);
    for (let cut = 0; cut < pstree.length; cut++) {
      const bytes = pstree.subarray(0, cut);
      if (cut < 4) {
        expectFormatError(() => decodeImage(bytes, { member: 'pstree.img' }), 0, /too short for a magic/);
        continue;
      }
      if (cut < 8) {
        expectFormatError(() => decodeImage(bytes, { member: 'pstree.img' }), 4, /ends after its head magic/);
        continue;
      }
      const broken = full.records.find((r) => cut > r.offset && cut < r.offset + 4 + r.size);
      if (!broken) {
        const img = decodeImage(bytes, { member: 'pstree.img' });
        assert.equal(img.entries.length, full.records.filter((r) => r.offset + 4 + r.size <= cut).length);
        continue;
      }
      const pattern = cut - broken.offset < 4 ? /4-byte size is expected/ : /entry claims \d+ bytes/;
      const err = expectFormatError(() => decodeImage(bytes, { source: 'ckpt.tar', member: 'pstree.img' }), broken.offset, pattern);
      assert.equal(err.location.source, 'ckpt.tar');
      assert.equal(err.location.member, 'pstree.img');
      assert.match(err.describe(), /^ckpt\.tar!pstree\.img @\d+: /);
    }
  });

  test('an entry claiming 4 GiB is rejected from its size field alone', () => {
    const bytes = Buffer.concat([u32le(COMMON, PSTREE, 0xffffffff), Buffer.from([0x08, 0x01])]);
    // Refused before anything is allocated: the message names the 2 bytes that are there.
    expectFormatError(() => decodeImage(bytes), 8, /entry claims 4294967295 bytes but only 2 remain/);
  });

  test('payload lengths are checked before slicing: pipe data, semaphores, shm sizes', () => {
    // pipes-data: pipe_data_entry { pipe_id=1, bytes=0xffffffff } and nothing after it
    const pipeBody = Buffer.concat([Buffer.from([0x08, 0x01, 0x10]), varint(0xffffffff)]);
    const pipes = Buffer.concat([u32le(COMMON, 0x56453709, pipeBody.length), pipeBody]);
    expectFormatError(() => decodeImage(pipes), 12 + pipeBody.length, /claims 4294967295 bytes but only 0 remain/);

    // ipcns-sem: nsems = 2^31 → 4 GiB of u16 values
    const desc = encodeMessage('ipc_desc_entry', { key: 1, uid: 0, gid: 0, cuid: 0, cgid: 0, mode: 0o600, id: 1 });
    const sem = encodeMessage('ipc_sem_entry', { desc: decodeMessage('ipc_desc_entry', desc), nsems: 0x80000000 });
    const semImage = Buffer.concat([u32le(COMMON, 0x59573019, sem.length), sem]);
    expectFormatError(() => decodeImage(semImage), 12 + sem.length, /claims 4294967296 bytes/);

    // ipcns-shm: size = 2^63 with in_pagemaps false
    const shm = encodeMessage('ipc_shm_entry', {
      desc: decodeMessage('ipc_desc_entry', desc), size: 1n << 63n, in_pagemaps: false,
    });
    const shmImage = Buffer.concat([u32le(COMMON, 0x46283044, shm.length), shm]);
    expectFormatError(() => decodeImage(shmImage), 12 + shm.length, /claims 9223372036854775808 bytes/);
  });

  test('malformed protobuf inside an entry names the exact byte', () => {
    // varint with 11 continuation bytes at message offset 1 (member offset 12 + 1)
    const longVarint = Buffer.concat([Buffer.from([0x08]), Buffer.alloc(10, 0xff), Buffer.from([0x01])]);
    expectFormatError(() => decodeImage(pstreeImage(longVarint)), 13, /varint longer than 10 bytes/);
    // a length-delimited unknown field claiming 100 bytes inside a 4-byte message
    expectFormatError(() => decodeImage(pstreeImage(Buffer.from([0x52, 100, 0, 0]))), 13, /claims 100 bytes but only 2 remain/);
    // field number 0
    expectFormatError(() => decodeImage(pstreeImage(Buffer.from([0x00, 0x01]))), 12, /field number 0/);
    // wire types 6 and 7 do not exist
    expectFormatError(() => decodeImage(pstreeImage(Buffer.from([0x0e, 0x01]))), 13, /invalid wire type 6/);
  });

  test('messages nested too deeply are refused, not a stack overflow', () => {
    let dir = encodeMessage('cgroup_dir_entry', { dir_name: 'leaf', children: [] });
    for (let i = 0; i < 150; i++) {
      // cgroup_dir_entry.children (field 2) holds cgroup_dir_entry: wrap the previous one
      dir = Buffer.concat([Buffer.from([0x0a, 1, 0x78]), Buffer.from([0x12]), varint(dir.length), dir]);
    }
    assert.throws(() => decodeMessage('cgroup_dir_entry', dir), (e: unknown) => e instanceof FormatError && /nested deeper than 100/.test(e.message));
  });
});

describe('unknown fields are kept', () => {
  const images = fixtureImages('criu-dir');

  test('a field 999 injected into a pstree entry survives decode, raw JSON and re-encoding', () => {
    const original = images.get('pstree.img')!;
    const img = decodeImage(original);
    const first = img.records[0]!;
    const body = original.subarray(first.offset + 4, first.offset + 4 + first.size);
    // tag (999 << 3 | 2) = 7994, length 5, "hello"; then field 1000 as varint 300
    const injected = Buffer.concat([body, varint((999 << 3) | 2), Buffer.from([5]), Buffer.from('hello'), varint(1000 << 3), varint(300)]);
    const bytes = Buffer.concat([
      original.subarray(0, first.offset),
      u32le(injected.length),
      injected,
      original.subarray(first.offset + 4 + first.size),
    ]);

    const decoded = decodeImage(bytes, { member: 'pstree.img' });
    assert.deepEqual(decoded.warnings, []);
    const entry = decoded.entries[0] as PstreeEntry;
    assert.equal(entry.pid, (img.entries[0] as PstreeEntry).pid);
    assert.deepEqual(entry.$unknown, [
      { field: 999, wireType: 2, bytes: Buffer.from('hello') },
      { field: 1000, wireType: 0, bytes: varint(300) },
    ]);

    const raw = JSON.parse(rawJson(decoded)) as { entries: Array<{ fields: Record<string, unknown> }> };
    assert.deepEqual(raw.entries[0]!.fields['$unknown'], [
      { field: 999, wireType: 2, bytes: '68656c6c6f' },
      { field: 1000, wireType: 0, bytes: 'ac02' },
    ]);
    // crit (Python protobuf) does not list unknown fields: the crit view is unchanged.
    assert.equal(critJson(decoded), critJson(img));
    // Unknown fields are written after the known ones, as they were here: byte-identical.
    assert.ok(encodeImage(decoded).equals(bytes));
  });

  test('unknown fields inside nested messages, and groups, are kept', () => {
    const core = decodeImage(images.get('core-1.img')!);
    const tc = (core.entries[0] as { tc: Record<string, unknown> }).tc;
    // a group (wire type 3) holding a varint, as field 50 of task_core_entry
    tc['$unknown'] = [{ field: 50, wireType: 3, bytes: Buffer.from([0x08, 0x07]) }];
    const bytes = encodeImage(core);
    const again = decodeImage(bytes);
    assert.deepEqual((again.entries[0] as { tc: Record<string, unknown> }).tc['$unknown'], [
      { field: 50, wireType: 3, bytes: Buffer.from([0x08, 0x07]) },
    ]);
    assert.ok(encodeImage(again).equals(bytes));
  });
});

describe('lenient proto2', () => {
  test('a missing required field is a warning, not a failure', () => {
    const img = decodeImage(pstreeImage(Buffer.from([0x08, 0x07])), { member: 'pstree.img' });
    assert.deepEqual(img.entries, [{ pid: 7 }]);
    assert.deepEqual(
      img.warnings.map((w) => w.message),
      ['pstree_entry.ppid (field 2) is required but missing', 'pstree_entry.pgid (field 3) is required but missing',
        'pstree_entry.sid (field 4) is required but missing'],
    );
    assert.equal(img.warnings[0]!.offset, 12);
  });

  test('zero-length entries are valid (seccomp.img of a task without filters)', () => {
    const img = decodeImage(Buffer.concat([u32le(COMMON, 0x64413049, 0)]));
    assert.deepEqual(img.entries, [{}]);
    assert.equal(critJson(img), '{\n    "magic": "SECCOMP",\n    "entries": [\n        {}\n    ]\n}\n');
  });

  test('a known field with the wrong wire type is kept as unknown, with a warning', () => {
    const img = decodeImage(pstreeImage(Buffer.from([0x0a, 0x01, 0x41, 0x10, 0x00, 0x18, 0x00, 0x20, 0x00])));
    assert.deepEqual(img.entries[0], { ppid: 0, pgid: 0, sid: 0, $unknown: [{ field: 1, wireType: 2, bytes: Buffer.from('A') }] });
    assert.ok(img.warnings.some((w) => /pstree_entry\.pid \(field 1\) arrived with wire type 2/.test(w.message)));
  });

  test('packed repeated scalars are accepted', () => {
    const threads = Buffer.from([0x01, 0x06, 0x07, 0x08]);
    const body = Buffer.from([0x08, 0x01, 0x10, 0x00, 0x18, 0x01, 0x20, 0x01, 0x2a, threads.length, ...threads]);
    const img = decodeImage(pstreeImage(body));
    assert.deepEqual((img.entries[0] as PstreeEntry).threads, [1, 6, 7, 8]);
    // not canonical for protobuf-c (which writes them unpacked): re-encoding gives the canonical form
    const again = encodeImage(img);
    assert.equal(again.length, pstreeImage(body).length + 2); // 4 tags instead of 1 tag + 1 length
    assert.deepEqual(decodeImage(again).entries, img.entries);
  });

  test('the last occurrence of a scalar wins, a repeated singular message merges', () => {
    const m = decodeMessage('pstree_entry', Buffer.from([0x08, 0x01, 0x08, 0x02]));
    assert.equal(m.pid, 2);
    // stats_entry.dump (1) twice: freezing_time from the first, frozen_time from the second
    const s = decodeMessage('stats_entry', Buffer.from([0x0a, 0x02, 0x08, 0x05, 0x0a, 0x02, 0x10, 0x06]));
    assert.deepEqual(s, { dump: { freezing_time: 5, frozen_time: 6 } });
  });

  test('a string that is not UTF-8 is kept byte-exact (0xff as U+DCFF, shown \\xff), never U+FFFD', () => {
    const warnings: { offset: number; message: string }[] = [];
    const m = decodeMessage('utsns_entry', Buffer.from([0x0a, 0x03, 0x61, 0xff, 0x62, 0x12, 0x00]), { warnings });
    assert.equal(m.nodename, 'a\udcffb');
    assert.equal(m.domainname, '');
    assert.deepEqual(warnings, [], 'Linux names may hold any byte: nothing is lost, nothing to warn about');
  });

  test('64-bit fields are bigint, including values past 2^53 and negative int64', () => {
    const m = decodeMessage('rlimit_entry', encodeMessage('rlimit_entry', { cur: (1n << 64n) - 1n, max: 1n << 60n }));
    assert.deepEqual(m, { cur: 18446744073709551615n, max: 1152921504606846976n });
    const lock = { flag: 1, type: 2, pid: -1, fd: 3, start: -5n, len: -(1n << 63n) };
    assert.deepEqual(decodeMessage('file_lock_entry', encodeMessage('file_lock_entry', lock)), lock);
    // int32 -1 is ten bytes on the wire (sign-extended), sint64 -1 one byte (zigzag)
    assert.equal(encodeMessage('file_lock_entry', { pid: -1 }).length, 11);
    assert.deepEqual([...encodeMessage('vma_entry', { fd: -1n })], [0x40, 0x01]);
  });
});

describe('images that are not protobuf entries', () => {
  test('an unknown magic is opaque, not an error', () => {
    const img = decodeImage(Buffer.concat([u32le(COMMON, 0xdeadbeef), Buffer.from('data')]), { member: 'new-thing.img' });
    assert.equal(img.kind, 'opaque');
    assert.equal(img.magicName, 'UNKNOWN');
    assert.equal(img.magic, 0xdeadbeef);
    assert.equal(img.headMagic, 'IMG_COMMON');
    assert.throws(() => critJson(img), (e: unknown) => e instanceof KensaError && e.kind === 'format');
    const raw = JSON.parse(rawJson(img)) as Record<string, unknown>;
    assert.equal(raw['kind'], 'opaque');
    assert.equal(raw['magic_value'], '0xdeadbeef');
  });

  test("a magic CRIU defines for something that is not an image (KDAT) is opaque under its name", () => {
    const img = decodeImage(u32le(0x57023458, 1, 2));
    assert.equal(img.kind, 'opaque');
    assert.equal(img.magicName, 'KDAT');
  });

  test('raw images are recognised by name, whatever their bytes', () => {
    const pages = decodeImage(fixtureImages('criu-dir').get('pages-1.img')!, { member: 'checkpoint/pages-1.img' });
    assert.equal(pages.kind, 'raw');
    assert.equal(pages.magicName, 'PAGES');
    assert.equal(pages.data!.length, pages.size);
    assert.equal(decodeImage(Buffer.alloc(0), { member: 'pages-9.img' }).kind, 'raw');
  });

  test('an empty non-raw image is a format error at offset 0', () => {
    expectFormatError(() => decodeImage(Buffer.alloc(0), { member: 'core-1.img' }), 0, /too short for a magic/);
  });
});

test('big-endian images (s390x, ppc64 hosts) decode the same', () => {
  const little = decodeImage(fixtureImages('criu-dir').get('pstree.img')!);
  const bigBytes = encodeImage({ ...little, byteOrder: 'big' });
  assert.deepEqual([...bigBytes.subarray(0, 8)], [0x54, 0x56, 0x43, 0x19, 0x50, 0x27, 0x30, 0x30]);
  const big = decodeImage(bigBytes);
  assert.equal(big.byteOrder, 'big');
  assert.deepEqual(big.entries, little.entries);
  assert.equal(critJson(big), critJson(little));
  assert.ok(encodeImage(big).equals(bigBytes));
});
