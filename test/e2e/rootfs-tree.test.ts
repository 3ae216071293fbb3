/**
 * The Files panel's root file system tree in Debian's Chromium on podman-counter opened with its rootfs:
 * the image's folders, the counter's new files badged `added`, the image's own binary without a badge, and
 * a file opened in the text/hex viewer from each side.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { fixture, LOCAL_FIXTURES } from '../helpers';
import { serve } from './serve';
import { launchChromium, openWatched, screenshot, showPanel } from './browser';

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

test('files: the --rootfs tree with added badges; files open in the viewer from the archive and from the image', async () => {
  const f = fixture('podman-counter');
  const served = await serve([f.input, '--rootfs', path.join(LOCAL_FIXTURES, 'podman-counter/rootfs.tar.zst')]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'files');
    const browser = '[data-testid=rootfs-browser]';
    await page.click(`${browser} [data-path="/home"]`);
    await page.click(`${browser} [data-path="/home/counter"]`);
    await page.waitForSelector(`${browser} [data-path="/home/counter/test-file"]`);
    assert.equal(await page.getAttribute(`${browser} [data-path="/home/counter/test-file"]`, 'data-badge'), 'added');
    assert.equal(await page.getAttribute(`${browser} [data-path="/home/counter/counter"]`, 'data-badge'), null);

    await page.click(`${browser} [data-path="/home/counter/test-file"]`);
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('[data-testid=file-viewer-name]')?.textContent === 'rootfs-diff.tar/home/counter/test-file');
    await page.click(`${browser} [data-path="/home/counter/counter"]`);
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('[data-testid=file-viewer-name]')?.textContent === 'rootfs:/home/counter/counter');
    // An ELF binary is shown as hex: the first row starts with its magic.
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('[data-testid=file-viewer-content]')?.textContent?.startsWith('00000000  7f 45 4c 46') ?? false);
    await screenshot(page, 'files', 'rootfs-tree');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
