/**
 * Precision on real, healthy checkpoints: every fixture in test/fixtures (pyworker among them:
 * CPython with five threads) gives no `high` finding; what it does give is listed here exactly, so a new
 * finding on a healthy fixture fails until it is justified. Also: ids are stable and the order deterministic
 * across runs, and --min-severity filters.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { FIXTURES, LOCAL_FIXTURES } from '../../helpers';
import { triageOf } from './run';
import { Synth, elfHeader, PROT_R, PROT_W, PROT_X } from './synth';

const PYWORKER = path.join(LOCAL_FIXTURES, 'pyworker', 'pyworker.tar.zst');

/** Every finding each healthy fixture may give (severity and title); justified in the triage notes of README. */
const EXPECTED: Record<string, string[]> = {
  'podman-counter': [],
  'crio-counter': [],
  threads: [],
  'containerd-threads': [],
  shmpair: [],
  'criu-dir': [],
  pyworker: [],
};

describe('triage on the healthy fixtures', () => {
  for (const f of FIXTURES) {
    test(`${f.name}: no high finding, and exactly the expected lower ones`, async () => {
      const r = await triageOf(f.input);
      assert.equal(r.summary.by_severity.high, 0);
      assert.deepEqual(r.findings.map((x) => `${x.severity} ${x.title}`), EXPECTED[f.name]);
      assert.ok(r.summary.scanned_bytes > 0, 'memory was scanned');
    });
  }

  test('pyworker (CPython, five threads, shared libraries): no high finding', async () => {
    const r = await triageOf(PYWORKER);
    assert.equal(r.summary.by_severity.high, 0);
    assert.deepEqual(r.findings.map((x) => `${x.severity} ${x.title}`), EXPECTED.pyworker);
  });
});

describe('triage results', () => {
  test('ids are stable and the order is deterministic; --min-severity keeps what is at or above', async () => {
    const s = await Synth.from('crio-counter');
    s.mapRegion(6, { prot: PROT_R | PROT_W | PROT_X, data: elfHeader() });
    s.setStrings(6, 'env', ['PATH=/bin', 'API_TOKEN=abcdef0123456789', 'LD_LIBRARY_PATH=/opt/lib']);
    s.rootfsAdd('/etc/cron.d/job', '* * * * * root true\n');
    const dir = s.finish();
    const a = await triageOf(dir);
    const b = await triageOf(dir);
    assert.deepEqual(a.findings, b.findings);
    assert.deepEqual(a.findings.map((f) => f.severity), ['high', 'medium', 'low', 'info']);
    assert.ok(a.findings.every((f) => /^KF-[0-9a-f]{12}$/.test(f.id)));
    assert.equal(new Set(a.findings.map((f) => f.id)).size, a.findings.length);
    const min = await triageOf(dir, { minSeverity: 'medium' });
    assert.deepEqual(min.findings.map((f) => f.id), a.findings.slice(0, 2).map((f) => f.id));
    assert.deepEqual(min.summary.by_severity, { high: 1, medium: 1, low: 0, info: 0 });
  });
});
