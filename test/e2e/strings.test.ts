/**
 * The Strings panel in Debian's Chromium on podman-counter pid 6: the scan's filter gives the strings
 * main/core/memory/strings.ts finds (read directly) holding the text, in address order; the table sorts,
 * filters and exports; a string opens the hex view at its address.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { BrowserContext } from 'playwright-core';
import { fixture, TEST_CACHE } from '../helpers';
import { serve } from './serve';
import { launchChromium, openWatched, screenshot, showPanel } from './browser';
import { Checkpoint } from '../../main/core/model/checkpoint';
import { extractStrings } from '../../main/core/memory/strings';
import { hex } from '../../shared/format';

interface El { textContent: string | null }
declare const document: { querySelector(s: string): El | null };

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

test('strings: per process, filtered while scanning and in the table, sorted, exported, opened in the hex view', async () => {
  const f = fixture('podman-counter');
  const cp = await Checkpoint.open(f.input, { cacheDir: TEST_CACHE });
  const served = await serve([f.input]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    const word = 'counter';
    const expected = [...extractStrings(cp.addressSpace(6)!, { min: 6 })].filter((s) => s.text.toLowerCase().includes(word));
    assert.ok(expected.length >= 3, `pid 6 holds strings with "${word}" (${expected.length})`);
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="6"]');
    await showPanel(page, 'strings');
    await page.fill('[aria-label="Strings holding"]', word.toUpperCase());
    await page.click('[data-testid=strings-form] button[type=submit]');
    await page.waitForSelector('[data-testid=strings-summary]', { timeout: 60_000 });
    assert.equal((await page.textContent('[data-testid=strings-summary]'))?.split(' in process')[0], `${expected.length} strings`);
    const drawn = await page.$$eval('[data-testid=strings-table] tbody tr[data-address]', (trs) => trs.map((tr) => tr.getAttribute('data-address')));
    assert.ok(drawn.length > 0);
    assert.deepEqual(drawn, expected.slice(0, drawn.length).map((s) => hex(s.address)));

    // Sorted by length, longest first.
    await page.click('[data-testid=strings-table] th button[data-sort="Length"]');
    await page.click('[data-testid=strings-table] th button[data-sort="Length"]');
    await page.waitForSelector('[data-testid=strings-table] th[aria-sort=descending]');
    const lengths = await page.$$eval('[data-testid=strings-table] tbody tr[data-address] td:nth-child(2)', (tds) => tds.map((td) => Number(td.textContent)));
    assert.equal(lengths[0], Math.max(...expected.map((s) => s.text.length)));
    assert.deepEqual(lengths, [...lengths].sort((a, b) => b - a));

    // Exported: every string found, in address order.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv-export-strings]')]);
    const csv = fs.readFileSync((await download.path())!, 'utf8').split('\r\n');
    assert.equal(csv[0], 'address,length,encoding,text');
    assert.deepEqual(csv.slice(1, -1).map((l) => l.split(',')[0]), expected.map((s) => hex(s.address)));

    // The table's own filter narrows further; a click opens the hex view at the string.
    const one = expected[expected.length - 1];
    await page.fill('[aria-label="Filter strings"]', hex(one.address));
    await page.waitForSelector(`[data-testid=strings-table] tbody tr[data-address="${hex(one.address)}"]`);
    assert.equal(await page.$$eval('[data-testid=strings-table] tbody tr[data-address]', (trs) => trs.length), 1);
    await screenshot(page, 'strings', 'pid-6');
    await page.click(`[data-testid=strings-table] tbody tr[data-address="${hex(one.address)}"]`);
    await page.waitForSelector('nav [data-panel=memory][aria-selected=true]');
    await page.waitForFunction((a) => document.querySelector('[data-testid=hex-cursor]')?.textContent === a, hex(one.address));
    assert.deepEqual(problems, []);
  } finally {
    cp.close();
    await page.close();
    await served.stop();
  }
});
