/**
 * Test helper: the CRIU images of the six fixture checkpoints, and crit's golden output for them.
 *
 * Images come from the project's copies in test/fixtures (criu-dir/images is a plain folder; the others are
 * tar, tar.gz or tar.zst archives, read here with a minimal ustar reader: this is test scaffolding, the
 * product's archive layer lives in main/core/archive). Goldens are crit's output beside them
 * (test/fixtures/<fixture>/crit/*.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fixture as fixtureInfo } from '../../helpers';

export const FIXTURES = ['criu-dir', 'podman-counter', 'crio-counter', 'threads', 'containerd-threads', 'shmpair'] as const;
export type FixtureName = (typeof FIXTURES)[number];

function findRepoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'proto'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found above ' + __dirname);
    dir = parent;
  }
}

export const repoRoot = findRepoRoot();
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

function decompress(data: Buffer): Buffer {
  if (data.subarray(0, 2).equals(GZIP_MAGIC)) return zlib.gunzipSync(data);
  if (data.subarray(0, 4).equals(ZSTD_MAGIC)) {
    // zstd-napi is a project dependency (the archive layer uses it); Node 20's zlib has no zstd.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const zstd = require('zstd-napi') as { decompress(b: Buffer): Buffer };
    return zstd.decompress(data);
  }
  return data;
}

/** Regular files of a ustar / pax / GNU tar, by path (without a leading `./`). */
export function readTar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let pos = 0;
  let longName: string | undefined;
  while (pos + 512 <= tar.length) {
    const header = tar.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number): string => {
      const raw = header.subarray(start, start + len);
      const nul = raw.indexOf(0);
      return raw.subarray(0, nul >= 0 ? nul : len).toString('utf8');
    };
    let name = field(0, 100);
    const prefix = field(345, 155);
    if (prefix && header.subarray(257, 262).toString('latin1') === 'ustar') name = prefix + '/' + name;
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 0x30);
    const body = tar.subarray(pos + 512, pos + 512 + size);
    pos += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
      continue;
    }
    if (longName !== undefined) {
      name = longName;
      longName = undefined;
    }
    if (type === '0' || type === '\0') files.set(name.replace(/^\.\//, ''), body);
  }
  return files;
}

const cache = new Map<FixtureName, Map<string, Buffer>>();

/**
 * The fixture's CRIU images by file name (`core-1.img`, `stats-dump`): everything in the checkpoint/ folder
 * plus the archive's top-level stats-dump.
 */
export function fixtureImages(fixture: FixtureName): Map<string, Buffer> {
  const hit = cache.get(fixture);
  if (hit) return hit;
  const images = new Map<string, Buffer>();
  const dir = path.join(fixturesDir, fixture);
  if (fixture === 'criu-dir') {
    const imagesDir = path.join(dir, 'images');
    for (const name of fs.readdirSync(imagesDir)) images.set(name, fs.readFileSync(path.join(imagesDir, name)));
  } else {
    for (const [member, data] of readTar(decompress(fs.readFileSync(fixtureInfo(fixture).input)))) {
      if (member.startsWith('checkpoint/') && !member.slice('checkpoint/'.length).includes('/')) {
        images.set(member.slice('checkpoint/'.length), data);
      } else if (member === 'stats-dump') {
        images.set(member, data);
      }
    }
  }
  cache.set(fixture, images);
  return images;
}

/** crit/NAME.json → the image it was made from (NAME.img, or NAME for stats-dump). */
export function imageNameForGolden(images: Map<string, Buffer>, goldenFile: string): string | undefined {
  const base = goldenFile.replace(/\.json$/, '');
  if (images.has(base + '.img')) return base + '.img';
  if (images.has(base)) return base;
  return undefined;
}

/** The fixture's crit goldens (file names). */
export function goldenFiles(fixture: FixtureName): string[] {
  return fs.readdirSync(path.join(fixturesDir, fixture, 'crit')).filter((n) => n.endsWith('.json')).sort();
}

export function readGolden(fixture: FixtureName, goldenFile: string): string {
  return fs.readFileSync(path.join(fixturesDir, fixture, 'crit', goldenFile), 'utf8');
}
