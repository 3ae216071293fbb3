/**
 * Every byte a Kensa core holds equals gdb's gcore of the live process at the same address, except the bytes
 * the fixtures README lists as really changed between gcore's attach and CRIU's freeze. Compared segment by
 * segment with an independent ELF reader; also the notes gcore and the kernel agree on (NT_AUXV, NT_FILE,
 * the XSAVE size and XCR0). The gcore cores are large references outside the repository (../shared): those
 * comparisons skip, naming the reason, where it is absent. The layout rules (kernel note order, contiguous
 * data, p_filesz = bytes, one PRSTATUS per thread) are checked on every fixture in a bare clone.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, SHARED_MISSING } from '../../helpers';
import { fixtureCores, isException } from './fixture-cores';
import { parseNtFile, readCore, readCoreFile, readZstd, type ElfCore } from './elf-reader';

const NT_PRSTATUS = 1;
const NT_FPREGSET = 2;
const NT_PRPSINFO = 3;
const NT_AUXV = 6;
const NT_SIGINFO = 0x53494749;
const NT_FILE = 0x46494c45;
const NT_X86_XSTATE = 0x202;
const NT_X86_XSAVE_LAYOUT = 0x205;

function note(core: ElfCore, type: number) {
  const n = core.notes.find((x) => x.type === type);
  assert.ok(n, `note 0x${type.toString(16)} missing`);
  return n;
}

/**
 * gcore's bytes that the Kensa core does not hold in its file data: allowed only as the kernel omits them,
 * i.e. inside a PROT_NONE mapping never touched (a thread stack's guard page), and all zero in gcore too.
 */
function uncoveredRefBytes(mine: ElfCore, ref: ElfCore): string[] {
  const bad: string[] = [];
  const data = mine.loads.filter((m) => m.filesz > 0).map((m) => [m.vaddr, m.vaddr + BigInt(m.filesz)] as const);
  for (const r of ref.loads) {
    // [r.vaddr, r.vaddr + filesz) minus every range the Kensa core has file data for.
    let gaps: (readonly [bigint, bigint])[] = [[r.vaddr, r.vaddr + BigInt(r.filesz)]];
    for (const [lo, hi] of data) gaps = gaps.flatMap(([a, b]) => (hi <= a || lo >= b ? [[a, b] as const] : [...(a < lo ? [[a, lo] as const] : []), ...(hi < b ? [[hi, b] as const] : [])]));
    for (const [a, b] of gaps) {
      const holder = mine.loads.find((m) => a >= m.vaddr && b <= m.vaddr + m.memsz);
      const bytes = ref.data.subarray(r.offset + Number(a - r.vaddr), r.offset + Number(b - r.vaddr));
      if (!holder || holder.flags !== 0 || bytes.some((x) => x !== 0)) bad.push(`0x${a.toString(16)}-0x${b.toString(16)}`);
    }
  }
  return bad;
}

/** Addresses where the two cores' file data differ, and how many bytes were compared. */
function compare(mine: ElfCore, ref: ElfCore): { compared: number; diffs: bigint[] } {
  const diffs: bigint[] = [];
  let compared = 0;
  for (const m of mine.loads) {
    if (m.filesz === 0) continue;
    const mEnd = m.vaddr + BigInt(m.filesz);
    for (const r of ref.loads) {
      const rEnd = r.vaddr + BigInt(r.filesz);
      const lo = m.vaddr > r.vaddr ? m.vaddr : r.vaddr;
      const hi = mEnd < rEnd ? mEnd : rEnd;
      if (hi <= lo) continue;
      const len = Number(hi - lo);
      const a = mine.data.subarray(m.offset + Number(lo - m.vaddr), m.offset + Number(lo - m.vaddr) + len);
      const b = ref.data.subarray(r.offset + Number(lo - r.vaddr), r.offset + Number(lo - r.vaddr) + len);
      assert.equal(a.length, len, 'my segment data runs past the end of the file');
      compared += len;
      if (!a.equals(b)) for (let i = 0; i < len; i++) if (a[i] !== b[i]) diffs.push(lo + BigInt(i));
    }
  }
  return { compared, diffs };
}

describe('core layout as the kernel writes it', () => {
  for (const f of FIXTURES) {
    test(f.name, async () => {
      const fc = await fixtureCores(f.name);
      for (const pid of f.pids) {
        const result = fc.cores.get(pid)!;
        const mine = readCoreFile(result.path);

        // Header and layout as the kernel writes them.
        assert.equal(mine.type, 4, 'ET_CORE');
        assert.equal(mine.machine, 62, 'EM_X86_64 from core_entry.mtype');
        assert.equal(mine.phdrs[0].type, 4, 'PT_NOTE first');
        assert.equal(result.size, fs.statSync(result.path).size);
        assert.equal(result.segments, mine.loads.length);
        let expected = mine.loads[0].offset;
        assert.equal(expected % 4096, 0, 'data starts on a page boundary');
        for (const l of mine.loads) {
          assert.equal(l.offset, expected, `segment at 0x${l.vaddr.toString(16)} is not where the previous one ended`);
          assert.ok(BigInt(l.filesz) <= l.memsz);
          expected += l.filesz;
        }
        assert.equal(expected, result.size, 'file ends with the last segment: p_filesz is what was written');
        const memTotal = mine.loads.reduce((n, l) => n + l.memsz, 0n);
        assert.equal(BigInt(Object.values(result.bytes).reduce((a, b) => a + b, 0)), memTotal, 'bytes by source account for every mapped byte');

        // Kernel note order: first thread PRSTATUS, PRPSINFO, SIGINFO, AUXV, FILE, FPREGSET, XSTATE; then the others.
        const types = mine.notes.map((n) => n.type);
        const perThread = [NT_PRSTATUS, NT_FPREGSET, NT_X86_XSTATE];
        const want = [NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE, NT_FPREGSET, NT_X86_XSTATE];
        for (let i = 1; i < result.threads.length; i++) want.push(...perThread);
        want.push(NT_X86_XSAVE_LAYOUT);
        assert.deepEqual(types, want);
        assert.deepEqual(
          mine.notes.filter((n) => n.type === NT_PRSTATUS).map((n) => n.desc.readInt32LE(32)),
          fc.cp.process(pid)!.tids.slice().sort((a, b) => (a === pid ? -1 : b === pid ? 1 : 0)),
          'one NT_PRSTATUS per thread, in-namespace tids, the leader first',
        );
      }
    });
  }
});

describe('cores against gcore of the live processes', () => {
  for (const f of FIXTURES) {
    test(f.name, { skip: SHARED_MISSING }, async () => {
      const fc = await fixtureCores(f.name);
      for (const pid of f.pids) {
        const mine = readCoreFile(fc.cores.get(pid)!.path);
        const ref = readCore(readZstd(path.join(f.gcoreCores, `core.${pid}.zst`)));

        // Notes gcore (from /proc of the live process) and Kensa (from the images) must agree on.
        assert.ok(note(mine, NT_AUXV).desc.equals(note(ref, NT_AUXV).desc), 'NT_AUXV: the saved vector plus AT_NULL');
        assert.deepEqual(parseNtFile(note(mine, NT_FILE).desc), parseNtFile(note(ref, NT_FILE).desc), 'NT_FILE entries');
        const mx = note(mine, NT_X86_XSTATE).desc;
        const rx = note(ref, NT_X86_XSTATE).desc;
        assert.equal(mx.length, rx.length, 'XSAVE note size as gdb expects for this CPU');
        assert.equal(mx.readBigUInt64LE(464), rx.readBigUInt64LE(464), 'XCR0 at bytes 464-471');
        assert.equal(note(mine, NT_PRPSINFO).desc.toString('latin1', 40, 56).replace(/\0+$/, ''), note(ref, NT_PRPSINFO).desc.toString('latin1', 40, 56).replace(/\0+$/, ''), 'pr_fname');

        // Memory, byte for byte.
        const { compared, diffs } = compare(mine, ref);
        const unexpected = diffs.filter((a) => !isException(f.name, pid, a));
        assert.deepEqual(unexpected.map((a) => '0x' + a.toString(16)), [], `pid ${pid}: bytes differing from gcore outside the README's list`);
        assert.ok(compared > 0);
        assert.deepEqual(uncoveredRefBytes(mine, ref), [], `pid ${pid}: bytes gcore holds that the Kensa core leaves out (other than untouched PROT_NONE pages)`);
      }
    });
  }
});
