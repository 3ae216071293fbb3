/**
 * The hostile-input table (issues 7 and 10 §3): every category of crafted input with the command an analyst
 * would run on it, its exit code, wall time and peak RSS (GNU time), against the targets: every command under
 * 20 s and 500 MiB, typical under 2 s. Inputs are made by hostile-cases.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { KENSA_BIN } from '../helpers';
import { hostileCases } from './hostile-cases';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kensa-hostile-bench-'));
const KILL_S = 60;
try {
  const cases = hostileCases(work);
  const rows: { category: string; command: string; exit: string; seconds: number; rss: number }[] = [];
  for (const c of cases) {
    const cache = fs.mkdtempSync(path.join(work, 'cache-'));
    const fd = c.stdoutFile ? fs.openSync(c.stdoutFile, 'w') : 'pipe';
    const r = spawnSync('/usr/bin/time', ['-f', 'KENSA-TIME %e %M', 'timeout', '-s', 'KILL', String(KILL_S), process.execPath, KENSA_BIN, ...c.args], {
      env: { ...process.env, KENSA_CACHE_DIR: cache },
      stdio: ['ignore', fd, 'pipe'],
      maxBuffer: 1 << 30,
    });
    if (typeof fd === 'number') fs.closeSync(fd);
    if (c.stdoutFile) fs.rmSync(c.stdoutFile, { force: true });
    fs.rmSync(cache, { recursive: true, force: true });
    const err = r.stderr.toString();
    const m = /KENSA-TIME ([\d.]+) (\d+)/.exec(err);
    const crashed = /internal error|heap out of memory/.test(err);
    const killed = r.status === 137 || /terminated by signal/.test(err);
    const exit = killed ? `killed>${KILL_S}s` : crashed ? `${r.status} CRASH` : String(r.status ?? -1);
    const command = [c.args[0], ...c.args.slice(2).map((a) => (a.startsWith(work) ? path.basename(a) : a))].join(' ');
    rows.push({ category: c.category, command, exit, seconds: m ? Number(m[1]) : NaN, rss: m ? Number(m[2]) / 1024 : NaN });
  }
  const w = 40;
  console.log(`${'category'.padEnd(w)} ${'command'.padEnd(36)} exit   wall_s   peak_rss_MiB`);
  for (const r of rows) console.log(`${r.category.slice(0, w).padEnd(w)} ${r.command.slice(0, 36).padEnd(36)} ${r.exit.padEnd(6)} ${r.seconds.toFixed(2).padStart(6)}   ${r.rss.toFixed(0).padStart(6)}`);
  const worstS = rows.reduce((n, r) => Math.max(n, r.seconds || 0), 0);
  const worstMiB = rows.reduce((n, r) => Math.max(n, r.rss || 0), 0);
  const typical = rows.map((r) => r.seconds).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
  const bad = rows.filter((r) => /CRASH|killed/.test(r.exit) || r.seconds >= 20 || r.rss >= 500);
  console.log(`\n${rows.length} runs; median ${typical.toFixed(2)} s; worst ${worstS.toFixed(2)} s (${(worstS / 20).toFixed(2)} of the 20 s target); worst peak RSS ${worstMiB.toFixed(0)} MiB (${(worstMiB / 500).toFixed(2)} of 500 MiB); ${bad.length} over a target or crashed${bad.length ? ': ' + bad.map((b) => `${b.category} / ${b.command}`).join('; ') : ''}`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
