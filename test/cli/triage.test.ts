/**
 * `kensa triage` as a user runs it: the JSON document's shape (snake_case, technique ids, pid null for file
 * system findings, evidence pointers), the text report grouped by severity, --min-severity, --show-secrets,
 * and the exit codes: findings are a result (0); --fail-on makes findings at or above a level exit 4.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fixture, kensa } from '../helpers';
import { elfHeader, PROT_R, PROT_W, PROT_X, Synth } from '../unit/triage/synth';

async function attack(): Promise<string> {
  const s = await Synth.from('crio-counter');
  s.mapRegion(6, { prot: PROT_R | PROT_W | PROT_X, data: elfHeader() });
  s.setStrings(6, 'env', ['PATH=/bin', 'DB_PASSWORD=hunter2-but-longer']);
  s.rootfsAdd('/etc/cron.d/job', '* * * * * root /tmp/x\n');
  return s.finish();
}

describe('kensa triage', () => {
  test('--json: findings with id, severity, technique, technique_name, title, pid, evidence; a summary', async () => {
    const dir = await attack();
    const r = kensa(['triage', dir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { findings: Record<string, unknown>[]; summary: Record<string, unknown> };
    assert.deepEqual(doc.findings.map((f) => [f.severity, f.technique, f.pid]), [
      ['high', 'T1055', 6],
      ['medium', 'T1053.003', null],
      ['low', 'T1552.007', 6],
    ]);
    for (const f of doc.findings) for (const k of ['id', 'severity', 'technique', 'technique_name', 'title', 'explanation', 'pid', 'evidence']) assert.ok(k in f, k);
    const elf = doc.findings[0].evidence as Record<string, unknown>[];
    assert.deepEqual(elf.map((e) => e.kind), ['vma', 'memory']);
    assert.match(String(elf[1].address), /^0x[0-9a-f]+$/);
    assert.equal(typeof elf[1].member_offset, 'number');
    assert.deepEqual(doc.summary.by_severity, { high: 1, medium: 1, low: 1, info: 0 });
    assert.ok(!r.stdout.includes('hunter2-but-longer'), 'redacted by default');
    assert.ok(kensa(['triage', dir, '--json', '--show-secrets']).stdout.includes('hunter2-but-longer'));
  });

  test('text: grouped by severity with technique, explanation and evidence; --min-severity; --fail-on exits 4', async () => {
    const dir = await attack();
    const r = kensa(['triage', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /3 findings \(1 high, 1 medium, 1 low, 0 info\)/);
    assert.match(r.stdout, /\nHIGH \(1\)\n {2}KF-[0-9a-f]{12} {2}T1055 Process Injection\n/);
    assert.match(r.stdout, /why: A whole program or library/);
    assert.match(r.stdout, /- memory: pid 6 0x[0-9a-f]+: 7f 45 4c 46/);
    const high = kensa(['triage', dir, '--min-severity', 'high']);
    assert.match(high.stdout, /1 finding \(1 high, 0 medium, 0 low, 0 info\)/);
    assert.equal(kensa(['triage', dir, '--fail-on', 'high']).status, 4);
    assert.equal(kensa(['triage', dir, '--fail-on', 'low']).status, 4);
    assert.equal(kensa(['triage', fixture('crio-counter').input, '--fail-on', 'info']).status, 0, 'a healthy checkpoint passes');
    const bad = kensa(['triage', dir, '--min-severity', 'severe']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--min-severity takes one of high, medium, low, info/);
  });
});
