/**
 * Issue 6 must-show, through the real `kensa` binary: for each counter fixture a case is built, the
 * RANDOM_1432_KEY hit (found by searchMemory, checked against the gcore needles) and the test-file in
 * rootfs-diff.tar are bookmarked (criu-dir has no rootfs-diff: its counter process is bookmarked), a core of
 * the process is written with `kensa core` and recorded, all three report formats are written; the recorded
 * hashes equal sha256sum / sha512sum, the PDF renders with pdftoppm and its text (pdftotext) holds the
 * bookmarked text and the evidence hash, and the HTML loads nothing: by parsing it, and by opening it in
 * Chromium and watching every request. Throughout, the evidence (the fixture itself) keeps its bytes and
 * mtime, and nothing appears beside it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fixture, kensa, readJson, tempDir, TEST_CACHE } from '../helpers';
import { Checkpoint } from '../../main/core/model/checkpoint';
import { searchMemory } from '../../main/core/memory/search';
import { assertNothingLoads } from '../unit/evidence/html-check';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Scenario {
  name: string;
  /** The rootfs-diff member holding test-file, or the pid to bookmark where there is no rootfs-diff. */
  file?: string;
  process?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'podman-counter', file: 'rootfs-diff.tar/home/counter/test-file' },
  { name: 'crio-counter', file: 'rootfs-diff.tar/home/app/test-file' },
  { name: 'criu-dir', process: 3 },
];

const htmlReports: string[] = [];

function coreutils(tool: string, file: string): string {
  return execFileSync(tool, ['--', file], { encoding: 'utf8' }).split(' ')[0];
}

/** What a user would compute for an evidence folder: the sorted `sha256sum` listing, hashed. */
function folderDigest(dir: string, tool: 'sha256sum' | 'sha512sum'): string {
  const listing = execFileSync('sh', ['-c', `cd "$1" && find . -type f -printf "%P\\0" | LC_ALL=C sort -z | xargs -0 ${tool} --`, 'sh', dir]);
  return execFileSync(tool, { input: listing, encoding: 'utf8' }).split(' ')[0];
}

/** Everything that must not change about the evidence: bytes, size, mtime, ctime (of each file of a folder), and its folder's listing. */
function evidenceState(p: string): Json {
  const one = (file: string): Json => {
    const st = fs.statSync(file, { bigint: true });
    return { sha256: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'), size: st.size.toString(), mtimeNs: st.mtimeNs.toString(), ctimeNs: st.ctimeNs.toString() };
  };
  const st = fs.statSync(p, { bigint: true });
  const files = st.isDirectory() ? Object.fromEntries(fs.readdirSync(p).sort().map((n) => [n, one(path.join(p, n))])) : { [path.basename(p)]: one(p) };
  return { files, mtimeNs: st.mtimeNs.toString(), beside: fs.readdirSync(path.dirname(p)).sort() };
}

function ok(args: string[]): string {
  const r = kensa(args);
  assert.equal(r.status, 0, `kensa ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

for (const s of SCENARIOS) {
  test(`must-show: ${s.name}: case, bookmarks, three reports, hashes, PDF text, HTML loads nothing`, async () => {
    const f = fixture(s.name);
    const work = tempDir();
    const dir = path.join(work, 'case');
    const out = path.join(work, 'out');
    const before = evidenceState(f.input);

    assert.match(ok(['case', 'init', dir, '--analyst', 'Test Analyst', '--title', `${s.name} must-show`]), /^case [0-9a-f-]{36} created/);
    const added = ok(['case', 'add', dir, f.input]);
    const evidenceId = added.split(/\s/)[0];
    assert.equal(evidenceId, 'E1');

    // The key's address: found by the memory search, and one of the addresses the gcore cores hold it at.
    const cp = await Checkpoint.open(f.input, { cacheDir: TEST_CACHE });
    const hits = await searchMemory(cp, { pattern: { text: 'RANDOM_1432_KEY' } });
    cp.close();
    const needles = readJson<Record<string, Record<string, string[]>>>(path.join(f.ref, 'gcore', 'needles.json')).RANDOM_1432_KEY;
    assert.ok(hits.length > 0, 'the search finds the key');
    const hit = hits[0];
    assert.ok(needles[String(hit.pid)]?.includes('0x' + hit.address.toString(16)), `hit ${hit.pid}@0x${hit.address.toString(16)} is one of ${JSON.stringify(needles)}`);
    const keyNote = `RANDOM_1432_KEY held in memory of pid ${hit.pid} (${s.name})`;
    assert.match(
      ok(['case', 'note', dir, '--evidence', evidenceId, '--pid', String(hit.pid), '--addr', '0x' + hit.address.toString(16), '--len', '15', '--pattern', 'RANDOM_1432_KEY', '--text', keyNote]),
      new RegExp(`^N1 on search hit 0x${hit.address.toString(16)} \\+15 in process ${hit.pid} .* sha256 ${crypto.createHash('sha256').update('RANDOM_1432_KEY').digest('hex')}`),
    );
    const secondNote = s.file ? `test-file created by GET /create (${s.name})` : `the counter process (${s.name})`;
    if (s.file) ok(['case', 'note', dir, '--file', s.file, '--text', secondNote]);
    else ok(['case', 'note', dir, '--pid', String(s.process), '--text', secondNote]);

    // A core of the process holding the key, written into the case and recorded with the exact command.
    const coreCmd = ['core', f.input, '--pid', String(hit.pid), '--out', path.join(dir, 'derived')];
    ok(coreCmd);
    const corePath = path.join(dir, 'derived', `core.${hit.pid}`);
    const recorded = JSON.parse(ok(['case', 'record', dir, corePath, '--action', ['kensa', ...coreCmd].join(' '), '--json'])) as Json[];
    assert.equal(recorded[0].path, `derived/core.${hit.pid}`);
    assert.equal(recorded[0].sha256, coreutils('sha256sum', corePath));
    assert.equal(recorded[0].evidenceId, 'E1', 'the case holds one evidence: the core is tied to it');

    const reports: Record<string, { file: string; sha256: string; recorded: string }> = {};
    for (const format of ['html', 'pdf', 'json']) {
      const file = path.join(out, `report.${format}`);
      const r = JSON.parse(ok(['report', dir, '--format', format, '--out', file, '--json'])) as Json;
      assert.equal(r.path, file);
      reports[format] = { file, sha256: r.sha256, recorded: r.recorded };
    }

    // Recorded hashes equal coreutils.
    const shown = JSON.parse(ok(['case', 'show', dir, '--json'])) as Json;
    const ev = shown.evidence[0];
    if (fs.statSync(f.input).isDirectory()) {
      assert.equal(ev.kind, 'folder');
      assert.equal(ev.sha256, folderDigest(f.input, 'sha256sum'));
      assert.equal(ev.sha512, folderDigest(f.input, 'sha512sum'));
      for (const file of ev.files as Json[]) assert.equal(file.sha256, coreutils('sha256sum', path.join(f.input, file.path)), file.path);
    } else {
      assert.equal(ev.sha256, coreutils('sha256sum', f.input));
      assert.equal(ev.sha512, coreutils('sha512sum', f.input));
      assert.equal(ev.size, fs.statSync(f.input).size);
    }
    for (const [format, r] of Object.entries(reports)) {
      const rec = (shown.derived as Json[]).find((d) => d.path === r.recorded);
      assert.ok(rec, `${format} report recorded`);
      assert.equal(rec.kind, 'report');
      assert.equal(rec.sha256, coreutils('sha256sum', r.file), `${format}: recorded hash = sha256sum of --out`);
      assert.equal(rec.sha256, coreutils('sha256sum', path.join(dir, rec.path)), `${format}: the case's copy is the same file`);
      assert.equal(r.sha256, rec.sha256);
      assert.match(rec.action, new RegExp(`^kensa report ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --format ${format} --out `));
    }

    // PDF: renders, and its text holds the bookmarks and the evidence hash.
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [reports.pdf.file], { encoding: 'utf8' }))![1]);
    assert.ok(pages >= 2);
    execFileSync('pdftoppm', ['-png', '-r', '40', reports.pdf.file, path.join(work, 'page')]);
    const pngs = fs.readdirSync(work).filter((n) => /^page-\d+\.png$/.test(n));
    assert.equal(pngs.length, pages);
    for (const p of pngs) assert.deepEqual([...fs.readFileSync(path.join(work, p)).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const text = execFileSync('pdftotext', ['-layout', reports.pdf.file, '-'], { encoding: 'utf8' });
    assert.ok(text.includes(keyNote), 'bookmark text in the PDF');
    assert.ok(text.includes(secondNote), 'second bookmark text in the PDF');
    assert.ok(text.includes(ev.sha256), 'evidence SHA-256 in the PDF');
    assert.match(text, /\|RANDOM_1432_KEY/, 'hex excerpt of the key in the PDF');
    assert.match(text, /every secret|passwords,\s+private keys/i, 'sensitivity statement');

    // HTML: nothing to load; JSON: the same findings.
    const html = fs.readFileSync(reports.html.file, 'utf8');
    assertNothingLoads(html);
    assert.ok(html.includes(ev.sha256) && html.includes('RANDOM_1432_KEY'));
    htmlReports.push(reports.html.file);
    const j = readJson<Json>(reports.json.file);
    assert.equal(j.evidence[0].sha256, ev.sha256);
    assert.equal(j.findings[0].excerpt.text, 'RANDOM_1432_KEY');
    assert.equal(j.findings[0].excerpt.matchesCapture, true);
    if (s.file) assert.equal(j.findings[1].excerpt.text, 'test-file.');
    else assert.ok(j.findings[1].context.some((c: Json) => c.label === 'command line' && /counter 8089/.test(c.value)));
    assert.ok(j.evidence[0].processes.length === 3);

    const v = kensa(['case', 'verify', dir]);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /verification passed/);
    assert.match(v.stdout, new RegExp(`OK +derived +D1 +derived/core\\.${hit.pid} +sha256 ${recorded[0].sha256}`));

    // Intake, search, bookmarks, core, reports, verification: the evidence is exactly as it was.
    assert.deepEqual(evidenceState(f.input), before);
  });
}

test('must-show: the HTML reports load nothing in Chromium (every request watched), and their style applies under the CSP', async () => {
  assert.equal(htmlReports.length, SCENARIOS.length, 'the reports above were written');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    for (const file of htmlReports) {
      const page = await browser.newPage();
      const requests: string[] = [];
      const console: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => console.push(m.text()));
      await page.goto('file://' + file);
      assert.deepEqual(requests, ['file://' + file], 'only the document itself');
      assert.deepEqual(console, [], 'no CSP violation or error');
      assert.equal(await page.evaluate('getComputedStyle(document.body).fontSize'), '14px', 'the inline style is allowed by its hash');
      assert.equal(await page.evaluate('document.scripts.length + document.images.length + document.links.length'), 0);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});
