/**
 * The Logs panel in Debian's Chromium: search within the log (the lines holding the text, marked), URL-decoding
 * of request lines (a toggle), and "search memory for this line" on a selected line. The archive is
 * podman-counter with one URL-encoded request line added to its container log (ctr.log), so the decoded text
 * is known; the expected lines are counted from the log itself.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { BrowserContext } from 'playwright-core';
import { fixture, tempDir } from '../helpers';
import { serve } from './serve';
import { launchChromium, openWatched, screenshot, showPanel } from './browser';

interface El { textContent: string | null }
declare const document: { querySelectorAll(s: string): ArrayLike<El> & Iterable<El>; querySelector(s: string): (El & { scrollTop: number; scrollHeight: number }) | null };

const ENCODED = '2026-11-26T00:36:06.000000000+00:00 stdout F 10.0.0.9 - - [26/Nov/2026 00:36:06] "GET /run?cmd=cat%20%2Fetc%2Fpasswd%3B%20id HTTP/1.1" 404 -';

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

/** podman-counter's archive with ENCODED appended to ctr.log, members in their original order. */
function archiveWithEncodedLine(): { archive: string; log: string } {
  const dir = tempDir('kensa-e2e-logs-');
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(tree);
  const plain = path.join(dir, 'plain.tar');
  fs.writeFileSync(plain, execFileSync('zstd', ['-dc', fixture('podman-counter').input], { maxBuffer: 1 << 26 }));
  const members = execFileSync('tar', ['-tf', plain], { encoding: 'utf8' }).split('\n').filter(Boolean);
  execFileSync('tar', ['-xf', plain, '-C', tree]);
  fs.appendFileSync(path.join(tree, 'ctr.log'), ENCODED + '\n');
  const archive = path.join(dir, 'with-encoded-log.tar');
  execFileSync('tar', ['-cf', archive, '-C', tree, '--no-recursion', ...members]);
  return { archive, log: fs.readFileSync(path.join(tree, 'ctr.log'), 'utf8') };
}

test('logs: search within the log, URL-decoding, search memory for a selected line', async () => {
  const { archive, log } = archiveWithEncodedLine();
  const served = await serve([archive]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'logs');
    await page.click('[data-testid=panel-logs] [role=tab]:has-text("container log")');
    const lines = log.replace(/\n$/, '').split('\n');
    await page.waitForSelector(`[data-testid=log-count]:has-text("${lines.length} lines")`);

    // Search: the count and every line drawn hold the text, marked.
    const word = 'get /secret';
    const holding = lines.filter((l) => l.toLowerCase().includes(word)).length;
    assert.ok(holding > 0 && holding < lines.length);
    await page.fill('[aria-label="Search the log"]', word.toUpperCase());
    await page.waitForSelector(`[data-testid=log-count]:has-text("${holding} of ${lines.length} lines")`);
    const drawn = await page.$$eval('[data-testid=log-text] .log-line', (els) => els.map((e) => ({ text: e.querySelector('.text')?.textContent ?? '', mark: e.querySelector('mark')?.textContent ?? '' })));
    assert.ok(drawn.length > 0 && drawn.every((d) => d.text.toLowerCase().includes(word) && d.mark.toLowerCase() === word));

    // URL-decoding: the encoded line reads as text once decoded, and is found by its decoded words.
    await page.fill('[aria-label="Search the log"]', '/etc/passwd');
    await page.waitForSelector(`[data-testid=log-count]:has-text("0 of ${lines.length} lines")`);
    await page.check('[aria-label="URL-decode"]');
    await page.waitForSelector(`[data-testid=log-count]:has-text("1 of ${lines.length} lines")`);
    assert.equal(await page.textContent('[data-testid=log-text] .log-line .text'), ENCODED.replace('cat%20%2Fetc%2Fpasswd%3B%20id', 'cat /etc/passwd; id'));
    await screenshot(page, 'logs', 'url-decoded');
    await page.uncheck('[aria-label="URL-decode"]');

    // A selected line (click, then arrow down) searched for in memory: its message, without the CRI prefix.
    await page.fill('[aria-label="Search the log"]', '');
    await page.waitForSelector(`[data-testid=log-count]:has-text("${lines.length} lines")`);
    await page.click('[data-testid=log-text] .log-line[data-line="1"]');
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector('[data-testid=log-text] .log-line[data-line="2"][aria-selected=true]');
    const message = lines[1].replace(/^\S+ (?:stdout|stderr) [FP] /, '');
    assert.notEqual(message, lines[1]);
    await page.click('[data-testid=log-search-line]');
    await page.waitForSelector('[data-testid=search-summary]', { timeout: 60_000 });
    const summary = (await page.textContent('[data-testid=search-summary]')) ?? '';
    assert.ok(summary.includes(`for text "${message}"`), summary);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
