/**
 * The workstation's YARA scan through the services (podman-counter): rule files and a typed rule compiled
 * together, match fields, the request checked, a rule error with its source and line, a cancelled task; in a
 * case: the scan recorded (yara-scan), a match bookmarked (yara-match, its bytes hashed), and the report's
 * YARA section in JSON and HTML (bookmarked match and last scan).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KensaServices } from '../../../main/services/kensa-services';
import { fixture, tempDir, TEST_CACHE } from '../../helpers';

test('yaraScan: matches, checks, errors, cancel; recorded and bookmarked in the case; the report\'s YARA section', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  const dir = tempDir('kensa-yara-ws-');
  const ruleFile = path.join(dir, 'key.yar');
  fs.writeFileSync(ruleFile, 'rule heap_key : secret { meta: why = "test" strings: $k = "RANDOM_1432_KEY" condition: $k and path == "[heap]" }\n');
  try {
    const none = await services.yaraScan({ ruleText: 'rule a { condition: true }' });
    assert.ok(!none.ok && /no archive is open/.test(none.error.message));
    assert.ok((await services.openArchive({ path: fixture('podman-counter').input })).ok);

    const r = await services.yaraScan({ rulePaths: [ruleFile], ruleText: 'rule typed { strings: $c = "counter" condition: $c and pid == 7 }' });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.rules, 2);
    const key = r.value.matches.filter((m) => m.rule === 'heap_key');
    assert.equal(key.length, 1);
    assert.deepEqual(
      { pid: key[0].pid, address: key[0].address, length: key[0].length, string: key[0].string, tags: key[0].tags, meta: key[0].meta, vma: key[0].vma?.name, origin: key[0].origin, data: Buffer.from(key[0].data, 'hex').toString() },
      { pid: 6, address: '0x3427a8e0', length: 15, string: '$k', tags: ['secret'], meta: { why: 'test' }, vma: '[heap]', origin: 'pages', data: 'RANDOM_1432_KEY' },
    );
    assert.ok(r.value.matches.some((m) => m.rule === 'typed') && r.value.matches.filter((m) => m.rule === 'typed').every((m) => m.pid === 7));

    const only6 = await services.yaraScan({ rulePaths: [ruleFile], pids: [7] });
    assert.ok(only6.ok && only6.value.matches.length === 0, 'pids narrow the scan');
    for (const bad of [{}, { ruleText: '   ' }, { ruleText: 'rule a { condition: true }', pids: [99] }, { ruleText: 'rule a { condition: true }', maxMatches: 0 }, { rulePaths: 'x' }]) {
      const b = await services.yaraScan(bad as never);
      assert.ok(!b.ok && b.error.kind === 'usage', JSON.stringify(bad));
    }
    const broken = await services.yaraScan({ ruleText: 'rule b {\n condition: $x }' });
    assert.ok(!broken.ok && /<pasted rule>:2:13: unknown pattern `\$x`/.test(broken.error.message), JSON.stringify(broken));

    // A slow rule, cancelled through its task id once the task reports progress.
    const started = new Promise<void>((resolve) => {
      const off = services.subscribe((name, payload) => {
        if (name === 'progress' && (payload as { taskId: string }).taskId === 'y1') {
          off();
          resolve();
        }
      });
    });
    const slow = services.yaraScan({ taskId: 'y1', timeoutSeconds: 120, ruleText: 'rule pairs { condition: for any i in (0..filesize) : ( for any j in (0..filesize) : ( uint8(i) + uint8(j) == 0x1ff ) ) }' });
    await started;
    const stop = await services.cancel({ taskId: 'y1' });
    assert.ok(stop.ok && stop.value.cancelled);
    const cancelled = await slow;
    assert.ok(!cancelled.ok && cancelled.error.kind === 'cancelled', JSON.stringify(cancelled));

    // In a case: the scan is recorded, a match bookmarked, and the report lists both.
    const caseDir = path.join(dir, 'case');
    assert.ok((await services.caseOpen({ dir: caseDir, create: true, analyst: 'ws', title: 'yara' })).ok);
    assert.ok((await services.caseAddEvidence()).ok);
    const scanned = await services.yaraScan({ rulePaths: [ruleFile] });
    assert.ok(scanned.ok);
    const log = fs.readFileSync(path.join(caseDir, 'custody.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; details: Record<string, unknown> });
    const entry = log.filter((e) => e.event === 'yara-scan').at(-1)!;
    assert.equal(entry.details.matchCount, 1);
    assert.deepEqual((entry.details.rules as { name: string }[]).map((x) => x.name), [ruleFile]);
    const m = scanned.value.matches[0];
    const note = await services.addNote({ text: 'the key', target: { kind: 'yara-match', pid: m.pid!, address: m.address, length: m.length, rule: m.rule, string: m.string } });
    assert.ok(note.ok, JSON.stringify(note));
    assert.equal((note.value as { capture?: { size: number } }).capture?.size, 15, 'the matched bytes are hashed when bookmarked');
    const wrong = await services.addNote({ text: 'x', target: { kind: 'yara-match', pid: 6, address: '0x10', length: 4, rule: 'r', string: '$a' } });
    assert.ok(!wrong.ok, 'an unmapped address is refused');

    const json = await services.writeReport({ format: 'json', outFile: path.join(dir, 'report.json') });
    assert.ok(json.ok, JSON.stringify(json));
    const report = JSON.parse(fs.readFileSync(json.value.path, 'utf8')) as {
      yara: { bookmarked: { finding: string; match: { rule: string; address: string } }[]; lastScan: { matchCount: number; rules: { sha256: string }[]; matches: { rule: string; pid: number; address: string; data: string }[] } };
      findings: { target: { kind: string }; excerpt?: { text: string }; context: { label: string; value: string }[] }[];
    };
    assert.deepEqual(report.yara.bookmarked.map((b) => [b.match.rule, b.match.address]), [['heap_key', '0x3427a8e0']]);
    assert.equal(report.yara.lastScan.matchCount, 1);
    assert.equal(report.yara.lastScan.rules[0].sha256.length, 64);
    assert.deepEqual(report.yara.lastScan.matches.map((x) => [x.rule, x.pid, x.address, Buffer.from(x.data, 'hex').toString()]), [['heap_key', 6, '0x3427a8e0', 'RANDOM_1432_KEY']]);
    const finding = report.findings.find((f) => f.target.kind === 'yara-match')!;
    assert.equal(finding.excerpt?.text, 'RANDOM_1432_KEY');
    assert.ok(finding.context.some((c) => c.label === 'YARA match' && c.value === 'rule heap_key, string $k'));

    const html = await services.writeReport({ format: 'html', outFile: path.join(dir, 'report.html') });
    assert.ok(html.ok);
    const page = fs.readFileSync(html.value.path, 'utf8');
    assert.match(page, /<h2>YARA<\/h2>/);
    assert.match(page, /N1  heap_key \$k  pid 6 0x3427a8e0 \+15/);
    assert.match(page, /heap_key \$k  pid 6 0x3427a8e0 \+15  &quot;RANDOM_1432_KEY&quot;/);
  } finally {
    services.dispose();
  }
});
