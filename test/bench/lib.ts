/**
 * Benchmark helpers: wall time (median of several runs) and peak RSS of whole commands, measured with
 * GNU time (`/usr/bin/time -f '%e %M'`), and the 1 GiB benchmark checkpoint built once by
 * ../shared/bench/mk-bigmem.sh. Results are printed as ratios against a peer or a physical limit.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KENSA_BIN, SHARED } from '../helpers';

export const BENCH_DIR = process.env.KENSA_BENCH_DIR ?? path.join(os.tmpdir(), 'kensa-bench');

/** The 1 GiB checkpoint archive (built on first use, a few seconds). */
export function bigmemArchive(): string {
  const out = path.join(BENCH_DIR, 'bigmem.tar');
  if (!fs.existsSync(out)) {
    fs.mkdirSync(BENCH_DIR, { recursive: true });
    const r = spawnSync('bash', [path.join(SHARED, 'bench', 'mk-bigmem.sh'), out], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('mk-bigmem.sh failed');
  }
  return out;
}

export function bigmemNeedles(): Record<string, Record<string, string[]>> {
  return JSON.parse(fs.readFileSync(path.join(SHARED, 'bench', 'needles.json'), 'utf8'));
}

export interface Measurement {
  seconds: number;
  maxRssMiB: number;
  status: number;
  stdout: string;
}

/** Run a command `runs` times; the median wall time and the largest peak RSS. */
export function measure(cmd: string, args: string[], opts: { runs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Measurement {
  const runs = opts.runs ?? 3;
  const times: number[] = [];
  let rss = 0;
  let status = 0;
  let stdout = '';
  for (let i = 0; i < runs; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { env: { ...process.env, ...(opts.env ?? {}) }, cwd: opts.cwd, maxBuffer: 1 << 30 });
    const lines = r.stderr.toString().trim().split('\n');
    const [secs, kb] = lines[lines.length - 1].split(' ').map(Number);
    times.push(secs);
    rss = Math.max(rss, kb / 1024);
    status = r.status ?? -1;
    stdout = r.stdout.toString();
  }
  times.sort((a, b) => a - b);
  return { seconds: times[Math.floor(times.length / 2)], maxRssMiB: rss, status, stdout };
}

/** `node bin/kensa.js ARGS`, measured. */
export function measureKensa(args: string[], opts: { runs?: number; env?: NodeJS.ProcessEnv } = {}): Measurement {
  return measure(process.execPath, [KENSA_BIN, ...args], { ...opts, env: { KENSA_CACHE_DIR: path.join(BENCH_DIR, 'cache'), ...(opts.env ?? {}) } });
}

export function report(name: string, fields: Record<string, string | number>): void {
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(3)) : v}`);
  console.log(`${name.padEnd(34)} ${parts.join('  ')}`);
}
