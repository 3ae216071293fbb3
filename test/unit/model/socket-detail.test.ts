/**
 * Issue 13 (sockets): one socket in detail. On the crafted connection (tcp-synth.ts) the TCP stream's fields
 * are those encoded, the queues come back byte for byte, the options and the unix peer are found; a cut or
 * hostile tcp-stream image gives one line naming the image and the byte offset, never a partial stream. On
 * the real pyworker checkpoint each end of a socketpair names the other's fd.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { KensaError } from '../../../main/core/errors';
import { encodeMessage } from '../../../main/core/criu';
import { TEST_CACHE } from '../../helpers';
import { PYWORKER } from '../python/pyworker';
import { craftTcpCheckpoint, HTTP_REQUEST, HTTP_RESPONSE, TCP, TCP_STREAM, TCP_STREAM_FILE, tcpStreamImage, UNIX, UNIX_PACKETS } from './tcp-synth';

async function open(dir: string): Promise<Checkpoint> {
  return Checkpoint.open(dir, { cacheDir: TEST_CACHE });
}

describe('a TCP connection dumped with its stream', () => {
  test('the stream fields are those written; the queues are byte-exact; options decoded', async () => {
    const cp = await open(craftTcpCheckpoint());
    const d = cp.socketDetail(TCP.pid, TCP.fd);
    assert.equal(d.entryType, 'inet_sk_entry');
    assert.equal(d.socket.state, 'ESTABLISHED');
    assert.equal(d.socket.src, '10.88.0.8');
    assert.equal(d.socket.dst, '10.88.0.1');
    assert.equal(d.socket.dstPort, TCP.dstPort);
    assert.ok(d.tcp, d.tcpProblem ?? 'no stream');
    const { member, options, ...fields } = d.tcp;
    assert.deepEqual(fields, TCP_STREAM);
    assert.equal(member, TCP_STREAM_FILE);
    assert.deepEqual(options, ['TIMESTAMPS', 'SACK', 'WSCALE']);
    assert.equal(d.tcpProblem, undefined);
    assert.deepEqual(d.queues.map((q) => [q.id, q.length]), [['recv', HTTP_REQUEST.length], ['send', HTTP_RESPONSE.length]]);
    assert.equal(cp.socketQueue(TCP.pid, TCP.fd, 'recv').toString('latin1'), HTTP_REQUEST);
    assert.equal(cp.socketQueue(TCP.pid, TCP.fd, 'send').toString('latin1'), HTTP_RESPONSE);
    // the queue's offset points at its bytes in the image
    const image = fs.readFileSync(path.join(cp.source, TCP_STREAM_FILE));
    const send = d.queues[1]!;
    assert.equal(image.subarray(send.offset, send.offset + send.length).toString('latin1'), HTTP_RESPONSE);
    assert.equal(d.options.so_rcvbuf, 131072);
    assert.equal(d.options.so_rcv_tmo_sec, 30);
    assert.equal(d.options.so_keepalive, true);
    assert.equal(d.options['tcp_opts.nodelay'], true);
    assert.equal(d.options['ip_opts.ttl'], 64);
    assert.equal(d.fields.flags, 0x802);
    assert.equal(d.fields['fown.uid'], 0);
    assert.equal(d.fields.opts, undefined, 'options are apart from the fields');
    assert.deepEqual(cp.problems, []);
  });

  test('a unix socket: its queued packets byte-exact, its peer held by another process', async () => {
    const cp = await open(craftTcpCheckpoint());
    const d = cp.socketDetail(UNIX.pid, UNIX.fd);
    assert.equal(d.entryType, 'unix_sk_entry');
    assert.deepEqual(d.peer, { inode: UNIX.peerInode, holders: [{ pid: UNIX.peerPid, fd: UNIX.peerFd }] });
    assert.deepEqual(d.queues.map((q) => q.id), ['packet:0', 'packet:1']);
    UNIX_PACKETS.forEach((p, i) => assert.deepEqual(cp.socketQueue(UNIX.pid, UNIX.fd, `packet:${i}`), Buffer.from(p)));
    assert.equal(d.tcp, undefined);
    const other = cp.socketDetail(UNIX.peerPid, UNIX.peerFd);
    assert.deepEqual(other.peer?.holders, [{ pid: UNIX.pid, fd: UNIX.fd }]);
    assert.deepEqual(other.queues, [], 'packets of one socket are not shown on its peer');
    assert.throws(() => cp.socketQueue(UNIX.pid, UNIX.fd, 'recv'), (e: unknown) => e instanceof KensaError && e.kind === 'usage');
    assert.throws(() => cp.socketQueue(UNIX.pid, UNIX.fd, 'packet:2'), (e: unknown) => e instanceof KensaError && e.kind === 'missing');
  });

  test('a fd that is not a socket, or absent, is a typed error', async () => {
    const cp = await open(craftTcpCheckpoint());
    assert.throws(() => cp.socketDetail(TCP.pid, 0), (e: unknown) => e instanceof KensaError && /fd 0 of process 3 is not a socket/.test(e.message));
    assert.throws(() => cp.socketDetail(TCP.pid, 999), (e: unknown) => e instanceof KensaError && e.kind === 'missing');
    assert.throws(() => cp.socketDetail(77, 1), (e: unknown) => e instanceof KensaError && /no process 77/.test(e.message));
  });
});

describe('a cut or hostile tcp-stream image', () => {
  const whole = tcpStreamImage();
  // 8 bytes of magics, the u32 size, the entry, then the queues (criu-format.md §1.1, §1.3)
  const entrySize = whole.readUInt32LE(8);
  const payloadAt = 12 + entrySize;
  const cases: [string, Buffer, RegExp][] = [
    ['cut inside the entry', whole.subarray(0, 12 + Math.floor(entrySize / 2)), new RegExp(`${TCP_STREAM_FILE} @8: `)],
    ['cut inside the receive queue', whole.subarray(0, payloadAt + 10), new RegExp(`${TCP_STREAM_FILE} @${payloadAt}: receive queue .*claims ${HTTP_REQUEST.length} bytes but only 10 remain`)],
    ['cut inside the send queue', whole.subarray(0, whole.length - 5), new RegExp(`${TCP_STREAM_FILE} @${payloadAt + HTTP_REQUEST.length}: send queue .*claims ${HTTP_RESPONSE.length} bytes but only ${HTTP_RESPONSE.length - 5} remain`)],
  ];
  for (const [what, bytes, message] of cases) {
    test(what, async () => {
      const dir = craftTcpCheckpoint();
      fs.writeFileSync(path.join(dir, TCP_STREAM_FILE), bytes);
      const cp = await open(dir);
      const d = cp.socketDetail(TCP.pid, TCP.fd);
      assert.equal(d.tcp, undefined, 'no partial stream');
      assert.deepEqual(d.queues, []);
      assert.match(d.tcpProblem ?? '', message);
      assert.doesNotMatch(d.tcpProblem ?? '', /\n/);
      assert.throws(() => cp.socketQueue(TCP.pid, TCP.fd, 'recv'), (e: unknown) => e instanceof KensaError && e.kind === 'format' && message.test(e.describe()));
      assert.ok(cp.problems.some((p) => message.test(p.text)), 'and the checkpoint names it as a problem (exit 3)');
    });
  }

  test('inq_len of 4 GiB - 1: refused before anything is allocated', async () => {
    const dir = craftTcpCheckpoint();
    // the entry says 0xffffffff bytes are queued; the image holds the 84 of the request (framed by hand:
    // encodeImage refuses lengths that disagree with the payload)
    const entry = encodeMessage('tcp_stream_entry', { ...TCP_STREAM, inq_len: 0xffffffff });
    const size = Buffer.alloc(4);
    size.writeUInt32LE(entry.length);
    const hostile = Buffer.concat([whole.subarray(0, 8), size, entry]);
    fs.writeFileSync(path.join(dir, TCP_STREAM_FILE), Buffer.concat([hostile, Buffer.from(HTTP_REQUEST)]));
    const before = process.memoryUsage().arrayBuffers;
    const cp = await open(dir);
    const d = cp.socketDetail(TCP.pid, TCP.fd);
    assert.match(d.tcpProblem ?? '', new RegExp(`${TCP_STREAM_FILE} @${hostile.length}: receive queue .*claims 4294967295 bytes but only ${HTTP_REQUEST.length} remain`));
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 << 20, 'nothing of the claimed size was allocated');
  });
});

test('a tcp_stream_entry without a required field: named, not shown as zeros', async () => {
  const dir = craftTcpCheckpoint();
  const { mss_clamp: _dropped, ...entry } = TCP_STREAM;
  fs.writeFileSync(path.join(dir, TCP_STREAM_FILE), tcpStreamImage(entry));
  const cp = await open(dir);
  const d = cp.socketDetail(TCP.pid, TCP.fd);
  assert.equal(d.tcp, undefined);
  assert.match(d.tcpProblem ?? '', new RegExp(`${TCP_STREAM_FILE} @8: tcp_stream_entry lacks required field mss_clamp$`));
});

describe('pyworker: a real socketpair', () => {
  test('each end names the fd holding the other', async () => {
    const cp = await Checkpoint.open(PYWORKER, { cacheDir: TEST_CACHE });
    const unix = cp.sockets(1).filter((s) => s.family === 'UNIX');
    assert.equal(unix.length, 4);
    for (const s of unix) {
      const d = cp.socketDetail(1, s.fd);
      const peer = unix.find((x) => x.inode === s.peerInode);
      assert.ok(peer, `peer of ${s.inode}`);
      assert.deepEqual(d.peer, { inode: s.peerInode, holders: [{ pid: 1, fd: peer.fd }] });
      assert.equal(d.fields.ino, s.inode);
      assert.equal(typeof d.options.so_sndbuf, 'number');
    }
  });
});
