/**
 * The renderer's store (one zustand store of slices), driven in Node against the real services through
 * the in-process client: what the panels see after each user action. Also the page cache and the terminal
 * bus, which keep memory bytes and terminal bytes out of the store.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KensaServices } from '../../../main/services/kensa-services';
import { directClient } from '../../../main/services/direct';
import { createKensaStore, connectEvents, type KensaStore } from '../../../renderer/stores/store';
import { parseAddress } from '../../../renderer/stores/slices/util';
import { PageCache, CHUNK, ORIGIN_NAMES, MAX_CHUNKS } from '../../../renderer/memory/page-cache';
import { TerminalBus } from '../../../renderer/terminal/terminal-bus';
import { treeOrder } from '../../../renderer/panels/tree-order';
import type { KensaClient, Result } from '../../../shared/api/contract';
import { TEST_CACHE, fixture, readJson, tempDir } from '../../helpers';
import { waitFor } from './contract-suite';

function setup(): { store: KensaStore; client: KensaClient & { close(): void }; services: KensaServices; gdbData: [string, string][]; done(): void } {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  const client = directClient(services);
  const store = createKensaStore(client);
  const gdbData: [string, string][] = [];
  const off = connectEvents(store, client, (id, d) => gdbData.push([id, d]));
  return {
    store,
    client,
    services,
    gdbData,
    done: () => {
      off();
      client.close();
      services.dispose();
    },
  };
}

const crio = fixture('crio-counter');
const needle = readJson<Record<string, Record<string, string[]>>>(path.join(crio.ref, 'gcore', 'needles.json'))['RANDOM_1432_KEY'];

test('archive slice: init with nothing open, then open loads overview and processes and selects the root', async () => {
  const { store, done } = setup();
  try {
    await store.getState().init();
    let s = store.getState();
    assert.equal(s.connection, 'ready');
    assert.equal(s.session, null);
    assert.equal(s.processes.status, 'idle');
    assert.equal(await s.openArchive(crio.input), true);
    s = store.getState();
    assert.equal(s.session?.archive, crio.input);
    assert.equal(s.overview.status, 'ready');
    assert.equal(s.overview.value?.engine, 'CRI-O');
    assert.deepEqual(s.processes.value?.map((p) => p.pid), [1, 6, 7]);
    assert.equal(s.selectedPid, 1);
    assert.equal(s.threads.status, 'ready');
    assert.equal(s.tasks.length, 0, 'the open task ended');
    // The hex view follows: the first VMA of pid 1 with content.
    assert.equal(s.view?.pid, 1);
  } finally {
    done();
  }
});

test('archive slice: a failed open is a notice with the file, and the old archive stays', async () => {
  const { store, done } = setup();
  try {
    await store.getState().init();
    await store.getState().openArchive(crio.input);
    assert.equal(await store.getState().openArchive('/nonexistent/x.tar'), false);
    const s = store.getState();
    assert.equal(s.session?.archive, crio.input);
    assert.equal(s.notices.length, 1);
    assert.equal(s.notices[0].error.kind, 'io');
    assert.equal(s.notices[0].error.source, '/nonexistent/x.tar');
    s.dismissNotice(s.notices[0].id);
    assert.equal(store.getState().notices.length, 0);
  } finally {
    done();
  }
});

test('process slice: selecting a process loads its threads, VMAs, fds and cgroups; the last selection wins', async () => {
  const { store, done } = setup();
  try {
    await store.getState().init();
    await store.getState().openArchive(crio.input);
    const a = store.getState().selectProcess(6);
    const b = store.getState().selectProcess(7);
    await Promise.all([a, b]);
    let s = store.getState();
    assert.equal(s.selectedPid, 7);
    assert.equal(s.threads.value?.[0].tid, 7);
    assert.equal(s.selectedTid, 7);
    await s.selectProcess(6);
    s = store.getState();
    assert.equal(s.threads.value?.[0].tid, 6);
    assert.ok(s.vmas.value!.length > 5);
    assert.ok(s.fds.value!.some((f) => f.type === 'INETSK'));
    assert.ok(s.cgroups.value!.length > 0);
    assert.equal(s.view?.pid, 6, 'the hex view follows the selected process');
  } finally {
    done();
  }
});

test('memory slice: jump to a needle shows its VMA with the bytes selected; cursor moves extend the selection', async () => {
  const { store, done } = setup();
  try {
    await store.getState().init();
    await store.getState().openArchive(crio.input);
    const addr = BigInt(needle['6'][0]);
    const r = await store.getState().jumpTo(6, addr, 15);
    assert.ok(r.ok);
    let v = store.getState().view!;
    assert.equal(store.getState().selectedPid, 6, 'jumping to another process selects it');
    assert.ok(v.start <= addr && addr < v.end);
    assert.equal(v.cursor, addr);
    assert.deepEqual(v.selection, { start: addr, end: addr + 15n });
    const serial = v.serial;
    store.getState().setCursor(addr + 3n, true);
    v = store.getState().view!;
    // The cursor sits at the start of the selected hit, so the selection's anchor is its last byte.
    assert.deepEqual(v.selection, { start: addr + 3n, end: addr + 15n });
    assert.equal(v.serial, serial, 'moving the cursor is not a jump');
    store.getState().setCursor(addr - 2n, false);
    assert.equal(store.getState().view!.selection, null);
    const bad = await store.getState().jumpTo(6, 0x10n);
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.error.message : '', /not mapped in process 6/);
  } finally {
    done();
  }
});

test('memory slice: a search lists every hit of needles.json, and opening a hit jumps to it', async () => {
  const { store, done } = setup();
  try {
    await store.getState().init();
    await store.getState().openArchive(crio.input);
    await store.getState().runSearch({ pattern: { text: 'RANDOM_1432_KEY' } });
    const s = store.getState().search;
    assert.equal(s.status, 'done');
    assert.deepEqual(s.result!.hits.map((h) => h.address).sort(), [...needle['6']].sort());
    await store.getState().openHit(1);
    const v = store.getState().view!;
    const hit = s.result!.hits[1];
    assert.equal(v.cursor, BigInt(hit.address));
    assert.equal(Number(v.selection!.end - v.selection!.start), 15);
    assert.equal(store.getState().search.activeHit, 1);
    await store.getState().runSearch({ pattern: { regex: '(' } });
    assert.equal(store.getState().search.status, 'error');
    assert.equal(store.getState().search.error?.kind, 'usage');
  } finally {
    done();
  }
});

test('ui slice: a task shows while it runs, takes progress events, and can be cancelled', async () => {
  const { store, done } = setup();
  try {
    await store.getState().init();
    let release!: (r: Result<number>) => void;
    const running = store.getState().runTask('Slow work', () => new Promise<Result<number>>((r) => (release = r)));
    const t = store.getState().tasks[0];
    assert.equal(t.label, 'Slow work');
    store.getState().taskProgress({ taskId: t.taskId, phase: 'hashing', done: 5, total: 10 });
    assert.deepEqual({ ...store.getState().tasks[0], taskId: '' }, { taskId: '', label: 'Slow work', phase: 'hashing', done: 5, total: 10 });
    store.getState().taskProgress({ taskId: 'someone-else', phase: 'x', done: 1, total: 1 });
    assert.equal(store.getState().tasks.length, 1);
    release({ ok: false, error: { kind: 'cancelled', message: 'cancelled' } });
    await running;
    assert.equal(store.getState().tasks.length, 0);
    assert.equal(store.getState().notices.length, 0, 'a cancel is not an error to show');
    for (let i = 0; i < 8; i++) store.getState().pushError(`e${i}`, { kind: 'format', message: 'bad' });
    assert.equal(store.getState().notices.length, 3, 'only the last few notices stay');
    store.getState().setPanel('memory');
    store.getState().setTheme('light');
    assert.equal(store.getState().panel, 'memory');
    assert.equal(store.getState().theme, 'light');
  } finally {
    done();
  }
});

test('ui slice: cancelling a real task (hashing a plain tar) ends it as cancelled', async () => {
  const { store, services, done } = setup();
  try {
    await store.getState().init();
    await store.getState().openArchive(crio.input);
    // Hold the hash until the cancel has been sent: cancel the task as soon as it is registered.
    const origRun = services.tasks.run.bind(services.tasks);
    services.tasks.run = async (id, what, work) => origRun(id, what, async (task) => {
      services.tasks.cancel(task.id);
      return work(task);
    });
    await store.getState().hashEvidence();
    assert.equal(store.getState().hashes.status, 'error');
    assert.equal(store.getState().hashes.error?.kind, 'cancelled');
    assert.equal(store.getState().notices.length, 0);
  } finally {
    done();
  }
});

test('details slice: rootfs-diff, sockets, mounts, namespaces and logs load once, on demand', async () => {
  const { store, done } = setup();
  try {
    await store.getState().init();
    await store.getState().openArchive(crio.input);
    assert.equal(store.getState().rootfs.status, 'idle');
    await Promise.all((['rootfs', 'sockets', 'mounts', 'namespaces', 'logs'] as const).map((n) => store.getState().ensureDetail(n)));
    const s = store.getState();
    assert.ok(s.rootfs.value!.entries.some((e) => e.path === '/home/app/test-file'));
    assert.ok(s.sockets.value!.some((x) => x.state === 'LISTEN'));
    assert.ok(s.mounts.value!.mountpoints.length > 0);
    assert.equal(s.namespaces.value!.uts.nodename !== undefined, true);
    assert.ok(s.logs.value!.some((l) => l.name === 'dump.log'));
    s.openFile('rootfs-diff.tar/home/app/test-file');
    assert.equal(store.getState().openMember, 'rootfs-diff.tar/home/app/test-file');
    // A socket's detail: selecting it with its process (the peer link) selects both and shows Network.
    const listener = s.sockets.value!.find((x) => x.state === 'LISTEN')!;
    await s.selectSocket(listener.pid, listener.fd, true);
    assert.deepEqual(store.getState().selectedSocket, { pid: listener.pid, fd: listener.fd });
    assert.equal(store.getState().selectedPid, listener.pid);
    assert.equal(store.getState().panel, 'network');
    // A new session resets what described the old one.
    await store.getState().openArchive(fixture('podman-counter').input);
    assert.equal(store.getState().rootfs.status, 'idle');
    assert.equal(store.getState().openMember, null);
    assert.equal(store.getState().selectedSocket, null);
    assert.equal(store.getState().overview.value?.engine, 'Podman');
  } finally {
    done();
  }
});

test('terminal slice: sessions, exit before the reply, kill; gdb output goes to the bus, not the store', async () => {
  const { store, gdbData, done } = setup();
  try {
    await store.getState().init();
    await store.getState().openArchive(crio.input);
    await store.getState().startGdb(6, 100, 30);
    let s = store.getState();
    assert.equal(s.gdbError, null, s.gdbError ? s.gdbError.message : "");
    assert.equal(s.sessions.length, 1);
    const id = s.activeSession!;
    assert.equal(s.sessions[0].status, 'running');
    await waitFor(() => gdbData.some(([sid, d]) => sid === id && d.includes('(gdb)')), 30_000);
    assert.ok(!JSON.stringify(store.getState(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)).includes('(gdb)'), 'terminal bytes never enter the store');
    await store.getState().killGdb(id);
    await waitFor(() => store.getState().sessions[0].status === 'exited', 10_000);
    // An unknown session's exit while none is starting belongs to a closed archive: not listed.
    store.getState().gdbExited({ sessionId: 'gdb-old', exitCode: 1 });
    assert.equal(store.getState().sessions.length, 1);
    // While one starts, its exit can beat the gdbStart reply: listed as exited.
    store.setState({ gdbStarting: true });
    store.getState().gdbExited({ sessionId: 'gdb-unknown', exitCode: 1 });
    store.setState({ gdbStarting: false });
    s = store.getState();
    assert.equal(s.sessions.length, 2);
    assert.equal(s.sessions[1].status, 'exited');
    // Closing the archive ends its sessions: none listed.
    await store.getState().closeArchive();
    assert.deepEqual(store.getState().sessions, []);
  } finally {
    done();
  }
});

test('case slice: open a new case, add the archive, a note from a panel, verify, and an HTML report', async () => {
  const { store, done } = setup();
  const dir = path.join(tempDir(), 'case');
  try {
    await store.getState().init();
    await store.getState().openArchive(crio.input);
    assert.equal(store.getState().caseInfo.value?.open, false);
    store.getState().beginNote({ kind: 'process', pid: 6 }, 'process 6');
    assert.equal(await store.getState().openCase(dir, true, 'tester', 'store test'), true);
    assert.equal(store.getState().caseInfo.value?.open, true);
    await store.getState().addEvidence();
    assert.equal(store.getState().caseInfo.value?.archiveInCase, true);
    assert.equal(await store.getState().saveNote('counter listens on 8088'), true);
    assert.equal(store.getState().noteDraft, null);
    assert.equal(store.getState().caseInfo.value?.notes.length, 1);
    await store.getState().verifyCase();
    assert.equal(store.getState().verification.status, 'ready');
    assert.equal(store.getState().verification.value?.ok, true);
    await store.getState().writeReport('html');
    const rep = store.getState().lastReport!;
    assert.ok(fs.existsSync(rep.path));
    assert.equal(path.dirname(rep.path), path.join(store.getState().caseInfo.value!.dir!, 'reports'), 'reports go to the case\'s reports/ folder');
    assert.equal(rep.reportName, path.basename(rep.path));
    assert.match(fs.readFileSync(rep.path, 'utf8'), /counter listens on 8088/);
  } finally {
    done();
  }
});

test('case slice: answers about the case that come back out of order never replace a newer one', async () => {
  const { client, done } = setup();
  const podman = fixture('podman-counter');
  const dir = path.join(tempDir(), 'case');
  // The first caseStatus question is held until the second has been answered, as a busy host may do.
  let held: (() => void) | undefined;
  let calls = 0;
  const slow: KensaClient = Object.create(client);
  slow.caseStatus = async () => {
    const answer = await client.caseStatus();
    if (++calls === 1) await new Promise<void>((resolve) => (held = resolve));
    return answer;
  };
  const store = createKensaStore(slow);
  try {
    await client.caseOpen({ dir, create: true, analyst: 'tester' });
    await client.openArchive({ path: crio.input });
    await client.caseAddEvidence({});
    await client.openArchive({ path: podman.input });
    await client.caseAddEvidence({});
    // Asked while crio is open (E1), answered late; asked again with podman open (E2), answered at once.
    await client.openArchive({ path: crio.input });
    const first = store.getState().refreshCase();
    await client.openArchive({ path: podman.input });
    await store.getState().refreshCase();
    assert.equal(store.getState().caseInfo.value?.archiveEvidenceId, 'E2');
    held!();
    await first;
    assert.equal(store.getState().caseInfo.value?.archiveEvidenceId, 'E2', 'the older answer (E1) is dropped');
  } finally {
    done();
  }
});

test('page cache: chunks load once, carry each byte\'s origin, are evicted LRU, and clear', async () => {
  let calls = 0;
  const client = {
    readMemory: async (req: { pid: number; address: string; length: number }) => {
      calls++;
      const base = BigInt(req.address);
      const data = Buffer.alloc(req.length, Number(base / BigInt(CHUNK)) & 0xff);
      return { ok: true as const, value: { pid: req.pid, address: req.address, length: req.length, data: data.toString('base64'), extents: [{ start: req.address, end: '0x' + (base + 16n).toString(16), origin: 'missing-lazy' as const }, { start: '0x' + (base + 16n).toString(16), end: '0x' + (base + BigInt(req.length)).toString(16), origin: 'pages' as const }] } };
    },
  };
  const cache = new PageCache(client);
  let notified = 0;
  cache.subscribe(() => notified++);
  assert.equal(cache.bytes(1, 0x1008n, 0x1018n), undefined, 'not loaded yet');
  await waitFor(() => notified > 0);
  const b = cache.bytes(1, 0x1008n, 0x1018n)!;
  assert.equal(b.data.length, 16);
  assert.equal(b.data[0], 1);
  assert.equal(ORIGIN_NAMES[b.origin[0]], 'missing-lazy');
  assert.equal(ORIGIN_NAMES[b.origin[15]], 'pages');
  assert.equal(calls, 1);
  cache.bytes(1, 0x1000n, 0x1010n);
  assert.equal(calls, 1, 'served from the cache');
  for (let i = 0; i < MAX_CHUNKS + 10; i++) cache.get(2, BigInt(i * CHUNK));
  assert.ok(cache.size <= MAX_CHUNKS);
  cache.clear();
  assert.equal(cache.size, 0);
});

test('terminal bus: output before the terminal attaches is kept, then flows straight through', () => {
  const bus = new TerminalBus();
  bus.push('gdb-1', 'banner ');
  bus.push('gdb-1', '(gdb) ');
  const got: string[] = [];
  const detach = bus.attach('gdb-1', (d) => got.push(d));
  bus.push('gdb-1', 'bt');
  detach();
  bus.push('gdb-1', 'later');
  assert.deepEqual(got, ['banner (gdb) ', 'bt']);
});

test('addresses typed by the analyst: 0x hex, bare hex with letters, decimal; nothing else', () => {
  assert.equal(parseAddress('0x7fff4dd62088'), 0x7fff4dd62088n);
  assert.equal(parseAddress(' 7fff_4dd6_2088 '), 0x7fff4dd62088n);
  assert.equal(parseAddress('4096'), 4096n);
  assert.equal(parseAddress('0x10000000000000000'), undefined);
  assert.equal(parseAddress('main+4'), undefined);
});

test('process tree order: depth first in pstree order, with the tree drawn', () => {
  const rows = treeOrder([
    { pid: 1, ppid: 0, pgid: 1, sid: 1, comm: 'sh', state: 'Alive', threads: 1, tids: [1], depth: 0, children: [6, 7] },
    { pid: 6, ppid: 1, pgid: 1, sid: 1, comm: 'a', state: 'Alive', threads: 1, tids: [6], depth: 1, children: [9] },
    { pid: 7, ppid: 1, pgid: 1, sid: 1, comm: 'b', state: 'Alive', threads: 1, tids: [7], depth: 1, children: [] },
    { pid: 9, ppid: 6, pgid: 1, sid: 1, comm: 'c', state: 'Alive', threads: 1, tids: [9], depth: 2, children: [] },
  ]);
  assert.deepEqual(rows.map((r) => `${r.prefix}${r.p.pid}`), ['1', '├─ 6', '│  └─ 9', '└─ 7']);
});
