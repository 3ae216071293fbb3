#!/usr/bin/env node
'use strict';
// The `kensa` command. The TypeScript sources are compiled to dist/ by `npm install` (the `prepare`
// script) or `npm run build`.
const path = require('node:path');
let main;
try {
  ({ main } = require(path.join(__dirname, '..', 'dist', 'main', 'cli', 'main.js')));
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND') {
    process.stderr.write('kensa: error: not built yet; run `npm run build` in ' + path.join(__dirname, '..') + '\n');
    process.exit(2);
  }
  throw e;
}
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); });
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
