/**
 * `npm start` (build/start.js) without a display and without the Electron binary, as on a machine that
 * could not download it: one line says why, browser mode starts on the bundled sample and prints its URL,
 * the URL serves the workstation page, and stopping `npm start` stops the server with it (no orphan left
 * listening).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO, TEST_CACHE } from '../helpers';

test('npm start: browser mode on the sample, URL printed and served, stopped with it', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, KENSA_CACHE_DIR: TEST_CACHE };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn(process.execPath, [path.join(REPO, 'build', 'start.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m.exec(stdout);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`npm start ended before printing a URL: ${stderr}`)));
  });
  try {
    assert.match(stderr, /kensa: (the Electron binary is not installed|there is no display); starting browser mode instead/);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<!doctype html>/i);
  } finally {
    child.kill('SIGTERM');
  }
  // kensa serve ends cleanly on SIGTERM (exit 0), and npm start with it.
  assert.equal(await exited, 0);
  // The server went with it: its port no longer accepts connections.
  await assert.rejects(fetch(url));
});
