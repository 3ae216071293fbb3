/**
 * critJson must print exactly what CRIU 4.2's `crit show` printed for every image of every fixture
 * (test/fixtures/<fixture>/crit/*.json), and decode→encode must give back every image byte for byte.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { critJson, decodeImage, encodeImage } from '../../../main/core/criu/index.js';
import { FIXTURES, fixtureImages, goldenFiles, imageNameForGolden, readGolden } from './fixture-images.js';

/** Line-level first difference, so a failing golden says where it went wrong. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `line ${i + 1}: got ${JSON.stringify(a[i])}, crit printed ${JSON.stringify(e[i])}`;
  }
  return 'identical lines, different bytes';
}

describe('critJson matches crit 4.2 byte for byte', () => {
  let compared = 0;
  for (const fixture of FIXTURES) {
    const goldens = goldenFiles(fixture);
    test(fixture, () => {
      const images = fixtureImages(fixture);
      assert.ok(goldens.length > 0);
      for (const golden of goldens) {
        const name = imageNameForGolden(images, golden);
        assert.ok(name, `${fixture}: no image for crit/${golden}`);
        const img = decodeImage(images.get(name)!, { source: fixture, member: name });
        assert.deepEqual(img.warnings, [], `${fixture}/${name}: unexpected warnings`);
        const actual = critJson(img);
        const expected = readGolden(fixture, golden);
        if (actual !== expected) assert.fail(`${fixture}/${name}: ${firstDifference(actual, expected)}`);
        compared++;
      }
    });
  }
  test('all 152 goldens were compared', () => {
    assert.equal(compared, 152);
  });
});

describe('decode → encode reproduces every fixture image', () => {
  for (const fixture of FIXTURES) {
    test(fixture, () => {
      const images = fixtureImages(fixture);
      let protobufImages = 0;
      for (const [name, bytes] of images) {
        const img = decodeImage(bytes, { member: name });
        if (img.kind === 'entries') protobufImages++;
        const again = encodeImage(img);
        assert.ok(again.equals(bytes), `${fixture}/${name} (${img.kind} ${img.magicName}) re-encodes differently`);
      }
      assert.ok(protobufImages >= 19, `${fixture}: only ${protobufImages} protobuf images found`);
    });
  }
});
