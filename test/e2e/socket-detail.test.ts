/**
 * The Network panel's socket detail (issue 13) in Debian's Chromium: on the crafted ESTABLISHED connection
 * (test/unit/model/tcp-synth.ts) a socket row chosen with the keyboard shows the TCP sequence numbers and
 * windows and the queued HTTP request and response in the text/hex viewer; a unix socket's peer link selects
 * the peer's process and socket; a cut tcp-stream image is said in one line with its offset; on pyworker each
 * end of a real socketpair links to the other.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { serve } from './serve';
import { launchChromium, openWatched, screenshot, showPanel } from './browser';
import { craftTcpCheckpoint, TCP, TCP_STREAM, TCP_STREAM_FILE, UNIX } from '../unit/model/tcp-synth';
import { PYWORKER } from '../unit/python/pyworker';

declare const document: { querySelector(s: string): { textContent: string | null } | null };

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

async function waitForText(page: Page, selector: string, pattern: RegExp): Promise<string> {
  await page.waitForFunction(([s, p]) => new RegExp(p).test(document.querySelector(s)?.textContent ?? ''), [selector, pattern.source] as const);
  return (await page.textContent(selector)) ?? '';
}

test('socket detail: TCP state and queues of a connection; unix peer link; keyboard', async () => {
  const served = await serve([craftTcpCheckpoint('kensa-e2e-socket-')]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'network');
    await page.waitForSelector('[data-testid=socket-table]');
    // Keyboard: focus the connection's row, Enter selects it.
    await page.focus(`[data-testid=socket-row][data-socket="${TCP.pid}:${TCP.fd}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`[data-testid=socket-row][data-socket="${TCP.pid}:${TCP.fd}"][aria-selected=true]`);
    const tcp = await waitForText(page, '[data-testid=socket-tcp]', new RegExp(`inq_seq\\)${TCP_STREAM.inq_seq}`));
    assert.match(tcp, new RegExp(`outq_seq\\)${TCP_STREAM.outq_seq}`));
    assert.match(tcp, new RegExp(`snd_wnd\\)${TCP_STREAM.snd_wnd}`));
    assert.match(tcp, new RegExp(`rcv_wnd\\)${TCP_STREAM.rcv_wnd}`));
    assert.match(tcp, /Window scale \(snd \/ rcv\)7 \/ 9/);
    assert.match(tcp, /0x7 TIMESTAMPS \| SACK \| WSCALE/);
    assert.match(await page.textContent('[data-testid=socket-group-addresses]') ?? '', /10\.88\.0\.8:8088.*10\.88\.0\.1:53412/);
    // The receive queue in the viewer, as text; the send queue on its tab; the hex view of it.
    await waitForText(page, '[data-testid=socket-queue-content]', /^GET \/admin\/export\?token=K3NSA-7f3a HTTP\/1\.1\nHost: 10\.88\.0\.8:8088/);
    // ← / → move between the queues (WAI-ARIA tabs)
    await page.focus('[data-testid=socket-queue-tab-recv]');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('[data-testid=socket-queue-tab-send][aria-selected=true]');
    await waitForText(page, '[data-testid=socket-queue-content]', /^HTTP\/1\.1 200 OK\n[^]*export queued: 3 rows$/);
    await page.click('[data-testid=socket-queue] [role=tab]:has-text("hex")');
    await waitForText(page, '[data-testid=socket-queue-content]', /^00000000 {2}48 54 54 50 2f 31 2e 31 20 32 30 30 20 4f 4b 0d {2}HTTP\/1\.1 200 OK\./);
    // A hex dump's characters are not the bytes: no "search memory" for a selection there.
    assert.equal(await page.locator('[data-testid=socket-queue-search-selection]').count(), 0);
    await screenshot(page, 'network', 'socket-detail-tcp');
    await page.click('button[aria-label="Switch theme"]');
    await page.click('[data-testid=socket-queue] [role=tab]:has-text("auto")');
    await screenshot(page, 'network', 'socket-detail-tcp-other-theme');
    await page.click('button[aria-label="Switch theme"]');

    // The token in the queued request, selected, is searched for in every process's memory.
    await page.click('[data-testid=socket-queue-tab-recv]');
    await waitForText(page, '[data-testid=socket-queue-content]', /token=K3NSA-7f3a/);
    await page.evaluate((needle) => {
      const pre = document.querySelector('[data-testid=socket-queue-content]') as unknown as { firstChild: unknown; textContent: string };
      const at = pre.textContent.indexOf(needle);
      const range = (document as unknown as { createRange(): { setStart(n: unknown, o: number): void; setEnd(n: unknown, o: number): void } }).createRange();
      range.setStart(pre.firstChild, at);
      range.setEnd(pre.firstChild, at + needle.length);
      const sel = (globalThis as unknown as { getSelection(): { removeAllRanges(): void; addRange(r: unknown): void } }).getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    }, 'K3NSA-7f3a');
    await page.click('[data-testid=socket-queue-search-selection]');
    await page.waitForSelector('[data-testid=panel-memory]');
    await waitForText(page, '[data-testid=search-summary]', /hits? for .*K3NSA-7f3a/);
    assert.equal(await page.inputValue('[data-testid=memory-search] input[name=pattern]'), 'K3NSA-7f3a');
    await showPanel(page, 'network');
    await page.waitForSelector(`[data-testid=socket-row][data-socket="${TCP.pid}:${TCP.fd}"][aria-selected=true]`);

    // ↓ moves the selection to the next row.
    await page.focus(`[data-testid=socket-row][data-socket="${TCP.pid}:${TCP.fd}"]`);
    const next = await page.getAttribute(`[data-testid=socket-row][data-socket="${TCP.pid}:${TCP.fd}"] + tr`, 'data-socket');
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector(`[data-testid=socket-row][data-socket="${next}"][aria-selected=true]`);
    await waitForText(page, '[data-testid=socket-detail-title]', new RegExp(`fd ${next!.split(':')[1]}`));

    // A unix socket: its queued packet, and its peer in another process.
    await page.click(`[data-testid=socket-row][data-socket="${UNIX.pid}:${UNIX.fd}"] td:nth-child(3)`);
    await waitForText(page, '[data-testid=socket-peer]', new RegExp(`held by process ${UNIX.peerPid} fd ${UNIX.peerFd}`));
    await waitForText(page, '[data-testid=socket-queue-content]', /^\{"job": 41, "cmd": "sync"\}/);
    await page.click('[data-testid=socket-queue-tab-packet\\:1]');
    await waitForText(page, '[data-testid=socket-queue-content]', /^00000000 {2}00 01 fe ff 1b 5b 32 4a/);
    await page.click('[data-testid=socket-peer-link]');
    await page.waitForFunction((pid) => (document.querySelector('[data-testid=process-select]') as unknown as { value: string } | null)?.value === pid, String(UNIX.peerPid));
    await waitForText(page, '[data-testid=socket-detail-title]', new RegExp(`process ${UNIX.peerPid} \\(.*\\), fd ${UNIX.peerFd}`));
    await page.waitForSelector(`[data-testid=socket-row][data-socket="${UNIX.peerPid}:${UNIX.peerFd}"][aria-selected=true]`);
    await waitForText(page, '[data-testid=socket-peer]', new RegExp(`held by process ${UNIX.pid} fd ${UNIX.fd}`));
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});

test('socket detail: a cut tcp-stream image is one line with its offset, never a partial stream', async () => {
  const dir = craftTcpCheckpoint('kensa-e2e-socket-cut-');
  const file = path.join(dir, TCP_STREAM_FILE);
  fs.truncateSync(file, fs.statSync(file).size - 30);
  const served = await serve([dir]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'network');
    await page.click(`[data-testid=socket-row][data-socket="${TCP.pid}:${TCP.fd}"] td:nth-child(3)`);
    const text = await waitForText(page, '[data-testid=socket-tcp-problem]', new RegExp(`${TCP_STREAM_FILE} @\\d+: send queue .*claims \\d+ bytes but only \\d+ remain`));
    assert.doesNotMatch(text, /\n/);
    assert.equal(await page.$('[data-testid=socket-tcp]'), null);
    assert.match(await page.textContent('[data-testid=socket-group-queues]') ?? '', /Nothing queued in the checkpoint/);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});

test('socket detail on pyworker: each end of a socketpair links to the other', async () => {
  const served = await serve([PYWORKER]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'network');
    await page.waitForSelector('[data-testid=socket-table]');
    const row = page.locator('[data-testid=socket-row]:has-text("UNIX")').first();
    const me = (await row.getAttribute('data-socket'))!;
    await row.locator('td:nth-child(3)').click();
    const peer = await waitForText(page, '[data-testid=socket-peer]', /held by process 1 fd \d+/);
    const peerFd = /process 1 fd (\d+)/.exec(peer)![1];
    assert.notEqual(`1:${peerFd}`, me);
    await page.click('[data-testid=socket-peer-link]');
    await page.waitForSelector(`[data-testid=socket-row][data-socket="1:${peerFd}"][aria-selected=true]`);
    assert.equal(await page.inputValue('[data-testid=process-select]'), '1');
    await waitForText(page, '[data-testid=socket-peer]', new RegExp(`held by process 1 fd ${me.split(':')[1]}$`));
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
