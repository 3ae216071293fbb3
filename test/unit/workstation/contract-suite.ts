/**
 * One set of contract tests, run against every binding of KensaApi (in-process, WebSocket, Electron IPC):
 * the same calls must give the same answers, errors must arrive as data, and events must arrive, whatever
 * the wire. Facts come from test/fixtures (crio-counter: a plain tar, so hashing reports progress).
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApiMethod, KensaClient, KensaEvents, Result } from '../../../shared/api/contract';
import { API_METHODS } from '../../../shared/api/contract';
import { fixture, readJson } from '../../helpers';

export interface Binding {
  client: KensaClient;
  /** Send a raw call (any method name, any argument) over the same wire. */
  rawCall(method: string, arg: unknown): Promise<Result<unknown>>;
  close(): Promise<void> | void;
}

const CRIO = fixture('crio-counter');

function needles(): Record<string, Record<string, string[]>> {
  return readJson(path.join(CRIO.ref, 'gcore', 'needles.json'));
}

function value<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

export function contractSuite(name: string, transport: 'direct' | 'websocket' | 'electron', setup: () => Promise<Binding>): void {
  let b: Binding;
  const events: { name: keyof KensaEvents; payload: unknown }[] = [];

  before(async () => {
    b = await setup();
    for (const e of ['progress', 'session', 'gdbData', 'gdbExit'] as const) b.client.on(e, (payload) => events.push({ name: e, payload }));
  });
  after(async () => {
    await b.close();
  });

  test(`${name}: hello names the transport and says nothing is open`, async () => {
    const h = value(await b.client.hello());
    assert.equal(h.name, 'kensa');
    assert.equal(h.capabilities.transport, transport);
    assert.equal(h.session, null);
    assert.equal(b.client.transport, transport);
  });

  test(`${name}: calls before an archive is open are usage errors, as data`, async () => {
    const r = await b.client.processes();
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.kind, 'usage');
    assert.match(!r.ok ? r.error.message : '', /no archive is open/);
  });

  test(`${name}: a missing archive is an io error naming the file`, async () => {
    const r = await b.client.openArchive({ path: '/nonexistent/kensa-archive.tar' });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.kind, 'io');
      assert.equal(r.error.source, '/nonexistent/kensa-archive.tar');
    }
  });

  test(`${name}: opening crio-counter announces the session`, async () => {
    const before = events.length;
    const s = value(await b.client.openArchive({ path: CRIO.input, taskId: 'open-1' }));
    assert.equal(s.archive, CRIO.input);
    assert.equal(s.layout, 'tar');
    assert.equal(s.processes, 3);
    await waitFor(() => events.slice(before).some((e) => e.name === 'session' && (e.payload as { archive?: string } | null)?.archive === CRIO.input));
  });

  test(`${name}: overview has the fixture's facts (CRI-O, IP, pod, namespace, dump statistics)`, async () => {
    const o = value(await b.client.overview());
    assert.equal(o.engine, 'CRI-O');
    assert.deepEqual(o.ips, ['10.85.0.12']);
    assert.equal(o.podName, 'counters');
    assert.equal(o.podNamespace, 'default');
    assert.equal(o.processes, 3);
    assert.ok(o.statistics.some((s) => s.key === 'pages_written' && s.value > 0));
    assert.match(o.notice, /passwords, keys/);
    // JSON-safe: the value survives a JSON round trip unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(o)), o);
  });

  test(`${name}: process tree pids, parents and commands`, async () => {
    const ps = value(await b.client.processes());
    assert.deepEqual(ps.map((p) => p.pid), [1, 6, 7]);
    assert.deepEqual(ps.map((p) => p.ppid), [0, 1, 1]);
    assert.deepEqual(ps.map((p) => p.comm), ['sh', 'counter', 'tee']);
    assert.deepEqual(ps[0].children, [6, 7]);
    assert.match(ps[1].cmdline ?? '', /counter/);
  });

  test(`${name}: threads of pid 6 carry general, segment, FPU and vector registers as 0x strings`, async () => {
    const [t] = value(await b.client.threads({ pid: 6 }));
    assert.equal(t.tid, 6);
    assert.equal(t.arch, 'x86_64');
    const rip = t.general.find((r) => r.name === 'rip');
    assert.ok(rip && /^0x[0-9a-f]{16}$/.test(rip.value));
    assert.ok(t.segment.some((r) => r.name === 'fs_base'));
    assert.ok(t.fpu.some((r) => r.name === 'mxcsr'));
    assert.equal(t.vector.filter((r) => r.name.startsWith('xmm')).length, 16);
    // Blocked in accept (43): CRIU left ax = orig_ax.
    assert.equal(t.syscall, 43);
  });

  test(`${name}: a needle address reads back the needle, with where the bytes came from`, async () => {
    const addr = needles()['RANDOM_1432_KEY']['6'][0];
    const m = value(await b.client.readMemory({ pid: 6, address: addr, length: 15 }));
    assert.equal(Buffer.from(m.data, 'base64').toString('latin1'), 'RANDOM_1432_KEY');
    assert.equal(m.extents[0].origin, 'pages');
    const vmas = value(await b.client.vmas({ pid: 6 }));
    const holder = vmas.find((v) => BigInt(v.start) <= BigInt(addr) && BigInt(addr) < BigInt(v.end));
    assert.ok(holder && holder.present > 0);
  });

  test(`${name}: search finds exactly the needles of needles.json`, async () => {
    const r = value(await b.client.search({ pattern: { text: 'RANDOM_1432_KEY' }, taskId: 'search-1' }));
    const want = Object.entries(needles()['RANDOM_1432_KEY']).flatMap(([pid, addrs]) => addrs.map((a) => `${pid}:${a}`)).sort();
    assert.deepEqual(r.hits.map((h) => `${h.pid}:${h.address}`).sort(), want);
    assert.equal(Buffer.from(r.hits[0].match, 'hex').toString('latin1'), 'RANDOM_1432_KEY');
    assert.equal(r.truncated, false);
  });

  test(`${name}: hashing the evidence reports progress and matches SHA-256 of the file`, async () => {
    const before = events.length;
    const [h] = value(await b.client.hashEvidence({ taskId: 'hash-1' }));
    assert.equal(h.sha256, crypto.createHash('sha256').update(fs.readFileSync(CRIO.input)).digest('hex'));
    await waitFor(() => events.slice(before).some((e) => e.name === 'progress' && (e.payload as { taskId: string }).taskId === 'hash-1'));
    const last = events.slice(before).filter((e) => e.name === 'progress').pop()!.payload as KensaEvents['progress'];
    assert.equal(last.done, last.total);
  });

  test(`${name}: files, rootfs-diff, sockets, mounts, namespaces, cgroups and logs`, async () => {
    const fds = value(await b.client.fds({ pid: 6 }));
    assert.ok(fds.some((f) => f.type === 'INETSK'));
    const tree = value(await b.client.rootfsTree());
    const entry = tree.entries.find((e) => e.path === '/home/app/test-file');
    assert.ok(entry, 'test-file in rootfs-diff');
    const file = value(await b.client.readFile({ member: entry.member }));
    assert.equal(Buffer.from(file.data, 'base64').toString('utf8'), 'test-file\n');
    const sockets = value(await b.client.sockets({ pid: 6 }));
    assert.ok(sockets.some((s) => s.state === 'LISTEN' && s.protocol === 'TCP'));
    // one socket in detail: a listener has options and no stream (nothing missing), its queues are refused as data
    const listener = sockets.find((s) => s.state === 'LISTEN')!;
    const detail = value(await b.client.socketDetail({ pid: 6, fd: listener.fd }));
    assert.equal(detail.entryType, 'inet_sk_entry');
    assert.equal(detail.socket.inode, listener.inode);
    assert.equal(typeof detail.options.so_rcvbuf, 'number');
    assert.equal(detail.tcp, undefined);
    assert.equal(detail.tcpProblem, undefined);
    const queue = await b.client.socketQueue({ pid: 6, fd: listener.fd, queue: 'recv' });
    assert.equal(!queue.ok && queue.error.kind, 'missing');
    assert.ok(value(await b.client.mounts()).mountpoints.length > 0);
    assert.equal(value(await b.client.namespaces()).processes.length, 3);
    assert.ok(value(await b.client.cgroups({ pid: 6 })).length > 0);
    const logs = value(await b.client.logs());
    assert.ok(logs.some((l) => l.name === 'dump.log' && /Dumping finished successfully/.test(l.text)));
    assert.ok(logs.some((l) => l.name === 'container log'));
  });

  test(`${name}: bad arguments are usage errors; the wire refuses unknown methods`, async () => {
    const bad: [ApiMethod, unknown][] = [
      ['threads', { pid: 999 }],
      ['threads', { pid: '6' }],
      ['readMemory', { pid: 6, address: 'not-an-address', length: 16 }],
      ['readMemory', { pid: 6, address: '0x1000', length: 1 << 30 }],
      ['search', { pattern: { text: 'a', hex: '00' } }],
      ['search', { pattern: { regex: '(' } }],
      ['readFile', { member: 'no/such/member' }],
      ['socketDetail', { pid: 6, fd: 'x' }],
      ['socketDetail', { pid: 6, fd: 0 }],
      ['socketQueue', { pid: 6, fd: 0, queue: 'recv', length: 1 << 30 }],
      ['gdbInput', { sessionId: 'gdb-404', data: 'x' }],
    ];
    for (const [method, arg] of bad) {
      const r = await b.rawCall(method, arg);
      assert.equal(r.ok, false, `${method} ${JSON.stringify(arg)} should fail`);
      assert.ok(!r.ok && ['usage', 'missing'].includes(r.error.kind), `${method}: ${!r.ok && r.error.kind}`);
    }
    for (const m of ['constructor', '__proto__', 'subscribe', 'dispose', 'need']) {
      const r = await b.rawCall(m, undefined);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.error.kind === 'usage' && /unknown method/.test(r.error.message), m);
    }
    assert.ok(API_METHODS.length >= 30);
  });

  test(`${name}: cancel of an unknown task says so`, async () => {
    assert.deepEqual(value(await b.client.cancel({ taskId: 'nothing-running' })), { cancelled: false });
  });

  test(`${name}: closing announces the end of the session`, async () => {
    const before = events.length;
    value(await b.client.closeArchive());
    await waitFor(() => events.slice(before).some((e) => e.name === 'session' && e.payload === null));
    assert.equal(value(await b.client.session()), null);
  });
}

export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}
