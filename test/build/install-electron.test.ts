/**
 * build/install-electron.js, the root package's postinstall: where the Electron binary can be fetched it is
 * (through Electron's own installer, here from a mirror on 127.0.0.1 serving a stand-in archive); where it
 * cannot (refused connection, a server that never answers, ELECTRON_SKIP_BINARY_DOWNLOAD), one line says
 * the desktop shell is skipped and the script exits 0 so `npm install` goes on. Each case runs on a copy of
 * the electron package in a temporary folder, never on the repository's node_modules/electron. Also checks
 * that package.json denies electron's own install script and runs this one instead.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { REPO, readJson, tempDir } from '../helpers';

const ELECTRON = path.join(REPO, 'node_modules', 'electron');
const electronVersion = readJson<{ version: string }>(path.join(ELECTRON, 'package.json')).version;
const artifact = `electron-v${electronVersion}-${process.platform}-${process.arch}.zip`;

/** A zip of stored (uncompressed) files: enough for extract-zip, which Electron's installer uses. */
function storedZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const fileName = Buffer.from(name);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by Unix, so the external attributes carry a mode
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE((0o100755 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * A project folder holding the postinstall script and a copy of the electron package whose checksums.json
 * names `archive` (the installer checks the download against it); the installer's own dependencies
 * (@electron/get, extract-zip) resolve from the repository's node_modules.
 */
function sandbox(archive: Buffer): { root: string; electron: string; cache: string } {
  const root = tempDir('kensa-install-electron-');
  fs.mkdirSync(path.join(root, 'build'));
  fs.copyFileSync(path.join(REPO, 'build', 'install-electron.js'), path.join(root, 'build', 'install-electron.js'));
  const electron = path.join(root, 'node_modules', 'electron');
  fs.mkdirSync(electron, { recursive: true });
  for (const name of ['install.js', 'package.json', 'index.js']) fs.copyFileSync(path.join(ELECTRON, name), path.join(electron, name));
  const sha256 = crypto.createHash('sha256').update(archive).digest('hex');
  fs.writeFileSync(path.join(electron, 'checksums.json'), JSON.stringify({ [artifact]: sha256 }));
  for (const dep of fs.readdirSync(path.join(REPO, 'node_modules'))) {
    if (dep !== 'electron' && dep !== '.bin') fs.symlinkSync(path.join(REPO, 'node_modules', dep), path.join(root, 'node_modules', dep));
  }
  return { root, electron, cache: path.join(root, 'electron-cache') };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function postinstall(root: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(ELECTRON_|electron_|npm_config_electron)/i.test(k)));
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'build', 'install-electron.js')], { env: { ...clean, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A mirror on 127.0.0.1; `handler` answers each request. */
async function mirror(handler: http.RequestListener): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const SKIPPED = /^kensa: Electron binary not installed \((.+)\); the desktop shell is skipped and `npm start` will use browser mode\.\n$/;

test('package.json denies electron\'s own install script and runs build/install-electron.js as the root postinstall', () => {
  const pkg = readJson<{ allowScripts: Record<string, boolean>; scripts: Record<string, string>; devDependencies: Record<string, string> }>(path.join(REPO, 'package.json'));
  assert.equal(pkg.allowScripts.electron, false);
  assert.equal(pkg.scripts.postinstall, 'node build/install-electron.js');
  // A devDependency, not optional: npm removes an optional package whose install fails, and with it
  // electron.d.ts, which the Electron shell type-checks against.
  assert.ok(pkg.devDependencies.electron);
});

test('the binary is fetched where it can be: the installer downloads from the mirror, checks it and unpacks it', async () => {
  const archive = storedZip({ electron: '#!/bin/sh\necho stand-in\n', version: `v${electronVersion}` });
  const box = sandbox(archive);
  const m = await mirror((req, res) => {
    if (req.url?.endsWith(`/${artifact}`)) res.end(archive);
    else res.writeHead(404).end();
  });
  try {
    const r = await postinstall(box.root, { ELECTRON_MIRROR: m.url, electron_config_cache: box.cache });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /not installed/);
    assert.deepEqual(m.requests, [`/v${electronVersion}/${artifact}`]);
    assert.equal(fs.readFileSync(path.join(box.electron, 'path.txt'), 'utf8'), 'electron');
    assert.equal(fs.readFileSync(path.join(box.electron, 'dist', 'electron'), 'utf8'), '#!/bin/sh\necho stand-in\n');
  } finally {
    await m.close();
  }
});

test('a download that fails (connection refused) is one line naming the cause, exit 0, no binary', async () => {
  const box = sandbox(storedZip({ electron: 'x' }));
  const m = await mirror(() => undefined);
  await m.close(); // the port is now closed: the connection is refused
  const r = await postinstall(box.root, { ELECTRON_MIRROR: m.url, electron_config_cache: box.cache });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, SKIPPED);
  assert.match(SKIPPED.exec(r.stdout)![1]!, /ECONNREFUSED/);
  assert.equal(r.stderr, '');
  assert.ok(!fs.existsSync(path.join(box.electron, 'path.txt')));
});

test('a mirror that never answers is given up after KENSA_ELECTRON_INSTALL_TIMEOUT_MS, exit 0', async () => {
  const box = sandbox(storedZip({ electron: 'x' }));
  const m = await mirror(() => undefined); // accepts, never responds
  try {
    const r = await postinstall(box.root, { ELECTRON_MIRROR: m.url, electron_config_cache: box.cache, KENSA_ELECTRON_INSTALL_TIMEOUT_MS: '2000' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(SKIPPED.exec(r.stdout)?.[1], 'the download did not finish within 2 s');
    assert.equal(m.requests.length, 1);
    assert.ok(!fs.existsSync(path.join(box.electron, 'path.txt')));
  } finally {
    await m.close();
  }
});

test('ELECTRON_SKIP_BINARY_DOWNLOAD: nothing is fetched, the same one line', async () => {
  const box = sandbox(storedZip({ electron: 'x' }));
  const m = await mirror((_req, res) => res.writeHead(500).end());
  try {
    const r = await postinstall(box.root, { ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ELECTRON_MIRROR: m.url, electron_config_cache: box.cache });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(SKIPPED.exec(r.stdout)?.[1], 'ELECTRON_SKIP_BINARY_DOWNLOAD is set');
    assert.deepEqual(m.requests, []);
  } finally {
    await m.close();
  }
});

test('without the electron package (npm install --omit=dev) the script says so and exits 0', async () => {
  const root = tempDir('kensa-install-electron-');
  fs.mkdirSync(path.join(root, 'build'));
  fs.copyFileSync(path.join(REPO, 'build', 'install-electron.js'), path.join(root, 'build', 'install-electron.js'));
  const r = await postinstall(root, {});
  assert.equal(r.code, 0, r.stderr);
  assert.equal(SKIPPED.exec(r.stdout)?.[1], 'the electron package is not installed');
});
