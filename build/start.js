#!/usr/bin/env node
'use strict';
/**
 * `npm start [-- ARCHIVE [serve options]]`: open the workstation on ARCHIVE, or on the bundled sample checkpoint.
 * Where the Electron binary is installed and there is a display, the desktop app starts. Otherwise (the
 * binary could not be downloaded at install time, see build/install-electron.js; a server without a
 * display) say why in one line and start browser mode (`kensa serve`), which prints the URL to open.
 * Nothing here touches the network: a missing binary is never fetched at run time.
 */
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { spawn } = require('node:child_process');

const repo = path.resolve(__dirname, '..');
const sample = path.join(repo, 'test', 'fixtures', 'podman-counter', 'counters.tar.zst');
const args = process.argv.slice(2);
const archive = args[0] ?? sample;

function electronBinary() {
  try {
    // The electron package exports the path of its binary (from path.txt, written by its installer); it
    // throws when the installer never ran, and the binary itself may be missing.
    const bin = require('electron');
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the child in the foreground: its exit is ours, and Ctrl+C or a kill of this process stops it too. */
function foreground(command, argv) {
  const child = spawn(command, argv, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0)));
}

if (!fs.existsSync(path.join(repo, 'dist', 'main', 'cli', 'main.js'))) {
  process.stderr.write('kensa: not built yet: run `npm install` (or `npm run build`) first.\n');
  process.exit(1);
}
const electron = electronBinary();
const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
if (electron && hasDisplay) {
  foreground(electron, [repo, archive]);
} else {
  const why = !electron ? 'the Electron binary is not installed' : 'there is no display';
  process.stderr.write(`kensa: ${why}; starting browser mode instead (open the URL below in a browser).\n`);
  foreground(process.execPath, [path.join(repo, 'bin', 'kensa.js'), 'serve', archive, ...args.slice(1)]);
}
