/**
 * Reports: hostile strings stay text (HTML escaping, PDF text), the HTML can load nothing, the PDF has the
 * same bytes for the same case apart from the stated generation time, and the JSON carries the findings.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fixture, tempDir, TEST_CACHE, readJson } from '../../helpers';
import { EvidenceCase } from '../../../main/core/evidence/case';
import { writeReport, buildReportModel, renderReport, pdfText, escapeHtml, SENSITIVITY_STATEMENT } from '../../../main/core/evidence/report';
import { hexLines } from '../../../main/core/evidence/report-model';
import { assertNothingLoads } from './html-check';

const HOSTILE = `</style></title><script>alert(1)</script><img src=x onerror=alert(2)>"'&\x1b[31m\u202eevil`;

async function hostileCase(): Promise<{ c: EvidenceCase; archive: string }> {
  // The evidence's own file name is untrusted text that reaches the report.
  const dir = path.join(tempDir(), `<img src=x onerror=alert(3)>`);
  fs.mkdirSync(dir);
  const archive = path.join(dir, 'counters.tar.zst');
  fs.copyFileSync(fixture('podman-counter').input, archive);
  const c = EvidenceCase.init(path.join(tempDir(), 'case'), { analyst: `mallory ${HOSTILE}`, title: `title ${HOSTILE}` });
  await c.addEvidence(archive, undefined, { cacheDir: TEST_CACHE });
  const cp = await c.openEvidence(undefined, 'test', { cacheDir: TEST_CACHE });
  c.addNote({ text: `note ${HOSTILE}\nsecond line`, target: { kind: 'memory', pid: 6, address: '0x3427a8e0', length: 15 } }, cp);
  c.addNote({ text: 'the test file', target: { kind: 'file', member: 'rootfs-diff.tar/home/counter/test-file' } }, cp);
  cp.close();
  return { c, archive };
}

test('HTML: every hostile string is escaped, the document can load nothing', async () => {
  const { c } = await hostileCase();
  const out = path.join(tempDir(), 'r.html');
  await writeReport(c.dir, 'html', out, { cacheDir: TEST_CACHE });
  const html = fs.readFileSync(out, 'utf8');
  assertNothingLoads(html);
  assert.ok(!html.includes('<script>alert'), 'script tag escaped');
  assert.ok(!html.includes('<img src=x'), 'img tag escaped');
  assert.ok(!html.includes('\x1b') && !html.includes('\u202e'), 'control characters and bidi overrides made visible');
  assert.ok(html.includes('&lt;/style&gt;&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;\\x1b[31m\\u{202e}evil'));
  assert.ok(html.includes('&lt;img src=x onerror=alert(3)&gt;/counters.tar.zst'), 'evidence path escaped');
  assert.equal(html.match(/<title>/g)?.length, 1);
  assert.equal(html.match(/<\/style>/g)?.length, 1);
  assert.ok(html.includes(escapeHtml(SENSITIVITY_STATEMENT)), 'sensitivity stated');
  assert.match(html, /RANDOM_1432_KEY/);
});

test('PDF: text is drawn as text (escapes for controls and beyond Latin-1)', () => {
  assert.equal(pdfText('a\x1b[1mb'), 'a\\x1b[1mb');
  assert.equal(pdfText('caf\u00e9 \u691c\u67fb \u202e'), 'caf\u00e9 \\u{691c}\\u{67fb} \\u{202e}');
  assert.equal(pdfText('back\\slash'), 'back\\\\slash');
});

test('PDF: same case -> same bytes whenever it is made; only the stated generation time differs', async () => {
  const { c } = await hostileCase();
  // Two identical copies of the case, reported at different wall-clock times with the same stated time.
  const a = path.join(tempDir(), 'a');
  const b = path.join(tempDir(), 'b');
  fs.cpSync(c.dir, a, { recursive: true });
  fs.cpSync(c.dir, b, { recursive: true });
  const now = new Date('2031-02-03T04:05:06.789Z');
  const model = await buildReportModel(EvidenceCase.open(a), { now, cacheDir: TEST_CACHE });
  const pdfA = await renderReport(model, 'pdf');
  await new Promise((r) => setTimeout(r, 1100));
  const pdfB = await renderReport(await buildReportModel(EvidenceCase.open(b), { now, cacheDir: TEST_CACHE }), 'pdf');
  assert.ok(pdfA.equals(pdfB), 'identical bytes');
  assert.ok((await renderReport(model, 'html')).equals(await renderReport(await buildReportModel(EvidenceCase.open(b), { now, cacheDir: TEST_CACHE }), 'html')), 'HTML too');

  const later = await renderReport(await buildReportModel(EvidenceCase.open(b), { now: new Date('2032-12-31T23:59:59.000Z'), cacheDir: TEST_CACHE }), 'pdf');
  assert.ok(!later.equals(pdfA));
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'a.pdf'), pdfA);
  fs.writeFileSync(path.join(dir, 'l.pdf'), later);
  const textA = execFileSync('pdftotext', ['-layout', path.join(dir, 'a.pdf'), '-'], { encoding: 'utf8' }).split('\n');
  const textL = execFileSync('pdftotext', ['-layout', path.join(dir, 'l.pdf'), '-'], { encoding: 'utf8' }).split('\n');
  assert.equal(textA.length, textL.length);
  const differing = textA.map((l, i) => [l, textL[i]]).filter(([x, y]) => x !== y);
  assert.equal(differing.length, 1, JSON.stringify(differing));
  assert.match(differing[0][0], /Report generated +2031-02-03T04:05:06\.789Z/);
  assert.match(differing[0][1], /Report generated +2032-12-31T23:59:59\.000Z/);

  // Fixed metadata: creation from the case, modification from the last custody entry, not the clock.
  const info = execFileSync('pdfinfo', ['-isodates', path.join(dir, 'a.pdf')], { encoding: 'utf8' });
  const entries = EvidenceCase.open(a).entries();
  assert.match(info, new RegExp(`CreationDate: +${c.info.created.slice(0, 19)}Z`));
  assert.match(info, new RegExp(`ModDate: +${entries[entries.length - 1].time.slice(0, 19)}Z`));
  assert.match(info, /Producer: +kensa /);
  assert.match(info, /Pages: +[2-9]/);
  // The trailer ID comes from the case id and the last entry's hash.
  const id = crypto.createHash('sha256').update(`${c.id}\n${entries[entries.length - 1].hash}`).digest('hex').slice(0, 32);
  assert.ok(pdfA.toString('latin1').includes(`/ID [<${id}> <${id}>]`));
});

test('JSON: evidence, container, processes, sockets, files, findings with hex excerpts, custody', async () => {
  const { c, archive } = await hostileCase();
  const out = path.join(tempDir(), 'r.json');
  const r = await writeReport(c.dir, 'json', out, { cacheDir: TEST_CACHE, now: new Date('2030-01-01T00:00:00Z') });
  const j = readJson<Record<string, any>>(out); // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(r.sha256, crypto.createHash('sha256').update(fs.readFileSync(out)).digest('hex'));
  assert.equal(j.format, 'kensa-report');
  assert.equal(j.generatedAt, '2030-01-01T00:00:00.000Z');
  assert.equal(j.sensitivity, SENSITIVITY_STATEMENT);
  assert.match(j.tool, /^kensa \d/);
  const ev = j.evidence[0];
  assert.equal(ev.path, archive);
  assert.equal(ev.sha256, execFileSync('sha256sum', [archive], { encoding: 'utf8' }).split(' ')[0]);
  assert.equal(ev.container.container_name, 'counters');
  assert.equal(ev.container.engine, 'Podman');
  assert.equal(ev.hostname, 'counters');
  assert.deepEqual(ev.networks.map((n: { addresses: string[] }) => n.addresses), [['10.88.0.5/16']]);
  assert.deepEqual(ev.processes.map((p: { pid: number; depth: number }) => [p.pid, p.depth]), [[1, 0], [6, 1], [7, 1]]);
  assert.equal(ev.processes[1].cmdline, '/home/counter/counter 8088 /home/counter');
  assert.deepEqual(ev.sockets.map((s: { pid: number; local: string; state: string }) => [s.pid, s.local, s.state]), [[6, '127.0.0.1:8088', 'LISTEN']]);
  assert.deepEqual(ev.filesChanged.map((f: { path: string }) => f.path).sort(), ['/home/counter/logfile', '/home/counter/test-file']);
  const [mem, file] = j.findings;
  assert.equal(mem.excerpt.text, 'RANDOM_1432_KEY');
  assert.equal(mem.excerpt.sha256, crypto.createHash('sha256').update('RANDOM_1432_KEY').digest('hex'));
  assert.equal(mem.excerpt.matchesCapture, true);
  assert.deepEqual(mem.excerpt.origins, ['pages']);
  assert.equal(mem.excerpt.start, '0x3427a8e0');
  assert.match(mem.excerpt.lines[0], /^000000003427a8e0  52 41 4e 44 4f 4d 5f 31 34 33 32 5f 4b 45 59 [0-9a-f]{2}  \|RANDOM_1432_KEY.\|$/);
  assert.ok(mem.context.some((x: { label: string; value: string }) => x.label === 'mapping' && /\[heap\]/.test(x.value)));
  assert.equal(file.excerpt.text, 'test-file.');
  assert.equal(file.excerpt.matchesCapture, true);
  assert.equal(j.custody.entries.length, j.custody.throughSeq);
  assert.equal(j.custody.headHash, j.custody.entries[j.custody.entries.length - 1].hash);
  assert.equal(j.custody.chainOk, true);
  // The report itself is now in the case: recorded, copied in, verifiable.
  const d = EvidenceCase.open(c.dir).derived();
  assert.equal(d[d.length - 1].kind, 'report');
  assert.equal(d[d.length - 1].sha256, r.sha256);
  assert.equal((await EvidenceCase.open(c.dir).verify()).ok, true);
});

test('hex dump lines: aligned addresses, 16 bytes, printable ASCII column', () => {
  const lines = hexLines(Buffer.from('ABC\x00\x01\x7f\xff-0123456789ab-x', 'latin1'), 0x1000n, 8);
  assert.deepEqual(lines, ['00001000  41 42 43 00 01 7f ff 2d 30 31 32 33 34 35 36 37  |ABC....-01234567|', '00001010  38 39 61 62 2d 78                                |89ab-x|']);
});
