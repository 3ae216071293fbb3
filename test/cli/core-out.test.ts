/**
 * Issue 10 §3 (crashes on malformed values): `kensa core --out` naming a regular file, or a path through
 * one, is a one-line usage error (exit 1), not "internal error: EEXIST"; the file is left as it was.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, kensa, tempDir } from '../helpers';

test('core --out naming a regular file, or a path through one', () => {
  const file = path.join(tempDir('kensa-core-out-'), 'not-a-folder');
  fs.writeFileSync(file, 'keep me');
  for (const out of [file, path.join(file, 'sub')]) {
    const r = kensa(['core', fixture('criu-dir').input, '--pid', '3', '--out', out]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^kensa: error: --out .*not-a-folder.* (is not a folder|cannot be a folder)/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.doesNotMatch(r.stderr, /internal error/);
  }
  assert.equal(fs.readFileSync(file, 'utf8'), 'keep me');
});
