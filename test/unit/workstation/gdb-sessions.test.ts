/**
 * The gdb session manager: batching, streaming UTF-8, exit, resize and kill (with a fake pty, where timing
 * is controlled), then the real thing: node-pty running a program, and gdb on a core the services write.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { GdbSessionManager, cleanEnvironment, type PtyProcess, type PtySpawner } from '../../../main/gdb/gdb-sessions';
import { findOnPath } from '../../../main/core/elfcore/gdb-launch';
import { KensaServices } from '../../../main/services/kensa-services';
import { KensaError } from '../../../main/core/errors';
import { TEST_CACHE, fixture } from '../../helpers';
import { waitFor } from './contract-suite';

class FakePty implements PtyProcess {
  readonly pid = 4242;
  dataListener?: (d: Buffer | string) => void;
  exitListener?: (e: { exitCode: number; signal?: number }) => void;
  written: string[] = [];
  sizes: [number, number][] = [];
  killed: string[] = [];
  onData(l: (d: Buffer | string) => void) {
    this.dataListener = l;
  }
  onExit(l: (e: { exitCode: number; signal?: number }) => void) {
    this.exitListener = l;
  }
  write(d: string) {
    this.written.push(d);
  }
  resize(c: number, r: number) {
    this.sizes.push([c, r]);
  }
  kill(sig?: string) {
    this.killed.push(sig ?? '');
    this.exitListener?.({ exitCode: 0, signal: 9 });
  }
}

function harness(batchMs = 16) {
  const ptys: FakePty[] = [];
  const spawned: { file: string; args: string[]; env: Record<string, string> }[] = [];
  const spawn: PtySpawner = (file, args, opts) => {
    spawned.push({ file, args, env: opts.env });
    const p = new FakePty();
    ptys.push(p);
    return p;
  };
  const data: [string, string][] = [];
  const exits: [string, number, number | undefined][] = [];
  const m = new GdbSessionManager({ data: (id, d) => data.push([id, d]), exit: (id, c, s) => exits.push([id, c, s]) }, { spawn, batchMs });
  return { m, ptys, spawned, data, exits };
}

test('output is batched: many small chunks within the batch window arrive as one event', async () => {
  const h = harness(30);
  const id = h.m.start({ file: '/usr/bin/gdb', args: ['-nx', '-q'], cwd: '/' }, { cols: 80, rows: 24 });
  for (let i = 0; i < 100; i++) h.ptys[0].dataListener!(Buffer.from(`line ${i}\n`));
  assert.equal(h.data.length, 0, 'nothing before the window closes');
  await waitFor(() => h.data.length > 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.data.length, 1);
  assert.equal(h.data[0][0], id);
  assert.equal(h.data[0][1].split('\n').length, 101);
});

test('a UTF-8 character split across reads arrives whole', async () => {
  const h = harness(5);
  h.m.start({ file: 'gdb', args: [], cwd: '/' }, { cols: 80, rows: 24 });
  const bytes = Buffer.from('→ main ✓', 'utf8');
  h.ptys[0].dataListener!(bytes.subarray(0, 1));
  h.ptys[0].dataListener!(bytes.subarray(1, 2));
  await new Promise((r) => setTimeout(r, 20));
  h.ptys[0].dataListener!(bytes.subarray(2));
  await waitFor(() => h.data.map((d) => d[1]).join('') === '→ main ✓');
  assert.ok(!h.data.map((d) => d[1]).join('').includes('\ufffd'));
});

test('a flood flushes at the size cap without waiting', () => {
  const h = harness(10_000);
  h.m.start({ file: 'gdb', args: [], cwd: '/' }, { cols: 80, rows: 24 });
  h.ptys[0].dataListener!(Buffer.alloc(300 * 1024, 0x61));
  assert.equal(h.data.length, 1);
});

test('write, resize (clamped), kill and exit; unknown sessions are usage errors', () => {
  const h = harness();
  const id = h.m.start({ file: 'gdb', args: ['-q'], cwd: '/' }, { cols: 100000, rows: 0 });
  h.m.write(id, 'bt\r');
  h.m.resize(id, 120, 40);
  h.m.resize(id, -5, 1e9);
  assert.deepEqual(h.ptys[0].written, ['bt\r']);
  assert.deepEqual(h.ptys[0].sizes, [[120, 40], [2, 500]]);
  h.m.kill(id);
  assert.deepEqual(h.exits, [[id, 0, 9]]);
  assert.equal(h.m.has(id), false);
  assert.throws(() => h.m.write(id, 'x'), (e: unknown) => e instanceof KensaError && e.kind === 'usage');
});

test('gdb runs with a cleaned environment: no host secrets, no debuginfod downloads', () => {
  const env = cleanEnvironment({ PATH: '/usr/bin', HOME: '/root', AWS_SECRET_ACCESS_KEY: 'x', SSH_AUTH_SOCK: '/tmp/s', LD_PRELOAD: '/evil.so' });
  assert.equal(env.PATH, '/usr/bin');
  assert.equal(env.TERM, 'xterm-256color');
  assert.equal(env.DEBUGINFOD_URLS, '');
  for (const k of ['AWS_SECRET_ACCESS_KEY', 'SSH_AUTH_SOCK', 'LD_PRELOAD']) assert.equal(env[k], undefined);
});

test('node-pty runs a real program on a pty: output, then exit', async () => {
  const data: string[] = [];
  let exit: number | undefined;
  const m = new GdbSessionManager({ data: (_id, d) => data.push(d), exit: (_id, code) => (exit = code) });
  m.start({ file: '/bin/sh', args: ['-c', 'printf "cols=%s\\n" "$(stty size)"; printf "ünïcode\\n"'], cwd: '/' }, { cols: 97, rows: 31 });
  await waitFor(() => exit !== undefined, 10_000);
  const text = data.join('');
  assert.match(text, /cols=31 97/);
  assert.match(text, /ünïcode/);
  assert.equal(exit, 0);
});

test('gdb on a checkpoint process: the services write the core and gdb answers `bt` with main (crio-counter + rootfs)', async () => {
  assert.ok(findOnPath('gdb'), 'gdb must be installed (Debian package: gdb)');
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  const f = fixture('crio-counter');
  try {
    const opened = await services.openArchive({ path: f.input, rootfs: `${f.ref}/rootfs.tar.zst` });
    assert.ok(opened.ok, !opened.ok ? opened.error.message : '');
    let out = '';
    let exited = false;
    services.subscribe((name, payload) => {
      if (name === 'gdbData') out += (payload as { data: string }).data;
      if (name === 'gdbExit') exited = true;
    });
    const r = await services.gdbStart({ pid: 6, cols: 120, rows: 40 });
    assert.ok(r.ok, !r.ok ? `${r.error.kind}: ${r.error.message}` : '');
    assert.ok(r.value.argv.includes('-nx'));
    assert.match(r.value.corePath, /core\.6$/);
    // gdb colours its output: compare the text without the escape sequences.
    const plain = (): string => out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    await waitFor(() => /\(gdb\) $/.test(plain()), 30_000);
    const before = plain().length;
    assert.ok((await services.gdbInput({ sessionId: r.value.sessionId, data: 'bt\r' })).ok);
    await waitFor(() => /#1 +0x[0-9a-f]+ in main \(/.test(plain().slice(before)), 30_000);
    assert.ok((await services.gdbKill({ sessionId: r.value.sessionId })).ok);
    await waitFor(() => exited, 10_000);
  } finally {
    services.dispose();
  }
});

test('without gdb on PATH: hello says so and gdbStart is a tool error naming the package', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  const saved = process.env.PATH;
  try {
    assert.ok((await services.openArchive({ path: fixture('podman-counter').input })).ok);
    process.env.PATH = '/nonexistent';
    const h = await services.hello();
    assert.ok(h.ok);
    assert.equal(h.value.capabilities.gdb, false);
    assert.match(h.value.capabilities.gdbMessage ?? '', /gdb.*not found.*Debian package: gdb/);
    const r = await services.gdbStart({ pid: 6, cols: 80, rows: 24 });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.kind, 'tool');
    assert.equal(!r.ok && r.error.hint, 'Debian package: gdb');
  } finally {
    process.env.PATH = saved;
    services.dispose();
  }
});
