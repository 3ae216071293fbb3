/**
 * Notes bound to the right evidence across two archives (issue 13, defect 1), in Debian's Chromium: a case
 * holding podman-counter; crio-counter opened from the top bar is shown as not in the case, the note dialog
 * says so, will not save, and offers to add it; once added the banner names E2 and the note lands in the
 * custody log under E2; reopening podman-counter shows E1 again. The loaded line names the archive and the
 * rootfs given (defect 5).
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { fixture, tempDir } from '../helpers';
import { serve } from './serve';
import { launchChromium, openFromTopBar, openWatched, screenshot, showPanel } from './browser';

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

function notesInLog(caseDir: string): string[] {
  return fs.readFileSync(path.join(caseDir, 'custody.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; details: Record<string, unknown> })
    .filter((e) => e.event === 'note').map((e) => `${e.details.evidenceId}:${e.details.text}`);
}

test('a note names the evidence open now; an archive not in the case is said to be so and can be added', async () => {
  const podman = fixture('podman-counter').input;
  const crio = fixture('crio-counter');
  const rootfs = path.join(crio.ref, 'rootfs.tar.zst');
  const served = await serve([podman]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    assert.match((await page.textContent('[data-testid=loaded-archive]')) ?? '', /counters\.tar\.zst/);
    assert.match((await page.textContent('[data-testid=loaded-rootfs]')) ?? '', /none given/);

    const caseDir = path.join(tempDir('kensa-e2e-binding-'), 'case');
    await showPanel(page, 'case');
    await page.fill('[aria-label="Case folder"]', caseDir);
    await page.fill('[aria-label="Analyst"]', 'e2e');
    await page.click('[data-testid=panel-case] form button[type=submit]');
    await page.waitForSelector('[data-testid=banner-evidence]:has-text("not in this case")');
    await page.click('[data-testid=case-banner] button:has-text("Add it to the case")');
    await page.waitForSelector('[data-testid=banner-evidence]:has-text("evidence E1")');

    // The second archive (with its rootfs): not in the case, and the banner says so.
    await openFromTopBar(page, crio.input, rootfs);
    assert.match((await page.textContent('[data-testid=loaded-rootfs]')) ?? '', /rootfs\.tar\.zst/);
    await page.waitForSelector('[data-testid=banner-evidence]:has-text("not in this case")');
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="6"] .note-btn');
    await page.waitForSelector('[data-testid=note-evidence]:has-text("is not evidence in case")');
    assert.equal(await page.textContent('[data-testid=note-target]'), 'process 6');
    await page.fill('[role=dialog] textarea', 'crio counter holds the key');
    assert.ok(await page.isDisabled('[role=dialog] button.primary'), 'no saving a note about evidence the case does not hold');
    await screenshot(page, 'case-evidence', 'note-on-archive-not-in-case');
    await page.click('[role=dialog] button:has-text("Add the open archive to the case")');
    await page.waitForSelector('[data-testid=note-evidence]:has-text("About evidence E2")');
    // Ctrl+Enter saves.
    await page.focus('[role=dialog] textarea');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('[role=dialog]', { state: 'detached' });
    await page.waitForSelector('[data-testid=banner-evidence]:has-text("evidence E2")');
    assert.deepEqual(notesInLog(caseDir), ['E2:crio counter holds the key']);

    // Back to the first archive: E1 again, and its notes go to E1.
    await openFromTopBar(page, podman);
    await page.waitForSelector('[data-testid=banner-evidence]:has-text("evidence E1")');
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="7"] .note-btn');
    await page.waitForSelector('[data-testid=note-evidence]:has-text("About evidence E1")');
    await page.fill('[role=dialog] textarea', 'podman pid 7');
    // A note being written survives a panel switch (Alt+key from the note field).
    await page.focus('[role=dialog] textarea');
    await page.keyboard.press('Alt+4');
    await page.waitForSelector('nav [data-panel=memory][aria-selected=true]');
    assert.equal(await page.inputValue('[role=dialog] textarea'), 'podman pid 7');
    await page.click('[role=dialog] button.primary');
    await page.waitForSelector('[role=dialog]', { state: 'detached' });
    assert.deepEqual(notesInLog(caseDir), ['E2:crio counter holds the key', 'E1:podman pid 7']);

    // The case panel lists each note with its evidence and its target in words.
    await showPanel(page, 'case');
    // The list is the case re-read after the save, which can arrive after the dialog closed.
    await page.waitForSelector('[data-testid=case-notes] tr:has-text("podman pid 7")');
    const rows = await page.$$eval('[data-testid=case-notes] tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent).join('|')));
    assert.deepEqual(rows, ['N1|E2|process 6|crio counter holds the key', 'N2|E1|process 7|podman pid 7']);
    await screenshot(page, 'case-evidence', 'case-panel');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
