/**
 * Issue 12: `kensa yara` on the 1 GiB benchmark archive (../shared/bench/mk-bigmem.sh) with a two-rule file
 * (one literal, one regex), against Debian's `yara -s` on the raw checkpoint/pages-1.img of the same archive
 * (extracted into the bench folder). Targets: within 1.5x of yara's time, peak RSS under 300 MiB.
 * Both find every needle of ../shared/bench/needles.json: kensa at its address, yara at its pages-file offset.
 * Rounds are interleaved so both meet the same machine load (medians of KENSA_BENCH_RUNS, default 7).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_DIR, bigmemArchive, bigmemNeedles, measure, measureKensa, report } from './lib';

const YARA = '/usr/bin/yara';
if (!fs.existsSync(YARA)) {
  console.log(`skipped: ${YARA} is not installed (apt-get install yara)`);
  process.exit(0);
}
const RUNS = Number(process.env.KENSA_BENCH_RUNS ?? 7);
const archive = bigmemArchive();
const pages = path.join(BENCH_DIR, 'checkpoint', 'pages-1.img');
if (!fs.existsSync(pages) || fs.statSync(pages).size < 1 << 30) {
  const r = spawnSync('tar', ['-C', BENCH_DIR, '-xf', archive, 'checkpoint/pages-1.img'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('tar could not extract checkpoint/pages-1.img');
}
const rules = path.join(BENCH_DIR, 'bench.yar');
fs.writeFileSync(rules, 'rule needle_literal { strings: $a = "NEEDLE-5-OF-8-c0ffee" condition: $a }\nrule needle_regex { strings: $r = /NEEDLE-[0-9]-OF-8-c0ff[a-f]{2}/ condition: $r }\n');

// Every needle where it belongs.
const needles = Object.entries(bigmemNeedles()).map(([text, byPid]) => `1|${Object.values(byPid)[0][0]}|${text}`).sort();
const check = measureKensa(['yara', rules, archive, '--json'], { runs: 1 });
const found = (JSON.parse(check.stdout) as { rule: string; pid: number; address: string; data: string }[])
  .filter((m) => m.rule === 'needle_regex')
  .map((m) => `${m.pid}|${m.address}|${Buffer.from(m.data, 'hex').toString()}`)
  .sort();
report('needles at their addresses', { found: JSON.stringify(found) === JSON.stringify(needles) ? '8/8' : `MISMATCH ${JSON.stringify(found)}` });

type M = ReturnType<typeof measure>;
const yaraRuns: M[] = [];
const kensaRuns: M[] = [];
for (let i = 0; i < RUNS; i++) {
  yaraRuns.push(measure(YARA, ['-s', rules, pages], { runs: 1 }));
  kensaRuns.push(measureKensa(['yara', rules, archive], { runs: 1 }));
}
if (kensaRuns.some((m) => m.status !== 0)) throw new Error('kensa yara failed');
if (!yaraRuns[0].stdout.includes('needle_regex')) throw new Error('yara found nothing');
const median = (ms: M[]): M => {
  const sorted = [...ms].sort((a, b) => a.seconds - b.seconds);
  return { ...sorted[Math.floor(sorted.length / 2)], maxRssMiB: Math.max(...ms.map((m) => m.maxRssMiB)) };
};
const y = median(yaraRuns);
const k = median(kensaRuns);
report('yara -s (extracted pages-1.img)', { seconds: y.seconds, rss_MiB: y.maxRssMiB });
report('kensa yara (archive, all pids)', { seconds: k.seconds, ratio_vs_yara: k.seconds / y.seconds, target: '<=1.5', rss_MiB: k.maxRssMiB, rss_target: '<300' });
