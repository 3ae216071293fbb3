/**
 * Issue 13 (register → symbol): what naming addresses costs.
 * Measured by `npm run bench -- sym`.
 * - In process, on pyworker with its full image rootfs (CPython's .dynsym of ~8,700 symbols, libc, five
 *   extension modules): the first lookup in each object (the ELF read once per checkpoint) and a lookup once
 *   read, medians; the annotated registers of every thread, as the Threads panel's service builds them.
 * - `kensa sym` (every thread's pc and sp) on the threads fixture with its rootfs and on the 1 GiB archive
 *   without one, against `node -e 0`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, SHARED_FIXTURES } from '../helpers';
import { bigmemArchive, BENCH_DIR, measure, measureKensa, report } from './lib';
import { Checkpoint } from '../../main/core/model/checkpoint';
import { openRootfs } from '../../main/core/rootfs/rootfs';
import { ProcessSymbolizer } from '../../main/core/symbols/symbolizer';
import { threadInfosWithAddresses } from '../../main/services/registers';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function ms(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

async function inProcess(): Promise<void> {
  const rootfsPath = path.join(SHARED_FIXTURES, 'pyworker', 'rootfs.tar.zst');
  if (!fs.existsSync(rootfsPath)) {
    console.log(`(skipped in-process timings: ${rootfsPath} is absent)`);
    return;
  }
  const cache = path.join(BENCH_DIR, 'cache');
  const rootfs = await openRootfs(rootfsPath, { cacheDir: cache });
  const input = path.join(REPO, 'test', 'fixtures', 'pyworker', 'pyworker.tar.zst');
  const first: number[] = [];
  const warm: number[] = [];
  const panel: number[] = [];
  for (let run = 0; run < 5; run++) {
    const cp = await Checkpoint.open(input, { cacheDir: cache, rootfs });
    const pid = cp.processList()[0].pid;
    const s = new ProcessSymbolizer(cp, pid);
    // One address in every file-backed object: the first lookup reads the object.
    const objects = new Map<string, bigint>();
    for (const v of cp.vmas(pid)) if (v.file && v.perms.includes('x') && !objects.has(v.file.path)) objects.set(v.file.path, v.start + 0x10n);
    for (const a of objects.values()) {
      const t = process.hrtime.bigint();
      s.symbolize(a);
      first.push(ms(t));
    }
    const pcs = cp.threads(pid).map((t) => t.regs.ip);
    const t = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) s.symbolize(pcs[i % pcs.length]);
    warm.push(ms(t) / 1000);
    const p = process.hrtime.bigint();
    threadInfosWithAddresses(cp, pid);
    panel.push(ms(p));
    cp.close();
  }
  report('first lookup per object (pyworker)', { ms_median: median(first), ms_max: Math.max(...first), objects: first.length / 5 });
  report('lookup once read', { us_median: median(warm) * 1000 });
  report('annotated registers, 5 threads', { ms_median: median(panel) });
}

void (async () => {
  await inProcess();
  const threads = path.join(REPO, 'test', 'fixtures', 'threads');
  const base = measure(process.execPath, ['-e', '0'], { runs: 5 });
  const sym = measureKensa(['sym', path.join(threads, 'threads.tar.gz'), '--rootfs', path.join(threads, 'rootfs.tar.zst')], { runs: 5 });
  const big = measureKensa(['sym', bigmemArchive()], { runs: 3 });
  report('node -e 0', { seconds: base.seconds });
  report('kensa sym (threads, rootfs)', { seconds: sym.seconds, over_node: sym.seconds - base.seconds, rss_MiB: sym.maxRssMiB });
  report('kensa sym (1 GiB tar)', { seconds: big.seconds, over_node: big.seconds - base.seconds, rss_MiB: big.maxRssMiB, status: big.status });
})();
