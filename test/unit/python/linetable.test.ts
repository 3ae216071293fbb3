/**
 * The 3.11 location table (Objects/locations.md) decoded entry by entry, and the small ELF reader on
 * truncated or crafted headers.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { addressToLine } from '../../../main/core/python/linetable';
import { readElfSymbols } from '../../../main/core/elf/elf-symbols';
import { versionFromHex } from '../../../main/core/python/interpreter';
import { floatRepr, pyBytesRepr, pyStrRepr } from '../../../main/core/python/objects';
import { KensaError } from '../../../main/core/errors';

const entry = (code: number, units: number): number => 0x80 | (code << 3) | (units - 1);

test('location table: short, one-line, no-column, long and no-location entries move the line as CPython does', () => {
  const table = Buffer.from([
    entry(0, 2), 0x05, //                     units 0-1 (bytes 0-3): line 10 (short form, same line)
    entry(11, 1), 0x01, 0x02, //              bytes 4-5: one-line form, +1 -> 11
    entry(13, 3), 0x06, //                    bytes 6-11: no column, svarint 6 -> +3 -> 14
    entry(14, 1), 0x05, 0x00, 0x01, 0x02, //  bytes 12-13: long form, svarint 5 -> -2 -> 12
    entry(15, 1), //                          bytes 14-15: no location
    entry(13, 1), 0x40 | 0x08, 0x01, //       bytes 16-17: svarint 8 + (1 << 6) = 72 -> +36 -> 48
  ]);
  assert.equal(addressToLine(table, 10, -2), 10, 'before the first instruction: the first line');
  assert.equal(addressToLine(table, 10, 0), 10);
  assert.equal(addressToLine(table, 10, 2), 10);
  assert.equal(addressToLine(table, 10, 4), 11);
  assert.equal(addressToLine(table, 10, 10), 14);
  assert.equal(addressToLine(table, 10, 12), 12);
  assert.equal(addressToLine(table, 10, 14), undefined);
  assert.equal(addressToLine(table, 10, 16), 48);
  assert.equal(addressToLine(table, 10, 18), undefined, 'past the table');
  assert.equal(addressToLine(Buffer.from([0x05, 0x05]), 10, 0), undefined, 'not an entry start: corrupt');
  assert.equal(addressToLine(Buffer.from([entry(13, 1), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 1, 0) !== undefined, true, 'a runaway varint stops');
});

test('PY_VERSION_HEX: final, release candidate and alpha forms', () => {
  assert.deepEqual(versionFromHex(0x030b02f0), { version: '3.11.2', minor: '3.11' });
  assert.deepEqual(versionFromHex(0x030c00c1), { version: '3.12.0rc1', minor: '3.12' });
  assert.deepEqual(versionFromHex(0x030d00a3), { version: '3.13.0a3', minor: '3.13' });
});

test('ELF reader: bad magic, a truncated header and a section table past the end are FormatErrors naming the file', () => {
  const file = (b: Buffer) => ({ label: 'crafted', size: b.length, read: (o: number, n: number) => b.subarray(o, o + n) });
  assert.throws(() => readElfSymbols(file(Buffer.from('#!/bin/sh\n'))), (e: unknown) => e instanceof KensaError && /ELF header|not an ELF/.test(e.message));
  const eh = Buffer.alloc(64);
  eh.write('\x7fELF', 0, 'latin1');
  eh[4] = 2;
  eh[5] = 1;
  eh.writeUInt16LE(2, 16);
  eh.writeBigUInt64LE(0xffffffffn, 40); // e_shoff far past the end
  eh.writeUInt16LE(64, 58);
  eh.writeUInt16LE(30, 60);
  assert.throws(() => readElfSymbols(file(eh)), (e: unknown) => e instanceof KensaError && e.location.source === 'crafted' && /section headers/.test(e.message));
  eh.writeUInt16LE(0xffff, 60);
  eh.writeUInt16LE(0xffff, 56);
  eh.writeUInt16LE(56, 54);
  assert.throws(() => readElfSymbols(file(eh)), (e: unknown) => e instanceof KensaError);
});

test('reprs as Python prints them', () => {
  assert.equal(pyStrRepr("it's"), '"it\'s"');
  assert.equal(pyStrRepr('a\nb\x1b'), "'a\\nb\\x1b'");
  assert.equal(pyBytesRepr(Buffer.from([0xfe, 0xed, 0x50, 0x27])), "b\"\\xfe\\xedP'\"");
  assert.equal(floatRepr(86400), '86400.0');
  assert.equal(floatRepr(1e22), '1e+22');
  assert.equal(floatRepr(1003395.583565184), '1003395.583565184');
});
