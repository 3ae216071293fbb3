/**
 * Issue 10 §3 "names shown inexactly": what an archive names is shown exactly.
 * - escapeText and decodeUtf8Exact (shared/format, used by the CLI, the reports and the UI) on a table;
 * - a checkpoint made from criu-dir with the encoder: pid 3's executable named with bytes that are not UTF-8
 *   (`\xff\xfe`), its comm holding U+200F and U+061C, its argv holding a stray byte: shown as `\xNN` and
 *   `\u{…}`, never U+FFFD or raw bidi controls;
 * - a rootfs-diff.tar whose pax headers name a path holding a NUL, one holding bytes that are not UTF-8, and
 *   one with a right-to-left override: the NUL is warned about (not cut silently), the bytes kept.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Header } from 'tar';
import { decodeImage, encodeImage, type FileEntry } from '../../../main/core/criu';
import { decodeUtf8Exact, escapeText } from '../../../shared/format';
import { fixture, kensa, tempDir, TEST_CACHE } from '../../helpers';
import { unpackArchive } from '../memory/synth';
import { criuDirCopy, readMm, writeMemory } from './mm-synth';

describe('escapeText', () => {
  const table: Array<[string, string, string]> = [
    ['plain', '/usr/bin/counter', '/usr/bin/counter'],
    ['backslash doubled', 'a\\b', 'a\\\\b'],
    ['C0 control and DEL', 'a\x1b[31m\x7f', 'a\\x1b[31m\\x7f'],
    ['NUL', 'evil\0hidden', 'evil\\x00hidden'],
    ['C1 control is a character, not a byte', 'a\u0085b', 'a\\u{85}b'],
    ['stray byte (surrogateescape)', 'co\udcff\udcfeter', 'co\\xff\\xfeter'],
    ['other lone surrogate', 'a\ud800b', 'a\\u{d800}b'],
    ['right-to-left mark U+200F', 'x\u200fy', 'x\\u{200f}y'],
    ['Arabic letter mark U+061C', 'x\u061cy', 'x\\u{61c}y'],
    ['embeddings and overrides U+202A-U+202E', '\u202a\u202b\u202c\u202d\u202e', '\\u{202a}\\u{202b}\\u{202c}\\u{202d}\\u{202e}'],
    ['isolates U+2066-U+2069', '\u2066\u2067\u2068\u2069', '\\u{2066}\\u{2067}\\u{2068}\\u{2069}'],
    ['zero width space, joiners, word joiner, BOM', '\u200b\u200c\u200d\u2060\ufeff', '\\u{200b}\\u{200c}\\u{200d}\\u{2060}\\u{feff}'],
    ['soft hyphen, no-break and ideographic spaces', 'a\u00adb\u00a0c\u3000d', 'a\\u{ad}b\\u{a0}c\\u{3000}d'],
    ['line / paragraph separators', 'a\u2028b\u2029c', 'a\\u{2028}b\\u{2029}c'],
    ['Hangul filler', 'a\u3164b', 'a\\u{3164}b'],
    ['visible non-ASCII stays', 'café 検査 ü', 'café 検査 ü'],
    ['astral characters stay', 'a\u{1f600}b', 'a\u{1f600}b'],
  ];
  for (const [what, input, shown] of table) test(what, () => assert.equal(escapeText(input), shown));
});

describe('decodeUtf8Exact', () => {
  const table: Array<[string, number[], string]> = [
    ['ASCII', [0x61, 0x62], 'ab'],
    ['valid 2, 3 and 4 byte sequences', [0xc3, 0xa9, 0xe6, 0xa4, 0x9c, 0xf0, 0x9f, 0x98, 0x80], 'é検\u{1f600}'],
    ['BOM kept', [0xef, 0xbb, 0xbf, 0x61], '\ufeffa'],
    ['stray bytes', [0x61, 0xff, 0xfe, 0x62], 'a\udcff\udcfeb'],
    ['overlong NUL', [0xc0, 0x80], '\udcc0\udc80'],
    ['encoded surrogate', [0xed, 0xa0, 0x80], '\udced\udca0\udc80'],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], '\udcf4\udc90\udc80\udc80'],
    ['cut sequence then ASCII', [0xe6, 0xa4, 0x41], '\udce6\udca4A'],
    ['lone continuation byte', [0x80], '\udc80'],
  ];
  for (const [what, bytes, text] of table) {
    test(what, () => {
      assert.equal(decodeUtf8Exact(Buffer.from(bytes)), text);
      assert.doesNotMatch(decodeUtf8Exact(Buffer.from(bytes)), /\ufffd/);
    });
  }
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PID = 3;

describe('names in a checkpoint', () => {
  test('bytes that are not UTF-8 and invisible characters in file names, comm and argv', () => {
    const dir = criuDirCopy('kensa-names-');
    // files.img: the executable's name with two bytes that are not UTF-8 (encoded with a same-length placeholder, then patched)
    const filesPath = path.join(dir, 'files.img');
    const files = decodeImage(fs.readFileSync(filesPath));
    const exe = (files.entries as FileEntry[]).find((f) => f.reg?.name === '/srv/kensa-demo/counter')!;
    exe.reg!.name = '/srv/kensa-demo/coXXter';
    const bytes = encodeImage(files);
    const at = bytes.indexOf('coXXter');
    bytes[at + 2] = 0xff;
    bytes[at + 3] = 0xfe;
    fs.writeFileSync(filesPath, bytes);
    assert.ok(Buffer.from(encodeImage(decodeImage(bytes))).equals(bytes), 'decode -> encode keeps the bytes');
    // core-3.img: comm with a right-to-left mark and an Arabic letter mark
    const corePath = path.join(dir, `core-${PID}.img`);
    const core = decodeImage(fs.readFileSync(corePath));
    (core.entries[0] as { tc: { comm: string } }).tc.comm = 'cou\u200fnt\u061cer';
    fs.writeFileSync(corePath, encodeImage(core));
    // argv[0] with a stray byte
    const argStart = BigInt(readMm(dir, PID)['mm_arg_start'] as bigint);
    writeMemory(dir, PID, argStart + 1n, Buffer.from([0xff]));

    const ps = kensa(['ps', dir]);
    assert.equal(ps.status, 0, ps.stderr);
    const row = ps.stdout.split('\n').find((l) => l.startsWith('3 '))!;
    assert.ok(row.includes('cou\\u{200f}nt\\u{61c}er'), row);
    assert.ok(row.includes('/srv/kensa-demo/co\\xff\\xfeter'), row);
    assert.ok(row.includes('/\\xffrv/kensa-demo/counter 8089'), row);
    assert.doesNotMatch(ps.stdout, /[\ufffd\u200f\u061c]/);

    const tree = kensa(['inspect', dir, '--ps-tree', '--cmd', '--files']);
    assert.ok(tree.stdout.includes('[REG 0]') && tree.stdout.includes('/\\xffrv/kensa-demo/counter 8089'), tree.stdout);
    assert.doesNotMatch(tree.stdout, /\ufffd/);

    // JSON keeps the bytes: a stray byte is the lone surrogate U+DC80+byte (Python's surrogateescape)
    const json = kensa(['ps', dir, '--json']);
    assert.ok(json.stdout.includes('"exe": "/srv/kensa-demo/co\\udcff\\udcfeter"'), json.stdout);
    // ... and bidi marks travel as \uXXXX escapes: the same string to a JSON reader, harmless on a terminal
    assert.ok(json.stdout.includes('"comm": "cou\\u200fnt\\u061cer"'), json.stdout);
    assert.doesNotMatch(json.stdout, /[\u200f\u061c]/);
    const proc = (JSON.parse(json.stdout) as Json[]).find((p) => p.pid === PID)!;
    assert.equal(proc.argv[0], '/\udcffrv/kensa-demo/counter');
    assert.equal(proc.comm, 'cou\u200fnt\u061cer');
    assert.ok(Buffer.from(proc.cmdline_raw, 'hex').includes(Buffer.from([0x2f, 0xff, 0x72, 0x76])));

    // A core names the mapped file with the bytes the checkpoint holds (NT_FILE), and the comm (pr_fname).
    const out = path.join(tempDir('kensa-names-core-'), 'cores');
    const core3 = kensa(['core', dir, '--pid', String(PID), '--out', out, '--no-hash']);
    assert.ok(core3.status === 0 || core3.status === 3, core3.stderr);
    const elf = fs.readFileSync(path.join(out, `core.${PID}`));
    assert.ok(elf.includes(Buffer.from([...Buffer.from('/srv/kensa-demo/co'), 0xff, 0xfe, ...Buffer.from('ter\0')])), 'NT_FILE name byte-exact');
    assert.ok(elf.includes(Buffer.from('cou\u200fnt\u061cer')), 'pr_fname');
    assert.ok(!elf.includes(Buffer.from('co\ufffd')), 'no replacement character');
  });
});

/** One tar member, with a pax header naming `paxPath` (raw bytes) when given. */
function member(name: string, data: string, paxPath?: Buffer): Buffer {
  const parts: Buffer[] = [];
  const block = (h: Header): Buffer => {
    const b = Buffer.alloc(512);
    h.encode(b, 0);
    return b;
  };
  const pad = (n: number): Buffer => Buffer.alloc((512 - (n % 512)) % 512);
  if (paxPath) {
    const body = Buffer.concat([Buffer.from('path='), paxPath, Buffer.from('\n')]);
    let length = body.length + 3;
    while (String(length).length + 1 + body.length !== length) length = String(length).length + 1 + body.length;
    const record = Buffer.concat([Buffer.from(`${length} `), body]);
    parts.push(block(new Header({ path: 'PaxHeader/x', type: 'ExtendedHeader', size: record.length, mode: 0o644, mtime: new Date(0) })), record, pad(record.length));
  }
  parts.push(block(new Header({ path: name, type: 'File', size: data.length, mode: 0o644, mtime: new Date(0) })), Buffer.from(data), pad(data.length));
  return Buffer.concat(parts);
}

describe('names in rootfs-diff.tar', () => {
  test('a NUL in a pax path is warned about, bytes that are not UTF-8 are kept, bidi overrides shown escaped', async () => {
    const root = path.join(tempDir('kensa-pax-names-'), 'unpacked');
    await unpackArchive(fixture('crio-counter').input, root, TEST_CACHE);
    const diff = Buffer.concat([
      member('a', 'nul', Buffer.from('home/app/evil\0hidden')),
      member('b', 'bytes', Buffer.from([...Buffer.from('home/app/bad'), 0xff, 0xfe, ...Buffer.from('name')])),
      member('c', 'rtl', Buffer.from('home/app/invoice\u202egnp.exe')),
      Buffer.alloc(1024),
    ]);
    fs.writeFileSync(path.join(root, 'rootfs-diff.tar'), diff);

    const ls = kensa(['ls', root, 'rootfs-diff.tar']);
    assert.ok(ls.stdout.includes('home/app/evil\n'), ls.stdout);
    assert.ok(ls.stdout.includes('home/app/bad\\xff\\xfename\n'), ls.stdout);
    assert.ok(ls.stdout.includes('home/app/invoice\\u{202e}gnp.exe\n'), ls.stdout);
    assert.doesNotMatch(ls.stdout + ls.stderr, /[\ufffd\u202e]/);
    assert.match(ls.stderr, /^kensa: warning: .*member name "home\/app\/evil\\x00hidden" holds a NUL byte; read as "home\/app\/evil"/m);
    // the name cannot be typed; the text ls prints for it names it (cli-conventions: MEMBER as ls prints it)
    const cat = kensa(['cat', root, 'rootfs-diff.tar/home/app/bad\\xff\\xfename']);
    assert.equal(cat.stdout, 'bytes', cat.stderr);
    assert.equal(kensa(['cat', root, 'rootfs-diff.tar/home/app/invoice\\u{202e}gnp.exe']).stdout, 'rtl');
  });
});
