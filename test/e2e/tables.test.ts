/**
 * Every table sorts, filters, exports and draws only the rows on screen (renderer/components/TableView.tsx),
 * in Debian's Chromium on podman-counter: the process table, the mount table and the search hits, checked
 * against main/core read directly.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { fixture, TEST_CACHE } from '../helpers';
import { serve } from './serve';
import { launchChromium, openWatched, screenshot, showPanel } from './browser';
import { Checkpoint } from '../../main/core/model/checkpoint';

/** The page's document, as the callbacks below run it in Chromium (the tests compile without the DOM library). */
interface El { textContent: string | null; getAttribute(n: string): string | null }
declare const document: { querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> & Iterable<El> };

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

const cells = (page: Page, table: string, column: number): Promise<string[]> =>
  page.$$eval(`[data-testid=${table}] tbody tr[data-index] td:nth-child(${column})`, (tds) => tds.map((td) => td.textContent ?? ''));

test('tables: processes, mounts and search hits sort, filter, export and are virtualized', async () => {
  const f = fixture('podman-counter');
  const cp = await Checkpoint.open(f.input, { cacheDir: TEST_CACHE });
  const served = await serve([f.input]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    const pids = cp.processList().map((p) => p.pid);
    assert.ok(pids.length >= 2, 'the fixture has several processes');
    await showPanel(page, 'processes');
    await page.waitForSelector('[data-testid=process-table] tr[data-pid]');
    await page.click('[data-testid=process-table] th button[data-sort="PID"]');
    await page.click('[data-testid=process-table] th button[data-sort="PID"]');
    await page.waitForSelector('[data-testid=process-table] th[aria-sort=descending]');
    assert.deepEqual((await cells(page, 'process-table', 1)).map(Number), [...pids].sort((a, b) => b - a));
    const target = cp.processList()[pids.length - 1];
    await page.fill('[aria-label="Filter processes"]', String(target.comm));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=process-table] tbody tr[data-pid]').length < n, pids.length);
    const filtered = await page.$$eval('[data-testid=process-table] tbody tr[data-pid]', (trs) => trs.map((tr) => ({ pid: Number(tr.getAttribute('data-pid')), text: tr.textContent ?? '' })));
    assert.ok(filtered.some((r) => r.pid === target.pid));
    assert.ok(filtered.every((r) => r.text.toLowerCase().includes(target.comm.toLowerCase())));
    await page.fill('[aria-label="Filter processes"]', '');

    // Mounts: sorted by mount point, filtered, exported; in a short window only part of the rows exist.
    const mounts = cp.mountpoints();
    assert.ok(mounts.length > 10, `the fixture has many mounts (${mounts.length})`);
    await showPanel(page, 'mounts');
    await page.waitForSelector('[data-testid=mount-table] tr[data-mnt-id]');
    await page.click('[data-testid=mount-table] th button[data-sort="Mount point"]');
    await page.waitForSelector('[data-testid=mount-table] th[aria-sort=ascending]');
    const points = await cells(page, 'mount-table', 3);
    assert.deepEqual(points, [...points].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })));
    await page.fill('[aria-label="Filter mounts"]', 'proc');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=mount-table]')?.getAttribute('data-rows')) < 30);
    const procRows = await page.$$eval('[data-testid=mount-table] tbody tr[data-mnt-id]', (trs) => trs.map((tr) => tr.textContent ?? ''));
    assert.ok(procRows.length > 0 && procRows.length < mounts.length && procRows.every((t) => t.toLowerCase().includes('proc')));
    await page.fill('[aria-label="Filter mounts"]', '');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv-export-mounts]')]);
    const csv = fs.readFileSync((await download.path())!, 'utf8').split('\r\n');
    assert.equal(csv[0], 'id,parent,mount point,type,source,root,options,external');
    assert.deepEqual(csv.slice(1, -1).map((l) => Number(l.split(',')[0])), mounts.map((m) => m.mntId));
    await page.setViewportSize({ width: 1280, height: 300 });
    await page.waitForFunction((n) => {
      const drawn = document.querySelectorAll('[data-testid=mount-table] tbody tr[data-mnt-id]').length;
      return drawn > 0 && drawn < n;
    }, mounts.length);
    await page.$eval('[data-testid=mount-table-scroll]', (el) => (el.scrollTop = el.scrollHeight));
    await page.waitForSelector(`[data-testid=mount-table] tr[data-mnt-id="${[...mounts].sort((a, b) => a.mountpoint.localeCompare(b.mountpoint, undefined, { numeric: true }))[mounts.length - 1].mntId}"]`);
    await screenshot(page, 'tables', 'mounts-short-window');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Search hits: filtered by address, sorted by PID; the hit opened is the one clicked.
    await showPanel(page, 'memory');
    await page.fill('[data-testid=memory-search] input[name=pattern]', 'counter');
    await page.click('[data-testid=memory-search] button[type=submit]');
    await page.waitForSelector('[data-testid=search-summary]', { timeout: 60_000 });
    const addresses = await page.$$eval('[data-testid=search-results] [data-hit]', (rows) => rows.map((r) => r.getAttribute('data-address')!));
    assert.ok(addresses.length >= 2, 'several hits');
    const pick = addresses[addresses.length - 1];
    await page.fill('[aria-label="Filter hits"]', pick);
    await page.waitForFunction((a) => [...document.querySelectorAll('[data-testid=search-results] [data-hit]')].every((r) => r.getAttribute('data-address')!.includes(a)), pick);
    await page.click('[data-testid=search-results] [data-hit="0"]');
    await page.waitForSelector(`[data-testid=search-results] [data-hit="0"][aria-selected=true][data-address="${pick}"]`);
    await page.fill('[aria-label="Filter hits"]', '');
    await page.click('[data-testid=search-results] button[data-sort="PID"]');
    await page.click('[data-testid=search-results] button[data-sort="PID"]');
    await page.waitForSelector('[data-testid=search-results] [role=columnheader][aria-sort=descending]');
    const hitPids = await page.$$eval('[data-testid=search-results] [data-hit]', (rows) => rows.map((r) => Number(r.getAttribute('data-pid'))));
    assert.deepEqual(hitPids, [...hitPids].sort((a, b) => b - a));
    assert.deepEqual(problems, []);
  } finally {
    cp.close();
    await page.close();
    await served.stop();
  }
});
