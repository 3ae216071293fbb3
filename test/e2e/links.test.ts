/**
 * Links between panels (issue 13), in Debian's Chromium on podman-counter: a register holding a mapped
 * address opens the hex view there; a socket row opens its process and fd in Files (flags in words); a
 * search hit selects its VMA; "search memory" on a command line and on text selected in a log runs the
 * search; a note in the case opens its location.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { fixture, tempDir } from '../helpers';
import { serve } from './serve';
import { launchChromium, openWatched, showPanel } from './browser';

declare const document: {
  querySelector(s: string): { textContent: string | null; firstChild: unknown } | null;
  querySelectorAll(s: string): Iterable<{ textContent: string | null; firstChild: unknown }>;
  createRange(): { setStart(n: unknown, o: number): void; setEnd(n: unknown, o: number): void };
};
declare const window: { getSelection(): { removeAllRanges(): void; addRange(r: unknown): void } | null };

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

test('links: register → hex, socket → process and fd, hit → VMA, search memory for a command line and a log selection, note → location', async () => {
  const served = await serve([fixture('podman-counter').input]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    // Register → hex view at its value.
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="6"]');
    await showPanel(page, 'threads');
    await page.waitForSelector('[data-testid=regs-general] [data-testid=reg-go]');
    const reg = page.locator('[data-testid=regs-general] .reg:has([data-testid=reg-go])').first();
    const value = (await reg.locator('.v').textContent())!;
    await reg.locator('[data-testid=reg-go]').click();
    await page.waitForSelector('nav [data-panel=memory][aria-selected=true]');
    await page.waitForFunction((v) => document.querySelector('[data-testid=hex-cursor]')?.textContent === v, '0x' + BigInt(value).toString(16));

    // Socket row → its process and fd in Files, flags in words.
    await showPanel(page, 'network');
    await page.waitForSelector('[data-testid=socket-table]');
    // The table filters and sorts.
    const all = await page.$$eval('[data-testid=socket-table] tbody tr', (trs) => trs.length);
    await page.fill('[aria-label="Filter sockets"]', 'no-such-socket');
    await page.waitForFunction(() => !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('[data-testid=socket-table] tbody tr'));
    await page.fill('[aria-label="Filter sockets"]', 'listen');
    await page.waitForSelector('[data-testid=socket-table] tbody tr');
    assert.ok((await page.$$eval('[data-testid=socket-table] tbody tr', (trs) => trs.map((t) => t.textContent ?? ''))).every((t) => /LISTEN/.test(t)));
    await page.fill('[aria-label="Filter sockets"]', '');
    assert.equal(await page.$$eval('[data-testid=socket-table] tbody tr', (trs) => trs.length), all);
    await page.click('[data-testid=socket-table] th button[data-sort="Inode"]');
    await page.waitForSelector('[data-testid=socket-table] th[aria-sort=ascending]');
    await page.click('[data-testid=socket-table] th button[data-sort="Inode"]');
    await page.waitForSelector('[data-testid=socket-table] th[aria-sort=descending]');
    const row = page.locator('[data-testid=socket-table] tbody tr:has-text("LISTEN")').first();
    const fd = (await row.locator('[data-testid=socket-fd]').textContent())!.trim();
    const pid = (await row.locator('[data-testid=socket-process]').textContent())!.trim();
    await row.locator('[data-testid=socket-fd]').click();
    await page.waitForSelector('nav [data-panel=files][aria-selected=true]');
    await page.waitForSelector(`[data-testid=fd-table] tr[data-fd="${fd}"][aria-selected=true]`);
    assert.equal(await page.inputValue('[data-testid=process-select]'), pid);
    const flags = await page.$$eval('[data-testid=fd-table] tbody tr td:nth-child(4)', (tds) => tds.map((td) => td.textContent ?? '').filter(Boolean));
    assert.ok(flags.length > 0 && flags.every((f) => /^O_(RDONLY|WRONLY|RDWR)/.test(f)), `flags in words: ${flags.join(', ')}`);

    // Command line → search memory; the hit selects its VMA.
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="6"] .comm');
    const cmdline = (await page.locator('[data-testid=process-table] tr[data-pid="6"] .cmdline').textContent())!;
    await page.click('[data-testid=process-details] [data-testid=search-cmdline]');
    await page.waitForSelector('[data-testid=search-summary]');
    assert.match((await page.textContent('[data-testid=search-summary]')) ?? '', new RegExp(`^[1-9]\\d* hits? for text "${cmdline.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
    await page.click('[data-testid=search-results] [data-hit="0"]');
    const hitAddress = BigInt((await page.getAttribute('[data-testid=search-results] [data-hit="0"]', 'data-address'))!);
    await page.waitForSelector('[data-testid=vma-map] .vma[aria-selected=true]');
    const vma = page.locator('[data-testid=vma-map] .vma[aria-selected=true]');
    const [start, end] = [BigInt((await vma.getAttribute('data-start'))!), BigInt((await vma.getAttribute('data-end'))!)];
    assert.ok(start <= hitAddress && hitAddress < end, 'the selected VMA holds the hit');

    // Text selected in a log → search memory.
    await showPanel(page, 'logs');
    await page.waitForSelector('[data-testid=log-text]');
    const word = await page.evaluate(() => {
      const line = [...document.querySelectorAll('[data-testid=log-text] .log-line .text')].find((e) => /[A-Za-z][A-Za-z_-]{5,}/.test(e.textContent ?? ''))!;
      const m = /[A-Za-z][A-Za-z_-]{5,}/.exec(line.textContent ?? '')!;
      const r = document.createRange();
      r.setStart(line.firstChild, m.index);
      r.setEnd(line.firstChild, m.index + m[0].length);
      window.getSelection()!.removeAllRanges();
      window.getSelection()!.addRange(r);
      return m[0];
    });
    await page.click('[data-testid=log-search-selection]');
    await page.waitForSelector(`[data-testid=search-summary]:has-text('for text "${word}"')`);

    // A note on the hit, then the note opens its location.
    await showPanel(page, 'case');
    await page.fill('[aria-label="Case folder"]', path.join(tempDir('kensa-e2e-links-'), 'case'));
    await page.click('[data-testid=panel-case] form button[type=submit]');
    await page.click('[data-testid=case-banner] button:has-text("Add it to the case")');
    await page.waitForSelector('[data-testid=banner-evidence]:has-text("evidence E1")');
    await showPanel(page, 'threads');
    const note = page.locator('[data-testid=regs-general] .reg:has([data-testid=reg-go])').first();
    const noteValue = (await note.locator('.v').textContent())!;
    await note.locator('[data-testid=reg-go]').click();
    await page.waitForFunction((v) => document.querySelector('[data-testid=hex-cursor]')?.textContent === v, '0x' + BigInt(noteValue).toString(16));
    await page.click('[data-testid=hex-view] .note-btn');
    await page.fill('[role=dialog] textarea', 'where rsp points');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('[role=dialog]', { state: 'detached' });
    await page.click(`[data-testid=hex-view] .hexrow [data-a="${'0x' + (BigInt(noteValue) + 32n).toString(16)}"]`);
    await showPanel(page, 'case');
    await page.click('[data-testid=case-notes] [data-testid=note-go]');
    await page.waitForSelector('nav [data-panel=memory][aria-selected=true]');
    await page.waitForFunction((v) => document.querySelector('[data-testid=hex-cursor]')?.textContent === v, '0x' + BigInt(noteValue).toString(16));
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
