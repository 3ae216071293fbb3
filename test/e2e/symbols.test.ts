/**
 * Registers name what they point at (issue 13, links between panels), in Debian's Chromium on the threads
 * fixture served with its rootfs: in the Threads panel each general register shows the symbolizer's answer
 * (the same text as `kensa sym --json`, which test/unit/symbols/gdb-oracle.test.ts checks against gdb):
 * rip of a sleeping thread names its libc function, rsp its thread stack `[stack:TID]`; a value that is not
 * mapped says `not mapped` and is not a link; clicking rip's symbol opens the hex view at rip with the VMA
 * holding it selected in the memory map. A screenshot of the panel goes to test/artifacts/symbols.
 * Without the rootfs, rip shows its file and offset and "no symbol", with the reason on hover.
 * "bt in gdb" opens the process's gdb terminal on the thread (gdb's thread number in Kensa's core) and its
 * frame #0 is the function the symbolizer names; a second thread's button reuses the running session.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { fixture, kensa } from '../helpers';
import { serve } from './serve';
import { launchChromium, openWatched, screenshot, showPanel } from './browser';
import type { SymbolizedAddress } from '../../shared/api/symbols';

declare const document: { querySelector(s: string): { textContent: string | null } | null };

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

test('Threads panel: rip names its symbol, rsp its stack, an unmapped value is no link, the symbol opens the hex view and its VMA', async () => {
  const f = fixture('threads');
  const rootfs = path.join(f.ref, 'rootfs.tar.zst');
  const cli = JSON.parse(kensa(['sym', f.input, '--rootfs', rootfs, '--json']).stdout) as (SymbolizedAddress & { tid: number; register: string })[];
  const sleeper = cli.find((r) => r.register === 'pc' && r.module === 'libc.so.6' && r.symbol)!;
  assert.ok(sleeper, 'a thread sleeps in libc');
  const sp = cli.find((r) => r.register === 'sp' && r.tid === sleeper.tid)!;

  const served = await serve([f.input, '--rootfs', rootfs]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="1"]');
    await showPanel(page, 'threads');
    await page.click(`[data-testid=panel-threads] [role=tab][data-tid="${sleeper.tid}"]`);
    const reg = (name: string) => page.locator(`[data-testid=regs-general] .reg:has(.n:text-is("${name}"))`);
    await reg('rip').locator('[data-testid=reg-go]').waitFor();
    assert.equal((await reg('rip').locator('.v').textContent())?.replace(/^0x0*/, '0x'), sleeper.address);
    assert.equal(await reg('rip').locator('[data-testid=reg-go]').textContent(), sleeper.text);
    assert.match(sleeper.text, /^libc\.so\.6!\w+\+0x[0-9a-f]+$/);
    assert.equal(await reg('rsp').locator('[data-testid=reg-go]').textContent(), sp.text);
    assert.match(sp.text, new RegExp(`^\\[stack:${sleeper.tid}\\]\\+0x`));

    // Values that are not addresses: said, not linked.
    const unmapped = page.locator('[data-testid=regs-general] .reg:has([data-testid=reg-unmapped])');
    assert.ok((await unmapped.count()) > 0, 'some register holds no address');
    for (let i = 0; i < (await unmapped.count()); i++) {
      const r = unmapped.nth(i);
      assert.equal(await r.locator('[data-testid=reg-unmapped]').textContent(), 'not mapped');
      assert.equal(await r.locator('[data-testid=reg-go]').count(), 0, 'an unmapped value is not a link');
      assert.equal(await r.locator('[data-testid=reg-unmapped]').evaluate((e) => e.tagName), 'SPAN');
    }
    // The flags are no address: no annotation at all.
    assert.equal(await reg('eflags').locator('.reg-at').count(), 0);
    await screenshot(page, 'symbols', 'threads-registers');

    // The symbol opens the hex view at rip, its VMA selected.
    await reg('rip').locator('[data-testid=reg-go]').click();
    await page.waitForSelector('nav [data-panel=memory][aria-selected=true]');
    await page.waitForFunction((v) => document.querySelector('[data-testid=hex-cursor]')?.textContent === v, sleeper.address);
    const vma = page.locator('[data-testid=vma-map] .vma[aria-selected=true]');
    await vma.waitFor();
    assert.equal(await vma.getAttribute('data-start'), sleeper.vma!.start);
    assert.equal(await vma.getAttribute('data-end'), sleeper.vma!.end);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});

test('bt in gdb: the thread\'s backtrace in the process\'s gdb terminal, one session reused for another thread', async () => {
  const f = fixture('threads');
  const rootfs = path.join(f.ref, 'rootfs.tar.zst');
  const cli = JSON.parse(kensa(['sym', f.input, '--rootfs', rootfs, '--json']).stdout) as (SymbolizedAddress & { tid: number; register: string })[];
  const pcs = cli.filter((r) => r.register === 'pc' && r.symbol);
  const [a, b] = [pcs.find((r) => r.module === 'libc.so.6')!, pcs.find((r) => r.module !== 'libc.so.6')!];
  assert.ok(a && b && a.tid !== b.tid, 'one thread in libc, one in the program');
  const served = await serve([f.input, '--rootfs', rootfs]);
  const { page, problems } = await openWatched(context, served.url);
  const text = (): Promise<string> => page.evaluate(() => document.querySelector('.terminal-host:not(.hidden) .xterm-rows')?.textContent ?? '');
  try {
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="1"]');
    for (const [i, r] of [a, b].entries()) {
      await showPanel(page, 'threads');
      await page.click(`[data-testid=panel-threads] [role=tab][data-tid="${r.tid}"]`);
      await page.click('[data-testid=thread-bt]');
      await page.waitForSelector('nav [data-panel=terminal][aria-selected=true]');
      // gdb switches to the thread (its LWP is the checkpoint's tid) and frame #0 is the symbolizer's function
      // (gdb may name it from the host's debug files: `__GI___clock_nanosleep`, as the fixtures README says).
      const frame0 = new RegExp(`LWP ${r.tid}\\)[\\s\\S]*#0\\s+(0x[0-9a-f]+ in )?(?:__GI_|__libc_|_)*${r.symbol!.name} `);
      await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('.terminal-host:not(.hidden) .xterm-rows')?.textContent ?? ''), frame0.source, { timeout: 60_000 });
      assert.match(await text(), frame0);
      assert.equal(await page.locator('[data-testid=panel-terminal] [role=tab]').count(), 1, `after ${i + 1} clicks: one gdb session for the process`);
    }
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});

test('without the rootfs: rip shows its file and offset, "no symbol", and why (give --rootfs) on hover', async () => {
  const f = fixture('threads');
  const served = await serve([f.input]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="1"]');
    await showPanel(page, 'threads');
    const rip = page.locator('[data-testid=regs-general] .reg:has(.n:text-is("rip"))');
    await rip.locator('[data-testid=reg-nosym]').waitFor();
    assert.match((await rip.locator('[data-testid=reg-go]').textContent()) ?? '', /^threads\+0x[0-9a-f]+$/);
    assert.match((await rip.locator('[data-testid=reg-nosym]').getAttribute('title')) ?? '', /\/home\/app\/threads is neither in the checkpoint nor in the image rootfs.*give --rootfs/);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
