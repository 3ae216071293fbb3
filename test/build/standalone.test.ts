/**
 * The repository stands alone: product code, build scripts, schemas and docs never point at the reference
 * folder beside a checkout (../shared), and the files the docs name exist in the repository.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers';

/** Tracked files (git ls-files), or every file under the paths when the tree is not a git checkout. */
function trackedFiles(paths: string[]): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z', '--', ...paths], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  } catch {
    const out: string[] = [];
    const walk = (rel: string): void => {
      const abs = path.join(REPO, rel);
      if (!fs.existsSync(abs)) return;
      if (fs.statSync(abs).isDirectory()) for (const d of fs.readdirSync(abs)) walk(path.join(rel, d));
      else out.push(rel);
    };
    paths.forEach(walk);
    return out;
  }
}

const TEXT = /\.(ts|tsx|mts|js|mjs|cjs|json|proto|md|tsv|yml|html|css)$/;

test('nothing outside test/ names the reference folder beside the checkout', () => {
  const outside = /\.\.\/shared\/(docs|fixtures|bench)\b|KENSA_SHARED/;
  const hits: string[] = [];
  for (const file of trackedFiles(['main', 'renderer', 'shared', 'build', 'proto', 'docs', 'bin', 'package.json', 'tsconfig.json'])) {
    if (!TEXT.test(file) && !file.startsWith('bin/')) continue;
    const lines = fs.readFileSync(path.join(REPO, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (outside.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(hits, []);
});

test('every repository path the docs name exists', () => {
  const missing: string[] = [];
  for (const doc of trackedFiles(['docs'])) {
    const text = fs.readFileSync(path.join(REPO, doc), 'utf8');
    for (const m of text.matchAll(/`((?:main|shared|build|proto|test|renderer|docs)\/[\w./-]+)`/g)) {
      if (!fs.existsSync(path.join(REPO, m[1]!.replace(/\*.*$/, '')))) missing.push(`${doc}: ${m[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});
