/**
 * The YARA panel end to end in browser mode (Debian's Chromium via playwright-core, `kensa serve` on
 * podman-counter): a rule file loaded by path and a rule typed in the panel are compiled together; the
 * matches are listed (virtualized) with pid and address; a click opens the hex view with the matched bytes
 * selected; a rule error is shown with its file and line; a slow scan is cancelled from the panel.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { fixture, REPO, tempDir } from '../helpers';
import { serve } from './serve';
import { hexSelection, launchChromium } from './browser';

/** The page's document, for functions that run in the browser (this project compiles without DOM types). */
declare const document: { querySelector(s: string): { textContent: string | null } | null; querySelectorAll(s: string): { length: number } };

let context: BrowserContext;

before(async () => {
  context = await launchChromium();
});

after(async () => {
  await context?.close();
});

test('YARA panel: rules from a file and typed, matches listed and opened in the hex view, errors, cancel', async () => {
  const f = fixture('podman-counter');
  const dir = tempDir('kensa-yara-e2e-');
  const ruleFile = path.join(dir, 'heap.yar');
  fs.writeFileSync(ruleFile, 'rule heap_key : secret { strings: $k = "RANDOM_1432_KEY" condition: $k and path == "[heap]" }\n');
  const served = await serve([f.input]);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  try {
    await page.goto(served.url);
    await page.waitForSelector('[data-testid=panel-findings]'); // the first page after opening (issue 11)
    await page.keyboard.press('1');
    await page.waitForSelector('[data-testid=panel-overview] [data-testid=overview-container]');
    await page.keyboard.press('y');
    await page.waitForSelector('nav [data-panel=yara][aria-selected=true]');
    await page.waitForSelector('[data-testid=panel-yara]');

    await page.fill('[aria-label="Rule files"]', ruleFile);
    await page.fill('[aria-label="Rule text"]', 'rule counter_word { strings: $c = "counter" condition: $c and pid == 6 }');
    await page.click('[data-testid=panel-yara] button[type=submit]');
    await page.waitForSelector('[data-testid=yara-summary]');
    const summary = await page.textContent('[data-testid=yara-summary]');
    assert.match(summary ?? '', /^\d+ matches of 2 rules in \d+ regions/);
    const rows = await page.$$eval('[data-testid=yara-results] [data-match]', (els) => els.map((e) => `${e.getAttribute('data-rule')}|${e.getAttribute('data-pid')}|${e.getAttribute('data-address')}`));
    assert.ok(rows.includes('heap_key|6|0x3427a8e0'), rows.join(' '));
    assert.ok(rows.some((r) => r.startsWith('counter_word|6|')), 'the typed rule matched too');
    assert.ok(rows.every((r) => r.split('|')[1] === '6'), 'both rules hold to pid 6');
    fs.mkdirSync(path.join(REPO, 'test', 'artifacts', 'yara'), { recursive: true });
    await page.screenshot({ path: path.join(REPO, 'test', 'artifacts', 'yara', 'yara-panel.png') });

    // A click opens the hex view at the match with its bytes selected.
    await page.click('[data-testid=yara-results] [data-rule=heap_key]');
    await page.waitForSelector('nav [data-panel=memory][aria-selected=true]');
    await page.waitForFunction(() => document.querySelector('[data-testid=hex-cursor]')?.textContent === '0x3427a8e0');
    assert.equal((await hexSelection(page, 15)).ascii, 'RANDOM_1432_KEY');

    // A rule error names the pasted rule and the line.
    await page.keyboard.press('y');
    await page.waitForSelector('[data-testid=panel-yara]');
    await page.fill('[aria-label="Rule files"]', '');
    await page.fill('[aria-label="Rule text"]', 'rule broken {\n  condition: $nope\n}');
    await page.click('[data-testid=panel-yara] button[type=submit]');
    await page.waitForFunction(() => /<pasted rule>:2:14: unknown pattern/.test(document.querySelector('.yara-results')?.textContent ?? ''));

    // A slow scan runs as a task and is cancelled from the panel.
    await page.fill('[aria-label="Rule text"]', 'rule pairs { condition: for any i in (0..filesize) : ( for any j in (0..filesize) : ( uint8(i) + uint8(j) == 0x1ff ) ) }');
    await page.click('[data-testid=panel-yara] button[type=submit]');
    await page.waitForSelector('[data-testid=taskbar]');
    await page.click('[data-testid=panel-yara] button:has-text("Cancel")');
    await page.waitForFunction(() => /Scan cancelled/.test(document.querySelector('.yara-results')?.textContent ?? ''), undefined, { timeout: 60_000 });
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
