/**
 * The symbolizer against gdb, the oracle: for every process of every fixture, gdb 13 on Kensa's own core of
 * it (the fixture's rootfs as sysroot; no separate debug files, so gdb names addresses from the same ELF
 * files the symbolizer reads) prints `info symbol $pc` for each thread and `bt` for each thread. Asserted:
 * - for each thread where gdb names a symbol, the symbolizer names the same symbol (or an alias of the same
 *   address: glibc's `clock_nanosleep` is also `__clock_nanosleep`) at the same offset;
 * - for each caller frame gdb names from a file's symbols (`0x… in NAME () from FILE`), the return address
 *   minus one (the call instruction, as gdb looks it up) gives that name;
 * - where gdb finds no symbol for a thread's pc, the symbolizer names none either;
 * - every 64th byte of the vDSO (no file: its symbols are read from memory) and of the .bss past a file's end
 *   (anonymous memory after its mapping) is named as gdb names it.
 * pyworker (CPython, stripped, non-PIE) is included when ../shared holds its full rootfs.
 * gdb is required: without it these tests fail, they do not skip.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, SHARED_FIXTURES, SHARED_MISSING, tempDir } from '../../helpers';
import { fixtureCores, runGdb } from '../elfcore/fixture-cores';
import { ProcessSymbolizer, type AddressInfo } from '../../../main/core/symbols/symbolizer';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { openRootfs } from '../../../main/core/rootfs/rootfs';
import { writeCore } from '../../../main/core/elfcore/write-core';
import { openMappedFile } from '../../../main/core/elf/mapped-file';
import { readElfSymbols } from '../../../main/core/elf/elf-symbols';
import { PYWORKER, PYWORKER_ROOTFS } from '../python/pyworker';

interface GdbSymbol {
  name: string;
  offset: bigint;
}

/** `thread apply all info symbol $pc`: per LWP, gdb's symbol and offset, or null for "No symbol matches". */
function parseInfoSymbol(text: string): Map<number, GdbSymbol | null> {
  const out = new Map<number, GdbSymbol | null>();
  let lwp: number | undefined;
  for (const line of text.split('\n')) {
    const t = /^Thread \d+ \(.*LWP (\d+)\)*\):$/.exec(line);
    if (t) {
      lwp = Number(t[1]);
      continue;
    }
    if (lwp === undefined) continue;
    const m = /^(\S+)(?: \+ (\d+))? in section \S+(?: of .*)?$/.exec(line);
    if (m) out.set(lwp, { name: m[1], offset: BigInt(m[2] ?? 0) });
    else if (/^No symbol matches/.test(line)) out.set(lwp, null);
  }
  return out;
}

/** Caller frames of `thread apply all bt` that gdb named from a file's symbols: `#N 0xADDR in NAME () from FILE`. */
function parseCallerFrames(text: string): { lwp: number; address: bigint; name: string }[] {
  const out: { lwp: number; address: bigint; name: string }[] = [];
  let lwp = -1;
  for (const line of text.split('\n')) {
    const t = /^Thread \d+ \(.*LWP (\d+)\)*\):$/.exec(line);
    if (t) lwp = Number(t[1]);
    const f = /^#([1-9]\d*)\s+(0x[0-9a-f]+) in (\S+) \(/.exec(line);
    if (f && f[3] !== '??') out.push({ lwp, address: BigInt(f[2]), name: f[3] });
  }
  return out;
}

function names(info: AddressInfo): string[] {
  return info.symbol ? [info.symbol.name, ...info.symbol.aliases] : [];
}

interface Case {
  cp: Checkpoint;
  root: string;
  pid: number;
  exe: string;
  core: string;
}

/**
 * Addresses probed every 64 bytes: across the vDSO (its symbols come from memory only; gdb reads them from
 * the core) and across anonymous memory right after a file mapping (the .bss past the file's end), at most
 * 512 per mapping.
 */
function probes(c: Case): { address: bigint; where: 'vdso' | 'bss' }[] {
  const vmas = c.cp.vmas(c.pid);
  const out: { address: bigint; where: 'vdso' | 'bss' }[] = [];
  vmas.forEach((v, i) => {
    const where = v.kind === 'vdso' ? 'vdso' : v.kind === 'anon-private' && vmas[i - 1]?.file && vmas[i - 1].end === v.start ? 'bss' : undefined;
    for (let a = v.start, n = 0; where && a < v.end && n < 512; a += 64n, n++) out.push({ address: a, where });
  });
  return out;
}

/** The dynamic symbols the executable defines (copy-relocated library variables among them). */
function exeExports(c: Case): Set<string> {
  const exe = c.cp.vmas(c.pid).find((v) => v.file && v.file.path === c.cp.exe(c.pid));
  const opened = exe?.file ? openMappedFile(c.cp, exe.file) : undefined;
  return new Set(opened ? readElfSymbols(opened.bytes).symbols.keys() : []);
}

function check(c: Case, counts: { rip: number; sameName: number; frames: number; none: number; vdso: number; bss: number }): void {
  const probed = probes(c);
  const { sections } = runGdb(['-iex', `set sysroot ${c.root}`, '-iex', 'set debug-file-directory /nonexistent', c.exe, c.core], [
    ['sym', 'thread apply all info symbol $pc'],
    ['bt', 'thread apply all bt'],
    ...probed.map((p, i): [string, string] => [`probe${i}`, `info symbol 0x${p.address.toString(16)}`]),
  ]);
  const symbolizer = new ProcessSymbolizer(c.cp, c.pid);
  const gdbSyms = parseInfoSymbol(sections.get('sym')!);
  const threads = c.cp.threads(c.pid);
  assert.equal(gdbSyms.size, threads.length, `pid ${c.pid}: gdb answered for every thread:\n${sections.get('sym')}`);
  for (const t of threads) {
    const want = gdbSyms.get(t.tid);
    assert.ok(want !== undefined, `pid ${c.pid} tid ${t.tid}: gdb said nothing`);
    const got = symbolizer.symbolize(t.regs.ip);
    if (want === null) {
      assert.equal(got.symbol, undefined, `pid ${c.pid} tid ${t.tid}: gdb has no symbol for 0x${t.regs.ip.toString(16)}, we said ${got.text}`);
      counts.none++;
      continue;
    }
    assert.ok(names(got).includes(want.name), `pid ${c.pid} tid ${t.tid}: gdb says ${want.name}+${want.offset}, we say ${got.text} (${got.noSymbol ?? names(got).join(', ')})`);
    assert.equal(got.symbol!.offset, want.offset, `pid ${c.pid} tid ${t.tid}: offset into ${want.name}`);
    if (got.symbol!.name === want.name) counts.sameName++;
    counts.rip++;
  }
  for (const f of parseCallerFrames(sections.get('bt')!)) {
    const got = symbolizer.symbolize(f.address - 1n);
    assert.ok(names(got).includes(f.name), `pid ${c.pid} lwp ${f.lwp}: gdb's caller frame at 0x${f.address.toString(16)} is ${f.name}, we say ${got.text}`);
    counts.frames++;
  }
  probed.forEach(({ address: a, where }, i) => {
    const line = sections.get(`probe${i}`)!.trim();
    const m = /^(\S+)(?: \+ (\d+))? in section/.exec(line);
    const got = symbolizer.symbolize(a);
    if (!m) {
      assert.match(line, /^No symbol matches/, `pid ${c.pid}: gdb on ${where} 0x${a.toString(16)}`);
      assert.equal(got.symbol, undefined, `pid ${c.pid}: gdb has no symbol at ${where} 0x${a.toString(16)}, we say ${got.text}`);
      return;
    }
    // gdb prints a local static's name without GCC's `.N` suffix (`oact.1` is `oact` to it).
    const ours = names(got).map((n) => n.replace(/\.\d+$/, ''));
    assert.ok(ours.includes(m[1]), `pid ${c.pid}: ${where} 0x${a.toString(16)} is ${line}, we say ${got.text} (${got.noSymbol ?? ''})`);
    // A libc variable the executable copy-relocates (tee's `optarg`): gdb measures the offset from the
    // executable's copy (a huge offset); the symbol is the same.
    if (got.symbol!.offset !== BigInt(m[2] ?? 0)) assert.ok(exeExports(c).has(m[1]) && BigInt(m[2] ?? 0) > 1n << 24n, `pid ${c.pid}: ${where} 0x${a.toString(16)} is ${line}, we say ${got.text}`);
    if (where === 'vdso') assert.equal(got.symbol!.source, 'memory');
    counts[where]++;
  });
}

describe('symbolizer against gdb on Kensa cores', () => {
  const counts = { rip: 0, sameName: 0, frames: 0, none: 0, vdso: 0, bss: 0 };
  for (const f of FIXTURES) {
    test(f.name, async () => {
      const fc = await fixtureCores(f.name);
      for (const pid of f.pids) {
        const exe = path.join(fc.root, fc.cp.exe(pid)!);
        check({ cp: fc.cp, root: fc.root, pid, exe, core: fc.cores.get(pid)!.path }, counts);
      }
    });
  }

  const pyRootfs = path.join(SHARED_FIXTURES, 'pyworker', 'rootfs.tar.zst');
  test('pyworker', { skip: SHARED_MISSING || (!fs.existsSync(pyRootfs) && `needs ${pyRootfs}`) }, async () => {
    const cache = tempDir('kensa-sym-py-');
    const rootfs = await openRootfs(pyRootfs, { cacheDir: cache });
    const root = await rootfs.sysroot(cache);
    const cp = await Checkpoint.open(PYWORKER, { cacheDir: cache, rootfs });
    for (const p of cp.processList()) {
      const core = path.join(cache, `core.${p.pid}`);
      await writeCore(cp, { pid: p.pid, outPath: core });
      check({ cp, root, pid: p.pid, exe: path.join(root, cp.exe(p.pid)!), core }, counts);
    }
  });

  // gdb on the gcore of the live pyworker (truth/gdb-bt.txt, recorded with the fixture): every frame gdb named
  // from a file's symbols alone (`0x… in NAME ()`, no source line: CPython's stripped binary) or not at all
  // (`?? ()`: CPython's static functions) is named, or not, the same here. Frame 0 is the pc itself, the
  // others return addresses (looked up one byte back, as gdb does). The mappings are the checkpoint's.
  const btTruth = path.join(SHARED_FIXTURES, 'pyworker', 'truth', 'gdb-bt.txt');
  test('pyworker: the live process\'s gdb backtraces (truth/gdb-bt.txt)', { skip: SHARED_MISSING || (!fs.existsSync(btTruth) && `needs ${btTruth}`) }, async () => {
    const cache = tempDir('kensa-sym-pybt-');
    const rootfs = await openRootfs(PYWORKER_ROOTFS, { cacheDir: cache });
    const cp = await Checkpoint.open(PYWORKER, { cacheDir: cache, rootfs });
    const pid = cp.processList()[0].pid;
    const symbolizer = new ProcessSymbolizer(cp, pid);
    const exe = cp.exe(pid)!;
    let named = 0;
    let unnamed = 0;
    for (const line of fs.readFileSync(btTruth, 'utf8').split('\n')) {
      const f = /^#(\d+)\s+(0x[0-9a-f]+) in (\S+) \(\)$/.exec(line);
      if (!f) continue;
      const address = BigInt(f[2]) - (f[1] === '0' ? 0n : 1n);
      const got = symbolizer.symbolize(address);
      if (got.vma?.path !== exe) continue; // libc frames carry debug names in this file; the interpreter's are from .dynsym
      if (f[3] === '??') {
        assert.equal(got.symbol, undefined, `${line}: gdb named nothing, we say ${got.text}`);
        unnamed++;
      } else {
        assert.ok(names(got).includes(f[3]), `${line}: we say ${got.text} (${got.noSymbol ?? ''})`);
        named++;
      }
    }
    console.log(`pyworker live backtraces: ${named} interpreter frames named as gdb named them, ${unnamed} unnamed in both`);
    assert.ok(named > 10 && unnamed > 10);
  });

  test('every fixture named symbols', () => {
    // Printed for the report; the per-fixture tests above hold the assertions.
    console.log(`symbolizer = gdb: ${counts.rip} thread pcs named (${counts.sameName} with gdb's choice among aliases), ${counts.frames} caller frames, ${counts.none} pcs without a symbol in both, ${counts.vdso} vDSO addresses named from memory, ${counts.bss} .bss addresses`);
    assert.ok(counts.rip > 0 && counts.frames > 0 && counts.vdso > 0 && counts.bss > 0);
  });
});
