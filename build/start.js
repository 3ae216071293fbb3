#!/usr/bin/env node
'use strict';
/**
 * `npm start [-- ARCHIVE]`: open the workstation on ARCHIVE, or on the bundled sample checkpoint.
 * Where the Electron binary is installed, the desktop app starts. Where it is missing (machines that cannot
 * download it, servers without a display), say so and do the next best thing the project has: browser mode
 * (`kensa serve`), or, before that exists in this build, `kensa show` on the archive.
 */
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync, spawn } = require('node:child_process');

const repo = path.resolve(__dirname, '..');
const sample = path.join(repo, 'test', 'fixtures', 'podman-counter', 'counters.tar.zst');
const args = process.argv.slice(2);
const archive = args[0] ?? sample;

function electronBinary() {
  try {
    // The electron package exports the path of its binary; the binary itself may be missing.
    const bin = require('electron');
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

const kensa = path.join(repo, 'bin', 'kensa.js');
const electron = electronBinary();
const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
if (electron && hasDisplay && fs.existsSync(path.join(repo, 'dist', 'main', 'electron', 'app.js'))) {
  const child = spawn(electron, [repo, archive], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const why = !electron ? 'the Electron binary is not installed' : !hasDisplay ? 'there is no display' : 'the desktop shell is not built';
  const hasServe = fs.existsSync(path.join(repo, 'dist', 'main', 'cli', 'commands', 'serve.js'));
  if (hasServe) {
    process.stderr.write(`kensa: ${why}; starting browser mode instead (open the URL below in a browser).\n`);
    const child = spawn(process.execPath, [kensa, 'serve', archive, ...args.slice(1)], { stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
  } else {
    process.stderr.write(`kensa: ${why}, and this build has no browser mode yet; showing the checkpoint with \`kensa show\`.\n`);
    const r = spawnSync(process.execPath, [kensa, 'inspect', archive, '--ps-tree', '--cmd'], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
}
