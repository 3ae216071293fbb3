/**
 * One definition of what a byte origin means (shared/byte-origins.ts), and every side that shows memory
 * agreeing with it: the CLI hex dump and the UI hex view mark the same bytes unknown (`--`), and the
 * "present" count is the same number in `kensa mem --maps`, `inspect`'s VMA rows, the services' memory map
 * (what the UI draws) and the per-process total.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CONTENT_ORIGINS, MISSING_ORIGINS, PRESENT_ORIGINS, countOrigins, isContentOrigin } from '../../../shared/byte-origins';
import type { ByteOriginName } from '../../../shared/api/contract';
import { ORIGIN_NAMES, isKnownOrigin } from '../../../renderer/memory/page-cache';
import { hexDump } from '../../../main/cli/commands/mem';
import { KensaServices } from '../../../main/services/kensa-services';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { vmaRows } from '../../../main/core/model/summary';
import { memorySummary } from '../../../main/core/memory/summary';
import { fixture, kensa, TEST_CACHE } from '../../helpers';

test('origins: content excludes not-dumped (vvar, vsyscall), missing-* and unmapped; present is the dumped memory only', () => {
  assert.deepEqual([...CONTENT_ORIGINS].sort(), ['ghost-file', 'pages', 'parent', 'rootfs', 'rootfs-diff', 'shmem', 'zero']);
  assert.deepEqual([...PRESENT_ORIGINS].sort(), ['pages', 'parent', 'shmem']);
  assert.deepEqual([...MISSING_ORIGINS].sort(), ['missing-file', 'missing-lazy', 'missing-pages', 'missing-parent']);
  for (const o of PRESENT_ORIGINS) assert.ok(CONTENT_ORIGINS.has(o), `${o}: present bytes are content`);
  for (const o of MISSING_ORIGINS) assert.ok(!CONTENT_ORIGINS.has(o), `${o}: missing bytes are not content`);
  assert.ok(!isContentOrigin('not-dumped'));
  assert.ok(!isContentOrigin('unmapped'));
});

test('origins: the CLI hex dump and the UI hex view show exactly the non-content bytes as --', () => {
  for (const origin of ORIGIN_NAMES) {
    const data = Buffer.alloc(16, 0xab);
    const line = hexDump(0x1000n, data, [{ start: 0x1000n, end: 0x1010n, origin }]);
    const cliUnknown = line.includes('--');
    assert.equal(cliUnknown, !line.includes('ab'), `${origin}: ${line}`);
    const uiUnknown = !isKnownOrigin(ORIGIN_NAMES.indexOf(origin));
    assert.equal(uiUnknown, cliUnknown, `${origin}: the UI and the CLI disagree (${line.trim()})`);
    assert.equal(cliUnknown, !isContentOrigin(origin), origin);
  }
  // Every origin the contract can send has a code in the hex view.
  const all: ByteOriginName[] = [...CONTENT_ORIGINS, ...MISSING_ORIGINS, 'not-dumped', 'unmapped'];
  for (const o of all) assert.ok(ORIGIN_NAMES.includes(o), o);
});

test('origins: a vvar page reads as -- in kensa mem --dump and as unknown in the services chunk the UI draws', async () => {
  const archive = fixture('shmpair').input;
  const maps = JSON.parse(kensa(['mem', archive, '--pid', '1', '--maps', '--json']).stdout) as { start: string; kind: string; origins: Record<string, number> }[];
  const vvar = maps.find((m) => m.kind === 'vvar');
  assert.ok(vvar, 'the fixture maps vvar');
  assert.ok(vvar.origins['not-dumped']! > 0);
  const dump = kensa(['mem', archive, '--pid', '1', '--dump', vvar.start, '--len', '32']);
  assert.match(dump.stdout, /^[0-9a-f]+: ---- ---- ---- ---- ---- ---- ---- ----/m);
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: archive })).ok);
    const chunk = await services.readMemory({ pid: 1, address: vvar.start, length: 32 });
    assert.ok(chunk.ok, JSON.stringify(chunk));
    const origins = chunk.value.extents.map((e) => e.origin);
    assert.deepEqual([...new Set(origins)], ['not-dumped']);
    assert.ok(!isKnownOrigin(ORIGIN_NAMES.indexOf('not-dumped')), 'the hex view shows vvar as --, not 00');
  } finally {
    services.dispose();
  }
});

test('present: one count for kensa mem --maps, inspect VMA rows, the services memory map (the UI) and the process total', async () => {
  const f = fixture('podman-counter');
  const cp = await Checkpoint.open(f.input, { cacheDir: TEST_CACHE });
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: f.input })).ok);
    for (const pid of f.pids) {
      const space = cp.addressSpace(pid);
      assert.ok(space, `pid ${pid}`);
      // The independent count: bytes of pages, shmem and parent extents, VMA by VMA.
      const expected = space.vmas.map((v) => space.extents(v.start, v.end).filter((e) => e.origin === 'pages' || e.origin === 'shmem' || e.origin === 'parent').reduce((n, e) => n + Number(e.end - e.start), 0));
      assert.ok(expected.some((n) => n > 0), `pid ${pid} has dumped pages`);
      const cli = (JSON.parse(kensa(['mem', f.input, '--pid', String(pid), '--maps', '--json']).stdout) as { present: number }[]).map((v) => v.present);
      assert.deepEqual(cli, expected, `kensa mem --maps, pid ${pid}`);
      assert.deepEqual(vmaRows(cp, pid).map((v) => v.present), expected, `inspect VMA rows, pid ${pid}`);
      const ui = await services.vmas({ pid });
      assert.ok(ui.ok);
      assert.deepEqual(ui.value.map((v) => v.present), expected, `services memory map, pid ${pid}`);
      const total = memorySummary(cp).find((s) => s.pid === pid)!;
      const guardless = space.vmas.map((v, i) => (v.kind === 'guard' ? 0 : expected[i])).reduce((a, b) => a + b, 0);
      assert.equal(total.present, guardless, `kensa mem total, pid ${pid}`);
      const counts = countOrigins(space.vmas.flatMap((v) => space.extents(v.start, v.end)));
      assert.equal(counts.present, expected.reduce((a, b) => a + b, 0));
    }
  } finally {
    services.dispose();
    cp.close();
  }
});
