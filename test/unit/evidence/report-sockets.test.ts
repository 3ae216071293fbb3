/**
 * A note about a socket: the report gives what CRIU kept of it, on the crafted ESTABLISHED connection
 * (test/unit/model/tcp-synth.ts): the TCP stream's sequence numbers, bytes queued and windows; the packets
 * queued on a unix socket; and for a cut stream image the one line that says why it is not there.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir, TEST_CACHE, readJson } from '../../helpers';
import { EvidenceCase } from '../../../main/core/evidence/case';
import { writeReport } from '../../../main/core/evidence/report';
import { craftTcpCheckpoint, HTTP_REQUEST, HTTP_RESPONSE, TCP, TCP_STREAM, TCP_STREAM_FILE, UNIX, UNIX_PACKETS } from '../model/tcp-synth';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function socketReport(dir: string): Promise<Json[]> {
  const c = EvidenceCase.init(path.join(tempDir(), 'case'), { analyst: 'a', title: 'sockets' });
  await c.addEvidence(dir, undefined, { cacheDir: TEST_CACHE });
  const cp = await c.openEvidence(undefined, 'test', { cacheDir: TEST_CACHE });
  c.addNote({ text: 'the exfiltration connection', target: { kind: 'socket', pid: TCP.pid, inode: TCP.inode } }, cp);
  c.addNote({ text: 'the job pipe', target: { kind: 'socket', pid: UNIX.pid, inode: UNIX.inode } }, cp);
  cp.close();
  const out = path.join(tempDir(), 'r.json');
  await writeReport(c.dir, 'json', out, { cacheDir: TEST_CACHE });
  return readJson<Json>(out).findings as Json[];
}

test('report: a bookmarked TCP socket gives its stream; a unix socket its queued packets', async () => {
  const [tcp, unix] = await socketReport(craftTcpCheckpoint('kensa-report-sockets-'));
  const stream = tcp!.context.find((x: Json) => x.label === 'tcp stream');
  assert.equal(stream?.value, `inq_seq ${TCP_STREAM.inq_seq} (${HTTP_REQUEST.length} B to read), outq_seq ${TCP_STREAM.outq_seq} (${HTTP_RESPONSE.length} B to send), snd_wnd ${TCP_STREAM.snd_wnd}, rcv_wnd ${TCP_STREAM.rcv_wnd}`);
  const packets = unix!.context.find((x: Json) => x.label === 'queued packets');
  assert.equal(packets?.value, `2, ${UNIX_PACKETS.reduce((n, p) => n + Buffer.from(p).length, 0)} bytes`);
});

test('report: a cut stream image is named, not read in part', async () => {
  const dir = craftTcpCheckpoint('kensa-report-sockets-cut-');
  fs.truncateSync(path.join(dir, TCP_STREAM_FILE), 20);
  const [tcp] = await socketReport(dir);
  const stream = tcp!.context.find((x: Json) => x.label === 'tcp stream');
  assert.match(stream?.value ?? '', new RegExp(`^not read: .*${TCP_STREAM_FILE} @\\d+: `));
});
