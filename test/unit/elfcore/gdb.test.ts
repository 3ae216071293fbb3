/**
 * The must-show of issue 3, with gdb for real: for every process of every fixture,
 *   gdb -nx -batch -iex 'set sysroot ROOT' ROOT/EXE core.PID
 * with ROOT the fixture's rootfs extracted by the rootfs module, one gdb run per process:
 * - no warning or error but the expected "Can't open file" lines (deleted, memfd, files the rootfs lacks) and
 *   missing source files;
 * - `info threads` lists exactly the checkpoint's threads (tids as inside the container);
 * - every thread's registers equal crit's core-TID.json (and the AVX-512 mask registers its xsave);
 * - `thread apply all bt` gives gcore/gdb-gcore.txt's function names (counter fixtures, criu-dir, shmpair);
 * - `x/s` at each gcore/needles.json address reads the needle.
 * gdb is required: without it these tests fail, they do not skip.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, readJson } from '../../helpers';
import { critJson, exeInRoot, fixtureCores, runGdb, type FixtureCores } from './fixture-cores';

/** gdb register name -> user_x86_regs_entry field (crit's core-TID.json thread_info.gpregs). */
const X86_REGS: Record<string, string> = {
  rax: 'ax', rbx: 'bx', rcx: 'cx', rdx: 'dx', rsi: 'si', rdi: 'di', rbp: 'bp', rsp: 'sp',
  r8: 'r8', r9: 'r9', r10: 'r10', r11: 'r11', r12: 'r12', r13: 'r13', r14: 'r14', r15: 'r15',
  rip: 'ip', eflags: 'flags', cs: 'cs', ss: 'ss', ds: 'ds', es: 'es', fs: 'fs', gs: 'gs',
  fs_base: 'fs_base', gs_base: 'gs_base', orig_rax: 'orig_ax',
};
const K_REGS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
/** Fixtures whose gcore backtraces are comparable (README: the threads ones are not). */
const BT_FIXTURES = new Set(['podman-counter', 'crio-counter', 'criu-dir', 'shmpair']);

/** Lines that are neither expected nor harmless: warnings, errors, failed unwinds. */
function unexpectedLines(output: string, fc: FixtureCores): string[] {
  const bad: string[] = [];
  for (const line of output.split('\n')) {
    const cant = /^warning: Can't open file (.*) during file-backed mapping note processing$/.exec(line);
    if (cant) {
      const p = cant[1];
      // Expected only for what a sysroot cannot hold: deleted files, memfds, files the rootfs lacks.
      if (p.endsWith(' (deleted)') || p.startsWith('/memfd:') || !fc.rootfs.open(p)) continue;
      bad.push(line);
      continue;
    }
    if (/^\d+\t.*: No such file or directory\.$/.test(line)) continue; // a source file that is not here
    if (/warning|error|cannot|unable|backtrace stopped|not found|no such file|corrupt|unexpected|too small/i.test(line)) bad.push(line);
  }
  return bad;
}

interface Frame {
  name: string;
  where?: string;
}

/** `Thread N (... LWP X ...):` blocks of `thread apply all bt`, keyed by LWP. */
export function parseBacktraces(text: string): Map<number, Frame[]> {
  const out = new Map<number, Frame[]>();
  let cur: Frame[] | undefined;
  for (const line of text.split('\n')) {
    const t = /^Thread \d+ \(.*LWP (\d+)\)*\):$/.exec(line);
    if (t) {
      cur = [];
      out.set(Number(t[1]), cur);
      continue;
    }
    const f = /^#\d+\s+(?:0x[0-9a-f]+ in )?(\S+) \(.*\)(?: at (\S+:\d+))?$/.exec(line);
    if (f && cur) cur.push({ name: f[1], where: f[2] });
    else if (/^#\d+\s+<unavailable>/.test(line) && cur) cur.push({ name: '<unavailable>' });
  }
  return out;
}

/** The README's comparison: `__GI_`, `__libc_` and leading underscores removed. */
function normaliseName(n: string): string {
  let s = n;
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s.replace(/^__GI_/, '').replace(/^__libc_/, '').replace(/^_+/, '');
  }
  return s;
}

/** Frames as compared: normalised names, and the program's own source locations exactly. */
function comparable(frames: Frame[]): string[] {
  return frames.map((f) => normaliseName(f.name) + (f.where && !f.where.startsWith('.') ? ` at ${f.where}` : ''));
}

/** gdb-gcore.txt: per pid, the backtrace of the one thread gcore has registers for. */
function gcoreBacktraces(ref: string): Map<number, Frame[]> {
  const text = fs.readFileSync(path.join(ref, 'gcore', 'gdb-gcore.txt'), 'utf8');
  const out = new Map<number, Frame[]>();
  for (const block of text.split(/^### pid /m).slice(1)) {
    const pid = Number(/^(\d+)/.exec(block)![1]);
    const withRegs = [...parseBacktraces(block).values()].filter((fr) => fr.length && fr[0].name !== '<unavailable>');
    if (withRegs.length === 1) out.set(pid, withRegs[0]);
  }
  return out;
}

function parseRegisters(text: string): Map<number, Map<string, bigint>> {
  const out = new Map<number, Map<string, bigint>>();
  let cur: Map<string, bigint> | undefined;
  for (const line of text.split('\n')) {
    const t = /^Thread \d+ \(.*LWP (\d+)\)*\):$/.exec(line);
    if (t) {
      cur = new Map();
      out.set(Number(t[1]), cur);
      continue;
    }
    const r = /^(\w+)\s+(0x[0-9a-f]+)\s/.exec(line);
    if (r && cur) cur.set(r[1], BigInt(r[2]));
  }
  return out;
}

/** opmask_reg from crit's raw text (its values may exceed 2^53, which JSON.parse would round). */
function opmaskOf(ref: string, tid: number): bigint[] | undefined {
  const text = fs.readFileSync(path.join(ref, 'crit', `core-${tid}.json`), 'utf8');
  const m = /"opmask_reg": \[([^\]]*)\]/.exec(text);
  return m ? m[1].split(',').map((x) => BigInt(x.trim())) : undefined;
}

describe('gdb on Kensa cores of the fixtures', () => {
  for (const f of FIXTURES) {
    test(f.name, async () => {
      const fc = await fixtureCores(f.name);
      const needles = readJson<Record<string, Record<string, string[]>>>(path.join(f.ref, 'gcore', 'needles.json'));
      const gcoreBt = gcoreBacktraces(f.ref);
      for (const pid of f.pids) {
        const core = fc.cores.get(pid)!;
        const myNeedles = Object.entries(needles).flatMap(([text, byPid]) => (byPid[String(pid)] ?? []).map((addr) => ({ text, addr })));
        const regNames = [...Object.keys(X86_REGS), ...K_REGS].join(' ');
        const { all, sections } = runGdb(['-iex', `set sysroot ${fc.root}`, exeInRoot(fc, pid), core.path], [
          ['threads', 'info threads'],
          ['bt', 'thread apply all bt'],
          ['regs', `thread apply all info registers ${regNames}`],
          ...myNeedles.map((n, i): [string, string] => [`x${i}`, `x/s ${n.addr}`]),
        ]);
        assert.deepEqual(unexpectedLines(all, fc), [], `pid ${pid}: gdb said more than the expected lines:\n${all}`);

        // info threads: exactly the checkpoint's threads.
        const lwps = [...sections.get('threads')!.matchAll(/^\*?\s+\d+\s+(?:Thread 0x[0-9a-f]+ \()?LWP (\d+)/gm)].map((m) => Number(m[1]));
        assert.deepEqual(lwps.sort((a, b) => a - b), [...fc.cp.process(pid)!.tids].sort((a, b) => a - b), `pid ${pid}: info threads`);

        // Registers, thread by thread, against crit.
        const regs = parseRegisters(sections.get('regs')!);
        for (const tid of fc.cp.process(pid)!.tids) {
          const got = regs.get(tid);
          assert.ok(got, `pid ${pid}: no registers for thread ${tid}`);
          const entry = critJson(fc, `core-${tid}`).entries[0] as { thread_info: { gpregs: Record<string, string> } };
          for (const [gdbName, field] of Object.entries(X86_REGS)) {
            assert.equal(got.get(gdbName), BigInt(entry.thread_info.gpregs[field]), `pid ${pid} tid ${tid}: ${gdbName}`);
          }
          const opmask = opmaskOf(f.ref, tid);
          if (opmask) K_REGS.forEach((k, i) => assert.equal(got.get(k), opmask[i], `pid ${pid} tid ${tid}: ${k}`));
        }

        // Backtraces against gdb on gcore's core of the live process.
        if (BT_FIXTURES.has(f.name)) {
          const want = gcoreBt.get(pid);
          assert.ok(want, `gdb-gcore.txt has no backtrace for pid ${pid}`);
          const got = parseBacktraces(sections.get('bt')!).get(pid);
          assert.ok(got, `pid ${pid}: no backtrace`);
          assert.deepEqual(comparable(got), comparable(want), `pid ${pid}: backtrace`);
        }

        // The needles, where gcore found them.
        myNeedles.forEach((n, i) => {
          const line = sections.get(`x${i}`)!.trim();
          assert.ok(line.startsWith(`${n.addr}:\t"${n.text}`), `pid ${pid}: x/s ${n.addr} gave ${line}`);
        });
      }
    });
  }
});
