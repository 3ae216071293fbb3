#!/usr/bin/env node
'use strict';
/**
 * Runs the compiled tests: every dist/test/**\/*.test.js (optionally only paths containing one of the
 * arguments), passed to `node --test` by name, so helpers and benchmarks under test/ are never run as tests.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

// Filters match the path from the repository root, so the checkout's own folder name never matches them.
const repoRoot = path.resolve(__dirname, '..');
const root = path.join(repoRoot, 'dist', 'test');
const filters = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) walk(p);
    else if (d.name.endsWith('.test.js') && (!filters.length || filters.some((f) => path.relative(repoRoot, p).includes(f)))) files.push(p);
  }
};
walk(root);
files.sort();
if (!files.length) {
  console.error('no test files found under dist/test (run `npm run build` first)');
  process.exit(1);
}
const concurrency = process.env.KENSA_TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
