/**
 * Issue 10 §3 (resource and output-path attacks): exit code, wall time and peak RSS of each crafted case
 * (build/make-hostile-io.ts, plus FIFOs, a parent link at /, planted links). Targets: every command under
 * 20 s and 500 MiB, typical cases under 2 s.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { LOCAL_FIXTURES } from '../helpers';
import { makeHostileIo } from '../../build/make-hostile-io';
import { measureKensa, report } from './lib';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kensa-hostile-io-bench-'));
const inputs = path.join(work, 'inputs');
makeHostileIo(inputs);
const at = (n: string): string => path.join(inputs, n);

const fifo = path.join(work, 'evidence.tar');
spawnSync('mkfifo', [fifo]);
const fifoImages = path.join(work, 'fifo-image');
fs.cpSync(path.join(LOCAL_FIXTURES, 'criu-dir', 'images'), fifoImages, { recursive: true });
fs.rmSync(path.join(fifoImages, 'core-1.img'));
spawnSync('mkfifo', [path.join(fifoImages, 'core-1.img')]);
const rootParent = path.join(work, 'root-parent');
fs.cpSync(path.join(LOCAL_FIXTURES, 'criu-dir', 'images'), rootParent, { recursive: true });
fs.symlinkSync('/', path.join(rootParent, 'parent'));
const caseDir = path.join(work, 'case');
const evidence = path.join(work, 'evidence');
fs.cpSync(path.join(LOCAL_FIXTURES, 'criu-dir', 'images'), evidence, { recursive: true });
measureKensa(['case', 'init', caseDir, '--analyst', 'bench', '--title', 'bench'], { runs: 1 });
measureKensa(['case', 'add', caseDir, evidence], { runs: 1 });
fs.symlinkSync(evidence, path.join(work, 'into-evidence'));
const coreOut = path.join(work, 'cores');
fs.mkdirSync(coreOut);
fs.writeFileSync(path.join(work, 'victim'), 'precious\n');
fs.symlinkSync(path.join(work, 'victim'), path.join(coreOut, 'core.1'));

const cases: Array<[string, string[]]> = [
  ['auxv-bomb show', ['show', at('auxv-bomb.tar.gz')]],
  ['auxv-bomb ps', ['ps', at('auxv-bomb.tar.gz')]],
  ['auxv-bomb inspect', ['inspect', at('auxv-bomb.tar.gz'), '--all']],
  ['auxv-bomb mem', ['mem', at('auxv-bomb.tar.gz')]],
  ['auxv-bomb decode mm-6', ['decode', at('auxv-bomb.tar.gz'), 'checkpoint/mm-6.img']],
  ['gzip-trailing ls', ['ls', at('gzip-trailing.tar.gz')]],
  ['gzip-trailing ps', ['ps', at('gzip-trailing.tar.gz')]],
  ['gzip-two-members ls', ['ls', at('gzip-two-members.tar.gz')]],
  ['gzip-bad-crc ls', ['ls', at('gzip-bad-crc.tar.gz')]],
  ['gzip-cut ps', ['ps', at('gzip-cut.tar.gz')]],
  ['zstd-trailing ps', ['ps', at('zstd-trailing.tar.zst')]],
  ['cut-short cat pages-2', ['cat', path.join(LOCAL_FIXTURES, 'hostile', 'cut-short.tar'), 'checkpoint/pages-2.img']],
  ['report --out custody.jsonl', ['report', caseDir, '--format', 'json', '--out', path.join(caseDir, 'custody.jsonl')]],
  ['report --out via link into evidence', ['report', caseDir, '--format', 'html', '--out', path.join(work, 'into-evidence', 'r.html')]],
  ['core over planted core.1 link', ['core', path.join(LOCAL_FIXTURES, 'criu-dir', 'images'), '--pid', '1', '--out', coreOut]],
  ['FIFO archive show', ['show', fifo]],
  ['FIFO archive ps', ['ps', fifo]],
  ['/dev/zero show', ['show', '/dev/zero']],
  ['FIFO image ps', ['ps', fifoImages]],
  ['FIFO image decode', ['decode', fifoImages, 'core-1.img']],
  ['parent link at / ps', ['ps', rootParent]],
  ['parent link at / mem', ['mem', rootParent]],
  ['nested gzip bomb ps', ['ps', at('nested-gzip-bomb.tar')]],
  ['nested gzip bomb ls rootfs-diff', ['ls', at('nested-gzip-bomb.tar'), 'rootfs-diff.tar']],
  ['nested gzip bomb mem', ['mem', at('nested-gzip-bomb.tar')]],
];
let worstS = 0;
let worstMiB = 0;
for (const [name, args] of cases) {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kensa-hostile-io-cache-'));
  const m = measureKensa(args, { runs: 1, env: { KENSA_CACHE_DIR: cache } });
  fs.rmSync(cache, { recursive: true, force: true });
  worstS = Math.max(worstS, m.seconds);
  worstMiB = Math.max(worstMiB, m.maxRssMiB);
  report(name, { exit: m.status, seconds: m.seconds, rss_MiB: Math.round(m.maxRssMiB) });
}
fs.rmSync(work, { recursive: true, force: true });
report('worst case', { seconds: worstS, of_20s_target: worstS / 20, rss_MiB: Math.round(worstMiB), of_500MiB_target: worstMiB / 500 });
