/**
 * `kensa serve` and the workstation open evidence in-process: a FIFO or device named as the archive must be
 * refused at once with the one-line reason, and the server must stay responsive (issue 10 §3: opening a
 * FIFO blocked the event loop for ever).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { KensaServices } from '../../../main/services/kensa-services';
import { LOCAL_FIXTURES, tempDir, TEST_CACHE } from '../../helpers';

test('the workstation refuses a FIFO or a device as the archive and keeps serving', { timeout: 60_000 }, async () => {
  const dir = tempDir('kensa-ws-fifo-');
  const fifo = path.join(dir, 'evidence.tar.gz');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    for (const [file, kind] of [[fifo, 'a FIFO \\(named pipe\\)'], ['/dev/zero', 'a character device']] as const) {
      // (a blocking open would hang here, and the runner's timeout would fail the test)
      const r = await services.openArchive({ path: file });
      assert.equal(r.ok, false);
      assert.match(JSON.stringify(r), new RegExp(`${kind}, not a regular file: refused`));
    }
    const folder = path.join(dir, 'images');
    fs.cpSync(path.join(LOCAL_FIXTURES, 'criu-dir', 'images'), folder, { recursive: true });
    fs.rmSync(path.join(folder, 'pstree.img'));
    assert.equal(spawnSync('mkfifo', [path.join(folder, 'pstree.img')]).status, 0);
    const r = await services.openArchive({ path: folder });
    assert.match(JSON.stringify(r), /pstree\.img is a fifo, not a regular file: refused/);
    // and the workstation still serves the next request
    assert.ok((await services.openArchive({ path: path.join(LOCAL_FIXTURES, 'criu-dir', 'images') })).ok);
  } finally {
    services.dispose();
  }
});
