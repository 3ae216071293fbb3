/**
 * Issue 4: memory search on the 1 GiB benchmark archive (../shared/bench/mk-bigmem.sh).
 *
 * - All eight needles of ../shared/bench/needles.json are found at their addresses, each by a literal
 *   search and all by one regex.
 * - In the same run: `grep -c` over the extracted pages file (checkpoint/pages-1.img, taken out with tar
 *   into the bench folder) against a literal search of pid 1 (target ≤ 3×) and a regex search (≤ 4×);
 *   the regex is also set against `grep -c -E` with the same expression.
 * - Peak RSS of the searches (target < 300 MiB).
 * checkpointctl memparse took about 6 s for this search on the reference machine (issue 4).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_DIR, bigmemArchive, bigmemNeedles, measure, measureKensa, report } from './lib';

const RUNS = Number(process.env.KENSA_BENCH_RUNS ?? 7);
const archive = bigmemArchive();
const needles = bigmemNeedles();
const LITERAL = 'NEEDLE-5-OF-8-c0ffee';
const REGEX = 'NEEDLE-[0-9]+-OF-8-c0ffee';

// The pages file as grep sees it: extracted once next to the archive.
const pages = path.join(BENCH_DIR, 'checkpoint', 'pages-1.img');
if (!fs.existsSync(pages) || fs.statSync(pages).size < 1 << 30) {
  const r = spawnSync('tar', ['-C', BENCH_DIR, '-xf', archive, 'checkpoint/pages-1.img'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tar could not extract checkpoint/pages-1.img');
}

interface Hit {
  pid: number;
  address: string;
  match: string;
}
const hitsOf = (stdout: string): Hit[] => (JSON.parse(stdout) as { hits: Hit[] }).hits;

// 1. Every needle at its address: a literal search each, and one regex for all.
const want = Object.entries(needles).map(([text, byPid]) => ({ text, pid: Number(Object.keys(byPid)[0]), address: Object.values(byPid)[0][0] }));
let found = 0;
for (const n of want) {
  const m = measureKensa(['mem', archive, '--search', n.text, '--json'], { runs: 1 });
  const hits = hitsOf(m.stdout);
  if (hits.length === 1 && hits[0].pid === n.pid && hits[0].address === n.address) found++;
  else console.log(`  MISMATCH ${n.text}: ${JSON.stringify(hits.map((h) => [h.pid, h.address]))}, expected ${n.pid} ${n.address}`);
}
const all = measureKensa(['mem', archive, '--regex', REGEX, '--json'], { runs: 1 });
const regexHits = hitsOf(all.stdout).map((h) => `${Buffer.from(h.match, 'hex').toString()}@${h.pid}:${h.address}`).sort();
const regexWant = want.map((n) => `${n.text}@${n.pid}:${n.address}`).sort();
const regexOk = JSON.stringify(regexHits) === JSON.stringify(regexWant);
report('needles at their addresses', { literal: `${found}/8`, regex: regexOk ? '8/8' : `MISMATCH ${regexHits.length}` });

// 2. Timings, all in this run, interleaved round by round so that every command meets the same machine
// load (medians of RUNS rounds; peak RSS the largest seen).
type M = ReturnType<typeof measure>;
const rounds: Record<'grepLiteral' | 'grepRegex' | 'literal' | 'regex', M[]> = { grepLiteral: [], grepRegex: [], literal: [], regex: [] };
for (let i = 0; i < RUNS; i++) {
  rounds.grepLiteral.push(measure('grep', ['-c', LITERAL, pages], { runs: 1 }));
  rounds.literal.push(measureKensa(['mem', archive, '--pid', '1', '--search', LITERAL], { runs: 1 }));
  rounds.grepRegex.push(measure('grep', ['-c', '-E', REGEX, pages], { runs: 1 }));
  rounds.regex.push(measureKensa(['mem', archive, '--pid', '1', '--regex', REGEX], { runs: 1 }));
}
const median = (ms: M[]): M => {
  const sorted = [...ms].sort((a, b) => a.seconds - b.seconds);
  return { ...sorted[Math.floor(sorted.length / 2)], maxRssMiB: Math.max(...ms.map((m) => m.maxRssMiB)) };
};
const grepLiteral = median(rounds.grepLiteral);
const grepRegex = median(rounds.grepRegex);
const literal = median(rounds.literal);
const regex = median(rounds.regex);
if (rounds.literal.some((m) => m.status !== 0) || rounds.regex.some((m) => m.status !== 0)) throw new Error('kensa mem failed');
if (!literal.stdout.includes('0x7fc6eaee395e')) throw new Error('the literal search did not print NEEDLE-5 at its address');

report('grep -c (extracted pages, 1 GiB)', { seconds: grepLiteral.seconds, rss_MiB: grepLiteral.maxRssMiB });
report('grep -c -E (same regex)', { seconds: grepRegex.seconds, rss_MiB: grepRegex.maxRssMiB });
report('kensa mem --search (pid 1)', { seconds: literal.seconds, ratio_vs_grep: literal.seconds / grepLiteral.seconds, target: '<=3', rss_MiB: literal.maxRssMiB, checkpointctl_ref_s: 6 });
report('kensa mem --regex (pid 1)', {
  seconds: regex.seconds,
  ratio_vs_grep: regex.seconds / grepLiteral.seconds,
  ratio_vs_grep_E: regex.seconds / grepRegex.seconds,
  target: '<=4',
  rss_MiB: regex.maxRssMiB,
});
report('peak RSS of the searches', { MiB: Math.max(literal.maxRssMiB, regex.maxRssMiB, all.maxRssMiB), target: '<300' });
