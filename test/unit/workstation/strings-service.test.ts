/** The workstation's strings per process (main/services/strings.ts): the same strings as `kensa strings`, filtered, limited, checked. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { KensaServices } from '../../../main/services/kensa-services';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { extractStrings } from '../../../main/core/memory/strings';
import { hex } from '../../../shared/format';
import { fixture, TEST_CACHE } from '../../helpers';

test('strings: every string of the process in address order; filter ignores case; the limit is said; bad requests refused', async () => {
  const f = fixture('podman-counter');
  const cp = await Checkpoint.open(f.input, { cacheDir: TEST_CACHE });
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: f.input })).ok);
    const all = [...extractStrings(cp.addressSpace(6)!, { min: 8 })];
    const r = await services.strings({ pid: 6, min: 8 });
    assert.ok(r.ok);
    assert.equal(r.value.truncated, false);
    assert.deepEqual(r.value.strings.map((s) => s.address), all.map((s) => hex(s.address)));
    assert.deepEqual(r.value.strings.map((s) => s.text), all.map((s) => s.text));
    const some = await services.strings({ pid: 6, min: 8, filter: 'PATH=' });
    assert.ok(some.ok);
    assert.deepEqual(some.value.strings.map((s) => s.text), all.filter((s) => s.text.toLowerCase().includes('path=')).map((s) => s.text));
    const cut = await services.strings({ pid: 6, min: 8, maxStrings: 3 });
    assert.ok(cut.ok && cut.value.truncated && cut.value.strings.length === 3);
    const wide = await services.strings({ pid: 6, utf16: true, min: 4 });
    assert.ok(wide.ok && wide.value.strings.every((s) => s.encoding === 'utf16le'));
    const missing = await services.strings({ pid: 99999 });
    assert.ok(!missing.ok && /no process 99999/.test(missing.error.message));
    const bad = await services.strings({ pid: 6, min: 0 });
    assert.ok(!bad.ok && /min/.test(bad.error.message));
  } finally {
    services.dispose();
    cp.close();
  }
});
