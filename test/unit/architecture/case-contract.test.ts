/**
 * The case calls of the API contract carry the case engine's own records (shared/api/case.ts), typed, as
 * plain JSON: what CasePanel reads without casts is what main/core/evidence/case.ts keeps.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { KensaServices } from '../../../main/services/kensa-services';
import { EvidenceCase } from '../../../main/core/evidence/case';
import type { EvidenceRecord, NoteRecord, VerifyReport } from '../../../shared/api/contract';
import { fixture, tempDir, TEST_CACHE } from '../../helpers';

test('case contract: caseStatus, addNote and caseVerify return the engine records, unchanged by a JSON round trip', async () => {
  const dir = path.join(tempDir(), 'case');
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: fixture('threads').input })).ok);
    assert.ok((await services.caseOpen({ dir, create: true, analyst: 'alice' })).ok);
    const added = await services.caseAddEvidence({});
    assert.ok(added.ok, JSON.stringify(added));
    const evidence: EvidenceRecord[] = added.value.evidence;
    assert.equal(evidence.length, 1);
    assert.equal(evidence[0].id, 'E1');
    assert.match(evidence[0].sha256, /^[0-9a-f]{64}$/);
    const note = await services.addNote({ text: 'pid 1', target: { kind: 'process', pid: 1 } });
    assert.ok(note.ok, JSON.stringify(note));
    const record: NoteRecord = note.value;
    assert.deepEqual([record.id, record.evidenceId, record.target], ['N1', 'E1', { kind: 'process', pid: 1 }]);
    const verified = await services.caseVerify({});
    assert.ok(verified.ok, JSON.stringify(verified));
    const report: VerifyReport = verified.value;
    assert.equal(report.ok, true, report.problems.join('; '));
    assert.ok(report.chain.entries >= 3 && report.chain.ok && report.caseFile.ok);
    assert.deepEqual(report.evidence.map((e) => [e.id, e.ok]), [['E1', true]]);
    for (const v of [added.value, record, report]) assert.deepEqual(JSON.parse(JSON.stringify(v)), v, 'plain JSON: what every transport carries');
    // The same records the case folder keeps, read back by the engine.
    const c = EvidenceCase.open(dir);
    assert.deepEqual(c.evidence(), evidence);
    assert.deepEqual(c.notes(), [record]);
  } finally {
    services.dispose();
  }
});
