/**
 * Structure-aware fuzzing (issue 10 §3): instead of flipping bits, decode each CRIU image with the project's
 * codec, push one count, size or length to its limit (a numeric field to 0, 2^31-1, 2^32-1, 2^53, 2^64-1; a
 * repeated field grown to tens of thousands of elements; a byte or string field grown to a MiB; a pagemap
 * entry's nr_pages or a VMA's range to the end of the address space) and encode it again. Then:
 *
 * 1. in-process: every mutated image through the decoder, the crit printer and the whole model (typed errors
 *    only, each case under a time limit, heap growth bounded);
 * 2. through the real CLI under a time and memory cap (node --max-old-space-size, a kill timer, peak RSS from
 *    /usr/bin/time where present): mutated archives (image fields and tar header sizes) and seeded
 *    many-entity checkpoints (processes, chain depth, orphans, thread ids, VMAs, pagemap runs, tar members)
 *    run through show, ps, inspect, mem, search, strings and core (and now and then a regex that backtracks
 *    without end, which must stop at its --regex-timeout). A crash, a kill, "internal error", an exit
 *    code outside 0-3 or a peak RSS past the cap fails the suite.
 *
 * Sizes: KENSA_FUZZ_STRUCTURED (in-process cases, default 2,000), KENSA_FUZZ_CLI (mutated archives through
 * the CLI, default 10), KENSA_FUZZ_ENTITIES (many-entity checkpoints, default 3 of up to 60k entities; more
 * than 3 also draws 150k); KENSA_FUZZ_SEED as for
 * fuzz.test.ts. A failure prints the seed and the case.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Header } from 'tar';
import { critJson, decodeImage, encodeImage, rawJson, type DecodedImage } from '../../main/core/criu';
import { KensaError } from '../../main/core/errors';
import { Checkpoint } from '../../main/core/model/checkpoint';
import { inspectReport, processRows, vmaRows } from '../../main/core/model/summary';
import { readBase, tar, type Member } from '../../build/make-hostile';
import { FIXTURES, KENSA_BIN, tempDir } from '../helpers';
import { craftTcpCheckpoint, TCP_STREAM_FILE } from '../unit/model/tcp-synth';

const SEED = Number(process.env.KENSA_FUZZ_SEED ?? 0x6b656e73);
const STRUCTURED = Number(process.env.KENSA_FUZZ_STRUCTURED ?? 2_000);
const CLI_CASES = Number(process.env.KENSA_FUZZ_CLI ?? 10);
const ENTITY_CASES = Number(process.env.KENSA_FUZZ_ENTITIES ?? 3);
/** Entity counts drawn from; a longer campaign (KENSA_FUZZ_ENTITIES) also draws the full sizes of issue 10. */
const ENTITY_COUNTS = ENTITY_CASES > 3 ? [10_000, 50_000, 150_000] : [10_000, 30_000, 60_000];
/** In-process: a case slower than this is a hang (generous: the machine may be shared). */
const CASE_LIMIT_MS = 10_000;
/** CLI caps: issue 10's targets (20 s, 500 MiB), with the V8 heap held below the RSS cap. */
const CLI_TIMEOUT_MS = 20_000;
const CLI_RSS_MIB = 500;
const CLI_HEAP_MIB = 384;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (r: () => number, n: number): number => Math.floor(r() * n);
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[int(r, xs.length)];

/** Values counts, sizes, offsets and addresses are pushed to. */
const EXTREMES = [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 32n, 1n << 40n, 1n << 53n, (1n << 63n) - 1n, (1n << 64n) - 1n, (1n << 64n) - 4096n];

interface Slot {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
  value: unknown;
}

/** Every field of an entry (nested messages and arrays included), found with an explicit stack. */
function slots(entry: Record<string, unknown>): Slot[] {
  const out: Slot[] = [];
  const stack: (Record<string, unknown> | unknown[])[] = [entry];
  while (stack.length) {
    const o = stack.pop()!;
    const keys: (string | number)[] = Array.isArray(o) ? o.map((_, i) => i) : Object.keys(o);
    for (const k of keys) {
      const v = (o as Record<string | number, unknown>)[k];
      out.push({ parent: o, key: k, value: v });
      if (v && typeof v === 'object' && !Buffer.isBuffer(v) && !(v instanceof Uint8Array)) stack.push(v as Record<string, unknown>);
    }
  }
  return out;
}

/** One field of one entry pushed to a limit. Returns a description, or undefined when nothing applied. */
function pushToLimit(img: DecodedImage, r: () => number): string | undefined {
  const entries = img.entries as Record<string, unknown>[];
  if (!entries?.length) return undefined;
  const ei = int(r, entries.length);
  const all = slots(entries[ei]);
  if (!all.length) return undefined;
  const s = pick(r, all);
  const set = (v: unknown): void => {
    (s.parent as Record<string | number, unknown>)[s.key] = v;
  };
  const what = `entry ${ei} field ${String(s.key)}`;
  if (typeof s.value === 'number' || typeof s.value === 'bigint') {
    const x = pick(r, EXTREMES);
    set(typeof s.value === 'number' ? (x <= 0xffffffffn ? Number(x) : Number(x & 0x7fffffffn)) : x);
    return `${what} = ${x}`;
  }
  if (Array.isArray(s.value)) {
    if (!s.value.length) return undefined;
    const n = pick(r, [1_000, 20_000, 60_000]);
    const grown = new Array(n);
    for (let i = 0; i < n; i++) grown[i] = s.value[i % s.value.length];
    set(grown);
    return `${what} repeated to ${n} elements`;
  }
  if (Buffer.isBuffer(s.value)) {
    set(Buffer.alloc(pick(r, [0, 65_536, 1 << 20]), 0x41));
    return `${what} bytes resized`;
  }
  if (typeof s.value === 'string') {
    set(s.value.repeat(pick(r, [0, 1_000, 50_000])).slice(0, 1 << 20));
    return `${what} string resized`;
  }
  return undefined;
}

/** The image with one field pushed to a limit, re-encoded; undefined when the codec cannot encode the value. */
function mutateImage(bytes: Buffer, r: () => number): { bytes: Buffer; what: string } | undefined {
  let img: DecodedImage;
  try {
    img = decodeImage(bytes);
  } catch {
    return undefined;
  }
  if (img.kind !== 'entries') return undefined;
  const what = pushToLimit(img, r);
  if (!what) return undefined;
  try {
    return { bytes: encodeImage(img), what };
  } catch {
    return undefined; // out of the field's wire range (e.g. 2^64 in an int32): not a checkpoint anyone can write
  }
}

function expectTyped(e: unknown, what: string): void {
  if (e instanceof KensaError) return;
  assert.fail(`${what}: untyped exception ${(e as Error)?.stack ?? String(e)}`);
}

function exerciseModel(cp: Checkpoint): void {
  inspectReport(cp, { psTree: true, cmd: true, env: true, files: true, sockets: true, mounts: true, mountpoints: true, stats: true, metadata: true });
  processRows(cp);
  for (const p of cp.processList().slice(0, 64)) {
    cp.threads(p.pid);
    vmaRows(cp, p.pid);
    for (const s of cp.sockets(p.pid)) for (const q of cp.socketDetail(p.pid, s.fd).queues) cp.socketQueue(p.pid, s.fd, q.id);
    const space = cp.addressSpace(p.pid);
    if (space) {
      space.summary();
      for (const v of space.vmas.slice(0, 64)) space.read(v.start, Number(v.end - v.start > 4096n ? 4096n : v.end - v.start));
    }
  }
  void cp.problems;
}

test(`structured fuzz: ${STRUCTURED} images with a count, size or length pushed to its limit, through the codec and the model`, async () => {
  const r = rng(SEED ^ 0x5757);
  const src = FIXTURES.find((f) => f.name === 'criu-dir')!.input;
  const work = tempDir('kensa-sfuzz-');
  const dir = path.join(work, 'images');
  fs.cpSync(src, dir, { recursive: true });
  const names = fs.readdirSync(src).filter((n) => n.endsWith('.img') && !n.startsWith('pages-'));
  const counts = { cases: 0, applied: 0, typed: 0 };
  const slowest = { ms: 0, what: '' };
  const heapStart = process.memoryUsage().heapUsed;
  for (let i = 0; i < STRUCTURED; i++) {
    const n = names[i % names.length];
    const original = fs.readFileSync(path.join(src, n));
    const m = mutateImage(original, r);
    counts.cases++;
    if (!m) continue;
    counts.applied++;
    const what = `seed ${SEED} structured case ${i}: criu-dir/${n} ${m.what}`;
    const t = performance.now();
    try {
      const img = decodeImage(m.bytes, { member: n });
      if (img.kind === 'entries') {
        critJson(img);
        rawJson(img);
      }
      // Every 4th case also goes through the whole model.
      if (i % 4 === 0) {
        fs.writeFileSync(path.join(dir, n), m.bytes);
        const cp = await Checkpoint.open(dir, { cacheDir: work });
        try {
          exerciseModel(cp);
        } finally {
          cp.close();
          fs.writeFileSync(path.join(dir, n), original);
        }
      }
    } catch (e) {
      expectTyped(e, what);
      counts.typed++;
    }
    const ms = performance.now() - t;
    if (ms > slowest.ms) Object.assign(slowest, { ms, what });
    assert.ok(ms < CASE_LIMIT_MS, `${what}: took ${ms.toFixed(0)} ms`);
  }
  const heapGrowth = (process.memoryUsage().heapUsed - heapStart) / 1048576;
  console.log(`structured fuzz: ${counts.cases} cases, ${counts.applied} mutations applied, ${counts.typed} typed errors, 0 untyped; slowest ${slowest.ms.toFixed(1)} ms (${slowest.what}); heap growth ${heapGrowth.toFixed(1)} MiB`);
  assert.ok(counts.applied > counts.cases / 3, 'most cases mutate something');
  assert.ok(heapGrowth < 512, `heap grew ${heapGrowth.toFixed(0)} MiB`);
});

test('structured fuzz: the crafted TCP connection and unix queues (tcp-stream, sk-queues, files.img) cut, pushed to limits, through the socket detail', async () => {
  const r = rng(SEED ^ 0x7c9);
  const dir = craftTcpCheckpoint('kensa-sfuzz-tcp-');
  const targets = [TCP_STREAM_FILE, 'sk-queues.img', 'files.img'];
  const originals = new Map(targets.map((n) => [n, fs.readFileSync(path.join(dir, n))]));
  const cases = Math.max(30, Math.floor(STRUCTURED / 20));
  let applied = 0;
  let refused = 0;
  let named = 0;
  for (let i = 0; i < cases; i++) {
    const n = targets[i % targets.length];
    const original = originals.get(n)!;
    // a field pushed to its limit (re-encoded), or the raw image cut, or a size prefix / queue length made huge
    const kind = i % 3;
    let bytes: Buffer | undefined;
    let what: string;
    if (kind === 0) {
      const m = mutateImage(original, r);
      bytes = m?.bytes;
      what = m?.what ?? 'nothing';
    } else if (kind === 1) {
      const at = int(r, original.length);
      bytes = original.subarray(0, at);
      what = `cut at ${at}`;
    } else {
      bytes = Buffer.from(original);
      const at = 8 + int(r, Math.max(1, bytes.length - 12));
      bytes.writeUInt32LE(Number(pick(r, EXTREMES) & 0xffffffffn), at);
      what = `u32 at ${at} made extreme`;
    }
    if (!bytes) continue;
    applied++;
    const label = `seed ${SEED} tcp case ${i}: ${n} ${what}`;
    fs.writeFileSync(path.join(dir, n), bytes);
    const t = performance.now();
    const cp = await Checkpoint.open(dir, { cacheDir: dir });
    try {
      for (const p of cp.processList()) {
        for (const s of cp.sockets(p.pid)) {
          try {
            const d = cp.socketDetail(p.pid, s.fd);
            if (d.tcpProblem) assert.doesNotMatch(d.tcpProblem, /\n/, label);
            if (d.tcpProblem || d.queueProblem) named++;
            for (const q of d.queues) assert.equal(cp.socketQueue(p.pid, s.fd, q.id).length, q.length, label);
          } catch (e) {
            expectTyped(e, label);
            refused++;
          }
        }
      }
    } finally {
      cp.close();
      fs.writeFileSync(path.join(dir, n), original);
    }
    assert.ok(performance.now() - t < CASE_LIMIT_MS, `${label}: too slow`);
  }
  console.log(`tcp structured fuzz: ${cases} cases, ${applied} applied, ${named} broken images named in the detail, ${refused} typed refusals, 0 untyped`);
  assert.ok(applied > cases / 2);
  assert.ok(named > 0, 'cut images are named as problems of the socket');
});

// ---------------------------------------------------------------------------------------------------------
// Through the CLI, under caps.

const HAS_GNU_TIME = fs.existsSync('/usr/bin/time');

interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  rssMiB?: number;
}

/** One command with the V8 heap capped, a kill timer, and (with GNU time) its peak RSS. */
function capped(args: string[], cache: string): CliRun {
  const node = [`--max-old-space-size=${CLI_HEAP_MIB}`, KENSA_BIN, ...args];
  const cmd = HAS_GNU_TIME ? '/usr/bin/time' : process.execPath;
  const argv = HAS_GNU_TIME ? ['-f', 'KENSA-RSS %M', process.execPath, ...node] : node;
  const r = spawnSync(cmd, argv, { env: { ...process.env, KENSA_CACHE_DIR: cache }, timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 512 << 20 });
  let stderr = r.stderr?.toString() ?? '';
  let rssMiB: number | undefined;
  const m = /KENSA-RSS (\d+)\s*$/.exec(stderr);
  if (m) {
    rssMiB = Number(m[1]) / 1024;
    stderr = stderr.slice(0, m.index);
  }
  // GNU time reports a child's death by signal as its own exit 128+n (and says so on stderr).
  let status = r.status;
  let signal = r.signal;
  const killed = /Command terminated by signal (\d+)/.exec(stderr);
  if (killed) {
    signal = 'SIGKILL';
    status = null;
  }
  return { status, signal, stderr, rssMiB };
}

const COMMANDS: ((a: string, out: string) => string[])[] = [
  (a) => ['show', a],
  (a) => ['ps', a, '--json'],
  (a) => ['inspect', a, '--all'],
  (a) => ['mem', a],
  (a) => ['mem', a, '--search', 'RANDOM', '--context', '8'],
  (a) => ['strings', a, '--pid', '6'],
  (a) => ['sym', a, '--regs'],
  (a) => ['socket', a, '--pid', '6', '--fd', '3', '--json'],
  (a, out) => ['core', a, '--out', out, '--no-hash'],
];

function checkRun(res: CliRun, what: string, worst: { ms: number; rss: number }): void {
  assert.equal(res.signal, null, `${what}: killed (over ${CLI_TIMEOUT_MS / 1000} s or out of memory)\n${res.stderr.slice(-2000)}`);
  assert.ok(res.status !== null && res.status >= 0 && res.status <= 3, `${what}: exit ${res.status}\n${res.stderr.slice(-2000)}`);
  assert.doesNotMatch(res.stderr, /internal error|heap out of memory|    at .*\.js:\d+/, `${what}: ${res.stderr.slice(-2000)}`);
  if (res.rssMiB !== undefined) {
    worst.rss = Math.max(worst.rss, res.rssMiB);
    assert.ok(res.rssMiB < CLI_RSS_MIB, `${what}: peak RSS ${res.rssMiB.toFixed(0)} MiB`);
  }
}

/** A tar whose member `name` claims `size` bytes in its header (the data that follows is unchanged). */
function tarWithClaimedSize(members: Member[], name: string, size: number): Buffer {
  const whole = tar(members);
  let off = 0;
  while (off + 512 <= whole.length) {
    const h = new Header(whole.subarray(off, off + 512));
    if (!h.path) break;
    if (h.path === name) {
      h.size = size;
      h.encode(whole, off);
      return whole;
    }
    off += 512 + Math.ceil((h.size ?? 0) / 512) * 512;
  }
  return whole;
}

test(`structured fuzz through the CLI: ${CLI_CASES} mutated archives × ${COMMANDS.length} commands under ${CLI_TIMEOUT_MS / 1000} s and ${CLI_RSS_MIB} MiB`, () => {
  const r = rng(SEED ^ 0xc11);
  const work = tempDir('kensa-cfuzz-');
  const base = readBase();
  const images = base.filter((m) => m.name.startsWith('checkpoint/') && m.name.endsWith('.img') && !/pages-|tmpfs-/.test(m.name));
  const worst = { ms: 0, rss: 0 };
  let runs = 0;
  for (let i = 0; i < CLI_CASES; i++) {
    let bytes: Buffer | undefined;
    let what = '';
    if (i % 4 === 3) {
      // A tar header claiming a size its data does not have (to the end of the archive, or far past it).
      const m = pick(r, base.filter((x) => x.type !== 'Directory'));
      const size = pick(r, [m.data.length + 512, 0x7fffffff, 8 * 2 ** 30, 2 ** 40]);
      bytes = tarWithClaimedSize(base, m.name, size);
      what = `${m.name} claims ${size} bytes in its tar header`;
    } else {
      for (let tries = 0; tries < 20 && !bytes; tries++) {
        const m = pick(r, images);
        const mut = mutateImage(m.data, r);
        if (!mut) continue;
        bytes = tar(base.map((x) => (x === m ? { ...x, data: mut.bytes } : x)));
        what = `${m.name} ${mut.what}`;
      }
    }
    if (!bytes) continue;
    const file = path.join(work, `case-${i}.tar`);
    fs.writeFileSync(file, bytes);
    // Every 5th archive also meets a regex that backtracks without end on zero runs: it must stop (exit 2).
    const extra: typeof COMMANDS = i % 5 === 0 ? [(a) => ['mem', a, '--regex', '(\\x00|\\x00)*x', '--regex-timeout', '2']] : [];
    for (const c of [...COMMANDS, ...extra]) {
      const cache = fs.mkdtempSync(path.join(work, 'cache-'));
      const out = fs.mkdtempSync(path.join(work, 'out-'));
      const args = c(file, out);
      const t = Date.now();
      checkRun(capped(args, cache), `seed ${SEED} cli case ${i} (${what}): kensa ${args[0]} ${args.slice(2).join(' ')}`, worst);
      worst.ms = Math.max(worst.ms, Date.now() - t);
      runs++;
      fs.rmSync(cache, { recursive: true, force: true });
      fs.rmSync(out, { recursive: true, force: true });
    }
    fs.rmSync(file);
  }
  console.log(`structured fuzz through the CLI: ${runs} capped runs; slowest ${worst.ms} ms; peak RSS ${worst.rss.toFixed(0)} MiB${HAS_GNU_TIME ? '' : ' (not measured: no /usr/bin/time)'}`);
  assert.ok(runs >= CLI_CASES * COMMANDS.length * 0.9);
});

/** A seeded many-entity checkpoint: one of the shapes of issue 10 §3 at a random size. */
function manyEntities(r: () => number): { name: string; members: Member[] } {
  const counts = ENTITY_COUNTS;
  const kind = pick(r, ['processes', 'chain', 'orphans', 'tids', 'vmas', 'runs', 'members'] as const);
  const n = pick(r, counts);
  const base = readBase();
  const edit = (name: string, f: (entries: Record<string, unknown>[]) => void): Member[] =>
    base.map((m) => {
      if (m.name !== name) return m;
      const img = decodeImage(m.data);
      const entries = img.entries as Record<string, unknown>[];
      f(entries);
      return { ...m, data: encodeImage({ ...img, entries }) };
    });
  const HIGH = 0x7e0000000000n;
  switch (kind) {
    case 'processes':
    case 'chain':
    case 'orphans':
      return {
        name: `${kind}-${n}`,
        members: edit('checkpoint/pstree.img', (e) => {
          const depth = kind === 'chain' ? Math.min(n, 5_000) : n;
          for (let i = 0; i < depth; i++) e.push({ pid: 100 + i, ppid: kind === 'processes' ? 1 : kind === 'chain' ? (i ? 99 + i : 7) : 10_000_000 + i, pgid: 1, sid: 1, threads: [100 + i] });
        }),
      };
    case 'tids':
      return { name: `tids-${n * 10}`, members: edit('checkpoint/pstree.img', (e) => (e[1].threads = Array.from({ length: n * 10 }, (_, i) => (i ? 1000 + i : 6)))) };
    case 'vmas':
      return {
        name: `vmas-${n}`,
        members: edit('checkpoint/mm-6.img', (e) => {
          const vmas = e[0].vmas as Record<string, unknown>[];
          for (let i = 0; i < n; i++) vmas.push({ start: HIGH + BigInt(i) * 0x2000n, end: HIGH + BigInt(i) * 0x2000n + 0x1000n, pgoff: 0n, shmid: 0n, prot: 3, flags: 0x22, status: 0x201, fd: -1 });
        }),
      };
    case 'runs':
      return {
        name: `runs-${n}`,
        members: edit('checkpoint/pagemap-6.img', (e) => {
          for (let i = 0; i < n; i++) e.push({ vaddr: HIGH + BigInt(i) * 0x2000n, compat_nr_pages: 0, nr_pages: 1, flags: 2 });
        }),
      };
    case 'members':
      return { name: `members-${n}`, members: [...base, ...Array.from({ length: n }, (_, i) => ({ name: `junk/f${i}`, data: Buffer.alloc(0) }))] };
  }
}

test(`many-entity fuzz: ${ENTITY_CASES} seeded checkpoints with tens of thousands of processes, VMAs, runs, tids or members, every command under the caps`, () => {
  const r = rng(SEED ^ 0xe17);
  const work = tempDir('kensa-efuzz-');
  const worst = { ms: 0, rss: 0 };
  const made: string[] = [];
  for (let i = 0; i < ENTITY_CASES; i++) {
    const { name, members } = manyEntities(r);
    made.push(name);
    const file = path.join(work, `${name}.tar`);
    fs.writeFileSync(file, tar(members));
    for (const c of COMMANDS) {
      const cache = fs.mkdtempSync(path.join(work, 'cache-'));
      const out = fs.mkdtempSync(path.join(work, 'out-'));
      const args = c(file, out);
      const t = Date.now();
      checkRun(capped(args, cache), `seed ${SEED} entity case ${i} (${name}): kensa ${args[0]} ${args.slice(2).join(' ')}`, worst);
      worst.ms = Math.max(worst.ms, Date.now() - t);
      fs.rmSync(cache, { recursive: true, force: true });
      fs.rmSync(out, { recursive: true, force: true });
    }
    fs.rmSync(file);
  }
  console.log(`many-entity fuzz: ${made.join(', ')}; slowest command ${worst.ms} ms; peak RSS ${worst.rss.toFixed(0)} MiB`);
});
