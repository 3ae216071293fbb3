/**
 * The Electron shell's security decisions, as plain code (the Electron binary is not available on the
 * build machines): the kensa:// responses, the request filter, the window options, the command line; and
 * the layering the compiler cannot see (core never imports Electron, the renderer never imports Node).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rendererResponse, isAllowedRequest, ELECTRON_CSP, APP_URL } from '../../../main/electron/protocol';
import { windowOptions } from '../../../main/electron/window';
import { parseArgs } from '../../../main/electron/args';
import { isAppUrl } from '../../../main/electron/ipc-bind';
import { REPO, tempDir } from '../../helpers';

test('kensa:// serves the renderer with a CSP that allows no connections, and nothing outside it', () => {
  const dir = tempDir('kensa-renderer-');
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
  const ok = rendererResponse(dir, APP_URL);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['Content-Type'], 'text/html; charset=utf-8');
  assert.equal(ok.headers['Content-Security-Policy'], ELECTRON_CSP);
  assert.match(ELECTRON_CSP, /connect-src 'none'/);
  assert.match(ELECTRON_CSP, /script-src 'self';/);
  assert.doesNotMatch(ELECTRON_CSP, /unsafe-eval/);
  for (const url of ['kensa://app/../../etc/passwd', 'kensa://app/%2e%2e/%2e%2e/etc/passwd', 'kensa://other/index.html', 'kensa://app/.hidden', 'kensa://app/missing.js']) {
    const r = rendererResponse(dir, url);
    assert.equal(r.status, 404, url);
    assert.equal(r.headers['Content-Security-Policy'], ELECTRON_CSP);
  }
  assert.equal(rendererResponse(dir, APP_URL, 'POST').status, 405);
});

test('the request filter lets only the app itself through (no network at all)', () => {
  for (const url of ['kensa://app/index.html', 'kensa://app/assets/index.js', 'data:image/png;base64,AA==']) assert.equal(isAllowedRequest(url, false), true, url);
  for (const url of ['https://example.com/', 'http://127.0.0.1:8080/', 'ws://localhost/', 'file:///etc/passwd', 'kensa://evil/x', 'devtools://devtools/bundled/x', 'ftp://x/']) assert.equal(isAllowedRequest(url, false), false, url);
  assert.equal(isAllowedRequest('devtools://devtools/bundled/x', true), true, 'devtools only in development');
  assert.equal(isAppUrl('kensa://app.evil/index.html'), false);
});

test('the window is hardened: isolation, sandbox, no Node, no webview, no navigation on drop', () => {
  const w = windowOptions('/x/preload.js', false).webPreferences!;
  assert.equal(w.contextIsolation, true);
  assert.equal(w.sandbox, true);
  assert.equal(w.nodeIntegration, false);
  assert.equal(w.nodeIntegrationInWorker, false);
  assert.equal(w.nodeIntegrationInSubFrames, false);
  assert.equal(w.webSecurity, true);
  assert.equal(w.allowRunningInsecureContent, false);
  assert.equal(w.webviewTag, false);
  assert.equal(w.navigateOnDragDrop, false);
  assert.equal(w.devTools, false);
  assert.equal(w.preload, '/x/preload.js');
  const o = windowOptions('/x/preload.js', true);
  assert.ok(o.width! >= 1280 && o.height! >= 800);
});

test('the command line: ARCHIVE and --rootfs, packaged or not; Chromium switches ignored', () => {
  assert.deepEqual(parseArgs(['/usr/bin/kensa-workstation', 'a.tar.zst', '--rootfs', 'r.tar'], true), { archive: 'a.tar.zst', rootfs: 'r.tar' });
  assert.deepEqual(parseArgs(['electron', '/repo', '--no-sandbox', '--rootfs=/r', 'x.tar'], false), { archive: 'x.tar', rootfs: '/r' });
  assert.deepEqual(parseArgs(['electron', '/repo'], false), {});
});

function sources(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
    }
  };
  walk(dir);
  return out;
}

test('renderer: no component writes markup (innerHTML); the sandboxed preload requires only electron', () => {
  // Which folder may import what is the linter's job (eslint.config.mjs; test/unit/architecture/lint.test.ts).
  for (const f of sources(path.join(REPO, 'renderer'), ['.ts', '.tsx'])) {
    assert.doesNotMatch(fs.readFileSync(f, 'utf8'), /dangerouslySetInnerHTML|innerHTML\s*=/, `${f} writes markup`);
  }
  // The preload is loaded sandboxed: it may require nothing but 'electron' at run time.
  const preload = fs.readFileSync(path.join(REPO, 'dist', 'main', 'preload', 'index.js'), 'utf8');
  assert.deepEqual([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]), ['electron']);
});
