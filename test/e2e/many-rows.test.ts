/**
 * The sockets and open-files tables with thousands of rows (issue 13: every list and table virtualized): a
 * crafted checkpoint (criu-dir's images plus 3,000 unix sockets held by process 4) lists them all, draws only
 * the rows on screen, and the keyboard (↓ past the drawn rows) and the socket → fd link still reach rows that
 * were not drawn when the table opened. The Namespaces table (a row per process) is the same virtual table.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';
import { serve } from './serve';
import { launchChromium, openWatched, showPanel } from './browser';
import { craftTcpCheckpoint, unixSocket } from '../unit/model/tcp-synth';
import { addFds } from '../unit/model/mm-synth';

declare const document: { querySelectorAll(s: string): { length: number }; activeElement: { getAttribute(a: string): string | null } | null };

const PID = 4;
const MANY = 3000;
const FIRST_FD = 1000;

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

test(`sockets and open files: ${MANY} rows listed, only those on screen drawn; ↓ and the fd link reach rows drawn later`, async () => {
  const dir = craftTcpCheckpoint('kensa-e2e-many-');
  addFds(dir, PID, Array.from({ length: MANY }, (_, i) => ({ fd: FIRST_FD + i, file: unixSocket(30_000 + i, 0x600000 + i, 0) })));
  const served = await serve([dir]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'network');
    await page.waitForSelector('[data-testid=socket-table]');
    const listed = Number(await page.getAttribute('[data-testid=socket-table]', 'data-rows'));
    assert.ok(listed > MANY, `${listed} sockets listed`);
    const drawn = await page.evaluate(() => document.querySelectorAll('[data-testid=socket-row]').length);
    assert.ok(drawn > 0 && drawn < 200, `${drawn} socket rows drawn of ${listed}`);

    // ↓ from the first row, 60 times: the selection walks past the rows drawn at first, each one focused.
    const first = (await page.getAttribute('[data-testid=socket-row]', 'data-socket'))!;
    await page.focus(`[data-testid=socket-row][data-socket="${first}"]`);
    for (let i = 0; i < 60; i++) await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-selected') === 'true');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-socket') ?? '');
    assert.notEqual(focused, first);
    await page.waitForSelector(`[data-testid=socket-row][data-socket="${focused}"][aria-selected=true]`);

    // The last socket's fd link: the Files panel's fd table brings that row (drawn only then) into view.
    await page.fill('[aria-label="Filter sockets"]', String(0x600000 + MANY - 1));
    await page.click(`[data-testid=socket-row][data-socket="${PID}:${FIRST_FD + MANY - 1}"] [data-testid=socket-fd]`);
    await page.waitForSelector(`[data-testid=fd-table] tr[data-fd="${FIRST_FD + MANY - 1}"][aria-selected=true]`);
    const fdListed = Number(await page.getAttribute('[data-testid=fd-table]', 'data-rows'));
    const fdDrawn = await page.evaluate(() => document.querySelectorAll('[data-testid=fd-table] tbody tr[data-fd]').length);
    assert.ok(fdListed > MANY && fdDrawn < 200, `${fdDrawn} fd rows drawn of ${fdListed}`);
    // Namespaces has a row per process: the same virtual table (its row count is on it), sortable.
    await showPanel(page, 'namespaces');
    await page.waitForSelector('[data-testid=ns-table][data-rows="3"]');
    await page.click('[data-testid=ns-table] th button:has-text("PID")');
    await page.click('[data-testid=ns-table] th button:has-text("PID")');
    assert.equal(await page.textContent('[data-testid=ns-table] tbody tr:not(.pad) td'), '4');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
