/** Issue 2: `kensa show` on the 1 GiB archive costs under 0.3 s more than `node -e 0`. */
import { bigmemArchive, measure, measureKensa, report } from './lib';

const archive = bigmemArchive();
const base = measure(process.execPath, ['-e', '0'], { runs: 7 });
const show = measureKensa(['show', archive], { runs: 7 });
if (show.status !== 0) throw new Error(`kensa show exited ${show.status}`);
const inspect = measureKensa(['inspect', archive, '--all', '--json'], { runs: 5 });
report('node -e 0', { seconds: base.seconds });
report('kensa show (1 GiB tar)', { seconds: show.seconds, over_node: show.seconds - base.seconds, target_over: 0.3, checkpointctl_ref_s: 0.47, rss_MiB: show.maxRssMiB });
report('kensa inspect --all (1 GiB tar)', { seconds: inspect.seconds, over_node: inspect.seconds - base.seconds, rss_MiB: inspect.maxRssMiB });
