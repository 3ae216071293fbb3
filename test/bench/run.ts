/**
 * `npm run bench`: runs every test/bench/*.bench.js (compiled) in turn. Each prints its measurements as
 * ratios against the peer or the physical limit named by the issue.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { bigmemArchive } from './lib';

const only = process.argv.slice(2);
console.log(`benchmark archive: ${bigmemArchive()}`);
for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith('.bench.js')).sort()) {
  if (only.length && !only.some((o) => f.includes(o))) continue;
  console.log(`\n## ${f.replace(/\.bench\.js$/, '')}`);
  const r = spawnSync(process.execPath, [path.join(__dirname, f)], { stdio: 'inherit' });
  if (r.status !== 0) console.log(`(${f} exited ${r.status})`);
}
