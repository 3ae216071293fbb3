/**
 * Issue 10 §2: an archive without rootfs-diff.tar (the threads fixture: nothing changed) has no root FS diff
 * size; it is reported as absent, never as 0, in show, inspect, JSON, the workstation's overview and the
 * report model, while an archive that has one (podman-counter) still reports its size.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Checkpoint } from '../../main/core/model/checkpoint';
import { showSummary } from '../../main/core/model/summary';
import { containerFacts } from '../../main/core/evidence/report-model';
import { KensaServices } from '../../main/services/kensa-services';
import { fixture, kensa, TEST_CACHE } from '../helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const absent = fixture('threads').input;
const present = fixture('podman-counter').input;

test('show and inspect: absent, not 0', () => {
  const json = kensa(['show', absent, present, '--json']);
  assert.equal(json.status, 0, json.stderr);
  const [a, p] = JSON.parse(json.stdout) as Json[];
  assert.ok(!('root_fs_diff_size' in a!.checkpoint_size), 'no key for a value the archive does not have');
  assert.ok(p!.checkpoint_size.root_fs_diff_size > 0);

  const table = kensa(['show', absent]);
  assert.match(table.stdout.split('\n').find((l) => l.startsWith('threads'))!, /absent\s*$/);
  const tree = kensa(['inspect', absent]);
  assert.match(tree.stdout, /Root FS diff size: absent\n/);
  assert.match(kensa(['inspect', present]).stdout, /Root FS diff size: \d+(\.\d)? KiB\n/);
  const inspectJson = (JSON.parse(kensa(['inspect', absent, '--json']).stdout) as Json[])[0]!;
  assert.ok(!('root_fs_diff_size' in inspectJson.checkpoint_size));
});

test('workstation overview and report: absent', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: absent })).ok);
    const o = await services.overview();
    assert.ok(o.ok);
    assert.ok(!('rootfsDiff' in o.value.sizes), JSON.stringify(o.value.sizes));
  } finally {
    services.dispose();
  }
  const cp = await Checkpoint.open(absent, { cacheDir: TEST_CACHE });
  try {
    const facts = containerFacts(showSummary(cp));
    assert.match(String(facts.find(([label]) => label === 'Checkpoint size')![1]), /root fs diff absent\)$/);
  } finally {
    cp.close();
  }
});
