/**
 * Seeded fuzzing of `kensa yara`'s scan (issue 12): whole archives and single images of criu-dir (pages
 * included) are mutated and scanned with a rule set that matches often (literals, a regex, a hex string, a
 * condition-only rule on the context variables) and --files; only typed KensaErrors may come out, a scan
 * never hangs (each case is timed generously: a hang, not a speed test) and its warnings are one line each.
 * KENSA_FUZZ_ITERATIONS / 40 cases (default 600), KENSA_FUZZ_SEED as for fuzz.test.ts.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KensaError } from '../../main/core/errors';
import { Checkpoint } from '../../main/core/model/checkpoint';
import { compileRules } from '../../main/core/yara/engine';
import { scanCheckpoint } from '../../main/core/yara/scan';
import { FIXTURES, tempDir } from '../helpers';

const SEED = Number(process.env.KENSA_FUZZ_SEED ?? 0x79617261);
const CASES = Math.max(50, Math.floor(Number(process.env.KENSA_FUZZ_ITERATIONS ?? 24_000) / 40));
const CASE_LIMIT_MS = 20_000;

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

/** Flip bits, cut the tail, or overwrite a stretch with 0xff (length fields set huge). */
function mutate(b: Buffer, r: () => number): Buffer {
  const out = Buffer.from(b);
  const kind = Math.floor(r() * 3);
  if (kind === 0) for (let i = 0; i < 1 + Math.floor(r() * 8); i++) out[Math.floor(r() * out.length)] ^= 1 << Math.floor(r() * 8);
  else if (kind === 1) return out.subarray(0, Math.floor(r() * out.length));
  else {
    const at = Math.floor(r() * out.length);
    out.fill(0xff, at, Math.min(out.length, at + 1 + Math.floor(r() * 16)));
  }
  return out;
}

const RULES = `
rule lit { strings: $a = "counter" $b = "GLIBC" nocase condition: any of them }
rule re { strings: $r = /[a-z_]{3,}=[^\\x00]{1,16}/ condition: $r }
rule hex { strings: $h = { 7F 45 4C 46 [2-6] 00 } condition: $h }
rule ctx { condition: (anonymous and perms matches /w/ and base > 0) or (file_backed and path contains "lib") or shared }
`;

test(`fuzz: ${CASES} seeded mutations scanned with YARA give only typed errors`, async () => {
  const rules = compileRules([{ name: 'fuzz.yar', text: RULES }]);
  const r = rng(SEED);
  const work = tempDir('kensa-yara-fuzz-');
  const src = FIXTURES.find((f) => f.name === 'criu-dir')!.input;
  const dir = path.join(work, 'images');
  fs.cpSync(src, dir, { recursive: true });
  const images = fs.readdirSync(src).filter((n) => n.endsWith('.img'));
  const archives = FIXTURES.filter((f) => f.name !== 'criu-dir').map((f) => ({ name: f.name, bytes: fs.readFileSync(f.input), ext: path.basename(f.input).replace(/^[^.]*/, '') }));
  const counts = { scans: 0, typed: 0, matches: 0, warned: 0 };
  for (let i = 0; i < CASES; i++) {
    let input: string;
    let restore: (() => void) | undefined;
    let what: string;
    if (i % 2 === 0) {
      const n = images[Math.floor(r() * images.length)];
      const original = fs.readFileSync(path.join(src, n));
      fs.writeFileSync(path.join(dir, n), mutate(original, r));
      restore = () => fs.writeFileSync(path.join(dir, n), original);
      input = dir;
      what = `seed ${SEED} case ${i}: criu-dir/${n}`;
    } else {
      const a = archives[Math.floor(r() * archives.length)];
      input = path.join(work, `case-${i}${a.ext}`);
      fs.writeFileSync(input, mutate(a.bytes, r));
      what = `seed ${SEED} case ${i}: ${a.name} archive`;
    }
    const t = performance.now();
    try {
      const cp = await Checkpoint.open(input, { cacheDir: path.join(work, 'cache') });
      try {
        const res = await scanCheckpoint(cp, rules, { files: true, maxMatches: 20_000, timeoutMs: 15_000 });
        counts.scans++;
        counts.matches += res.matches.length;
        if (res.warnings.length) counts.warned++;
        for (const w of res.warnings) assert.ok(!w.includes('\n'), `${what}: a warning is one line`);
      } finally {
        cp.close();
      }
    } catch (e) {
      if (!(e instanceof KensaError)) throw new Error(`${what}: untyped ${(e as Error)?.stack ?? e}`);
      counts.typed++;
    } finally {
      restore?.();
      if (input !== dir) fs.rmSync(input, { force: true });
    }
    const ms = performance.now() - t;
    assert.ok(ms < CASE_LIMIT_MS, `${what}: took ${ms.toFixed(0)} ms`);
  }
  console.log(`yara fuzz: ${JSON.stringify(counts)}`);
  assert.ok(counts.scans > CASES / 4, `most mutations still scan (${JSON.stringify(counts)})`);
  assert.ok(counts.matches > 0);
});
