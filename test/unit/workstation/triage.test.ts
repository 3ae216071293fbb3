/**
 * The workstation's triage (main/services/triage.ts) and its report section: the services run every rule
 * over the open archive once (a second call is the kept result), record the run in the open case, accept a
 * finding as a bookmark (and refuse a malformed one), and the JSON, HTML and PDF reports list the bookmarked
 * finding with its evidence pointers and the last recorded run.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { KensaServices } from '../../../main/services/kensa-services';
import type { FindingBookmark } from '../../../shared/api/contract';
import { tempDir } from '../../helpers';
import { elfHeader, PROT_R, PROT_W, PROT_X, Synth } from '../triage/synth';

test('services: triage once per archive, recorded in the case; a finding bookmarked reaches the JSON, HTML and PDF reports', async () => {
  const s = await Synth.from('crio-counter');
  s.mapRegion(6, { prot: PROT_R | PROT_W | PROT_X, data: elfHeader() });
  s.setStrings(6, 'env', ['PATH=/bin', 'API_TOKEN=abcdef0123456789abcdef']);
  const dir = tempDir('kensa-triage-ws-');
  const services = new KensaServices({ cacheDir: tempDir('kensa-cache-') });
  try {
    const none = await services.triage();
    assert.ok(!none.ok && none.error.kind === 'usage', 'no archive open');
    assert.ok((await services.openArchive({ path: s.finish() })).ok);
    // The Findings page runs first; the case comes later and the kept run is recorded in it then.
    const r = await services.triage({ taskId: 't1' });
    assert.ok(r.ok, JSON.stringify(r));
    const caseDir = path.join(dir, 'case');
    assert.ok((await services.caseOpen({ dir: caseDir, create: true, analyst: 'ws', title: 'triage' })).ok);
    assert.ok((await services.caseAddEvidence()).ok);
    assert.deepEqual(r.value.findings.map((f) => `${f.severity} ${f.technique}`), ['high T1055', 'low T1552.007']);
    assert.ok(!JSON.stringify(r.value).includes('abcdef0123456789abcdef'), 'redacted by default');
    const again = await services.triage();
    assert.ok(again.ok);
    assert.strictEqual(again.value, r.value, 'kept: the second call does not scan again');
    assert.ok((await services.triage()).ok);
    const log = fs.readFileSync(path.join(caseDir, 'custody.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; details: Record<string, unknown> });
    assert.equal(log.filter((e) => e.event === 'triage').length, 1);

    const f = r.value.findings[0];
    const target: FindingBookmark = { kind: 'triage-finding', id: f.id, severity: f.severity, technique: f.technique, technique_name: f.technique_name, title: f.title, pid: 6, evidence: f.evidence.map((e) => e.label) };
    const note = await services.addNote({ text: 'injected library', target });
    assert.ok(note.ok, JSON.stringify(note));
    const bad = await services.addNote({ text: 'x', target: { ...target, severity: 'critical' as never } });
    assert.ok(!bad.ok, 'an unknown severity is refused');
    const gone = await services.addNote({ text: 'x', target: { ...target, pid: 99 } });
    assert.ok(!gone.ok, 'a finding about a process not in the archive is refused');

    const json = await services.writeReport({ format: 'json', outFile: path.join(dir, 'report.json') });
    assert.ok(json.ok, JSON.stringify(json));
    const report = JSON.parse(fs.readFileSync(json.value.path, 'utf8')) as {
      triage: { bookmarked: { note: string; finding: { id: string; evidence: string[] } }[]; lastRun: { total: number; bySeverity: Record<string, number>; findings: { id: string }[] } };
      findings: { target: { kind: string }; context: { label: string; value: string }[] }[];
    };
    assert.deepEqual(report.triage.bookmarked.map((b) => [b.note, b.finding.id]), [['N1', f.id]]);
    assert.deepEqual(report.triage.bookmarked[0].finding.evidence, f.evidence.map((e) => e.label));
    assert.equal(report.triage.lastRun.total, 2);
    assert.deepEqual(report.triage.lastRun.bySeverity, { high: 1, medium: 0, low: 1, info: 0 });
    const n1 = report.findings.find((x) => x.target.kind === 'triage-finding')!;
    assert.ok(n1.context.some((c) => c.label === 'triage finding' && c.value.startsWith(`${f.id}: high, T1055 Process Injection`)));
    assert.ok(n1.context.some((c) => c.label === 'process' && c.value.startsWith('6 counter')));

    const html = await services.writeReport({ format: 'html', outFile: path.join(dir, 'report.html') });
    assert.ok(html.ok);
    const page = fs.readFileSync(html.value.path, 'utf8');
    assert.match(page, /<h2>Triage findings<\/h2>/);
    assert.ok(page.includes(`N1  [HIGH] ${f.id}  T1055 Process Injection  pid 6:`));
    assert.match(page, /<h3>Last triage recorded<\/h3><p>Custody entry \d+ \([^)]*\): 2 findings \(1 high, 0 medium, 1 low, 0 info\)/);

    const pdf = await services.writeReport({ format: 'pdf', outFile: path.join(dir, 'report.pdf') });
    assert.ok(pdf.ok);
    const text = spawnSync('pdftotext', ['-layout', pdf.value.path, '-'], { encoding: 'utf8' });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Triage findings/);
    assert.ok(text.stdout.includes(f.id));
  } finally {
    services.dispose();
  }
});
