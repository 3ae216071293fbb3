/**
 * The Files panel's root file system tree in Debian's Chromium on podman-counter opened with its rootfs:
 * the image's folders, the counter's new files badged `added`, the image's own binary without a badge, and
 * a file opened in the text/hex viewer from each side.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { fixture, LOCAL_FIXTURES, tempDir } from '../helpers';
import { serve } from './serve';
import { launchChromium, openWatched, screenshot, showPanel } from './browser';
import { Synth } from '../unit/triage/synth';

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
    assert.equal(await page.getAttribute(`${browser} [role=tree]`, 'aria-label'), "Root file system: image and the container's changes");
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

/** The element that has the keyboard focus: its data-path and the tree state the test reads. */
async function focused(page: import('playwright-core').Page): Promise<{ path: string | null; expanded: string | null; role: string | null }> {
  return page.evaluate(() => {
    const el = (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement;
    return { path: el?.getAttribute('data-path') ?? null, expanded: el?.getAttribute('aria-expanded') ?? null, role: el?.getAttribute('role') ?? null };
  });
}

test('files: the tree is driven by the keyboard alone (WAI-ARIA tree), and "changes only" keeps the changed files with their folders open', async () => {
  const f = fixture('podman-counter');
  const served = await serve([f.input, '--rootfs', path.join(LOCAL_FIXTURES, 'podman-counter/rootfs.tar.zst')]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'files');
    const tree = '[data-testid=rootfs-browser] [role=tree]';
    await page.waitForSelector(`${tree} [data-path="/bin"]`);
    // One tab stop: exactly one treeitem is in the tab order.
    assert.equal(await page.locator(`${tree} [role=treeitem][tabindex="0"]`).count(), 1);
    assert.equal(await page.locator(`${tree} [role=treeitem]`).first().getAttribute('tabindex'), '0');
    await page.locator(`${tree} [role=treeitem][tabindex="0"]`).focus();
    const wait = async (want: string, expanded?: string): Promise<void> => {
      await page.waitForFunction(
        ([p, x]) => {
          const el = (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement;
          return el?.getAttribute('data-path') === p && (x === undefined || el?.getAttribute('aria-expanded') === x);
        },
        [want, expanded] as const,
      );
      assert.equal(await page.locator(`${tree} [role=treeitem][tabindex="0"]`).getAttribute('data-path'), want, 'the roving tab stop follows the focus');
    };
    await wait('/bin');
    const rootNames = await page.$$eval(`${tree} [role=treeitem][aria-level="1"]`, (els) => els.map((e) => e.getAttribute('data-path')));
    await page.keyboard.press('End');
    await wait(rootNames[rootNames.length - 1]!);
    await page.keyboard.press('Home');
    await wait('/bin');
    await page.keyboard.press('ArrowDown');
    await wait(rootNames[1]!);
    await page.keyboard.press('ArrowUp');
    await wait('/bin');
    // Type-ahead, then Right opens the folder, Right again enters it.
    await page.keyboard.press('h');
    await wait('/home', 'false');
    await page.keyboard.press('ArrowRight');
    await wait('/home', 'true');
    // Right enters a folder once its entries are listed (each folder is fetched when first opened).
    await page.waitForSelector(`${tree} [data-path="/home/counter"]`);
    await page.keyboard.press('ArrowRight');
    await wait('/home/counter', 'false');
    await page.keyboard.press('ArrowRight');
    await wait('/home/counter', 'true');
    await page.waitForSelector(`${tree} [data-path="/home/counter/counter"]`);
    await page.keyboard.press('ArrowRight');
    await wait('/home/counter/counter');
    assert.equal(await page.getAttribute(`${tree} [data-path="/home/counter/counter"]`, 'aria-level'), '3');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await wait('/home/counter/test-file');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('[data-testid=file-viewer-content]')?.textContent === 'test-file\n');
    assert.equal(await page.getAttribute(`${tree} [data-path="/home/counter/test-file"]`, 'aria-selected'), 'true');
    // Left on a file goes to its folder; Left on an open folder closes it; Left again goes to the parent.
    await page.keyboard.press('ArrowLeft');
    await wait('/home/counter', 'true');
    await page.keyboard.press('ArrowLeft');
    await wait('/home/counter', 'false');
    assert.equal(await page.locator(`${tree} [data-path="/home/counter/test-file"]`).count(), 0, 'a closed folder hides its entries');
    await page.keyboard.press('ArrowLeft');
    await wait('/home', 'true');
    assert.equal((await focused(page)).role, 'treeitem');

    // Changes only: the image's own files go, the folders holding changes open by themselves, sizes stay.
    await page.check('[data-testid=rootfs-changes-only]');
    await page.waitForSelector(`${tree} [data-path="/home/counter/logfile"]`);
    assert.equal(await page.locator(`${tree} [data-path="/bin"]`).count(), 0);
    assert.equal(await page.locator(`${tree} [data-path="/home/counter/counter"]`).count(), 0);
    assert.equal(await page.getAttribute(`${tree} [data-path="/home/counter/logfile"]`, 'data-badge'), 'added');
    assert.equal(await page.textContent(`${tree} [data-path="/home/counter/logfile"] .size`), '218 B');
    assert.match(await page.textContent('[data-testid=rootfs-browser] .tree-head') ?? '', /rootfs-diff\.tar: 2 entries/);
    // The old flat list of rootfs-diff entries is gone: each path is listed once.
    assert.equal(await page.locator('[data-path="/home/counter/logfile"]').count(), 1);
    await screenshot(page, 'files', 'rootfs-tree-changes-only');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});

test('files: a folder of 3,000 entries draws only the lines on screen; End and Home reach both ends by keyboard', async () => {
  // A rootfs given as a folder: /many holds 3,000 empty files (a real /usr/lib holds a few thousand).
  const root = tempDir('kensa-e2e-bigdir-');
  fs.mkdirSync(path.join(root, 'many'));
  for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(root, 'many', `f${String(i).padStart(4, '0')}`), '');
  const served = await serve([fixture('podman-counter').input, '--rootfs', root]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'files');
    const tree = '[data-testid=rootfs-browser] [role=tree]';
    await page.click(`${tree} [data-path="/many"]`);
    await page.waitForSelector(`${tree} [data-path="/many/f0000"]`);
    const drawn = await page.locator(`${tree} [role=treeitem]`).count();
    assert.ok(drawn < 200, `${drawn} lines drawn for 3,002 entries`);
    assert.equal(await page.getAttribute(`${tree} [data-path="/many/f0000"]`, 'aria-setsize'), '3000');
    await page.focus(`${tree} [data-path="/many"]`);
    await page.keyboard.press('End');
    await page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('data-path') === '/many/f2999');
    assert.equal(await page.getAttribute(`${tree} [data-path="/many/f2999"]`, 'aria-posinset'), '3000');
    assert.ok((await page.locator(`${tree} [role=treeitem]`).count()) < 200);
    await page.keyboard.press('Home');
    await page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('data-path') === '/home');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});

test('files: a file opened from a finding is shown in the tree, its folders open and its line current', async () => {
  const synth = await Synth.from('crio-counter');
  synth.rootfsAdd('/etc/cron.d/job', '* * * * * root /tmp/x\n');
  // With the image given, folders start closed: the finding's link is what opens them.
  const served = await serve([synth.finish(), '--rootfs', path.join(LOCAL_FIXTURES, 'crio-counter/rootfs.tar.zst')]);
  const page = await context.newPage();
  try {
    await page.goto(served.url);
    await page.waitForSelector('[data-testid=findings-medium] [data-evidence=file]');
    await page.click('[data-testid=findings-medium] [data-evidence=file]');
    await page.waitForSelector('nav [data-panel=files][aria-selected=true]');
    const tree = '[data-testid=rootfs-browser] [role=tree]';
    const line = `${tree} [data-path="/etc/cron.d/job"]`;
    await page.waitForSelector(`${line}[aria-selected=true][tabindex="0"]`);
    assert.equal(await page.getAttribute(`${tree} [data-path="/etc"]`, 'aria-expanded'), 'true');
    assert.equal(await page.getAttribute(`${tree} [data-path="/etc/cron.d"]`, 'aria-expanded'), 'true');
    assert.equal(await page.textContent('[data-testid=file-viewer-name]'), 'rootfs-diff.tar/etc/cron.d/job');
  } finally {
    await page.close();
    await served.stop();
  }
});
