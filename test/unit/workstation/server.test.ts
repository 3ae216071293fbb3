/**
 * Browser mode's safety: 127.0.0.1 only, the token on every request, Host and Origin checked, static files
 * only from the renderer folder, a CSP on every page; and `kensa serve` prints the URL as its first line.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { KensaServices } from '../../../main/services/kensa-services';
import { startServer, type RunningServer } from '../../../main/server/server';
import { staticFile } from '../../../main/server/static-files';
import { KENSA_BIN, TEST_CACHE, fixture, tempDir } from '../../helpers';

let server: RunningServer;
let services: KensaServices;
const staticDir = tempDir('kensa-static-');

before(async () => {
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  fs.mkdirSync(path.join(staticDir, 'assets'));
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(staticDir, '.secret'), 'hidden');
  fs.writeFileSync(path.join(path.dirname(staticDir), `outside-${path.basename(staticDir)}.txt`), 'outside');
  fs.symlinkSync('/etc/hostname', path.join(staticDir, 'assets', 'link.txt'));
  services = new KensaServices({ cacheDir: TEST_CACHE, transport: 'websocket' });
  server = await startServer({ services, staticDir });
});

after(async () => {
  services.dispose();
  await server.close();
});

function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathAndQuery, headers: { Host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function wsOutcome(url: string, origin: string | undefined, host?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ...(origin ? { origin } : {}), ...(host ? { headers: { Host: host } } : {}) });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? -1));
    ws.on('error', () => resolve(-1));
  });
}

test('listens on 127.0.0.1 only, with a 256-bit token in the URL', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  assert.equal(server.origin, `http://127.0.0.1:${server.port}`);
});

test('the page needs the token; with it, it comes with a CSP, nosniff and an HttpOnly SameSite cookie', async () => {
  assert.equal((await get('/')).status, 403);
  assert.equal((await get('/?token=wrong')).status, 403);
  const ok = await get(`/?token=${server.token}`);
  assert.equal(ok.status, 200);
  const csp = String(ok.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${server.port}`));
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(ok.headers['x-content-type-options'], 'nosniff');
  assert.equal(ok.headers['referrer-policy'], 'no-referrer');
  assert.match(String(ok.headers['set-cookie']), new RegExp(`^kensa_token_${server.port}=${server.token}; HttpOnly; SameSite=Strict; Path=/$`));
  // Assets load with the cookie the page set.
  assert.equal((await get('/assets/app.js', { Cookie: `kensa_token_${server.port}=${server.token}` })).status, 200);
  assert.equal((await get('/assets/app.js', { Cookie: `kensa_token_1=${server.token}` })).status, 403, 'another port\'s cookie');
  assert.equal((await get('/assets/app.js')).status, 403);
});

test('a foreign Host (DNS rebinding) is refused even with the token', async () => {
  const r = await get(`/?token=${server.token}`, { Host: `evil.example:${server.port}` });
  assert.equal(r.status, 421);
  assert.equal((await get(`/?token=${server.token}`, { Host: `localhost:${server.port}` })).status, 200);
});

test('no traversal, dotfiles or symlinks out of the renderer folder', async () => {
  const c = { Cookie: `kensa_token_${server.port}=${server.token}` };
  for (const p of ['/../package.json', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fetc%2fpasswd', '/.secret', `/../outside-${path.basename(staticDir)}.txt`, '/assets/link.txt', '/assets', '/%00']) {
    const r = await get(p, c);
    assert.ok(r.status === 404 || r.status === 400, `${p}: ${r.status}`);
  }
  assert.equal(staticFile(staticDir, '/assets/link.txt'), undefined);
  assert.equal(staticFile(staticDir, '/'), fs.realpathSync(path.join(staticDir, 'index.html')));
});

test('the WebSocket needs the token, this Host and this origin', async () => {
  const api = `ws://127.0.0.1:${server.port}/api`;
  assert.equal(await wsOutcome(`${api}?token=${server.token}`, server.origin), 'open');
  assert.equal(await wsOutcome(`${api}?token=${server.token}`, `http://localhost:${server.port}`, `localhost:${server.port}`), 'open');
  assert.equal(await wsOutcome(`${api}?token=wrong`, server.origin), 403);
  assert.equal(await wsOutcome(api, server.origin), 403);
  assert.equal(await wsOutcome(`${api}?token=${server.token}`, 'http://evil.example'), 403);
  assert.equal(await wsOutcome(`${api}?token=${server.token}`, `http://127.0.0.1:${server.port + 1}`), 403);
  assert.equal(await wsOutcome(`${api}?token=${server.token}`, undefined), 403);
  assert.equal(await wsOutcome(`${api}?token=${server.token}`, server.origin, `evil.example:${server.port}`), 421);
  assert.equal(await wsOutcome(`ws://127.0.0.1:${server.port}/other?token=${server.token}`, server.origin), 403);
});

test('`kensa serve ARCHIVE` prints the URL first, serves the UI, and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [KENSA_BIN, 'serve', fixture('podman-counter').input], { env: { ...process.env, KENSA_CACHE_DIR: TEST_CACHE }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const first = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  try {
    assert.match(first, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    const u = new URL(first);
    const page = await new Promise<{ status: number; body: string }>((resolve) =>
      http.get(first, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }),
    );
    assert.equal(page.status, 200);
    assert.match(page.body, /<div id="root">/);
    assert.equal(await wsOutcome(`ws://${u.host}/api?token=${u.searchParams.get('token')}`, u.origin), 'open');
  } finally {
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
  }
});

test('`kensa serve` on a broken archive fails like any command: exit 2, one line naming the file', async () => {
  const bad = path.join(tempDir(), 'broken.tar');
  fs.writeFileSync(bad, Buffer.alloc(1024, 0x41));
  const child = spawn(process.execPath, [KENSA_BIN, 'serve', bad], { env: { ...process.env, KENSA_CACHE_DIR: TEST_CACHE } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 2);
  assert.equal(out, '');
  assert.match(err, new RegExp(`^kensa: error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.equal(err.trim().split('\n').length, 1);
});
