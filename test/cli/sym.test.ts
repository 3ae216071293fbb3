/**
 * `kensa sym` through the real binary:
 * - every thread's pc in criu-dir, crio-counter and shmpair names the function gdb named on the gcore of the
 *   live process (gcore/gdb-gcore.txt, frame #0; names compared without `__GI_`/`__libc_`/underscores, as
 *   the fixtures README says; `??` there means no symbol here either), and sp lies in `[stack]`;
 * - ADDRESS mode: a pc names its symbol with the file offset, an unmapped address says `not mapped`;
 *   `--json` gives the contract's SymbolizedAddress;
 * - without --rootfs libc's symbols are not at hand and the row says why (give --rootfs), exit 0; the vDSO
 *   is still named (read from memory);
 * - usage: ADDRESS without one --pid, a bad address, --regs with ADDRESS exit 1.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fixture, kensa } from '../helpers';
import type { SymbolizedAddress } from '../../shared/api/symbols';

type Row = SymbolizedAddress & { pid: number; tid?: number; register?: string };

function normalise(n: string): string {
  let s = n;
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s.replace(/^__GI_/, '').replace(/^__libc_/, '').replace(/^_+/, '');
  }
  return s;
}

/** gdb-gcore.txt: per pid, frame #0's function of the thread gcore has registers for (`??`: none). */
function gcoreFrame0(ref: string): Map<number, string> {
  const out = new Map<number, string>();
  const text = fs.readFileSync(path.join(ref, 'gcore', 'gdb-gcore.txt'), 'utf8');
  for (const block of text.split(/^### pid /m).slice(1)) {
    const pid = Number(/^(\d+)/.exec(block)![1]);
    const m = /^#0 {2}0x[0-9a-f]+ in (\S+) \(/m.exec(block);
    if (m) out.set(pid, m[1]);
  }
  return out;
}

for (const name of ['criu-dir', 'crio-counter', 'shmpair']) {
  test(`sym: every thread's pc names gdb's function on the live process (${name})`, () => {
    const f = fixture(name);
    const r = kensa(['sym', f.input, '--rootfs', path.join(f.ref, 'rootfs.tar.zst'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Row[];
    const truth = gcoreFrame0(f.ref);
    assert.ok(truth.size > 0);
    for (const [pid, gdbName] of truth) {
      const pc = rows.find((x) => x.pid === pid && x.register === 'pc');
      assert.ok(pc, `pid ${pid} has a pc row`);
      if (gdbName === '??') {
        assert.equal(pc.symbol, undefined, `pid ${pid}: gdb named nothing, we said ${pc.text}`);
        assert.match(pc.noSymbol ?? '', /no symbol table/);
        continue;
      }
      const names = [pc.symbol?.name, ...(pc.symbol?.aliases ?? [])].filter((n): n is string => !!n).map(normalise);
      assert.ok(names.includes(normalise(gdbName)), `pid ${pid}: gdb ${gdbName}, we ${pc.text}`);
      assert.equal(pc.text, `${pc.module}!${pc.symbol!.name}+${pc.symbol!.offset}`);
      const sp = rows.find((x) => x.pid === pid && x.register === 'sp')!;
      assert.equal(sp.vma?.name, '[stack]');
    }
  });
}

test('sym ADDRESS: symbol with file offset, not mapped, --json; without --rootfs the reason; usage errors', () => {
  const f = fixture('threads');
  const rootfs = path.join(f.ref, 'rootfs.tar.zst');
  const rows = JSON.parse(kensa(['sym', f.input, '--rootfs', rootfs, '--json']).stdout) as Row[];
  const pc = rows.find((x) => x.register === 'pc' && x.module === 'libc.so.6')!;
  assert.ok(pc.symbol, 'a thread sleeps in libc');

  const text = kensa(['sym', f.input, '--pid', '1', '--rootfs', rootfs, pc.address, '0x10']);
  assert.equal(text.status, 0, text.stderr);
  const lines = text.stdout.trim().split('\n');
  assert.match(lines[2], new RegExp(`^${pc.address} +libc\\.so\\.6!${pc.symbol.name}\\+${pc.symbol.offset} +\\(libc\\.so\\.6\\+${pc.vma!.fileOffset}\\)$`));
  assert.match(lines[3], /^0x10 +not mapped$/);

  const json = JSON.parse(kensa(['sym', f.input, '--pid', '1', '--rootfs', rootfs, '--json', pc.address]).stdout) as Row[];
  assert.deepEqual(json, [{ ...pc, pid: 1, tid: undefined, register: undefined }].map((x) => JSON.parse(JSON.stringify(x))));

  // Without the rootfs: libc is not in the checkpoint; the row says so; the vDSO is named from memory.
  const bare = kensa(['sym', f.input, '--pid', '1', '--json', pc.address]);
  assert.equal(bare.status, 0, bare.stderr);
  const [noRootfs] = JSON.parse(bare.stdout) as Row[];
  assert.equal(noRootfs.symbol, undefined);
  assert.equal(noRootfs.location, pc.location);
  assert.match(noRootfs.noSymbol!, /libc\.so\.6 is neither in the checkpoint nor in the image rootfs.*give --rootfs/);
  const maps = JSON.parse(kensa(['mem', f.input, '--pid', '1', '--maps', '--json']).stdout) as { start: string; kind: string }[];
  const vdsoStart = maps.find((m) => m.kind === 'vdso')?.start;
  assert.ok(vdsoStart, 'the maps list the vDSO');
  const inVdso = JSON.parse(kensa(['sym', f.input, '--pid', '1', '--json', '0x' + (BigInt(vdsoStart) + 0xb10n).toString(16)]).stdout) as Row[];
  assert.equal(inVdso[0].module, '[vdso]');
  assert.equal(inVdso[0].symbol?.source, 'memory');

  assert.equal(kensa(['sym', f.input, '0x10']).status, 1);
  assert.equal(kensa(['sym', f.input, '--pid', '1', 'nowhere']).status, 1);
  assert.equal(kensa(['sym', f.input, '--pid', '1', '--regs', '0x10']).status, 1);
});
