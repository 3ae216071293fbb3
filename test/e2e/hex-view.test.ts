/**
 * The hex view (issue 13, defect 7), in Debian's Chromium on an 8 MiB thread stack of the threads fixture
 * (524,288 rows: past the natural scroll, so the scaled scroll is used): the scrollbar covers the whole
 * mapping (Ctrl+End puts it at the bottom, the labelled position slider at 50% puts it mid-way), and the
 * address box, the cursor and the cursor's row show the same address after PageDown and after a jump.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { fixture } from '../helpers';
import { serve } from './serve';
import { launchChromium, openWatched, screenshot, showPanel } from './browser';

declare const document: { querySelector(s: string): { textContent: string | null; scrollTop: number; scrollHeight: number; clientHeight: number } | null };

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

const STACK = '0x7fc4142d3000';
const STACK_END = 0x7fc414ad3000n;

async function addresses(page: Page): Promise<{ box: string; cursor: string; row: string; rowLabel: string }> {
  return {
    box: await page.inputValue('[data-testid=hex-address-input]'),
    cursor: (await page.textContent('[data-testid=hex-cursor]')) ?? '',
    row: (await page.getAttribute('.hexrow.currow', 'data-addr')) ?? '',
    rowLabel: (await page.textContent('.hexrow.currow .a')) ?? '',
  };
}

function assertOneAddress(a: { box: string; cursor: string; row: string; rowLabel: string }): void {
  assert.equal(a.box, a.cursor, 'the address box shows the cursor');
  assert.equal(a.row, '0x' + (BigInt(a.cursor) & ~0xfn).toString(16), 'the highlighted row holds the cursor');
  assert.equal(a.rowLabel, a.row, 'rows are labelled the same way');
}

async function scrollFraction(page: Page): Promise<number> {
  return page.evaluate(() => {
    const el = document.querySelector('.hexscroll')!;
    return el.scrollTop / Math.max(1, el.scrollHeight - el.clientHeight);
  });
}

test('hex view: the scrollbar covers an 8 MiB mapping; one address in the box, the cursor and the rows', async () => {
  const served = await serve([fixture('threads').input]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'memory');
    await page.click(`[data-testid=vma-map] .vma[data-start="${STACK}"]`);
    await page.waitForSelector('.hexscroll .hexrow.currow');
    assertOneAddress(await addresses(page));
    assert.match((await page.textContent('.hexpane .toolbar')) ?? '', /Position/, 'the slider is labelled');

    await page.focus('.hexscroll');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((s) => document.querySelector('[data-testid=hex-cursor]')?.textContent !== s, STACK);
    assertOneAddress(await addresses(page));

    // The end of the mapping is at the bottom of the scrollbar: the bar covers all 8 MiB.
    await page.keyboard.press('Control+End');
    await page.waitForFunction((e) => document.querySelector('[data-testid=hex-cursor]')?.textContent === e, '0x' + (STACK_END - 1n).toString(16));
    assertOneAddress(await addresses(page));
    assert.ok((await scrollFraction(page)) > 0.99, 'at the end of the mapping the scrollbar is at the bottom');
    assert.equal(await page.textContent('[data-testid=hex-position]'), '100.0%');
    await screenshot(page, 'hex-view', 'end-of-8MiB-stack');

    // Half way with the slider: the scrollbar is half way too.
    await page.fill('[aria-label="Position in the VMA"]', '5000');
    await page.waitForFunction(() => document.querySelector('[data-testid=hex-position]')?.textContent === '50.0%');
    const half = await scrollFraction(page);
    assert.ok(Math.abs(half - 0.5) < 0.01, `scrollbar at ${half} for the middle of the mapping`);
    assertOneAddress(await addresses(page));

    // A typed address: the box, the cursor and the row agree once it is jumped to.
    const target = '0x' + (BigInt(STACK) + 0x123457n).toString(16);
    await page.fill('[data-testid=hex-address-input]', target);
    await page.press('[data-testid=hex-address-input]', 'Enter');
    await page.waitForFunction((t) => document.querySelector('[data-testid=hex-cursor]')?.textContent === t, target);
    assertOneAddress(await addresses(page));
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
