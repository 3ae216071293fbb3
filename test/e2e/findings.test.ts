/**
 * The Findings page end to end in browser mode (Debian's Chromium via playwright-core, `kensa serve` on a
 * synthetic attack checkpoint built from crio-counter with the codec): it is the first page after opening;
 * it lists the findings grouped by severity with their ATT&CK technique; a click on an evidence pointer opens
 * the hex view at the injected ELF image's bytes; bookmarking a finding into a case puts it, with its
 * evidence pointers, in the HTML report.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { tempDir } from '../helpers';
import { serve } from './serve';
import { hexSelection, launchChromium } from './browser';
import { elfHeader, PROT_R, PROT_W, PROT_X, Synth } from '../unit/triage/synth';

/** The page's document, for functions that run in the browser (this project compiles without DOM types). */
declare const document: { querySelector(s: string): { textContent: string | null } | null; querySelectorAll(s: string): { length: number } };

let context: BrowserContext;

before(async () => {
  context = await launchChromium();
});

after(async () => {
  await context?.close();
});

test('Findings page: first after opening, grouped by severity, evidence opens the hex view, a bookmark reaches the report', async () => {
  const s = await Synth.from('crio-counter');
  const elfAt = s.mapRegion(6, { prot: PROT_R | PROT_W | PROT_X, data: elfHeader() });
  s.rootfsAdd('/etc/cron.d/job', '* * * * * root /tmp/x\n');
  const served = await serve([s.finish()]);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  try {
    await page.goto(served.url);
    await page.waitForSelector('nav [data-panel=findings][aria-selected=true]');
    await page.waitForSelector('[data-testid=findings-summary]');
    assert.match((await page.textContent('[data-testid=findings-summary]')) ?? '', /^2 findings: 1 high, 1 medium, 0 low, 0 info/);
    const high = await page.$$eval('[data-testid=findings-high] [data-finding]', (els) => els.map((e) => `${e.getAttribute('data-family')}|${e.querySelector('.technique')?.textContent}`));
    assert.deepEqual(high, ['injection|T1055 Process Injection']);
    const medium = await page.$$eval('[data-testid=findings-medium] [data-finding]', (els) => els.map((e) => e.getAttribute('data-family')));
    assert.deepEqual(medium, ['disk']);

    // Evidence: the memory pointer opens the hex view at the ELF header, its 64 bytes selected.
    const address = '0x' + elfAt.toString(16);
    await page.click('[data-testid=findings-high] [data-evidence=memory]');
    await page.waitForSelector('nav [data-panel=memory][aria-selected=true]');
    await page.waitForFunction((a) => document.querySelector('[data-testid=hex-cursor]')?.textContent === a, address);
    const selected = await hexSelection(page, 64);
    assert.equal(selected.hex.slice(0, 8), '7f454c46');

    // A case, the archive in it, the finding bookmarked from the Findings page, an HTML report.
    const caseDir = path.join(tempDir('kensa-e2e-findings-'), 'case');
    await page.click('nav [data-panel=case]');
    await page.fill('[aria-label="Case folder"]', caseDir);
    await page.fill('[aria-label="Analyst"]', 'e2e');
    await page.click('[data-testid=panel-case] form button[type=submit]');
    await page.waitForSelector('[data-testid=case-banner]:has-text("not in this case")');
    await page.click('text=Add the open archive (hash it)');
    await page.waitForSelector('[data-testid=case-banner]:has-text("open archive: evidence E1")');
    await page.click('nav [data-panel=findings]');
    await page.click('[data-testid=findings-high] [data-finding] .note-btn');
    await page.fill('[role=dialog] textarea', 'injected library in the counter');
    await page.click('[role=dialog] button.primary');
    await page.waitForSelector('[data-testid=case-banner]:has-text("1 note")');
    await page.click('nav [data-panel=case]');
    await page.click('button:has-text("Report: HTML")');
    await page.waitForSelector('text=Report written:');
    const reportPath = (await page.textContent('.notice-box:has-text("Report written") .mono')) ?? '';
    assert.match(reportPath, new RegExp(`^${caseDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/reports/report-\\d{8}T\\d{6}Z\\.html$`), reportPath);
    const html = fs.readFileSync(reportPath, 'utf8');
    // The link opens it, served read-only by kensa serve (sandboxed); nothing else of the case is served.
    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('[data-testid=report-link]')]);
    await popup.waitForLoadState();
    assert.match((await popup.textContent('h2:has-text("Triage findings")')) ?? '', /Triage findings/);
    await popup.close();
    const token = new URL(served.url).searchParams.get('token')!;
    const name = path.basename(reportPath);
    const served1 = await fetch(`${served.origin}/case-reports/${name}?token=${token}`);
    assert.equal(served1.status, 200);
    assert.match(served1.headers.get('content-security-policy') ?? '', /^sandbox; default-src 'none'/);
    assert.equal(await served1.text(), html);
    assert.equal((await fetch(`${served.origin}/case-reports/${name}`)).status, 403, 'no token, no report');
    for (const other of ['..%2Fcase.json', 'case.json', '.hidden', '%2Fetc%2Fpasswd']) assert.equal((await fetch(`${served.origin}/case-reports/${other}?token=${token}`)).status, 404, other);
    assert.match(html, /<h2>Triage findings<\/h2>/);
    assert.match(html, /N1 {2}\[HIGH\] KF-[0-9a-f]{12} {2}T1055 Process Injection {2}pid 6: pid 6 \(counter\): ELF image in anonymous executable memory/);
    assert.ok(html.includes(`pid 6 ${address}: 7f 45 4c 46`), 'the evidence pointer with its preview');
    assert.match(html, /Last triage recorded/, 'the run made before the case existed was recorded when the archive was added');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await served.stop();
  }
});
