/**
 * The Process view's details (issue 13), in Debian's Chromium on podman-counter pid 6: argv as a list,
 * cwd, capabilities by name and seccomp as the checkpoint says them (main/core read directly), the
 * environment, and "search memory" on an environment value.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { BrowserContext } from 'playwright-core';
import { fixture, TEST_CACHE } from '../helpers';
import { serve } from './serve';
import { launchChromium, openWatched, screenshot, showPanel } from './browser';
import { Checkpoint } from '../../main/core/model/checkpoint';
import { capabilityNames } from '../../shared/capabilities';

let context: BrowserContext;
before(async () => {
  context = await launchChromium();
});
after(async () => {
  await context?.close();
});

test('process details: argv list, cwd, capabilities by name, seccomp, environment with search', async () => {
  const f = fixture('podman-counter');
  const cp = await Checkpoint.open(f.input, { cacheDir: TEST_CACHE });
  const served = await serve([f.input]);
  const { page, problems } = await openWatched(context, served.url);
  try {
    await showPanel(page, 'processes');
    await page.click('[data-testid=process-table] tr[data-pid="6"]');
    await page.waitForSelector('[data-testid=process-details] h3:has-text("Process 6")', { timeout: 10_000 }).catch(async (e) => { await screenshot(page, 'process-details', 'failure'); throw e; });
    await page.waitForSelector('[data-testid=detail-argv] .arg');
    assert.deepEqual(await page.$$eval('[data-testid=detail-argv] .arg', (els) => els.map((e) => e.textContent)), cp.argv(6));
    assert.equal(await page.textContent('[data-testid=detail-cwd]'), cp.fs(6).cwd);
    const caps = capabilityNames(cp.creds(6)!.capEff);
    assert.ok(caps.length > 0 && caps.every((c) => c.startsWith('CAP_')));
    assert.equal(await page.textContent('[data-testid=detail-cap-eff]'), caps.length >= 41 ? `all (${caps.length})` : caps.join(', '));
    assert.match((await page.textContent('[data-testid=detail-seccomp]')) ?? '', /^(disabled|strict|filter)$/);
    const env = cp.environ(6) ?? [];
    assert.ok(env.length > 0, 'the fixture has an environment');
    assert.equal(await page.$$eval('[data-testid=detail-env] tr', (trs) => trs.length), env.length);
    await screenshot(page, 'process-details', 'pid-6');
    // The process table as CSV: every process, RFC 4180 quoting.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv-export-processes]')]);
    const csv = fs.readFileSync((await download.path())!, 'utf8').split('\r\n');
    assert.equal(csv[0], 'pid,ppid,pgid,sid,command,command line,threads,uid,gid,state');
    assert.deepEqual(csv.slice(1, -1).map((l) => Number(l.split(',')[0])), cp.processList().map((p) => p.pid));
    assert.equal(csv[csv.length - 1], '', 'the last record ends with CRLF');
    // search memory for an environment value: the value is found (it is in the process's memory).
    const withValue = env.findIndex((e) => e.indexOf('=') > 0 && e.length - e.indexOf('=') > 4);
    await page.locator('[data-testid=detail-env] tr').nth(withValue).locator('[data-testid=env-search]').click();
    await page.waitForSelector('[data-testid=search-summary]');
    assert.match((await page.textContent('[data-testid=search-summary]')) ?? '', /^[1-9]\d* hits? for text/);
    assert.deepEqual(problems, []);
  } finally {
    cp.close();
    await page.close();
    await served.stop();
  }
});
