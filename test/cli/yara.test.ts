/**
 * `kensa yara` through the real binary (issue 12): match fields (rule, namespace, tags, meta, string, pid,
 * VMA, address, length, origin member and offset, bytes), the context variables, --pid, rule folders, rule
 * errors with file and line (exit 1), --files over rootfs-diff.tar and ghost files, and hostile rules: a
 * string matching every byte is cut at --max-matches, a catastrophic regex runs in linear time, a loop over
 * every byte pair is stopped by --timeout (each a warning and exit 3).
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fixture, kensa, tempDir, TEST_CACHE } from '../helpers';
import { COUNTER_PATH, counterBytes, ghostCheckpoint } from '../unit/memory/ghost-synth';

interface JsonMatch {
  rule: string;
  namespace: string;
  tags: string[];
  meta: Record<string, unknown>;
  string: string;
  pid?: number;
  file?: string;
  vma?: { start: string; end: string; perms: string; kind: string; path?: string };
  address: string;
  length: number;
  origin: string;
  member?: string;
  member_offset?: string;
  data: string;
  text: string;
}

const podman = fixture('podman-counter');

function rulesFile(text: string, name = 'rules.yar'): string {
  const dir = tempDir('kensa-yara-rules-');
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

function scan(args: string[]): { status: number; matches: JsonMatch[]; stderr: string; stdout: string } {
  const r = kensa(['yara', ...args, '--json']);
  return { status: r.status, matches: r.status <= 3 && r.stdout ? (JSON.parse(r.stdout) as JsonMatch[]) : [], stderr: r.stderr, stdout: r.stdout };
}

test('a match gives rule, namespace, tags, meta, string, pid, mapping, address, length, origin and bytes', () => {
  const rules = rulesFile(`
rule heap_key : secret demo {
  meta:
    author = "kensa"
    severity = 3
  strings:
    $k = "RANDOM_1432_KEY"
  condition:
    $k and pid == 6 and comm == "counter" and path == "[heap]" and anonymous and not file_backed and not shared and perms == "rw-p"
}`);
  const r = scan([rules, podman.input]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.matches.length, 1, JSON.stringify(r.matches));
  const m = r.matches[0];
  assert.deepEqual(
    { rule: m.rule, namespace: m.namespace, tags: m.tags, meta: m.meta, string: m.string, pid: m.pid, address: m.address, length: m.length, origin: m.origin },
    { rule: 'heap_key', namespace: 'default', tags: ['secret', 'demo'], meta: { author: 'kensa', severity: 3 }, string: '$k', pid: 6, address: '0x3427a8e0', length: 15, origin: 'pages' },
  );
  assert.deepEqual(m.vma, { start: '0x34278000', end: '0x3429a000', perms: 'rw-p', kind: 'heap', path: '[heap]' });
  assert.equal(Buffer.from(m.data, 'hex').toString('latin1'), 'RANDOM_1432_KEY');
  assert.equal(m.text, 'RANDOM_1432_KEY');
  assert.match(m.member!, /^checkpoint\/pages-\d+\.img$/);
  // The member offset holds the bytes: read them back with kensa cat.
  const pages = kensa(['cat', podman.input, m.member!]).stdoutBytes;
  const off = Number(m.member_offset);
  assert.equal(pages.subarray(off, off + 15).toString('latin1'), 'RANDOM_1432_KEY');

  const text = kensa(['yara', rules, podman.input]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^heap_key \$k  pid 6 0x3427a8e0 in 0x34278000-0x3429a000 rw-p \[heap\]  length 15  from pages checkpoint\/pages-\d+\.img @0x[0-9a-f]+$/m);
  assert.match(text.stdout, /^  text "RANDOM_1432_KEY"$/m);
  assert.match(text.stdout, /^  hex  52414e444f4d5f313433325f4b4559$/m);
  assert.match(text.stdout, /^  tags secret demo$/m);
  assert.match(text.stdout, /^1 match of 1 rule in \d+ regions \(\d+ bytes scanned\)$/m);
});

test('base is the exact 64-bit address of the region; --pid narrows the scan', () => {
  const rules = rulesFile('rule heap_base { condition: path == "[heap]" and base == 0x34278000 }\nrule key { strings: $k = "RANDOM_1432_KEY" condition: $k }\n');
  const all = scan([rules, podman.input]);
  assert.equal(all.status, 0, all.stderr);
  const base = all.matches.filter((m) => m.rule === 'heap_base');
  assert.deepEqual(base.map((m) => [m.pid, m.string, m.address]), [[6, '', '0x34278000']], 'a rule without strings matches its region, reported at the region start');
  assert.ok(all.matches.some((m) => m.rule === 'key' && m.pid === 6));
  const only7 = scan(['--pid', '7', rules, podman.input]);
  assert.equal(only7.status, 0, only7.stderr);
  assert.ok(only7.matches.every((m) => m.pid === 7), 'only pid 7');
  assert.ok(!only7.matches.some((m) => m.rule === 'key'), 'the key lives in pid 6');
});

test('rule folders are compiled once; an error names its file, line and column (exit 1)', () => {
  const dir = tempDir('kensa-yara-folder-');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'a.yar'), 'rule from_a { strings: $k = "RANDOM_1432_KEY" condition: $k }\n');
  fs.writeFileSync(path.join(dir, 'sub', 'b.yara'), 'rule from_b { strings: $c = "counter" condition: $c }\n');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a rule');
  const ok = scan([dir, podman.input]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual([...new Set(ok.matches.map((m) => m.rule))].sort(), ['from_a', 'from_b']);

  fs.writeFileSync(path.join(dir, 'sub', 'c.yar'), 'rule good { condition: true }\n\nrule bad {\n  strings: $a = "x"\n  condition: $b\n}\n');
  const bad = kensa(['yara', dir, podman.input]);
  assert.equal(bad.status, 1, bad.stderr);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, new RegExp(`^kensa: error: the rules do not compile: ${path.join(dir, 'sub', 'c.yar').replace(/[.]/g, '\\.')}:5:14: unknown pattern \`\\$b\``));
  assert.equal(bad.stderr.trim().split('\n').length, 1, 'one line');

  const missing = kensa(['yara', path.join(dir, 'nope.yar'), podman.input]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^kensa: error: cannot read the rules .*nope\.yar: no such file or directory$/m);
  const usage = kensa(['yara', podman.input]);
  assert.equal(usage.status, 1);
});

describe('kensa yara --files', () => {
  let ghosted: string;
  before(async () => {
    ghosted = await ghostCheckpoint(tempDir('kensa-yara-ghost-'), TEST_CACHE, await counterBytes(TEST_CACHE), { form: 'chunks', asTar: true });
  });

  test('scans rootfs-diff.tar files and deleted files kept as ghosts, with path and file_backed', () => {
    const rules = rulesFile('rule test_file { strings: $t = "test-file" condition: $t and file_backed and pid == 0 and path == "/home/counter/test-file" }\nrule elf { strings: $e = { 7F 45 4C 46 } condition: $e at 0 and pid == 0 }\n');
    const without = scan([rules, podman.input]);
    assert.equal(without.status, 0, without.stderr);
    assert.equal(without.matches.filter((m) => m.file !== undefined).length, 0, 'files only with --files');
    const r = scan([rules, podman.input, '--files']);
    assert.equal(r.status, 0, r.stderr);
    const tf = r.matches.filter((m) => m.rule === 'test_file');
    assert.deepEqual(tf.map((m) => [m.file, m.address, m.length, m.member, m.member_offset, m.pid]), [['rootfs-diff.tar/home/counter/test-file', '0x0', 9, 'rootfs-diff.tar/home/counter/test-file', '0x0', undefined]]);

    const g = scan([rules, ghosted, '--files']);
    assert.equal(g.status, 0, g.stderr);
    const elf = g.matches.filter((m) => m.rule === 'elf');
    assert.deepEqual(elf.map((m) => [m.file, m.address, m.origin]), [[`deleted:${COUNTER_PATH}`, '0x0', 'file']]);
    assert.match(elf[0].member!, /^checkpoint\/ghost-file-\d+\.img$/);
  });
});

test('hostile rules: a string matching every byte is cut at --max-matches (exit 3, a warning)', () => {
  const rules = rulesFile('rule every_byte { strings: $any = { ?? } condition: $any }\n');
  const r = scan([rules, podman.input, '--max-matches', '5000']);
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.matches.length, 5000);
  assert.match(r.stderr, /^kensa: warning: 5000 matches reached \(--max-matches\): the scan was stopped in pid \d+ 0x[0-9a-f]+-0x[0-9a-f]+ .*; later matches were not reported$/m);
  for (const l of r.stderr.trim().split('\n')) assert.match(l, /^kensa: warning: /);
});

test('hostile rules: a catastrophic regex finishes (linear-time engine); a loop over every byte pair is stopped by --timeout', () => {
  const dir = tempDir('kensa-yara-hostile-');
  fs.writeFileSync(path.join(dir, 'regex.yar'), 'rule redos { strings: $r = /(a|aa|a?)+(b|\\x00)+[^z]*z{2,}/ condition: $r }\n');
  const re = kensa(['yara', path.join(dir, 'regex.yar'), podman.input, '--json'], { timeoutMs: 60_000 });
  assert.equal(re.status, 0, re.stderr);
  fs.writeFileSync(path.join(dir, 'loop.yar'), 'rule pairs { condition: for any i in (0..filesize) : ( for any j in (0..filesize) : ( uint8(i) + uint8(j) == 0x1ff ) ) }\n');
  const loop = kensa(['yara', path.join(dir, 'loop.yar'), podman.input, '--timeout', '2', '--json'], { timeoutMs: 60_000 });
  assert.equal(loop.status, 3, loop.stderr);
  assert.match(loop.stderr, /^kensa: warning: the YARA scan (of pid \d+ .* timed out|took longer than 2 s)/m);
  assert.deepEqual(JSON.parse(loop.stdout), []);
});

test('kensa yara --case records the scan; kensa report lists it in a YARA section (HTML, PDF, JSON)', { skip: !fs.existsSync('/usr/bin/pdftotext') && 'pdftotext is not installed (poppler-utils)' }, () => {
  const dir = tempDir('kensa-yara-case-');
  const kase = path.join(dir, 'case');
  assert.equal(kensa(['case', 'init', kase, '--analyst', 'cli', '--title', 'yara']).status, 0);
  assert.equal(kensa(['case', 'add', kase, podman.input]).status, 0);
  const rules = rulesFile('rule heap_key { strings: $k = "RANDOM_1432_KEY" condition: $k }\n');
  const wrongCase = kensa(['yara', rules, podman.input, '--case', path.join(dir, 'nope')]);
  assert.notEqual(wrongCase.status, 0, 'a missing case folder fails before the scan');
  const r = kensa(['yara', rules, podman.input, '--case', kase]);
  assert.equal(r.status, 0, r.stderr);
  const json = path.join(dir, 'r.json');
  assert.equal(kensa(['report', kase, '--format', 'json', '--out', json]).status, 0);
  const report = JSON.parse(fs.readFileSync(json, 'utf8')) as { yara: { bookmarked: unknown[]; lastScan: { matchCount: number; rules: { name: string }[]; matches: { rule: string; pid: number; address: string }[] } } };
  assert.deepEqual(report.yara.bookmarked, []);
  assert.equal(report.yara.lastScan.matchCount, 1);
  assert.deepEqual(report.yara.lastScan.rules.map((x) => x.name), [rules]);
  assert.deepEqual(report.yara.lastScan.matches.map((m) => [m.rule, m.pid, m.address]), [['heap_key', 6, '0x3427a8e0']]);
  const pdf = path.join(dir, 'r.pdf');
  assert.equal(kensa(['report', kase, '--format', 'pdf', '--out', pdf]).status, 0);
  const text = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).stdout;
  assert.match(text, /YARA/);
  assert.match(text, /heap_key \$k +pid 6 0x3427a8e0 \+15 +"RANDOM_1432_KEY"/);
});

test('mappings the process could not read (guard pages, ---p) are not scanned', () => {
  const rules = rulesFile('rule unreadable { condition: not (perms matches /^r/) }\nrule readable_anon { condition: anonymous and perms == "rw-p" }\n');
  const r = scan([rules, fixture('threads').input]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.matches.some((m) => m.rule === 'unreadable'), 'no region without r');
  assert.ok(r.matches.some((m) => m.rule === 'readable_anon'));
  const maps = kensa(['mem', fixture('threads').input, '--pid', '1', '--maps']).stdout;
  assert.match(maps, /---p +anon-private/, 'the fixture has guard pages');
});

test('kensa triage --yara runs a user\'s rule folder as one more family (severity and technique from the rule\'s meta)', () => {
  const dir = tempDir('kensa-yara-triage-');
  fs.writeFileSync(path.join(dir, 'key.yar'), 'rule heap_key { meta: severity = "high" mitre_attack = "T1552.001" description = "The demo key." strings: $k = "RANDOM_1432_KEY" condition: $k }\n');
  fs.writeFileSync(path.join(dir, 'plain.yar'), 'rule counter_word { strings: $c = "counter" condition: $c }\n');
  const r = kensa(['triage', podman.input, '--yara', dir, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { findings: { id: string; family: string; severity: string; technique: string; title: string; pid: number | null; evidence: { kind: string; address?: string; member?: string }[] }[] };
  const yara = out.findings.filter((f) => f.family === 'yara');
  const key = yara.find((f) => f.title.startsWith('YARA rule heap_key '))!;
  assert.deepEqual([key.severity, key.technique, key.pid], ['high', 'T1552.001', 6]);
  assert.ok(key.evidence.some((e) => e.kind === 'memory' && e.address === '0x3427a8e0' && /^checkpoint\/pages-\d+\.img$/.test(e.member ?? '')));
  const plain = yara.filter((f) => f.title.startsWith('YARA rule counter_word '));
  assert.ok(plain.length >= 2 && plain.every((f) => f.severity === 'medium' && f.technique === ''), 'one finding per process, medium without meta');
  assert.equal(new Set(yara.map((f) => f.id)).size, yara.length);
  const again = JSON.parse(kensa(['triage', podman.input, '--yara', dir, '--json']).stdout) as typeof out;
  assert.deepEqual(again.findings.map((f) => f.id), out.findings.map((f) => f.id), 'stable ids');
  const bad = kensa(['triage', podman.input, '--yara', rulesFile('rule x { condition: nope }')]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /rules\.yar:1:21: unknown identifier `nope`/);
});
