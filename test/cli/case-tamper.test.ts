/**
 * Issue 6 must-show: tampering with one byte of the evidence, of a derived file (a core, a report) or of a
 * custody-log line makes `kensa case verify` exit 4 with a message naming what changed; putting the byte
 * back makes it pass again. Works on a private copy of the evidence, never on the fixture.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixture, kensa, tempDir } from '../helpers';

function ok(args: string[]): string {
  const r = kensa(args);
  assert.equal(r.status, 0, `kensa ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

/** Flip every bit of one byte in place (mtime restored, as a careful tamperer would). */
function flipByte(file: string, offset: number): void {
  const st = fs.statSync(file);
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, offset);
  b[0] ^= 0xff;
  fs.writeSync(fd, b, 0, 1, offset);
  fs.closeSync(fd);
  fs.utimesSync(file, st.atime, st.mtime);
}

function verifyFails(dir: string, pattern: RegExp): string {
  const r = kensa(['case', 'verify', dir]);
  assert.equal(r.status, 4, `exit 4 expected\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.match(r.stdout, /verification FAILED/);
  for (const line of r.stderr.trimEnd().split('\n')) assert.match(line, /^kensa: (error|warning): /, 'one line per problem');
  return r.stderr;
}

function verifyPasses(dir: string): void {
  const r = kensa(['case', 'verify', dir]);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('one changed byte of the evidence, of a core, of a report or of a custody line: exit 4 naming it', () => {
  const work = tempDir();
  // A plain tar (crio-counter), so the evidence still opens with a byte changed inside a member's data.
  const evidence = path.join(work, 'evidence', 'checkpoint.tar');
  fs.mkdirSync(path.dirname(evidence));
  fs.copyFileSync(fixture('crio-counter').input, evidence);
  const dir = path.join(work, 'case');
  ok(['case', 'init', dir, '--analyst', 'tamper-test']);
  ok(['case', 'add', dir, evidence]);
  ok(['case', 'note', dir, '--pid', '6', '--addr', '0x56296238e4b0', '--len', '15', '--text', 'the key']);
  const coreCmd = ['core', evidence, '--pid', '6', '--out', path.join(dir, 'derived')];
  ok(coreCmd);
  ok(['case', 'record', dir, path.join(dir, 'derived', 'core.6'), '--action', ['kensa', ...coreCmd].join(' ')]);
  ok(['report', dir, '--format', 'html', '--out', path.join(work, 'report.html')]);
  verifyPasses(dir);
  const size = fs.statSync(evidence).size;

  // The evidence: first, middle and last byte.
  for (const offset of [0, Math.floor(size / 2), size - 1]) {
    flipByte(evidence, offset);
    verifyFails(dir, new RegExp(`^kensa: error: evidence E1 \\(${escapeRe(evidence)}\\): SHA-256 changed: recorded [0-9a-f]{64}, now [0-9a-f]{64}$`, 'm'));
    flipByte(evidence, offset);
    verifyPasses(dir);
  }

  // While the evidence is changed, working on the case warns loudly and exits 4; the report says FAILED.
  // The byte is inside checkpoint/pages-1.img's data (tar -tR: its header is block 393).
  const inPages = 394 * 512 + 100;
  flipByte(evidence, inPages);
  const note = kensa(['case', 'note', dir, '--pid', '6', '--text', 'while tampered']);
  assert.equal(note.status, 4, note.stderr);
  assert.match(note.stderr, /^kensa: warning: VERIFICATION FAILED/m);
  const rep = kensa(['report', dir, '--format', 'html', '--out', path.join(work, 'tampered.html')]);
  assert.equal(rep.status, 4, rep.stderr);
  assert.match(fs.readFileSync(path.join(work, 'tampered.html'), 'utf8'), /EVIDENCE VERIFICATION FAILED/);
  flipByte(evidence, inPages);
  // The tampered report was recorded too: it is a derived file like any other.
  verifyPasses(dir);

  // A derived core.
  const core = path.join(dir, 'derived', 'core.6');
  flipByte(core, 4096);
  verifyFails(dir, /^kensa: error: derived file D1 \(derived\/core\.6\): SHA-256 changed: recorded [0-9a-f]{64}, now [0-9a-f]{64}$/m);
  flipByte(core, 4096);
  verifyPasses(dir);

  // The case's copy of the first report.
  const reportCopy = path.join(dir, 'reports', 'report.html');
  flipByte(reportCopy, 200);
  verifyFails(dir, /^kensa: error: report D2 \(reports\/report\.html\): SHA-256 changed/m);
  flipByte(reportCopy, 200);
  verifyPasses(dir);

  // One byte of a custody line (the bookmark's text), then the sequence number of another.
  const log = path.join(dir, 'custody.jsonl');
  const original = fs.readFileSync(log);
  const lines = original.toString('utf8').split('\n');
  const noteLine = lines.findIndex((l) => l.includes('"event":"note"'));
  const at = original.indexOf('the key');
  flipByte(log, at + 4);
  const err = verifyFails(dir, new RegExp(`^kensa: error: custody\\.jsonl line ${noteLine + 1} \\(note\\): entry changed`, 'm'));
  assert.match(err, /this verification was not recorded: the custody log is damaged/);
  const logCmd = kensa(['case', 'log', dir]);
  assert.equal(logCmd.status, 4);
  assert.match(logCmd.stderr, new RegExp(`custody\\.jsonl line ${noteLine + 1} \\(note\\)`));
  // Nothing can be added to a damaged log.
  const refused = kensa(['case', 'note', dir, '--pid', '6', '--text', 'refused']);
  assert.equal(refused.status, 4);
  assert.match(refused.stderr, /custody log is damaged/);
  fs.writeFileSync(log, original);
  verifyPasses(dir);

  // The last entry cut off: the chain alone looks whole, custody.head does not.
  const current = fs.readFileSync(log, 'utf8');
  const cut = current.slice(0, current.lastIndexOf('\n', current.length - 2) + 1);
  fs.writeFileSync(log, cut);
  verifyFails(dir, /^kensa: error: custody\.head names entry \d+ .* but the log ends at entry \d+/m);
  fs.writeFileSync(log, current);
  verifyPasses(dir);

  // case.json.
  const caseFile = path.join(dir, 'case.json');
  flipByte(caseFile, 12); // inside the analyst's name: still JSON, no longer the recorded bytes
  verifyFails(dir, /^kensa: error: case\.json: changed since the case was created/m);
  flipByte(caseFile, 12); // inside the analyst's name: still JSON, no longer the recorded bytes
  verifyPasses(dir);
});
