/**
 * One definition per rule, used by every side: text escaping and byte formatting (shared/format.ts, also
 * the UI's), the version (one reader), file hashing and evidence folder listing (io/hash.ts,
 * evidence/hash.ts: the workstation's evidence list and a case record the same files and digests),
 * program lookup, and cancellation as a type (CancelledError), never a message compared as text.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeText, escapeLines, formatBytes, bytesToAscii } from '../../../shared/format';
import * as uiText from '../../../renderer/util/text';
import { TOOL_VERSION } from '../../../main/core/evidence/version';
import { KensaServices } from '../../../main/services/kensa-services';
import { sha256File } from '../../../main/core/io/hash';
import { hashFolder } from '../../../main/core/evidence/hash';
import { EvidenceCase } from '../../../main/core/evidence/case';
import { CancelledError } from '../../../main/core/errors';
import { findOnPath } from '../../../main/core/elfcore/gdb-launch';
import { fixture, kensa, REPO, tempDir, TEST_CACHE } from '../../helpers';

test('escaping: the UI shows evidence text exactly as the CLI and reports print it', () => {
  for (const sample of ['plain', '\x1b[31mred', 'a\\b', 'evil\u202etxt', '\u200fmark', '\ud800x', 'caf\u00e9']) assert.equal(uiText.visible(sample), escapeText(sample), sample);
  assert.equal(uiText.visible(undefined), '');
  assert.equal(uiText.visibleLines, escapeLines);
  assert.equal(uiText.formatBytes, formatBytes);
  assert.equal(uiText.bytesToAscii, bytesToAscii);
  assert.equal(escapeText('\x1b[31mred'), '\\x1b[31mred');
  assert.equal(escapeText('a\\x41'), 'a\\\\x41', 'a backslash in the evidence is doubled, so \\x41 cannot pass for an escape');
  assert.equal(escapeText('evil\u202etxt.exe'), 'evil\\u{202e}txt.exe');
  assert.equal(escapeText('\u200fmark'), '\\u{200f}mark', 'direction marks are invisible: shown');
  assert.equal(escapeText('\ud800x'), '\\u{d800}x');
  assert.equal(escapeLines('a\tb\r\nc\x07'), 'a\tb\nc\\x07');
  assert.equal(formatBytes(3 * 1024), '3.0 KiB');
  assert.equal(formatBytes(2n ** 50n), '1.0 PiB');
});

test('version: one reader for kensa --version, the workstation hello, cases and reports', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
  assert.equal(TOOL_VERSION, pkg.version);
  assert.equal(kensa(['--version']).stdout, `kensa ${pkg.version}\n`);
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    const hello = await services.hello();
    assert.ok(hello.ok);
    assert.equal(hello.value.version, pkg.version);
  } finally {
    services.dispose();
  }
});

test('hashing: the workstation lists an evidence folder with the files and digests a case records', async () => {
  const folder = fixture('criu-dir').input;
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: folder })).ok);
    const listed = await services.hashEvidence({});
    assert.ok(listed.ok, JSON.stringify(listed));
    const digest = await hashFolder(folder);
    assert.deepEqual(
      listed.value.map((h) => ({ path: path.relative(folder, h.path), size: h.size, sha256: h.sha256 })),
      digest.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
    );
  } finally {
    services.dispose();
  }
  const archive = fixture('threads').input;
  const one = await sha256File(archive);
  assert.equal(one.size, fs.statSync(archive).size);
  const c = EvidenceCase.init(path.join(tempDir(), 'case'), { analyst: 'a' });
  const record = await c.addEvidence(archive, undefined, { cacheDir: TEST_CACHE });
  assert.equal(record.sha256, one.sha256);
});

test('cancellation is a type: an aborted verify throws CancelledError instead of recording a problem', async () => {
  const c = EvidenceCase.init(path.join(tempDir(), 'case'), { analyst: 'a' });
  await c.addEvidence(fixture('threads').input, undefined, { cacheDir: TEST_CACHE });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(c.verify({ signal: controller.signal }), (e: unknown) => e instanceof CancelledError);
  await assert.rejects(sha256File(fixture('threads').input, { signal: controller.signal }), (e: unknown) => e instanceof CancelledError);
});

test('program lookup: one findOnPath for names on PATH and for paths', () => {
  const gdb = findOnPath('gdb');
  assert.ok(gdb, 'gdb must be installed (Debian package: gdb)');
  assert.equal(findOnPath(gdb), gdb);
  assert.equal(findOnPath('gdb', ''), undefined);
  assert.equal(findOnPath(path.join(REPO, 'package.json')), undefined, 'not executable');
  assert.equal(findOnPath('/no/such/program'), undefined);
});

test('search hits: the workstation and kensa mem --search --json carry the same hits with their provenance (member, offset)', async () => {
  const archive = fixture('crio-counter').input;
  const cli = JSON.parse(kensa(['mem', archive, '--search', 'counter', '--json']).stdout) as {
    hits: { pid: number; address: string; origin: string; member?: string; member_offset?: number; match: string; vma: { offset: string } }[];
  };
  const services = new KensaServices({ cacheDir: TEST_CACHE });
  try {
    assert.ok((await services.openArchive({ path: archive })).ok);
    const r = await services.search({ pattern: { text: 'counter' } });
    assert.ok(r.ok, JSON.stringify(r));
    const key = (h: { pid: number; address: string }): string => `${h.pid}:${h.address}`;
    assert.deepEqual(r.value.hits.map(key), cli.hits.map(key));
    assert.ok(cli.hits.some((h) => h.member !== undefined), 'hits name the image they were read from');
    r.value.hits.forEach((h, i) => {
      const c = cli.hits[i];
      assert.deepEqual([h.origin, h.member, h.memberOffset, h.match, h.vma.offset], [c.origin, c.member, c.member_offset, c.match, c.vma.offset], key(h));
    });
  } finally {
    services.dispose();
  }
});
