/**
 * Notes and derived files are bound to the evidence they are about (issue 13, defect 1): with a case that
 * holds one archive, opening another archive neither files notes nor cores under the first evidence; a
 * note drafted on one archive is refused once another is open; the case info names the open archive's id.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KensaServices } from '../../../main/services/kensa-services';
import { fixture, tempDir, TEST_CACHE } from '../../helpers';

function custody(dir: string): { event: string; details: Record<string, unknown> }[] {
  return fs.readFileSync(path.join(dir, 'custody.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

test('a note and a core always name the evidence open in the workstation, never the case\'s other evidence', async () => {
  const podman = fixture('podman-counter').input;
  const crio = fixture('crio-counter').input;
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  const caseDir = path.join(tempDir('kensa-binding-'), 'case');
  try {
    assert.ok((await services.openArchive({ path: podman })).ok);
    assert.ok((await services.caseOpen({ dir: caseDir, create: true, analyst: 'ws' })).ok);
    const added = await services.caseAddEvidence();
    assert.ok(added.ok);
    assert.equal(added.value.archiveEvidenceId, 'E1');
    assert.equal(added.value.archive, podman);

    // Another archive: not in the case, so the case says so and refuses notes about it.
    assert.ok((await services.openArchive({ path: crio })).ok);
    const status = await services.caseStatus();
    assert.ok(status.ok);
    assert.equal(status.value.archiveInCase, false);
    assert.equal(status.value.archiveEvidenceId, undefined);
    assert.equal(status.value.archive, crio);
    const refused = await services.addNote({ text: 'about crio', target: { kind: 'process', pid: 6 } });
    assert.ok(!refused.ok);
    assert.match(refused.error.message, /is not evidence in case .*: add it to the case first/);
    // A core of the new archive goes to the cache, not the case's derived files of E1.
    const core = await services.writeCore({ pid: 6 });
    assert.ok(core.ok);
    assert.ok(!core.value.path.startsWith(caseDir), core.value.path);
    assert.equal(custody(caseDir).filter((e) => e.event === 'derived').length, 0);

    // Added: the note is filed under E2, the new archive.
    const again = await services.caseAddEvidence();
    assert.ok(again.ok);
    assert.equal(again.value.archiveEvidenceId, 'E2');
    const note = await services.addNote({ text: 'about crio', target: { kind: 'process', pid: 6 }, evidenceId: 'E2' });
    assert.ok(note.ok, JSON.stringify(note));
    assert.equal(note.value.evidenceId, 'E2');
    const core2 = await services.writeCore({ pid: 6 });
    assert.ok(core2.ok);
    assert.ok(core2.value.path.startsWith(caseDir), 'a core of case evidence lands in the case');
    const derived = custody(caseDir).filter((e) => e.event === 'derived');
    assert.equal(derived.length, 1);
    assert.equal(derived[0].details.evidenceId, 'E2');

    // A note drafted while E2 was open is refused once E1 is open again.
    assert.ok((await services.openArchive({ path: podman })).ok);
    const stale = await services.addNote({ text: 'drafted on crio', target: { kind: 'process', pid: 6 }, evidenceId: 'E2' });
    assert.ok(!stale.ok);
    assert.match(stale.error.message, /written about evidence E2, but the open archive is evidence E1/);
    const onPodman = await services.addNote({ text: 'about podman', target: { kind: 'process', pid: 6 } });
    assert.ok(onPodman.ok);
    assert.equal(onPodman.value.evidenceId, 'E1');
    const notes = custody(caseDir).filter((e) => e.event === 'note').map((e) => `${e.details.evidenceId}:${e.details.text}`);
    assert.deepEqual(notes, ['E2:about crio', 'E1:about podman']);
  } finally {
    services.dispose();
  }
});
