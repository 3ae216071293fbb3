/**
 * The Python formatting crit relies on. Expected values were produced by CPython (quopri.encodestring,
 * json.dumps, base64.encodebytes, ipaddress); the implementation was also fuzzed against CPython 3.11 with
 * a few thousand random inputs while it was written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { pyBase64Lines, pyIPv4, pyIPv6, pyJsonDumps, pyJsonString, pyQuopri, type PyValue } from '../../../main/core/criu/pyformat.js';

test('quopri.encodestring (unix socket names)', () => {
  const x = (n: number): Buffer => Buffer.alloc(n, 'x');
  const cases: Array<[Buffer, string]> = [
    [Buffer.alloc(0), ''],
    [Buffer.from('/run/podman/sock'), '/run/podman/sock'],
    [Buffer.from('\0/tmp/.X11-unix/X0', 'latin1'), '=00/tmp/.X11-unix/X0'],
    [Buffer.from('.'), '=2E'],
    [Buffer.from('.\n'), '=2E\n'],
    [Buffer.from('a.\n.'), 'a.\n=2E'],
    [Buffer.from('tab\tend\t'), 'tab\tend=09'],
    [Buffer.from('space '), 'space=20'],
    [Buffer.from('line \nnext'), 'line=20\nnext'],
    [Buffer.from('crlf\r\nline\r\n'), 'crlf\r\nline\r\n'],
    [Buffer.from('='), '=3D'],
    [Buffer.from('café'), 'caf=C3=A9'],
    [x(75), 'x'.repeat(75)],
    [x(76), 'x'.repeat(76)],
    [x(77), 'x'.repeat(75) + '=\nxx'],
    [Buffer.concat([x(74), Buffer.from('=')]), 'x'.repeat(74) + '=\n=3D'],
    [Buffer.from([0x7f, 0x80, 0xff]), '=7F=80=FF'],
    [Buffer.from('a\rb'), 'a\rb'],
    [Buffer.from([1, 2, 0x20, 9]), '=01=02 =09'],
  ];
  for (const [input, expected] of cases) assert.equal(pyQuopri(input), expected, input.toString('hex'));
});

test('json.dumps string escaping (ensure_ascii)', () => {
  assert.equal(pyJsonString('plain'), '"plain"');
  assert.equal(pyJsonString('quote " backslash \\ slash /'), '"quote \\" backslash \\\\ slash /"');
  assert.equal(pyJsonString('\b\f\n\r\t\u0000\u001f\u007f'), '"\\b\\f\\n\\r\\t\\u0000\\u001f\\u007f"');
  assert.equal(pyJsonString('caf\u00e9 \u65e5\u672c \u{1f600}'), '"caf\\u00e9 \\u65e5\\u672c \\ud83d\\ude00"');
});

test('json.dumps(indent=4) layout', () => {
  const doc: PyValue = new Map<string, PyValue>([
    ['a', []],
    ['b', new Map()],
    ['c', [1n, 18446744073709551615n, true, null, 'x']],
    ['d', new Map<string, PyValue>([['e', [new Map()]]])],
  ]);
  assert.equal(
    pyJsonDumps(doc),
    '{\n    "a": [],\n    "b": {},\n    "c": [\n        1,\n        18446744073709551615,\n        true,\n        null,\n' +
      '        "x"\n    ],\n    "d": {\n        "e": [\n            {}\n        ]\n    }\n}',
  );
});

test('base64.encodebytes: 76-character lines, each with a newline', () => {
  assert.equal(pyBase64Lines(Buffer.alloc(0)), '');
  assert.equal(pyBase64Lines(Buffer.from('hello')), 'aGVsbG8=\n');
  const b57 = pyBase64Lines(Buffer.alloc(57, 0xff));
  assert.equal(b57, '/'.repeat(76) + '\n');
  const b58 = pyBase64Lines(Buffer.alloc(58, 0xff));
  assert.equal(b58, '/'.repeat(76) + '\n/w==\n');
});

test('ipaddress text forms', () => {
  assert.equal(pyIPv4(0x7f000001), '127.0.0.1');
  assert.equal(pyIPv4(0xffffffff), '255.255.255.255');
  const cases: Array<[string, string]> = [
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['00010000000000000000000000000000', '1::'],
    ['fe800000000000000000000000000001', 'fe80::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'], // first of two equal runs
    ['00010000000100000001000000010000', '1:0:1:0:1:0:1:0'], // single zeros are not compressed
    ['20010db885a3000000008a2e03707334', '2001:db8:85a3::8a2e:370:7334'],
    ['00000001000000000001000000000000', '0:1:0:0:1::'], // the longest run wins
    ['20010DB8000000000000000000000001'.toLowerCase(), '2001:db8::1'],
    ['000a000b000c000d000e000f00100011', 'a:b:c:d:e:f:10:11'], // lowercase, no leading zeros, nothing to compress
    ['fe800000000000000000000000000000', 'fe80::'],
    ['0000000000000000000000000000ffff', '::ffff'],
    // IPv4-mapped and IPv4-compatible addresses: never dotted in Python 3.11 (3.13 prints ::ffff:127.0.0.1)
    ['00000000000000000000ffff7f000001', '::ffff:7f00:1'],
    ['00000000000000000000ffffc0a80001', '::ffff:c0a8:1'],
    ['00000000000000000000ffff00000000', '::ffff:0:0'],
    ['000000000000000000000000c0a80001', '::c0a8:1'],
    ['0064ff9b0000000000000000c0000201', '64:ff9b::c000:201'], // NAT64 well-known prefix
  ];
  for (const [hex, text] of cases) assert.equal(pyIPv6(Buffer.from(hex, 'hex')), text, hex);
});
