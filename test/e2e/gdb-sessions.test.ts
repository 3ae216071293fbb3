/**
 * gdb sessions belong to their archive (issue 13, defects 3 and 4), in Debian's Chromium on crio-counter with
 * its rootfs: keys typed while a session starts reach that session once gdb prompts (not another terminal);
 * tabs name the archive; arrow keys move between session tabs; F6 leaves the terminal for the tabs and
 * Alt+1 switches panel from inside it; after Close no gdb process of `kensa serve` is left (the process
 * table, /proc, is read) and no session is listed.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { fixture } from '../helpers';
import { serve } from './serve';
import { launchChromium, openWatched, screenshot, showPanel } from './browser';

declare const document: { querySelector(s: string): { textContent: string | null; getAttribute(n: string): string | null } | null; activeElement: { getAttribute(n: string): string | null } | null };

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

/** The gdb processes whose parent is `pid` (from /proc/PID/stat: comm in parentheses, then state, then ppid). */
function gdbChildren(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(path.join('/proc', d, 'stat'), 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid && /gdb/.test(comm)) out.push(Number(d));
  }
  return out;
}

async function terminalText(page: Page, sessionId: string): Promise<string> {
  return (await page.textContent(`[data-session="${sessionId}"].terminal-host .xterm-rows`)) ?? '';
}

test('gdb sessions: input held until the prompt, labelled with their archive, keyboard way out, ended with the archive', async () => {
  const crio = fixture('crio-counter');
  const served = await serve([crio.input, '--rootfs', path.join(crio.ref, 'rootfs.tar.zst')]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="6"]');
    await showPanel(page, 'terminal');
    // Typed at once, while the core is being written: held, then sent to this session at its prompt.
    await page.click('[data-testid=gdb-start]');
    await page.keyboard.type('bt');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.terminal-host[data-ready=true]', { timeout: 60_000 });
    const first = (await page.getAttribute('.terminal-host[data-ready=true]', 'data-session'))!;
    await page.waitForFunction((id) => /#1\s+0x[0-9a-f]+\s+in\s+main\s/.test(document.querySelector(`[data-session="${id}"].terminal-host .xterm-rows`)?.textContent ?? ''), first, { timeout: 30_000 });
    const tab = (await page.textContent(`[role=tab][data-session="${first}"]`)) ?? '';
    assert.match(tab, new RegExp(`pid 6 · ${path.basename(crio.input).replace(/[.]/g, '\\.')}`));

    // A second session; the first one's terminal gets nothing typed for the second.
    await page.click('[data-testid=gdb-start]');
    await page.keyboard.type('info inferiors');
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => { const hosts = [...(globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<{ getAttribute(n: string): string | null }> } }).document.querySelectorAll('.terminal-host[data-ready=true]')]; return hosts.some((h) => h.getAttribute('data-session') !== id); }, first, { timeout: 60_000 });
    const second = (await page.getAttribute(`.terminal-host[data-ready=true]:not([data-session="${first}"])`, 'data-session'))!;
    await page.waitForFunction((id) => /process\s+\d+/.test(document.querySelector(`[data-session="${id}"].terminal-host .xterm-rows`)?.textContent ?? ''), second, { timeout: 30_000 });
    assert.doesNotMatch(await terminalText(page, first), /info inferiors/, 'nothing typed for the second session reached the first');
    assert.equal(gdbChildren(served.child.pid!).length, 2, 'two gdb processes run');

    // Keyboard way out: F6 from the terminal to its tab, arrows between tabs, Alt+1 from inside the terminal.
    await page.click(`[data-session="${second}"].terminal-host .xterm`);
    await page.keyboard.press('F6');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-session')), second);
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`[role=tab][data-session="${first}"][aria-selected=true]`);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-session')), first);
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`[role=tab][data-session="${second}"][aria-selected=true]`);
    await screenshot(page, 'gdb-sessions', 'two-sessions');
    await page.click(`[data-session="${second}"].terminal-host .xterm`);
    await page.keyboard.press('Alt+1');
    await page.waitForSelector('nav [data-panel=overview][aria-selected=true]');
    assert.doesNotMatch(await terminalText(page, second), /\(gdb\)\s+1/, 'Alt+1 did not reach gdb');

    // Close: the host ends both gdb processes; the list is empty.
    await page.click('header.topbar button:has-text("Close")');
    await page.waitForSelector('[data-testid=welcome]');
    const deadline = Date.now() + 15_000;
    while (gdbChildren(served.child.pid!).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(gdbChildren(served.child.pid!), [], 'no gdb process left after Close');
    assert.equal(await page.$$eval('[role=tab][data-session]', (els) => els.length), 0, 'no session listed');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
