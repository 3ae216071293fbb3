/**
 * Debian's Chromium for the browser-mode tests (playwright-core, never a downloaded browser): one persistent
 * context per test file, pages that collect every error and dialog, and the panel helpers the tests share.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO, tempDir } from '../helpers';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO, 'test', 'artifacts');

export async function launchChromium(): Promise<BrowserContext> {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is needed (Debian package: chromium)`);
  const context = await chromium.launchPersistentContext(tempDir('kensa-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // KENSA_E2E_CPU_THROTTLE=N runs every page N times slower (Chrome's CPU throttling), as on a loaded CI
  // machine: a test that reads the page before it settles fails here first.
  const throttle = Number(process.env.KENSA_E2E_CPU_THROTTLE ?? 0);
  if (throttle > 1) {
    context.on('page', (page) => {
      void context.newCDPSession(page).then((cdp) => cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle }));
    });
  }
  return context;
}

export interface WatchedPage {
  page: Page;
  /** Page errors, console errors and dialogs, as they happened. */
  problems: string[];
}

/** A page on `url` once the overview is shown (after the Findings page, the first after opening), recording page errors, console errors and dialogs. */
export async function openWatched(context: BrowserContext, url: string): Promise<WatchedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(url);
  await page.waitForSelector('[data-testid=panel-findings]');
  await page.keyboard.press('1');
  await page.waitForSelector('[data-testid=panel-overview] [data-testid=overview-container]');
  return { page, problems };
}

export async function showPanel(page: Page, id: string): Promise<void> {
  await page.click(`nav [data-panel=${id}]`);
  await page.waitForSelector(`nav [data-panel=${id}][aria-selected=true]`);
}

/** Open another archive from the top bar and wait until its process tree is listed. */
export async function openFromTopBar(page: Page, archive: string, rootfs?: string): Promise<void> {
  await page.fill('[data-testid=open-path]', archive);
  if (rootfs) await page.fill('[aria-label="Root file system (optional)"]', rootfs);
  await page.click('header.topbar form button[type=submit]');
  await page.waitForFunction((a) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('[data-testid=loaded-archive]')?.textContent?.includes(a) ?? false, path.basename(archive));
}

export async function screenshot(page: Page, dir: string, name: string): Promise<void> {
  const out = path.join(ARTIFACTS, dir);
  fs.mkdirSync(out, { recursive: true });
  await page.screenshot({ path: path.join(out, `${name}.png`) });
}

/** The page's document, for the function that runs in the browser (this project compiles without DOM types). */
declare const document: { querySelector(s: string): unknown; querySelectorAll(s: string): { length: number } };

/**
 * The hex view's selection once its bytes have arrived: `length` selected cells, none in a row still
 * fetching (aria-busy), read as ASCII and as hex. Cells are drawn before their bytes come, so reading
 * them as soon as they exist can see placeholders.
 */
export async function hexSelection(page: Page, length: number): Promise<{ ascii: string; hex: string }> {
  await page.waitForFunction(
    (n) => document.querySelectorAll('.hexrow .c.sel').length === n && !document.querySelector('.hexrow[aria-busy=true] .sel'),
    length,
  );
  const ascii = await page.$$eval('.hexrow .c.sel', (els) => els.map((e) => e.textContent).join(''));
  const hex = await page.$$eval('.hexrow .b.sel', (els) => els.map((e) => e.textContent).join(''));
  return { ascii, hex };
}
