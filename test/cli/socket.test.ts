/**
 * `kensa socket` on the crafted ESTABLISHED connection (test/unit/model/tcp-synth.ts) and on podman-counter's
 * real listener: the detail as text and JSON, each queue's bytes raw on stdout and through --out, a broken
 * tcp-stream image as one warning line with exit 3, and the usage errors.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, kensa, tempDir } from '../helpers';
import { craftTcpCheckpoint, HTTP_REQUEST, HTTP_RESPONSE, TCP, TCP_STREAM, TCP_STREAM_FILE, UNIX, UNIX_PACKETS } from '../unit/model/tcp-synth';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('kensa socket', () => {
  const dir = craftTcpCheckpoint('kensa-cli-socket-');

  test('--json: the stream fields, the queues and options of the connection', () => {
    const r = kensa(['socket', dir, '--pid', String(TCP.pid), '--fd', String(TCP.fd), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout) as Json;
    assert.equal(d.socket.state, 'ESTABLISHED');
    for (const [k, v] of Object.entries(TCP_STREAM)) assert.equal(d.tcp[k], v, k);
    assert.deepEqual(d.tcp.options, ['TIMESTAMPS', 'SACK', 'WSCALE']);
    assert.deepEqual(d.queues.map((q: Json) => [q.id, q.length, q.member]), [['recv', HTTP_REQUEST.length, TCP_STREAM_FILE], ['send', HTTP_RESPONSE.length, TCP_STREAM_FILE]]);
    assert.equal(d.options['tcp_opts.nodelay'], true);
  });

  test('text: sections, sequence numbers and the queue shown escaped', () => {
    const r = kensa(['socket', dir, '--inode', `0x${TCP.inode.toString(16)}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Socket: pid 3 \(counter\) fd 25\n/);
    assert.match(r.stdout, /\n {2}remote +10\.88\.0\.1:53412\n/);
    assert.match(r.stdout, new RegExp(`\\n {2}inq_seq +${TCP_STREAM.inq_seq}\\n`));
    assert.match(r.stdout, /\n {2}opt_mask +0x7 \(TIMESTAMPS\|SACK\|WSCALE\)\n/);
    assert.match(r.stdout, /\nQueue recv: receive queue, 93 bytes .*\n {2}\| GET \/admin\/export\?token=K3NSA-7f3a HTTP\/1\.1\\x0d\n/);
    const unix = kensa(['socket', dir, '--pid', String(UNIX.pid), '--fd', String(UNIX.fd)]);
    assert.equal(unix.status, 0, unix.stderr);
    assert.match(unix.stdout, /\n {2}held by +pid 4 fd 27\n/);
    assert.match(unix.stdout, /\n {2}\| \\x00\\x01\\xfe\\xff\\x1b\[2J\n/, 'control bytes never reach the terminal');
    assert.doesNotMatch(unix.stdout, /\x1b/);
  });

  test('--queue writes the bytes raw, to stdout or a new file', () => {
    const recv = kensa(['socket', dir, '--pid', '3', '--fd', '25', '--queue', 'recv']);
    assert.equal(recv.status, 0, recv.stderr);
    assert.deepEqual(recv.stdoutBytes, Buffer.from(HTTP_REQUEST));
    const out = path.join(tempDir('kensa-socket-out-'), 'send.bin');
    const send = kensa(['socket', dir, '--pid', '3', '--fd', '25', '--queue', 'send', '--out', out]);
    assert.equal(send.status, 0, send.stderr);
    assert.deepEqual(fs.readFileSync(out), Buffer.from(HTTP_RESPONSE));
    const again = kensa(['socket', dir, '--pid', '3', '--fd', '25', '--queue', 'send', '--out', out]);
    assert.equal(again.status, 2, 'an existing file is never overwritten');
    const packet = kensa(['socket', dir, '--pid', '3', '--fd', '26', '--queue', 'packet:1']);
    assert.deepEqual(packet.stdoutBytes, Buffer.from(UNIX_PACKETS[1]));
    const inside = kensa(['socket', dir, '--pid', '3', '--fd', '25', '--queue', 'recv', '--out', path.join(dir, 'x.bin')]);
    assert.equal(inside.status, 1);
    assert.match(inside.stderr, /inside the evidence/);
    assert.equal(fs.existsSync(path.join(dir, 'x.bin')), false);
  });

  test('a cut tcp-stream image: the detail without the stream, one warning line, exit 3', () => {
    const cut = craftTcpCheckpoint('kensa-cli-socket-cut-');
    const file = path.join(cut, TCP_STREAM_FILE);
    fs.truncateSync(file, fs.statSync(file).size - 30);
    const r = kensa(['socket', cut, '--pid', '3', '--fd', '25', '--json']);
    assert.equal(r.status, 3, r.stderr);
    const d = JSON.parse(r.stdout) as Json;
    assert.equal(d.tcp, undefined);
    assert.match(d.tcpProblem, new RegExp(`${TCP_STREAM_FILE} @\\d+: send queue .*claims ${HTTP_RESPONSE.length} bytes but only ${HTTP_RESPONSE.length - 30} remain`));
    assert.match(r.stderr, new RegExp(`^kensa: warning: .*${TCP_STREAM_FILE} @\\d+: send queue`, 'm'));
    const q = kensa(['socket', cut, '--pid', '3', '--fd', '25', '--queue', 'recv']);
    assert.equal(q.status, 2);
    assert.equal(q.stdoutBytes.length, 0, 'no partial queue written');
    assert.match(q.stderr, /^kensa: error: .*send queue .*claims/m);
    assert.equal(q.stderr.trim().split('\n').length, 1, q.stderr);
  });

  test('a real listener (podman-counter) has no stream and says nothing is missing', () => {
    const f = fixture('podman-counter');
    const list = kensa(['inspect', f.input, '--sockets', '--json']);
    const procs = (JSON.parse(list.stdout) as Json[])[0]!.sockets as Json[];
    const owner = procs.find((p) => p.open_sockets.some((s: Json) => s.data.state === 'LISTEN'))!;
    const inode = owner.open_sockets.find((s: Json) => s.data.state === 'LISTEN').data.inode as number;
    const r = kensa(['socket', f.input, '--inode', String(inode), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout) as Json;
    assert.equal(d.socket.state, 'LISTEN');
    assert.equal(d.socket.srcPort, 8088);
    assert.equal(d.tcp, undefined);
    assert.equal(d.tcpProblem, undefined);
    assert.deepEqual(d.queues, []);
    assert.equal(typeof d.options.so_rcvbuf, 'number');
  });

  test('usage errors', () => {
    for (const [args, message] of [
      [['socket', dir], /needs --pid N and --fd N/],
      [['socket', dir, '--pid', '3', '--fd', '25', '--queue', 'both'], /--queue takes recv, send or packet:N/],
      [['socket', dir, '--pid', '3', '--fd', '25', '--out', '/tmp/x'], /--out FILE goes with --queue/],
      [['socket', dir, '--pid', '3', '--fd', '0'], /fd 0 of process 3 is not a socket/],
    ] as const) {
      const r = kensa([...args]);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const missing = kensa(['socket', dir, '--pid', '3', '--fd', '999']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /process 3 has no fd 999/);
  });
});
