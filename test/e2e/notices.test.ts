/**
 * Errors as notices (issue 13, defect 6), in Debian's Chromium: a folder that is not a checkpoint is an
 * error (the archive open before stays open), a missing path is said in words (no ENOENT), a notice never
 * covers the hex view's status line, and notices go away by themselves.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { fixture, tempDir } from '../helpers';
import { serve } from './serve';
import { launchChromium, openWatched, screenshot, showPanel } from './browser';

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

test('a folder that is not a checkpoint is an error; messages in words; notices cover nothing and expire', async () => {
  const podman = fixture('podman-counter').input;
  const notCheckpoint = tempDir('kensa-not-a-checkpoint-');
  fs.writeFileSync(path.join(notCheckpoint, 'notes.txt'), 'hello\n');
  const served = await serve([podman]);
  const { page } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'memory');
    await page.waitForSelector('[data-testid=vma-map] .vma');
    await page.click('[data-testid=vma-map] .vma');
    await page.waitForSelector('[data-testid=hex-cursor]');

    await page.fill('[data-testid=open-path]', notCheckpoint);
    await page.click('header.topbar form button[type=submit]');
    await page.waitForSelector('[data-testid=notices] [role=alert]');
    const text = (await page.textContent('[data-testid=notices]')) ?? '';
    assert.match(text, /not a checkpoint: no CRIU images/);
    assert.match((await page.textContent('[data-testid=loaded-archive]')) ?? '', /counters\.tar\.zst/, 'the archive open before stays open');

    await page.fill('[data-testid=open-path]', path.join(notCheckpoint, 'missing.tar'));
    await page.click('header.topbar form button[type=submit]');
    await page.waitForFunction(() => /no such file or directory/.test((globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('[data-testid=notices]')?.textContent ?? ''));
    assert.doesNotMatch((await page.textContent('[data-testid=notices]')) ?? '', /ENOENT/);

    // The notices push the content down; the hex status line stays visible and uncovered.
    await showPanel(page, 'memory');
    const status = (await page.locator('.hexstatus').first().boundingBox())!;
    const notices = (await page.locator('[data-testid=notices]').boundingBox())!;
    assert.ok(status && notices, 'both on screen');
    const overlap = !(notices.y + notices.height <= status.y || status.y + status.height <= notices.y || notices.x + notices.width <= status.x || status.x + status.width <= notices.x);
    assert.ok(!overlap, 'a notice does not cover the hex status line');
    assert.ok(status.y + status.height <= 800, 'the status line is inside the window');
    await screenshot(page, 'notices', 'memory-with-notices');

    // They expire.
    await page.waitForSelector('[data-testid=notices]', { state: 'detached', timeout: 20_000 });
  } finally {
    await page.close();
    await served.stop();
  }
});
