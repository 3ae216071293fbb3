/**
 * `kensa yara` is exact (issue 12): for every fixture (with its rootfs, so file pages are scanned too),
 * each readable mapping's known bytes are dumped run by run and Debian's `yara -s` runs on each dump with the same
 * context variables (-d); Kensa's matches are the same (rule, string, address) set, no more,
 * no fewer. The rules (test/fixtures/yara/exactness.yar) use literals, nocase, hex strings with wildcards,
 * jumps and alternatives, regexes, wide strings, conditions on offsets, counts and filesize, and every
 * context variable.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FIXTURES, LOCAL_FIXTURES, kensa, tempDir, TEST_CACHE } from '../helpers';
import { Checkpoint } from '../../main/core/model/checkpoint';
import { openRootfs } from '../../main/core/rootfs/rootfs';
import { contentRanges, fillFromExtents } from '../../main/core/memory/ranges';
import { isFileMapping, isReadableMapping, isSharedMapping } from '../../main/core/memory/vma';

const YARA = '/usr/bin/yara';
const RULES = path.join(LOCAL_FIXTURES, 'yara', 'exactness.yar');

/** `yara -s` output: `RULE FILE` lines, then `0xOFFSET:$id: data` lines for that rule. */
function parseYara(out: string, base: bigint): string[] {
  const keys: string[] = [];
  let rule = '';
  let strings = 0;
  const flush = (): void => {
    if (rule && strings === 0) keys.push(`${rule}||0x${base.toString(16)}`);
  };
  for (const line of out.split('\n')) {
    if (!line) continue;
    const m = /^0x([0-9a-f]+):(\$\w*):/.exec(line);
    if (m) {
      keys.push(`${rule}|${m[2]}|0x${(base + BigInt('0x' + m[1])).toString(16)}`);
      strings++;
    } else {
      flush();
      rule = line.split(' ')[0];
      strings = 0;
    }
  }
  flush();
  return keys;
}

for (const f of FIXTURES) {
  test(`kensa yara matches Debian's yara -s on every known run of ${f.name}`, { skip: !fs.existsSync(YARA) && `${YARA} is not installed (apt-get install yara)` }, async () => {
    const rootfsPath = path.join(f.ref, 'rootfs.tar.zst');
    const withRootfs = fs.existsSync(rootfsPath);
    const rootfs = withRootfs ? await openRootfs(rootfsPath, { cacheDir: TEST_CACHE }) : undefined;
    const cp = await Checkpoint.open(f.input, { cacheDir: TEST_CACHE, ...(rootfs ? { rootfs } : {}) });
    const dir = tempDir('kensa-yara-exact-');
    const expected: string[] = [];
    let runs = 0;
    try {
      for (const p of cp.processList()) {
        const space = cp.addressSpace(p.pid);
        if (!space) continue;
        for (const vma of space.vmas) {
          if (!isReadableMapping(vma)) continue; // as kensa yara (and yara's own process scan) does
          for (const r of contentRanges(space, [{ start: vma.start, end: vma.end }])) {
            const data = Buffer.alloc(Number(r.end - r.start));
            fillFromExtents(r.extents, r.start, r.end, data);
            const file = path.join(dir, `${p.pid}-${r.start.toString(16)}`);
            fs.writeFileSync(file, data);
            const file_backed = isFileMapping(vma);
            const anonymous = !file_backed && ['anon-private', 'anon-shared', 'heap', 'stack'].includes(vma.kind);
            const vars: Record<string, string> = {
              pid: String(p.pid),
              comm: p.comm,
              exe: cp.exe(p.pid) ?? '',
              perms: vma.perms,
              anonymous: String(anonymous),
              file_backed: String(file_backed),
              shared: String(isSharedMapping(vma)),
              path: vma.file?.path ?? vma.name,
              base: r.start.toString(),
            };
            const y = spawnSync(YARA, ['-s', ...Object.entries(vars).flatMap(([k, v]) => ['-d', `${k}=${v}`]), RULES, file], { encoding: 'utf8' });
            assert.equal(y.status, 0, y.stderr);
            expected.push(...parseYara(y.stdout, r.start).map((k) => `${p.pid}|${k}`));
            runs++;
          }
        }
      }
    } finally {
      cp.close();
      rootfs?.close();
    }
    const r = kensa(['yara', RULES, f.input, '--json', ...(withRootfs ? ['--rootfs', rootfsPath] : [])]);
    assert.equal(r.status, 0, r.stderr);
    const got = (JSON.parse(r.stdout) as { rule: string; string: string; pid: number; address: string }[]).map((m) => `${m.pid}|${m.rule}|${m.string}|${m.address}`);
    assert.ok(runs > 5, `${runs} runs dumped`);
    assert.ok(expected.length > 10, `yara found ${expected.length} matches: the rules must exercise something`);
    const want = new Set(expected);
    const have = new Set(got);
    assert.equal(have.size, got.length, 'no match reported twice');
    const missing = [...want].filter((k) => !have.has(k));
    const extra = [...have].filter((k) => !want.has(k));
    assert.deepEqual({ missing: missing.slice(0, 20), extra: extra.slice(0, 20) }, { missing: [], extra: [] }, `${missing.length} missing, ${extra.length} extra of ${want.size}`);
  });
}
