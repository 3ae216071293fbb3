/**
 * Reports from the workstation (main/services/case-reports.ts): written to the case's reports/ folder, opened
 * with the host's viewer only when the shell gives one (Electron's shell.openPath, faked here), and only a
 * file of that folder is ever handed to it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KensaServices } from '../../../main/services/kensa-services';
import { fixture, tempDir, TEST_CACHE } from '../../helpers';

test('case reports: written to reports/, opened through the host viewer, nothing else of the case handed out', async () => {
  const opened: string[] = [];
  const services = new KensaServices({ cacheDir: TEST_CACHE, openPath: async (f) => (opened.push(f), '') });
  const browser = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    const dir = path.join(tempDir('kensa-case-reports-'), 'case');
    assert.ok((await services.openArchive({ path: fixture('podman-counter').input })).ok);
    assert.ok((await services.caseOpen({ dir, create: true, analyst: 'test' })).ok);
    assert.ok((await services.caseAddEvidence()).ok);
    const hello = await services.hello();
    assert.ok(hello.ok && hello.value.capabilities.openReport === true);
    const written = await services.writeReport({ format: 'json' });
    assert.ok(written.ok, JSON.stringify(written));
    assert.equal(path.dirname(written.value.path), path.join(fs.realpathSync(path.dirname(dir)), 'case', 'reports'));
    assert.match(written.value.reportName ?? '', /^report-\d{8}T\d{6}Z\.json$/);
    assert.ok((await services.openCaseReport({ name: written.value.reportName! })).ok);
    assert.deepEqual(opened.map((f) => fs.realpathSync(f)), [fs.realpathSync(written.value.path)]);
    for (const name of ['../case.json', 'case.json', '.hidden', '/etc/passwd', 'missing.html']) {
      const r = await services.openCaseReport({ name });
      assert.ok(!r.ok, name);
    }
    assert.equal(opened.length, 1, 'nothing but the report was handed to the viewer');
    assert.equal(services.caseReportFile('../custody.jsonl'), undefined);
    const noViewer = await browser.openCaseReport({ name: written.value.reportName! });
    assert.ok(!noViewer.ok && /browser mode/.test(noViewer.error.message));
    const h2 = await browser.hello();
    assert.ok(h2.ok && h2.value.capabilities.openReport === false);
  } finally {
    services.dispose();
    browser.dispose();
  }
});
