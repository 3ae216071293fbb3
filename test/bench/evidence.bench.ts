/**
 * Issue 6: evidence intake and verification hash the 1 GiB archive with SHA-256 and SHA-512 in one streaming
 * pass; compared with coreutils doing the same work (sha256sum then sha512sum: two reads) and with the
 * slower digest alone (sha512sum: the floor for one pass). Peak RSS shows the hashing streams. Reports of a
 * case on that archive are timed too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bigmemArchive, BENCH_DIR, measure, measureKensa, report } from './lib';

const archive = bigmemArchive();
const caseDir = path.join(BENCH_DIR, 'evidence-case');
fs.rmSync(caseDir, { recursive: true, force: true });

const sha256 = measure('sha256sum', [archive], { runs: 3 });
const sha512 = measure('sha512sum', [archive], { runs: 3 });
const node = measure(process.execPath, ['-e', '0'], { runs: 3 });
const init = measureKensa(['case', 'init', caseDir], { runs: 1 });
if (init.status !== 0) throw new Error('case init failed');
const add = measureKensa(['case', 'add', caseDir, archive], { runs: 1 });
if (add.status !== 0) throw new Error(`case add exited ${add.status}`);
const verify = measureKensa(['case', 'verify', caseDir], { runs: 3 });
if (verify.status !== 0) throw new Error(`case verify exited ${verify.status}`);
const html = measureKensa(['report', caseDir, '--format', 'html', '--out', path.join(BENCH_DIR, 'evidence-report.html')], { runs: 1 });
const pdf = measureKensa(['report', caseDir, '--format', 'pdf', '--out', path.join(BENCH_DIR, 'evidence-report.pdf')], { runs: 1 });

const coreutils = sha256.seconds + sha512.seconds;
report('sha256sum + sha512sum (1 GiB)', { seconds: coreutils });
report('sha512sum alone (1 GiB)', { seconds: sha512.seconds });
report('kensa case add (1 GiB)', { seconds: add.seconds, vs_coreutils_both: add.seconds / coreutils, vs_sha512_alone: add.seconds / sha512.seconds, rss_MiB: add.maxRssMiB });
report('kensa case verify (1 GiB)', { seconds: verify.seconds, vs_coreutils_both: verify.seconds / coreutils, over_node: verify.seconds - node.seconds, rss_MiB: verify.maxRssMiB });
report('kensa report html (verify + report)', { seconds: html.seconds, over_verify: html.seconds - verify.seconds, rss_MiB: html.maxRssMiB });
report('kensa report pdf (verify + report)', { seconds: pdf.seconds, over_verify: pdf.seconds - verify.seconds, rss_MiB: pdf.maxRssMiB });
