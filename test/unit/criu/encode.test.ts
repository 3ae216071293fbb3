/**
 * Building synthetic images with the encoder (what other tests use to make checkpoints no machine wrote):
 * an aarch64 task, a process tree with a cycle, every payload-carrying image type, crit's value conversions
 * that the fixtures do not exercise, and the encoder's refusal of inconsistent input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { KensaError } from '../../../main/core/errors.js';
import {
  CoreEntryMarch,
  FdTypes,
  critJson,
  decodeImage,
  encodeImage,
  rawJson,
  type CoreEntry,
  type EncodableImage,
  type EntryPayload,
  type FileEntry,
  type PstreeEntry,
} from '../../../main/core/criu/index.js';

/** Encodes, decodes, checks the round trip is exact, and returns the decoded image with its crit JSON parsed. */
function roundTrip(image: EncodableImage): { img: ReturnType<typeof decodeImage>; crit: { magic: string; entries: Array<Record<string, unknown>> } } {
  const bytes = encodeImage(image);
  const img = decodeImage(bytes, { member: 'synthetic.img' });
  assert.deepEqual(img.warnings, []);
  assert.equal(img.magicName, image.magicName);
  assert.ok(encodeImage(img).equals(bytes), 'decode → encode is not exact');
  return { img, crit: JSON.parse(critJson(img)) as { magic: string; entries: Array<Record<string, unknown>> } };
}

const fown = { uid: 0, euid: 0, signum: 0, pid_type: 0, pid: 0 };

describe('synthetic checkpoints', () => {
  test('an aarch64 thread', () => {
    const regs = Array.from({ length: 31 }, (_, i) => BigInt(i) * 0x1111n);
    const core: CoreEntry = {
      mtype: CoreEntryMarch.AARCH64,
      ti_aarch64: {
        clear_tid_addr: 0xffff8a7e50f0n,
        tls: 0xffff8a7e5880n,
        gpregs: { regs, sp: 0xffffe0c1d2e0n, pc: 0xaaaad5b20a64n, pstate: 0x60001000n },
        fpsimd: { vregs: Array.from({ length: 64 }, () => 0n), fpsr: 0x10, fpcr: 0 },
      },
      tc: { task_state: 1, exit_code: 0, personality: 0, flags: 0x400000, blk_sigset: 0n, comm: 'worker' },
      thread_core: { futex_rla: 0n, futex_rla_len: 24, creds: { uid: 1000, gid: 1000, euid: 1000, egid: 1000, suid: 1000, sgid: 1000, fsuid: 1000, fsgid: 1000, cap_inh: [0, 0], cap_prm: [0, 0], cap_eff: [0, 0], cap_bnd: [0xffffffff, 0x1ff], secbits: 0 } },
    };
    const { img, crit } = roundTrip({ magicName: 'CORE', entries: [core] });
    assert.deepEqual(img.entries[0], core);
    const entry = crit.entries[0]!;
    assert.equal(entry['mtype'], 'AARCH64');
    const ti = entry['ti_aarch64'] as Record<string, unknown>;
    assert.equal(ti['clear_tid_addr'], '0xffff8a7e50f0');
    assert.equal(ti['tls'], Number(0xffff8a7e5880n)); // no (criu).hex on tls
    const gpregs = ti['gpregs'] as Record<string, unknown>;
    assert.equal((gpregs['regs'] as string[])[3], '0x3333'); // hex inherited from thread_info_aarch64.gpregs
    assert.equal(gpregs['pc'], '0xaaaad5b20a64');
    assert.equal((ti['fpsimd'] as Record<string, unknown>)['fpsr'], 16); // fpsimd is not hex
    assert.equal((entry['tc'] as Record<string, unknown>)['task_state'], 'Alive');
  });

  test('a process tree with a cycle is just data to the codec', () => {
    const tree: PstreeEntry[] = [
      { pid: 1, ppid: 2, pgid: 1, sid: 1, threads: [1] },
      { pid: 2, ppid: 1, pgid: 1, sid: 1, threads: [2, 3] },
    ];
    const { img } = roundTrip({ magicName: 'PSTREE', entries: tree });
    assert.deepEqual(img.entries, tree);
  });

  test('a pagemap claiming 2^40 pages', () => {
    const { img, crit } = roundTrip({
      magicName: 'PAGEMAP',
      entries: [{ pages_id: 1 }, { vaddr: 0x400000n, compat_nr_pages: 0, flags: 4, nr_pages: 1n << 40n }],
    });
    assert.deepEqual(img.records.map((r) => r.type), ['pagemap_head', 'pagemap_entry']);
    assert.equal(crit.entries[1]!['nr_pages'], 1099511627776);
  });

  test('raw images (edited pages) are written back unchanged', () => {
    const pages = Buffer.alloc(8192, 0x41);
    const img = decodeImage(pages, { member: 'pages-1.img' });
    assert.ok(encodeImage(img).equals(pages));
  });
});

describe('payloads after entries (criu-format.md §1.3)', () => {
  const desc = { key: 0x1234, uid: 0, gid: 0, cuid: 0, cgid: 0, mode: 0o600, id: 7 };

  function withPayload(magicName: string, message: object, payload: EntryPayload): { img: ReturnType<typeof decodeImage>; extra: unknown } {
    const { img, crit } = roundTrip({ magicName, entries: [message], records: [{ payload }] });
    assert.deepEqual(img.records[0]!.payload, payload);
    return { img, extra: crit.entries[0]!['extra'] };
  }

  test('pipes-data / fifo-data', () => {
    const data = Buffer.from('hello');
    const { img, extra } = withPayload('PIPES_DATA', { pipe_id: 5, bytes: 5, size: 65536 }, { kind: 'pipe-data', data });
    assert.equal(extra, 'aGVsbG8=\n');
    assert.equal(img.records[0]!.payloadOffset, img.size - 5);
    assert.equal(withPayload('FIFO_DATA', { pipe_id: 6, bytes: 5 }, { kind: 'pipe-data', data }).extra, 'aGVsbG8=\n');
    assert.equal(
      critJson(img),
      '{\n    "magic": "PIPES_DATA",\n    "entries": [\n        {\n            "pipe_id": 5,\n            "bytes": 5,\n' +
        '            "size": 65536,\n            "extra": "aGVsbG8=\\n"\n        }\n    ]\n}\n',
    );
  });

  test('sk-queues, tcp-stream, bpfmap-data', () => {
    assert.equal(withPayload('SK_QUEUES', { id_for: 3, length: 2 }, { kind: 'sk-queue', data: Buffer.from('hi') }).extra, 'aGk=\n');
    const tcp = { inq_len: 1, inq_seq: 10, outq_len: 2, outq_seq: 20, opt_mask: 0x7, snd_wscale: 7, mss_clamp: 1460 };
    assert.deepEqual(
      withPayload('TCP_STREAM', tcp, { kind: 'tcp-stream', inq: Buffer.from('a'), outq: Buffer.from('bc') }).extra,
      { inq: 'YQ==\n', outq: 'YmM=\n' },
    );
    const bpf = { map_id: 1, keys_bytes: 4, values_bytes: 2, count: 1 };
    assert.equal(
      withPayload('BPFMAP_DATA', bpf, { kind: 'bpfmap-data', keys: Buffer.from('kkkk'), values: Buffer.from('vv') }).extra,
      'a2tra3Z2\n',
    );
  });

  test('SysV semaphores, message queues and shared memory', () => {
    const sem = withPayload('IPCNS_SEM', { desc, nsems: 3 }, { kind: 'ipc-sem', values: [1, 0, 65535] });
    assert.deepEqual(sem.extra, [1, 0, 65535]);
    assert.equal(sem.img.size, 12 + sem.img.records[0]!.size + 8); // 6 bytes of values padded to 8

    const messages = [
      { offset: 0, message: { mtype: 1n, msize: 3 }, data: Buffer.from('abc') },
      { offset: 0, message: { mtype: 1n << 60n, msize: 0 }, data: Buffer.alloc(0) },
    ];
    const { img, crit } = roundTrip({
      magicName: 'IPCNS_MSG',
      entries: [{ desc, qbytes: 16384, qnum: 2 }],
      records: [{ payload: { kind: 'ipc-msg', messages } }],
    });
    const decoded = img.records[0]!.payload as Extract<EntryPayload, { kind: 'ipc-msg' }>;
    assert.deepEqual(decoded.messages.map((m) => [m.message, m.data.toString()]), [[{ mtype: 1n, msize: 3 }, 'abc'], [{ mtype: 1n << 60n, msize: 0 }, '']]);
    // pycriu prints each queued message unpretty (plain numbers), then its text in base64
    assert.deepEqual(crit.entries[0]!['extra'], [{ mtype: 1, msize: 3 }, 'YWJj\n', { mtype: 1152921504606846976, msize: 0 }, '']);
    assert.match(critJson(img), /"mtype": 1152921504606846976,/);

    const shm = withPayload('IPCNS_SHM', { desc, size: 5n, in_pagemaps: false }, { kind: 'ipc-shm', data: Buffer.from('12345') });
    assert.equal(shm.extra, 'MTIzNDU=\n');
    assert.equal(shm.img.size, 12 + shm.img.records[0]!.size + 8); // padded to 4
    // current CRIU: contents in pagemap-shmem, nothing inline
    const inPagemaps = roundTrip({ magicName: 'IPCNS_SHM', entries: [{ desc, size: 4096n, in_pagemaps: true }] });
    assert.equal(inPagemaps.img.records[0]!.payload, undefined);
    assert.equal(inPagemaps.crit.entries[0]!['extra'], '');
  });

  test('ghost files: contents to EOF, or chunks', () => {
    const ghost = { uid: 0, gid: 0, mode: 0o100644, dev: (8 << 20) | 1, rdev: 0x0805, size: 6n };
    const plain = roundTrip({
      magicName: 'GHOST_FILE',
      entries: [ghost],
      records: [{ payload: { kind: 'ghost-contents', data: Buffer.from('secret') } }],
    });
    assert.equal(plain.crit.entries[0]!['extra'], 'c2VjcmV0\n');
    assert.equal(plain.crit.entries[0]!['dev'], '8:1'); // kernel dev_t: minor in the low 20 bits
    assert.equal(plain.crit.entries[0]!['rdev'], '8:5'); // glibc dev_t (odev)
    const wide = roundTrip({
      magicName: 'GHOST_FILE',
      entries: [{ ...ghost, dev: 0x12345678, rdev: 0x12345678, size: 0n }],
      records: [{ payload: { kind: 'ghost-contents', data: Buffer.alloc(0) } }],
    });
    assert.equal(wide.crit.entries[0]!['dev'], '291:284280');
    assert.equal(wide.crit.entries[0]!['rdev'], '1110:74616'); // Python: os.major / os.minor of 0x12345678

    const chunked = roundTrip({
      magicName: 'GHOST_FILE',
      entries: [{ ...ghost, chunks: true }, { len: 2n, off: 0n }, { len: 1n, off: 4096n }],
      records: [undefined, { payload: { kind: 'ghost-chunk', data: Buffer.from('ab') } }, { payload: { kind: 'ghost-chunk', data: Buffer.from('c') } }],
    });
    assert.deepEqual(chunked.img.records.map((r) => r.type), ['ghost_file_entry', 'ghost_chunk_entry', 'ghost_chunk_entry']);
    assert.deepEqual(chunked.crit.entries.slice(1), [{ len: 2, off: 0, extra: 'YWI=\n' }, { len: 1, off: 4096, extra: 'Yw==\n' }]);
  });
});

describe("crit's value conversions beyond the fixtures", () => {
  test('unix socket names, IPv6 addresses, socket dicts, leftover flag bits', () => {
    const opts = { so_sndbuf: 1, so_rcvbuf: 2, so_snd_tmo_sec: 0n, so_snd_tmo_usec: 0n, so_rcv_tmo_sec: 0n, so_rcv_tmo_usec: 0n };
    const files: FileEntry[] = [
      {
        type: FdTypes.UNIXSK, id: 1,
        usk: { id: 1, ino: 99, type: 1, state: 10, flags: 0, uflags: 0, backlog: 5, peer: 0, fown, opts, name: Buffer.from('\0/tmp/.X11-unix/X0', 'latin1') },
      },
      {
        type: FdTypes.INETSK, id: 2,
        // ::1 as four network-order words read by a little-endian host; family 10 INET6, proto 99 unknown
        isk: { id: 2, ino: 100, family: 10, type: 2, proto: 99, state: 7, src_port: 53, dst_port: 0, flags: 0, backlog: 0,
          src_addr: [0, 0, 0, 0x01000000], dst_addr: [0, 0, 0xffff0000, 0x0100a8c0], fown, opts },
      },
      {
        type: FdTypes.REG, id: 3,
        reg: { id: 3, flags: 0x80000 | 0x2 | 0x40000000, pos: 0n, fown, name: '/data' },
      },
    ];
    const { crit } = roundTrip({ magicName: 'FILES', entries: files });
    const usk = crit.entries[0]!['usk'] as Record<string, unknown>;
    assert.equal(usk['name'], '=00/tmp/.X11-unix/X0');
    assert.equal(usk['type'], 'STREAM');
    assert.equal(usk['state'], 'LISTEN');
    assert.equal(usk['flags'], '0x0');
    const isk = crit.entries[1]!['isk'] as Record<string, unknown>;
    assert.equal(isk['family'], 'INET6');
    assert.equal(isk['proto'], 99); // not in crit's table: the number
    assert.deepEqual(isk['src_addr'], ['::1']);
    assert.deepEqual(isk['dst_addr'], ['::ffff:c0a8:1']); // Python 3.11's ipaddress, as crit prints it
    const reg = crit.entries[2]!['reg'] as Record<string, unknown>;
    assert.equal(reg['flags'], 'O_RDWR | O_CLOEXEC | 0x40000000');
  });

  test('enum values outside the enum are kept in the decoded message but not shown by crit', () => {
    const { img, crit } = roundTrip({ magicName: 'FILES', entries: [{ type: 77, id: 9 }] });
    assert.equal((img.entries[0] as FileEntry).type, 77);
    assert.deepEqual(crit.entries[0], { id: 9 });
    const raw = JSON.parse(rawJson(img)) as { entries: Array<{ fields: unknown }> };
    assert.deepEqual(raw.entries[0]!.fields, { type: 77, id: 9 });
  });

  test('vma status bits crit has no name for stay visible as hex', () => {
    const vma = { start: 0x1000n, end: 0x2000n, pgoff: 0n, shmid: 0n, prot: 0, flags: 0x22, status: 0x10201, fd: -1n };
    const { crit } = roundTrip({ magicName: 'VMAS', entries: [vma] });
    assert.equal(crit.entries[0]!['status'], 'VMA_AREA_REGULAR | VMA_ANON_PRIVATE | 0x10000');
    assert.equal(crit.entries[0]!['prot'], '');
    assert.equal(crit.entries[0]!['flags'], 'MAP_PRIVATE | MAP_ANON');
  });
});

describe('the encoder refuses inconsistent input', () => {
  const isUsage = (e: unknown): boolean => e instanceof KensaError && e.kind === 'usage';

  test('payload lengths must match the fields announcing them', () => {
    assert.throws(
      () => encodeImage({ magicName: 'PIPES_DATA', entries: [{ pipe_id: 1, bytes: 9 }], records: [{ payload: { kind: 'pipe-data', data: Buffer.from('x') } }] }),
      (e: unknown) => isUsage(e) && /bytes is 9 but the payload has 1 bytes/.test((e as Error).message),
    );
    assert.throws(() => encodeImage({ magicName: 'PIPES_DATA', entries: [{ pipe_id: 1, bytes: 0 }] }), isUsage);
    assert.throws(
      () => encodeImage({ magicName: 'PSTREE', entries: [{ pid: 1 }], records: [{ payload: { kind: 'pipe-data', data: Buffer.alloc(0) } }] }),
      isUsage,
    );
  });

  test('values must fit their fields', () => {
    assert.throws(() => encodeImage({ magicName: 'PSTREE', entries: [{ pid: -1 }] }), isUsage);
    assert.throws(() => encodeImage({ magicName: 'PSTREE', entries: [{ pid: 2 ** 32 }] }), isUsage);
    assert.throws(() => encodeImage({ magicName: 'PSTREE', entries: [{ pid: 1.5 }] }), isUsage);
    assert.throws(() => encodeImage({ magicName: 'PSTREE', entries: [{ pidd: 1 }] }), (e: unknown) => isUsage(e) && /no field named pidd/.test((e as Error).message));
    assert.throws(() => encodeImage({ magicName: 'PAGEMAP', entries: [{ pages_id: 1 }, { vaddr: -1n }] }), isUsage);
    assert.throws(() => encodeImage({ magicName: 'PAGES', entries: [] }), isUsage);
    assert.throws(() => encodeImage({ magicName: 'NOPE', entries: [] }), isUsage);
  });

  test('enum values may be given by name', () => {
    const bytes = encodeImage({ magicName: 'CORE', entries: [{ mtype: 'X86_64' as unknown as number }] });
    assert.deepEqual(decodeImage(bytes).entries, [{ mtype: CoreEntryMarch.X86_64 }]);
  });
});
