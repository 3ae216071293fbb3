/**
 * Browser mode end to end: `kensa serve` on every fixture, Debian's Chromium driven by playwright-core
 * (never a downloaded browser), checking each fixture's facts from test/fixtures/README.md through
 * the real UI: the process tree, registers and VMAs of a selected process, a memory search that lists
 * every needle of gcore/needles.json and a hex view that jumps to it, the rootfs-diff viewer on test-file,
 * and gdb answering `bt` with `main` (crio-counter with its rootfs). Every request the page makes is
 * recorded: none may leave the app's origin. A process named with HTML renders as text.
 * Screenshots of every panel go to test/artifacts/<fixture>/ (git-ignored).
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { FIXTURES, TEST_CACHE, readJson, tempDir, type FixtureInfo } from '../helpers';
import { serve } from './serve';
import { ARTIFACTS, hexSelection, launchChromium } from './browser';
import { Checkpoint } from '../../main/core/model/checkpoint';
import { threadInfo } from '../../main/services/registers';
import { decodeImage, encodeImage } from '../../main/core/criu';

/** The page's document, for functions that run in the browser (this project compiles without DOM types). */
declare const document: { querySelector(s: string): { textContent: string | null } | null; querySelectorAll(s: string): { length: number } };

const PANELS = ['findings', 'overview', 'processes', 'threads', 'memory', 'strings', 'files', 'network', 'mounts', 'namespaces', 'cgroups', 'logs', 'terminal', 'case'];
const HOSTILE_COMM = '<img src=x onerror=alert(1)>';

let context: BrowserContext;

before(async () => {
  context = await launchChromium();
});

after(async () => {
  await context?.close();
});

interface Watched {
  page: Page;
  requests: string[];
  problems: string[];
}

/** A fresh page that records every request, WebSocket, dialog and error. */
async function openPage(url: string): Promise<Watched> {
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(url);
  await page.waitForSelector('[data-testid=panel-findings]'); // the first page after opening (issue 11)
  await page.keyboard.press('1');
  await page.waitForSelector('[data-testid=panel-overview] [data-testid=overview-container]');
  return { page, requests, problems };
}

function assertOnlyOwnOrigin(w: Watched, origin: string): void {
  const wsOrigin = origin.replace(/^http/, 'ws');
  const outside = w.requests.filter((u) => !u.startsWith(origin + '/') && !u.startsWith(wsOrigin + '/') && !u.startsWith('data:'));
  assert.deepEqual(outside, [], 'requests outside the app');
  assert.ok(w.requests.some((u) => u.startsWith(wsOrigin + '/api')), 'the API WebSocket was used');
}

async function showPanel(page: Page, id: string): Promise<void> {
  await page.click(`nav [data-panel=${id}]`);
  await page.waitForSelector(`nav [data-panel=${id}][aria-selected=true]`);
}

async function shot(page: Page, fixtureName: string, name: string): Promise<void> {
  const dir = path.join(ARTIFACTS, fixtureName);
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

function pidsTxt(f: FixtureInfo): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of fs.readFileSync(path.join(f.ref, 'gcore', 'pids.txt'), 'utf8').split('\n')) {
    const [pid, , cmd] = line.trim().split(/\s+/);
    if (pid) m.set(Number(pid), cmd);
  }
  return m;
}

function hexToAscii(hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1');
}

for (const f of FIXTURES) {
  test(`${f.name}: the fixture's facts through the browser UI`, async () => {
    const withRootfs = f.name === 'crio-counter';
    const served = await serve([f.input, ...(withRootfs ? ['--rootfs', path.join(f.ref, 'rootfs.tar.zst')] : [])]);
    let w: Watched | undefined;
    const cp = await Checkpoint.open(f.input, { cacheDir: TEST_CACHE });
    try {
      w = await openPage(served.url);
      const { page } = w;
      await shot(page, f.name, '01-overview');

      // Process tree: the fixture's pids and commands (reached with the keyboard: key 2).
      await page.keyboard.press('2');
      await page.waitForSelector('nav [data-panel=processes][aria-selected=true]');
      const rows = await page.$$eval('[data-testid=process-table] tbody tr', (trs) => trs.map((tr) => ({ pid: Number(tr.getAttribute('data-pid')), comm: tr.querySelector('.comm')?.textContent ?? '', cmdline: tr.querySelector('.cmdline')?.textContent ?? '' })));
      assert.deepEqual(rows.map((r) => r.pid).sort((a, b) => a - b), f.pids);
      const commands = pidsTxt(f);
      for (const r of rows) assert.equal(r.comm, commands.get(r.pid), `command of pid ${r.pid}`);
      for (const r of rows) assert.notEqual(r.cmdline, 'not readable', `command line of pid ${r.pid}`);
      await shot(page, f.name, '02-processes');
      if (f.pids.length > 1) {
        // Arrow keys move the selection in the tree.
        await page.focus('[data-testid=process-table] tr[aria-selected=true]');
        await page.keyboard.press('ArrowDown');
        await page.waitForSelector(`[data-testid=process-table] tr[data-pid="${rows[1].pid}"][aria-selected=true]`);
      }

      // Select the process that holds the first needle: its registers and its VMAs.
      const needles = readJson<Record<string, Record<string, string[]>>>(path.join(f.ref, 'gcore', 'needles.json'));
      const [needle, where] = Object.entries(needles)[0];
      const pid = Number(Object.keys(where)[0]);
      await page.click(`[data-testid=process-table] tr[data-pid="${pid}"]`);
      await page.waitForSelector(`[data-testid=process-table] tr[data-pid="${pid}"][aria-selected=true]`);
      await showPanel(page, 'threads');
      await page.waitForSelector('[data-testid=regs-general]');
      const shownRegs = await page.$$eval('[data-testid=regs-general] .reg', (els) => Object.fromEntries(els.map((e) => [e.querySelector('.n')!.textContent, e.querySelector('.v')!.textContent])));
      const expected = threadInfo(cp.threads(pid)[0]);
      for (const r of expected.general) assert.equal(shownRegs[r.name], r.value, `register ${r.name} of pid ${pid}`);
      assert.ok(await page.$('[data-testid=regs-segment] .reg'), 'segment registers');
      assert.ok(await page.$('[data-testid=regs-fpu] .reg'), 'FPU registers');
      assert.equal(await page.$$eval('[data-testid=regs-vector] .reg', (e) => e.length) >= 16, true, 'vector registers');
      await shot(page, f.name, '03-threads');

      await showPanel(page, 'memory');
      await page.waitForSelector('[data-testid=vma-map] .vma');
      const vmaStarts = await page.$$eval('[data-testid=vma-map] .vma', (els) => els.map((e) => e.getAttribute('data-start')));
      assert.deepEqual(vmaStarts, cp.vmas(pid).map((v) => '0x' + v.start.toString(16)));

      // Search one of the needles: every hit of needles.json, no more; the hex view jumps to the first.
      await page.fill('[data-testid=memory-search] input[name=pattern]', needle);
      await page.click('[data-testid=memory-search] button[type=submit]');
      await page.waitForSelector('[data-testid=search-summary]');
      const hits = await page.$$eval('[data-testid=search-results] [data-hit]', (trs) => trs.map((tr) => `${tr.getAttribute('data-pid')}:${tr.getAttribute('data-address')}`));
      const want = Object.entries(where).flatMap(([p, addrs]) => addrs.map((a) => `${p}:${a}`));
      assert.deepEqual([...hits].sort(), [...want].sort());
      const first = hits[0].split(':');
      await page.click('[data-testid=search-results] [data-hit="0"]');
      await page.waitForFunction((a) => document.querySelector('[data-testid=hex-cursor]')?.textContent === a, first[1]);
      const selected = await hexSelection(page, needle.length);
      assert.equal(selected.ascii, needle, 'the selected bytes are the needle');
      assert.equal(hexToAscii(selected.hex), needle);
      const rowAddr = '0x' + (BigInt(first[1]) & ~0xfn).toString(16);
      assert.ok(await page.isVisible(`.hexrow[data-addr="${rowAddr}"]`), 'the row of the hit is on screen');
      await shot(page, f.name, '04-memory');

      // Files: fds, and the rootfs-diff viewer on test-file (the counter fixtures).
      await showPanel(page, 'files');
      await page.waitForSelector('[data-testid=fd-table]');
      const testFile = f.name === 'podman-counter' ? '/home/counter/test-file' : f.name === 'crio-counter' ? '/home/app/test-file' : undefined;
      if (testFile) {
        // The tree opens one folder at a time (already open without a rootfs: every entry is a change).
        const tree = '[data-testid=rootfs-browser]';
        for (const dir of ['/home', path.posix.dirname(testFile)]) {
          await page.waitForSelector(`${tree} [data-path="${dir}"]`);
          if ((await page.getAttribute(`${tree} [data-path="${dir}"]`, 'aria-expanded')) === 'false') await page.click(`${tree} [data-path="${dir}"]`);
        }
        await page.click(`${tree} [data-path="${testFile}"]`);
        await page.waitForSelector('[data-testid=file-viewer-content]');
        assert.equal(await page.textContent('[data-testid=file-viewer-content]'), 'test-file\n');
      }
      await shot(page, f.name, '05-files');

      const rest: [string, string][] = [['network', '06'], ['mounts', '07'], ['namespaces', '08'], ['cgroups', '09'], ['logs', '10']];
      for (const [id, n] of rest) {
        await showPanel(page, id);
        await page.waitForSelector(`[data-testid=panel-${id}]`);
        await page.waitForFunction(() => !document.querySelector('.content .loading'));
        await shot(page, f.name, `${n}-${id}`);
      }
      if (f.name === 'podman-counter' || f.name === 'crio-counter') {
        await showPanel(page, 'network');
        await page.waitForSelector('[data-testid=socket-table]');
        const sockets = await page.textContent('[data-testid=socket-table]');
        assert.match(sockets ?? '', /LISTEN/);
        if (f.name === 'podman-counter') assert.match(sockets ?? '', /127\.0\.0\.1:8088/);
      }

      // gdb: crio-counter with its rootfs answers `bt` with main.
      await showPanel(page, 'terminal');
      if (withRootfs) {
        await page.click('[data-testid=gdb-start]');
        await page.waitForFunction(() => /\(gdb\)/.test(document.querySelector('.terminal-host .xterm-rows')?.textContent ?? ''), undefined, { timeout: 60_000 });
        await page.click('.terminal-host .xterm');
        await page.keyboard.type('bt');
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => /#1\s+0x[0-9a-f]+\s+in\s+main\s/.test(document.querySelector('.terminal-host .xterm-rows')?.textContent ?? ''), undefined, { timeout: 30_000 });
      }
      await shot(page, f.name, '11-terminal');
      await showPanel(page, 'case');
      if (f.name === 'crio-counter') {
        // An evidence case: create it, add the archive, a note from the process tree, verify; the banner follows.
        const caseDir = path.join(tempDir('kensa-e2e-case-'), 'case');
        await page.fill('[aria-label="Case folder"]', caseDir);
        await page.fill('[aria-label="Analyst"]', 'e2e');
        await page.click('[data-testid=panel-case] form button[type=submit]');
        await page.waitForSelector('[data-testid=case-banner]:has-text("not in this case")');
        await page.click('text=Add the open archive (hash it)');
        await page.waitForSelector('[data-testid=case-banner]:has-text("open archive: evidence E1")');
        await showPanel(page, 'processes');
        await page.click('[data-testid=process-table] tr[data-pid="6"] .note-btn');
        await page.fill('[role=dialog] textarea', 'counter holds the key');
        await page.click('[role=dialog] button.primary');
        await page.waitForSelector('[data-testid=case-banner]:has-text("1 note")');
        await page.click('[data-testid=case-banner] button:has-text("Verify")');
        await page.waitForSelector('[data-testid=case-banner]:has-text("verified")');
        await showPanel(page, 'case');
        await page.waitForSelector('[data-testid=case-notes] td:has-text("counter holds the key")');
      }
      await shot(page, f.name, '12-case');

      // Light theme too, at the same size.
      await page.click('button[aria-label="Switch theme"]');
      await showPanel(page, 'memory');
      await shot(page, f.name, '13-memory-other-theme');
      if (f.name === 'podman-counter') {
        // Every panel in the other theme too (looked at for issue 13).
        for (const id of PANELS) {
          await showPanel(page, id);
          await page.waitForFunction(() => !document.querySelector('.content .loading'));
          await shot(page, f.name, `14-${id}-other-theme`);
        }
      }

      assertOnlyOwnOrigin(w, served.origin);
      assert.deepEqual(w.problems, []);
      assert.equal(PANELS.length, 14);
    } finally {
      cp.close();
      await w?.page.close();
      await served.stop();
    }
  });
}

test('a process named with HTML is shown as text, nothing runs, nothing loads; a broken image shows its error in its panel', async () => {
  // criu-dir's images with pid 3's comm re-encoded to markup (main/core/criu encodeImage).
  const src = FIXTURES.find((x) => x.name === 'criu-dir')!.input;
  const dir = path.join(tempDir('kensa-hostile-'), 'images');
  fs.cpSync(src, dir, { recursive: true });
  const core = path.join(dir, 'core-3.img');
  const img = decodeImage(fs.readFileSync(core), { member: 'core-3.img' });
  const entries = img.entries.map((e) => {
    const x = { ...(e as Record<string, unknown>) } as { tc?: Record<string, unknown>; thread_core?: Record<string, unknown> };
    x.tc = { ...x.tc, comm: HOSTILE_COMM };
    x.thread_core = { ...x.thread_core, comm: HOSTILE_COMM };
    return x;
  });
  fs.writeFileSync(core, encodeImage({ ...img, entries }));
  // And pid 4's core image cut short: its panel shows the error with the member; everything else works.
  const core4 = path.join(dir, 'core-4.img');
  fs.writeFileSync(core4, fs.readFileSync(core4).subarray(0, 40));
  const served = await serve([dir]);
  let w: Watched | undefined;
  try {
    w = await openPage(served.url);
    const { page } = w;
    await showPanel(page, 'processes');
    await page.waitForSelector('[data-testid=process-table] tr[data-pid="3"]');
    assert.equal(await page.textContent('[data-testid=process-table] tr[data-pid="3"] .comm'), HOSTILE_COMM);
    await page.click('[data-testid=process-table] tr[data-pid="3"]');
    await showPanel(page, 'threads');
    await page.waitForSelector('[data-testid=regs-general]');
    assert.ok((await page.textContent('[data-testid=panel-threads] .tabs'))?.includes(HOSTILE_COMM));
    assert.equal(await page.$$eval('img', (els) => els.length), 0, 'no <img> element exists');
    await shot(page, 'hostile-comm', 'threads');
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="4"]');
    await showPanel(page, 'threads');
    await page.waitForSelector('[data-testid=panel-threads] [data-testid=panel-problems]');
    const problem = (await page.textContent('[data-testid=panel-threads] [data-testid=panel-problems]')) ?? '';
    assert.match(problem, /core-4\.img/);
    assert.match(problem, /byte offset \d+/);
    await showPanel(page, 'memory');
    await page.waitForSelector('[data-testid=vma-map] .vma');
    await shot(page, 'hostile-comm', 'memory-of-broken-core');
    await showPanel(page, 'processes');
    assert.deepEqual(await page.$$eval('[data-testid=process-table] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-pid'))), ['1', '3', '4']);
    assertOnlyOwnOrigin(w, served.origin);
    assert.ok(!w.requests.some((u) => /\/x$/.test(u)), 'the markup\'s image was never requested');
    assert.deepEqual(w.problems, [], 'no dialog, no error');
  } finally {
    await w?.page.close();
    await served.stop();
  }
});
