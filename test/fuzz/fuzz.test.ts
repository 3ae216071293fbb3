/**
 * Seeded fuzzing of everything that reads evidence (issue 7): every CRIU image of every fixture, and whole
 * checkpoints, are mutated (bit flips, truncation, length fields set huge, entries duplicated, random
 * splices) and fed to the codec, the crit printer and the model. Only typed KensaErrors may come out;
 * nothing may hang (each case is timed) or grow without bound (heap checked).
 *
 * CI runs KENSA_FUZZ_ITERATIONS (default 24,000) mutations; set it higher (and KENSA_FUZZ_SEED) for a
 * longer campaign. A failure prints the seed and the case so it can be replayed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CheckpointArchive } from '../../main/core/archive/archive';
import { critJson, decodeImage, rawJson } from '../../main/core/criu';
import { KensaError } from '../../main/core/errors';
import { Checkpoint } from '../../main/core/model/checkpoint';
import { inspectReport, processRows, vmaRows } from '../../main/core/model/summary';
import { FIXTURES, tempDir } from '../helpers';

const SEED = Number(process.env.KENSA_FUZZ_SEED ?? 0x6b656e73);
const TOTAL = Number(process.env.KENSA_FUZZ_ITERATIONS ?? 24_000);
/** A single case slower than this counts as a hang. */
const CASE_LIMIT_MS = 3_000;

/** mulberry32: a small, fast, seeded PRNG (reproducible campaigns). */
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

type Mutator = (b: Buffer, r: () => number) => Buffer;
const int = (r: () => number, n: number): number => Math.floor(r() * n);

const MUTATORS: Record<string, Mutator> = {
  bitflip: (b, r) => {
    const c = Buffer.from(b);
    for (let i = 0, n = 1 + int(r, 8); i < n && c.length; i++) c[int(r, c.length)] ^= 1 << int(r, 8);
    return c;
  },
  truncate: (b, r) => b.subarray(0, int(r, b.length + 1)),
  hugeLength: (b, r) => {
    // Set a u32 at an entry-like position (4-aligned, often a size prefix) to a huge value.
    const c = Buffer.from(b);
    if (c.length < 12) return c;
    const at = 8 + 4 * int(r, Math.max(1, (c.length - 12) / 4));
    c.writeUInt32LE([0xffffffff, 0xfffffff0, 0x7fffffff, 0x80000000][int(r, 4)], Math.min(at, c.length - 4));
    return c;
  },
  varintHuge: (b, r) => {
    // Replace a byte with a run of continuation bytes: a varint length that never ends or is enormous.
    const c = Buffer.from(b);
    if (!c.length) return c;
    const at = int(r, c.length);
    const run = Buffer.alloc(1 + int(r, 10), 0xff);
    return Buffer.concat([c.subarray(0, at), run, c.subarray(at + 1)]);
  },
  duplicate: (b, r) => {
    if (b.length < 9) return b;
    const from = 8 + int(r, b.length - 8);
    const len = 1 + int(r, Math.min(512, b.length - from));
    return Buffer.concat([b.subarray(0, from + len), b.subarray(from, from + len), b.subarray(from + len)]);
  },
  splice: (b, r) => {
    const c = Buffer.from(b);
    for (let i = 0, n = 1 + int(r, 4); i < n && c.length; i++) c.fill(int(r, 256), int(r, c.length), int(r, c.length));
    return c;
  },
};
const MUTATOR_NAMES = Object.keys(MUTATORS);

function expectTyped(e: unknown, what: string): void {
  if (e instanceof KensaError) return;
  assert.fail(`${what}: untyped exception ${(e as Error)?.stack ?? String(e)}`);
}

interface ImageSample {
  fixture: string;
  name: string;
  bytes: Buffer;
}

async function collectImages(): Promise<ImageSample[]> {
  const cache = tempDir();
  const out: ImageSample[] = [];
  for (const f of FIXTURES) {
    const a = await CheckpointArchive.open(f.input, { cacheDir: cache });
    for (const n of a.imageNames()) {
      if (/^pages-|^tmpfs-/.test(n)) continue; // raw page data: no framing to attack
      out.push({ fixture: f.name, name: n, bytes: a.readImage(n)! });
    }
    if (a.has('stats-dump')) out.push({ fixture: f.name, name: 'stats-dump', bytes: a.readFile('stats-dump') });
    a.close();
  }
  return out;
}

/** Everything the model derives from a checkpoint, as the CLI and UI would ask for it. */
function exerciseModel(cp: Checkpoint): void {
  inspectReport(cp, { psTree: true, cmd: true, env: true, files: true, sockets: true, mounts: true, mountpoints: true, stats: true, metadata: true });
  processRows(cp);
  for (const p of cp.processList()) {
    cp.threads(p.pid);
    vmaRows(cp, p.pid);
    cp.cgroups(p.pid);
    const space = cp.addressSpace(p.pid);
    if (space) for (const v of space.vmas.slice(0, 64)) space.read(v.start, Number(v.end - v.start > 4096n ? 4096n : v.end - v.start));
  }
  void cp.problems;
  void cp.warnings;
}

test(`fuzz: ${TOTAL} seeded mutations of every image and of whole checkpoints give only typed errors`, async () => {
  const images = await collectImages();
  assert.ok(images.length > 150, `expected every fixture image, got ${images.length}`);
  const r = rng(SEED);
  const counts = { cases: 0, typedErrors: 0, decoded: 0, modelCases: 0, archiveCases: 0 };
  const slowest = { ms: 0, what: '' };
  const heapStart = process.memoryUsage().heapUsed;

  // Image level: most of the budget (fast), every image and every mutator.
  const imageCases = Math.floor(TOTAL * 0.915);
  const modelCases = Math.floor(TOTAL * 0.06);
  for (let i = 0; i < imageCases; i++) {
    const s = images[i % images.length];
    const m = MUTATOR_NAMES[int(r, MUTATOR_NAMES.length)];
    const mutated = MUTATORS[m](s.bytes, r);
    const what = `seed ${SEED} case ${i}: ${s.fixture}/${s.name} ${m}`;
    const t = performance.now();
    try {
      const img = decodeImage(mutated, { source: s.fixture, member: s.name });
      counts.decoded++;
      if (img.kind === 'entries') {
        critJson(img);
        rawJson(img);
      }
    } catch (e) {
      expectTyped(e, what);
      counts.typedErrors++;
    }
    const ms = performance.now() - t;
    if (ms > slowest.ms) Object.assign(slowest, { ms, what });
    assert.ok(ms < CASE_LIMIT_MS, `${what}: took ${ms.toFixed(0)} ms`);
    counts.cases++;
  }

  // Model level: a folder checkpoint (criu-dir) with one image mutated, run through the whole model.
  const src = FIXTURES.find((f) => f.name === 'criu-dir')!.input;
  const work = tempDir();
  const dir = path.join(work, 'images');
  fs.cpSync(src, dir, { recursive: true });
  const names = fs.readdirSync(src).filter((n) => n.endsWith('.img') && !n.startsWith('pages-'));
  for (let i = imageCases; i < imageCases + modelCases; i++) {
    const n = names[int(r, names.length)];
    const m = MUTATOR_NAMES[int(r, MUTATOR_NAMES.length)];
    const original = fs.readFileSync(path.join(src, n));
    fs.writeFileSync(path.join(dir, n), MUTATORS[m](original, r));
    const what = `seed ${SEED} case ${i}: criu-dir/${n} ${m} (model)`;
    const t = performance.now();
    try {
      const cp = await Checkpoint.open(dir, { cacheDir: work });
      exerciseModel(cp);
      cp.close();
    } catch (e) {
      expectTyped(e, what);
      counts.typedErrors++;
    }
    fs.writeFileSync(path.join(dir, n), original);
    const ms = performance.now() - t;
    if (ms > slowest.ms) Object.assign(slowest, { ms, what });
    assert.ok(ms < CASE_LIMIT_MS, `${what}: took ${ms.toFixed(0)} ms`);
    counts.cases++;
    counts.modelCases++;
  }

  // Archive level: whole archives (plain tar, gzip, zstd) mutated, opened and run through the model.
  const archives = FIXTURES.filter((f) => f.name !== 'criu-dir').map((f) => ({ name: f.name, bytes: fs.readFileSync(f.input), ext: path.basename(f.input).replace(/^[^.]*/, '') }));
  for (let i = imageCases + modelCases; i < TOTAL; i++) {
    const a = archives[int(r, archives.length)];
    const m = MUTATOR_NAMES[int(r, MUTATOR_NAMES.length)];
    const file = path.join(work, `case-${i}${a.ext}`);
    fs.writeFileSync(file, MUTATORS[m](a.bytes, r));
    const what = `seed ${SEED} case ${i}: ${a.name} archive ${m}`;
    const t = performance.now();
    try {
      const cp = await Checkpoint.open(file, { cacheDir: path.join(work, 'cache') });
      exerciseModel(cp);
      cp.close();
    } catch (e) {
      expectTyped(e, what);
      counts.typedErrors++;
    }
    const ms = performance.now() - t;
    fs.rmSync(file);
    fs.rmSync(path.join(work, 'cache'), { recursive: true, force: true });
    if (ms > slowest.ms) Object.assign(slowest, { ms, what });
    assert.ok(ms < CASE_LIMIT_MS, `${what}: took ${ms.toFixed(0)} ms`);
    counts.cases++;
    counts.archiveCases++;
  }

  const heapGrowth = (process.memoryUsage().heapUsed - heapStart) / 1048576;
  console.log(
    `fuzz: ${counts.cases} mutations (${counts.modelCases} images and ${counts.archiveCases} whole archives through the model), ${counts.typedErrors} typed errors, ` +
      `${counts.decoded} decoded anyway, 0 untyped exceptions; slowest case ${slowest.ms.toFixed(1)} ms (${slowest.what}); heap growth ${heapGrowth.toFixed(1)} MiB`,
  );
  assert.equal(counts.cases, TOTAL);
  assert.ok(heapGrowth < 512, `heap grew ${heapGrowth.toFixed(0)} MiB`);
});
