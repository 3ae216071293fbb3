/**
 * Issue 15: `kensa py` on pyworker (all five threads, their frames and names) costs under 0.5 s more than
 * `node -e 0`; with --locals too. On the 1 GiB archive (no Python process) it must answer at once: it reads
 * no memory there, only the process list and the file names of the mappings.
 */
import * as path from 'node:path';
import { REPO } from '../helpers';
import { bigmemArchive, measure, measureKensa, report } from './lib';

const pyworker = path.join(REPO, 'test', 'fixtures', 'pyworker', 'pyworker.tar.zst');
const rootfs = path.join(REPO, 'test', 'fixtures', 'pyworker', 'rootfs-python.tar.zst');
const archive = bigmemArchive();

// One run first so both zstd archives are decompressed into the cache, as after a first open.
const warm = measureKensa(['py', pyworker, '--rootfs', rootfs], { runs: 1 });
if (warm.status !== 0) throw new Error(`kensa py exited ${warm.status}`);
const base = measure(process.execPath, ['-e', '0'], { runs: 7 });
const stacks = measureKensa(['py', pyworker, '--rootfs', rootfs], { runs: 7 });
const locals = measureKensa(['py', pyworker, '--rootfs', rootfs, '--locals'], { runs: 7 });
const none = measureKensa(['py', archive], { runs: 5 });
if (none.status !== 2) throw new Error(`kensa py on the 1 GiB archive exited ${none.status}, expected 2 (no Python process)`);
report('node -e 0', { seconds: base.seconds });
report('kensa py (pyworker, 5 threads)', { seconds: stacks.seconds, over_node: stacks.seconds - base.seconds, target_over: 0.5, rss_MiB: stacks.maxRssMiB });
report('kensa py --locals (pyworker)', { seconds: locals.seconds, over_node: locals.seconds - base.seconds, rss_MiB: locals.maxRssMiB });
report('kensa py (1 GiB tar, no Python)', { seconds: none.seconds, over_node: none.seconds - base.seconds, rss_MiB: none.maxRssMiB });
