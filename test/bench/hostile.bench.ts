/** Issue 7: time and peak RSS of every command on every crafted archive (targets: under 5 s and 300 MiB). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCAL_FIXTURES } from '../helpers';
import { HOSTILE_NAMES } from '../../build/make-hostile';
import { measureKensa, report } from './lib';

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kensa-hostile-bench-'));
let worstS = 0;
let worstMiB = 0;
for (const name of HOSTILE_NAMES) {
  const archive = path.join(LOCAL_FIXTURES, 'hostile', name);
  for (const args of [['show'], ['inspect', '--all'], ['ps'], ['mem'], ['core', '--out', out]]) {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kensa-hostile-cache-'));
    const m = measureKensa([args[0], archive, ...args.slice(1)], { runs: 1, env: { KENSA_CACHE_DIR: cache } });
    fs.rmSync(cache, { recursive: true, force: true });
    worstS = Math.max(worstS, m.seconds);
    worstMiB = Math.max(worstMiB, m.maxRssMiB);
    report(`${name} ${args[0]}`, { exit: m.status, seconds: m.seconds, rss_MiB: m.maxRssMiB });
  }
}
fs.rmSync(out, { recursive: true, force: true });
report('worst case', { seconds: worstS, of_5s_target: worstS / 5, rss_MiB: worstMiB, of_300MiB_target: worstMiB / 300 });
