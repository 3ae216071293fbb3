/**
 * The one way Kensa creates files (main/core/io/output.ts): exclusive creation that never opens an existing
 * name or follows a planted link, atomic replacement by rename, and real-path containment (issue 10 §3).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { createExclusive, isInside, realTarget, replaceFile, tempBeside, writeNewFile } from '../../../main/core/io/output.js';
import { KensaError } from '../../../main/core/errors.js';
import { tempDir } from '../../helpers.js';

test('createExclusive refuses a planted symlink, file or FIFO at the name and leaves the target alone', () => {
  const dir = tempDir();
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious');
  const link = path.join(dir, 'core.6.partial');
  fs.symlinkSync(victim, link);
  const dangling = path.join(dir, 'dangling');
  fs.symlinkSync(path.join(dir, 'would-be-created'), dangling);
  for (const name of [link, dangling, victim]) {
    assert.throws(() => createExclusive(name), (e: unknown) => e instanceof KensaError && e.kind === 'io' && /already exists \(never overwritten or followed\)/.test(e.message));
  }
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
  assert.ok(!fs.existsSync(path.join(dir, 'would-be-created')), 'a dangling link is not created through');
  writeNewFile(path.join(dir, 'fresh'), 'x');
  assert.equal(fs.readFileSync(path.join(dir, 'fresh'), 'utf8'), 'x');
  assert.equal(fs.statSync(path.join(dir, 'fresh')).mode & 0o777, 0o600);
});

test('replaceFile replaces a link at the destination, not its target, and leaves no temporary file', () => {
  const dir = tempDir();
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious');
  const dest = path.join(dir, 'custody.head');
  fs.symlinkSync(victim, dest);
  replaceFile(dest, 'new');
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
  assert.ok(fs.lstatSync(dest).isFile());
  assert.equal(fs.readFileSync(dest, 'utf8'), 'new');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['custody.head', 'victim']);
});

test('temporary names are unpredictable; containment is decided on real paths', () => {
  assert.notEqual(tempBeside('/x/core.6'), tempBeside('/x/core.6'));
  assert.match(tempBeside('/x/core.6'), /^\/x\/core\.6\.partial-\d+-[0-9a-f]{12}$/);
  const dir = fs.realpathSync(tempDir());
  const evidence = path.join(dir, 'evidence');
  fs.mkdirSync(evidence);
  fs.symlinkSync(evidence, path.join(dir, 'link'));
  assert.equal(realTarget(path.join(dir, 'link', 'not-yet', 'report.html')), path.join(evidence, 'not-yet', 'report.html'));
  assert.ok(isInside(evidence, realTarget(path.join(dir, 'link', 'r.html'))));
  assert.ok(!isInside(evidence, path.join(dir, 'evidence-2', 'r.html')), 'no string-prefix match');
  assert.ok(!isInside(evidence, dir));
  assert.ok(isInside(evidence, path.join(evidence, '..foo')), 'a name starting with .. is inside');
});
