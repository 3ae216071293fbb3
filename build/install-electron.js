#!/usr/bin/env node
'use strict';
/**
 * The root package's `postinstall`: fetch the Electron binary where that is possible, and otherwise say in
 * one line that the desktop shell was skipped, then exit 0 so that `npm install` goes on (to `prepare`,
 * which compiles everything, the Electron shell included: its types come with the electron package, not
 * with the binary).
 *
 * Why not electron's own postinstall: npm runs a dependency's install script as part of the install, and a
 * failed download (air-gapped hosts, CI: `getaddrinfo ENOTFOUND`) fails the whole `npm install`. So
 * package.json's `allowScripts` denies electron's script (npm >= 11.16 honours that field), and this script
 * runs the very same installer (node_modules/electron/install.js, which keeps Electron's own download
 * settings: ELECTRON_SKIP_BINARY_DOWNLOAD, ELECTRON_MIRROR, electron_config_cache, ELECTRON_OVERRIDE_DIST_PATH,
 * npm_config_platform / _arch, and its cache of earlier downloads) under a time limit, treating failure as
 * "no desktop binary". Nothing here runs after installation: `npm start` never downloads anything.
 *
 * KENSA_ELECTRON_INSTALL_TIMEOUT_MS bounds the attempt (default 300000: a blackholed network otherwise waits
 * for the operating system's TCP connect timeout, and a slow link needs time for the ~100 MB archive).
 */
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const BROWSER_MODE = 'the desktop shell is skipped and `npm start` will use browser mode';
const DEFAULT_TIMEOUT_MS = 300_000;

/** Prints the one line a user sees when there is no desktop binary, and ends the script successfully. */
function skipped(reason) {
  process.stdout.write(`kensa: Electron binary not installed (${reason}); ${BROWSER_MODE}.\n`);
  process.exit(0);
}

/** The first line of the installer's error that names the cause (e.g. `getaddrinfo ENOTFOUND github.com`). */
function causeOf(output) {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = lines.find((l) => /^[A-Za-z]*Error\b/.test(l) && !/^Error$/.test(l)) ?? lines[0];
  if (!error) return 'its installer failed';
  const cause = error.replace(/^[A-Za-z]*Error:\s*/, '');
  return cause.length > 160 ? `${cause.slice(0, 157)}...` : cause;
}

function main() {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) skipped('ELECTRON_SKIP_BINARY_DOWNLOAD is set');

  let installer;
  try {
    installer = require.resolve('electron/install.js', { paths: [path.resolve(__dirname, '..')] });
  } catch {
    // `npm install --omit=dev` (electron is a devDependency): the workstation runs in browser mode only.
    skipped('the electron package is not installed');
  }

  const limit = Number(process.env.KENSA_ELECTRON_INSTALL_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;
  const r = spawnSync(process.execPath, [installer], {
    cwd: path.dirname(installer),
    env: process.env,
    encoding: 'utf8',
    timeout: limit,
    killSignal: 'SIGKILL',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error && r.error.code === 'ETIMEDOUT') skipped(`the download did not finish within ${Math.round(limit / 1000)} s`);
  if (r.error) skipped(`its installer could not run: ${r.error.message}`);
  if (r.status !== 0) skipped(causeOf(`${r.stderr}\n${r.stdout}`));

  // The installer succeeded: it wrote path.txt naming the binary under dist/.
  const pathTxt = path.join(path.dirname(installer), 'path.txt');
  if (!fs.existsSync(pathTxt)) skipped('its installer left no binary');
}

main();
