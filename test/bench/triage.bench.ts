/**
 * Issue 11: `kensa triage` on the 1 GiB benchmark archive (../shared/bench/mk-bigmem.sh) against
 * `kensa mem --search` on it (target: at most 2x its time; the content rules share one pass over memory),
 * and its peak RSS (target < 300 MiB). Interleaved round by round so both meet the same machine load;
 * medians of RUNS rounds. The archive holds pseudo-random memory: triage must find nothing high in it.
 */
import { bigmemArchive, measureKensa, report, type Measurement } from './lib';

const RUNS = Number(process.env.KENSA_BENCH_RUNS ?? 5);
const archive = bigmemArchive();

const rounds: Record<'search' | 'triage', Measurement[]> = { search: [], triage: [] };
for (let i = 0; i < RUNS; i++) {
  rounds.search.push(measureKensa(['mem', archive, '--search', 'NEEDLE-5-OF-8-c0ffee'], { runs: 1 }));
  rounds.triage.push(measureKensa(['triage', archive, '--json'], { runs: 1 }));
}
const median = (ms: Measurement[]): Measurement => {
  const sorted = [...ms].sort((a, b) => a.seconds - b.seconds);
  return { ...sorted[Math.floor(sorted.length / 2)], maxRssMiB: Math.max(...ms.map((m) => m.maxRssMiB)) };
};
const search = median(rounds.search);
const triage = median(rounds.triage);
if (rounds.search.some((m) => m.status !== 0) || rounds.triage.some((m) => m.status !== 0)) throw new Error('a kensa run failed');
const doc = JSON.parse(triage.stdout) as { summary: { by_severity: Record<string, number>; scanned_bytes: number } };
if (doc.summary.by_severity.high !== 0) throw new Error(`triage found ${doc.summary.by_severity.high} high findings in random memory`);
if (doc.summary.scanned_bytes < 1 << 30) throw new Error(`triage scanned ${doc.summary.scanned_bytes} bytes, not the whole GiB`);

report('kensa mem --search (1 GiB)', { seconds: search.seconds, rss_MiB: search.maxRssMiB });
report('kensa triage (1 GiB)', { seconds: triage.seconds, ratio_vs_search: triage.seconds / search.seconds, target: '<=2', rss_MiB: triage.maxRssMiB, rss_target: '<300' });
