/**
 * The workstation on the 1 GiB benchmark archive (issue 13), in Debian's Chromium through `kensa serve`,
 * medians of 5: open to process tree, process click to registers, PageDown in the hex view over the 1 GiB
 * mapping (until the new rows' bytes are shown), a search with 100,000 hits (hex 41 over xorshift bytes)
 * to its first results and to done, and a panel switch with those hits loaded.
 */
import type { Page } from 'playwright-core';
import { bigmemArchive, report } from './lib';
import { serve } from '../e2e/serve';
import { launchChromium, showPanel } from '../e2e/browser';

declare const document: { querySelector(s: string): { textContent: string | null } | null; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };

const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function openFromBar(page: Page, archive: string): Promise<void> {
  await page.fill('[data-testid=open-path]', archive);
  await page.click('header.topbar form button[type=submit]');
  await page.waitForSelector('[data-testid=loaded-archive]');
  await page.keyboard.press('2');
  await page.waitForSelector('[data-testid=process-table] tbody tr[data-pid]');
}

async function main(): Promise<void> {
  const archive = bigmemArchive();
  const context = await launchChromium();
  const served = await serve([]);
  try {
    const page = await context.newPage();
    await page.goto(served.url);
    await page.waitForSelector('[data-testid=welcome]');
    // A first open fills the cache (decompression is not what this measures); then five timed opens.
    await openFromBar(page, archive);
    const open: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await page.click('header.topbar button:has-text("Close")');
      await page.waitForSelector('[data-testid=welcome]');
      open.push(await timed(() => openFromBar(page, archive)));
    }
    const pid = (await page.getAttribute('[data-testid=process-table] tbody tr[data-pid]', 'data-pid'))!;

    const regs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await showPanel(page, 'processes');
      regs.push(
        await timed(async () => {
          await page.click(`[data-testid=process-table] tr[data-pid="${pid}"]`);
          await page.keyboard.press('3');
          await page.waitForSelector('[data-testid=regs-general] .reg');
        }),
      );
    }

    // The largest VMA (the 1 GiB mapping) in the hex view; PageDown until the new rows hold bytes.
    await showPanel(page, 'memory');
    await page.waitForSelector('[data-testid=vma-map] .vma');
    const biggest = await page.$$eval('[data-testid=vma-map] .vma', (els) => {
      let best = 0;
      let bestSize = -1n;
      els.forEach((e, i) => {
        const size = BigInt(e.getAttribute('data-end') ?? e.getAttribute('data-start') ?? '0') - BigInt(e.getAttribute('data-start') ?? '0');
        if (size > bestSize) {
          bestSize = size;
          best = i;
        }
      });
      return best;
    });
    await page.click(`[data-testid=vma-map] .vma >> nth=${biggest}`);
    await page.waitForSelector('.hexscroll .hexrow');
    await page.focus('.hexscroll');
    const pageDown: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const before = await page.textContent('[data-testid=hex-cursor]');
      pageDown.push(
        await timed(async () => {
          await page.keyboard.press('PageDown');
          await page.waitForFunction((b) => {
            if (document.querySelector('[data-testid=hex-cursor]')?.textContent === b) return false;
            const cells = document.querySelectorAll('.hexrow .b');
            for (let k = 0; k < cells.length; k++) if (cells[k].textContent === '··') return false;
            return true;
          }, before);
        }),
      );
    }

    const first: number[] = [];
    const done: number[] = [];
    const switching: number[] = [];
    await page.selectOption('[aria-label="Pattern kind"]', 'hex');
    await page.fill('[data-testid=memory-search] input[name=pattern]', '41');
    await page.fill('[data-testid=memory-search] input[type=number]', '100000');
    for (let i = 0; i < RUNS; i++) {
      await showPanel(page, 'memory');
      const t0 = performance.now();
      await page.click('[data-testid=memory-search] button[type=submit]');
      await page.waitForSelector('[data-testid=search-progress], [data-testid=search-summary]');
      await page.waitForSelector('[data-testid=search-results] [data-hit="0"]', { timeout: 300_000 });
      first.push(performance.now() - t0);
      await page.waitForSelector('[data-testid=search-summary]:has-text("100000 hits")', { timeout: 300_000 });
      done.push(performance.now() - t0);
      switching.push(
        (await timed(async () => {
          await showPanel(page, 'processes');
          await page.waitForSelector('[data-testid=process-table]');
          await showPanel(page, 'memory');
          await page.waitForSelector('[data-testid=search-results] [data-hit="0"]');
        })) / 2,
      );
    }
    const ms = (xs: number[]): string => `${median(xs).toFixed(0)} ms`;
    report('ui: open to process tree', { median: ms(open), runs: open.map((x) => x.toFixed(0)).join(',') });
    report('ui: process click to registers', { median: ms(regs), runs: regs.map((x) => x.toFixed(0)).join(',') });
    report('ui: PageDown in the 1 GiB hex view', { median: ms(pageDown), runs: pageDown.map((x) => x.toFixed(0)).join(',') });
    report('ui: 100,000 hits, first shown', { median: ms(first), runs: first.map((x) => x.toFixed(0)).join(',') });
    report('ui: 100,000 hits, done', { median: ms(done), runs: done.map((x) => x.toFixed(0)).join(',') });
    report('ui: panel switch with 100,000 hits', { median: ms(switching), runs: switching.map((x) => x.toFixed(0)).join(',') });
  } finally {
    await context.close();
    await served.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
