/**
 * Every panel in the light and the dark theme at 1280×800, for looking at (issue 13: "screenshots of every
 * panel in light and dark themes, looked at"): podman-counter opened with its rootfs, each panel brought to
 * a representative state (a process selected, a VMA in the hex view, a strings and a YARA search, a file in
 * the viewer, gdb answering `bt`, a case with the archive as evidence), then pyworker's Python stack.
 * Written to test/artifacts/screenshots/{light,dark}/PANEL.png; what was seen and changed is in
 * docs/workstation-review.md. Each shot also checks the page: no horizontal overflow of the window, and no
 * page errors.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { fixture, LOCAL_FIXTURES, tempDir } from '../helpers';
import { serve } from './serve';
import { ARTIFACTS, launchChromium, openWatched, showPanel } from './browser';
import { PANELS } from '../../renderer/app/panels';
import { craftTcpCheckpoint, TCP } from '../unit/model/tcp-synth';
import { elfHeader, PROT_R, PROT_W, PROT_X, Synth } from '../unit/triage/synth';

declare const document: { documentElement: { dataset: { theme?: string }; scrollWidth: number; clientWidth: number }; querySelector(s: string): { textContent: string | null } | null };

const THEMES = ['light', 'dark'] as const;
type Theme = (typeof THEMES)[number];
const OUT = path.join(ARTIFACTS, 'screenshots');

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

async function setTheme(page: Page, theme: Theme): Promise<void> {
  if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await page.click('button[aria-label="Switch theme"]');
  await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
}

async function shoot(page: Page, theme: Theme, name: string): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('.content .loading'));
  // Nothing sticks out of the 1280 px window sideways (a toolbar that does not fit wraps or scrolls itself).
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${theme}/${name}: the page is ${overflow} px wider than the window`);
  const dir = path.join(OUT, theme);
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

/** Bring each panel to the state an analyst would look at, once (the state stays when the theme changes). */
const PREPARE: Partial<Record<string, (page: Page, caseDir: string) => Promise<void>>> = {
  processes: async (page) => {
    await page.click('[data-testid=process-table] tr[data-pid="6"]');
  },
  memory: async (page) => {
    // A search with hits, the first one opened: the map, the hits and the hex view show one address form.
    await page.fill('[data-testid=memory-search] input[name=pattern]', 'counter: ');
    await page.click('[data-testid=memory-search] button[type=submit]');
    await page.waitForSelector('[data-testid=search-summary]', { timeout: 60_000 });
    await page.click('[data-testid=search-results] [data-hit="0"]');
    await page.waitForSelector('.hexscroll .hexrow.currow');
  },
  strings: async (page) => {
    await page.fill('[aria-label="Strings holding"]', 'counter');
    await page.click('[data-testid=strings-form] button[type=submit]');
    await page.waitForSelector('[data-testid=strings-summary]', { timeout: 60_000 });
  },
  yara: async (page) => {
    await page.fill('[aria-label="Rule text"]', 'rule counter_word { strings: $c = "counter" condition: $c }');
    await page.click('[data-testid=panel-yara] button[type=submit]');
    await page.waitForSelector('[data-testid=yara-summary]', { timeout: 60_000 });
  },
  network: async (page) => {
    await page.click('[data-testid=socket-row][data-socket="6:3"] td:nth-child(3)');
    await page.waitForSelector('[data-testid=socket-row][data-socket="6:3"][aria-selected=true]');
  },
  files: async (page) => {
    const tree = '[data-testid=rootfs-browser]';
    await page.click(`${tree} [data-path="/home"]`);
    await page.click(`${tree} [data-path="/home/counter"]`);
    await page.click(`${tree} [data-path="/home/counter/logfile"]`);
    await page.waitForSelector('[data-testid=file-viewer-content]');
    // A key moves the focus (its outline shows) while logfile stays open in the viewer.
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector(`${tree} [data-path="/home/counter/test-file"]:focus`);
  },
  terminal: async (page) => {
    await page.click('[data-testid=gdb-start]');
    await page.waitForFunction(() => /\(gdb\)/.test(document.querySelector('.terminal-host .xterm-rows')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await page.click('.terminal-host .xterm');
    await page.keyboard.type('bt');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /#0 /.test(document.querySelector('.terminal-host .xterm-rows')?.textContent ?? ''), undefined, { timeout: 60_000 });
  },
  case: async (page, caseDir) => {
    await page.fill('[aria-label="Case folder"]', caseDir);
    await page.fill('[aria-label="Analyst"]', 'screenshots');
    await page.click('[data-testid=panel-case] form button[type=submit]');
    await page.click('[data-testid=case-banner] button:has-text("Add it to the case")');
    await page.waitForSelector('[data-testid=banner-evidence]:has-text("evidence E1")');
    // One note, so the notes list is seen too.
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="6"] .note-btn');
    await page.fill('[role=dialog] textarea', 'counter listens on 127.0.0.1:8088 and logs every request');
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('[role=dialog]', { state: 'detached' });
    await showPanel(page, 'case');
    await page.waitForSelector('[data-testid=case-notes] tr');
  },
};

/** What a panel still shows when the analyst comes back to it (state kept across panel switches). */
const KEPT: Partial<Record<string, string>> = {
  strings: '[data-testid=strings-table] tbody tr[data-address]',
  files: '[data-testid=rootfs-browser] [data-path="/home/counter/logfile"][aria-selected=true]',
  memory: '.hexscroll .hexrow.currow',
  case: '[data-testid=case-notes] tr',
};

test('screenshots: every panel in light and dark at 1280×800 (podman-counter with its rootfs)', { timeout: 600_000 }, async () => {
  const f = fixture('podman-counter');
  const served = await serve([f.input, '--rootfs', path.join(LOCAL_FIXTURES, 'podman-counter/rootfs.tar.zst')]);
  const { page, problems } = await openWatched(context, served.url);
  const caseDir = path.join(tempDir('kensa-shots-case-'), 'case');
  try {
    assert.deepEqual(page.viewportSize(), { width: 1280, height: 800 });
    for (const theme of THEMES) {
      await setTheme(page, theme);
      for (const p of PANELS) {
        await showPanel(page, p.id);
        const prepare = PREPARE[p.id];
        if (theme === THEMES[0] && prepare) await prepare(page, caseDir);
        // The second time round nothing is prepared again: what the panel showed is still there.
        const kept = KEPT[p.id];
        // (listings are fetched again, so wait for them; the state itself is not prepared again)
        if (theme !== THEMES[0] && kept) await page.waitForSelector(kept, { timeout: 10_000 });
        await shoot(page, theme, p.id);
      }
    }
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});

test('screenshots: a Python service (pyworker): its stack and a frame\'s locals in both themes', { timeout: 300_000 }, async () => {
  const dir = path.join(LOCAL_FIXTURES, 'pyworker');
  const served = await serve([path.join(dir, 'pyworker.tar.zst'), '--rootfs', path.join(dir, 'rootfs-python.tar.zst')]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="1"]');
    await showPanel(page, 'threads');
    await page.click('[data-testid=panel-threads] [role=tab]:has-text("tid 6")');
    await page.click('[data-testid=python-stack] tbody tr:has-text("fetch_batch")');
    await page.waitForSelector('[data-testid=python-locals] tbody tr');
    for (const theme of THEMES) {
      await setTheme(page, theme);
      await shoot(page, theme, 'threads-python');
    }
    await showPanel(page, 'processes');
    for (const theme of THEMES) {
      await setTheme(page, theme);
      await shoot(page, theme, 'processes-python');
    }
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});

test('screenshots: a TCP connection with its stream and queues (the crafted ESTABLISHED checkpoint) in both themes', { timeout: 300_000 }, async () => {
  const served = await serve([craftTcpCheckpoint('kensa-e2e-shots-')]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'network');
    await page.click(`[data-testid=socket-row][data-socket="${TCP.pid}:${TCP.fd}"] td:nth-child(3)`);
    await page.waitForSelector('[data-testid=socket-tcp]');
    for (const theme of THEMES) {
      await setTheme(page, theme);
      await shoot(page, theme, 'network-connection');
    }
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});

test('screenshots: the Findings page with findings (crio-counter given an injected ELF and a cron job) in both themes', { timeout: 300_000 }, async () => {
  const s = await Synth.from('crio-counter');
  s.mapRegion(6, { prot: PROT_R | PROT_W | PROT_X, data: elfHeader() });
  s.rootfsAdd('/etc/cron.d/job', '* * * * * root /tmp/x\n');
  const served = await serve([s.finish()]);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  try {
    await page.goto(served.url);
    await page.waitForSelector('[data-testid=findings-high] [data-finding]');
    for (const theme of THEMES) {
      await setTheme(page, theme);
      await shoot(page, theme, 'findings-attack');
    }
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
