/**
 * Browser mode end to end for issue 15: `kensa serve` on pyworker with its rootfs, Debian's Chromium driven
 * by playwright-core. The Threads panel shows the selected thread's Python stack (the crunch thread's six
 * recursion frames, innermost first), and selecting a frame of the ingest thread shows its locals.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { chromium, type BrowserContext } from 'playwright-core';
import { KENSA_BIN, TEST_CACHE, tempDir } from '../helpers';
import { PYWORKER, PYWORKER_ROOTFS } from '../unit/python/pyworker';

/** The page's document, for functions that run in the browser (this project compiles without DOM types). */
declare const document: { querySelector(s: string): { textContent: string | null } | null };

const CHROMIUM = '/usr/bin/chromium';
let context: BrowserContext;

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is needed (Debian package: chromium)`);
  context = await chromium.launchPersistentContext(tempDir('kensa-chromium-py-'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await context?.close();
});

test('Threads panel: the Python stack of the selected thread, and a frame\'s locals', async () => {
  const child = spawn(process.execPath, [KENSA_BIN, 'serve', PYWORKER, '--rootfs', PYWORKER_ROOTFS], { env: { ...process.env, KENSA_CACHE_DIR: TEST_CACHE }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.on('exit', (code) => reject(new Error(`kensa serve exited ${code}`)));
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    await page.waitForSelector('[data-testid=panel-findings]'); // the first page after opening (issue 11)
    await page.keyboard.press('1');
    await page.waitForSelector('[data-testid=panel-overview] [data-testid=overview-container]');
    await page.click('nav [data-panel=processes]');
    await page.click('[data-testid=process-table] tr[data-pid="1"]');
    await page.click('nav [data-panel=threads]');
    await page.click('[data-testid=panel-threads] [role=tab]:has-text("tid 7")');
    await page.waitForSelector('[data-testid=python-stack] tbody tr');
    const frames = await page.$$eval('[data-testid=python-stack] tbody tr', (trs) => trs.map((tr) => [tr.children[1].textContent, tr.children[2].textContent]));
    assert.deepEqual(frames.slice(0, 7), [
      ['recurse', '/app/crunchlib.py:11'],
      ['recurse', '/app/crunchlib.py:13'],
      ['recurse', '/app/crunchlib.py:13'],
      ['recurse', '/app/crunchlib.py:13'],
      ['recurse', '/app/crunchlib.py:13'],
      ['recurse', '/app/crunchlib.py:13'],
      ['crunch', '/app/crunchlib.py:18'],
    ]);
    assert.match((await page.textContent('[data-testid=python-stack] h3')) ?? '', /CPython 3\.11\.2 .* thread "crunch"/);

    await page.click('[data-testid=panel-threads] [role=tab]:has-text("tid 6")');
    await page.click('[data-testid=python-stack] tbody tr:has-text("fetch_batch")');
    await page.waitForSelector('[data-testid=python-locals] tbody tr');
    const locals = await page.$$eval('[data-testid=python-locals] tbody tr', (trs) => trs.map((tr) => [tr.children[0].textContent, tr.children[2].textContent]));
    assert.deepEqual(locals.slice(0, 3), [
      ['batch_id', '4242'],
      ['retry_budget', "{'batch_id': 4242, 'retries_left': 3, 'tag': 'PYLOCAL-INGEST-DICT'}"],
      ['deadline_ms', '987654'],
    ]);
    // The aio-loop thread: its own stack, then the task its loop runs, suspended on no thread's stack.
    await page.click('[data-testid=panel-threads] [role=tab]:has-text("tid 9")');
    await page.waitForSelector('[data-testid=python-task] tbody tr');
    assert.match((await page.textContent('[data-testid=python-task] h3')) ?? '', /asyncio task "client-7" suspended, on no thread's stack · awaiting <FutureIter object at 0x7f320d71b730>/);
    await page.click('[data-testid=python-task] tbody tr:has-text("read_frame")');
    await page.waitForFunction(() => /PYLOCAL-FRAME/.test(document.querySelector('[data-testid=python-locals]')?.textContent ?? ''));
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    child.kill('SIGTERM');
  }
});
