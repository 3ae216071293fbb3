/**
 * The codec decodes and encodes with protobufjs, configured for forensic reading (schema.ts,
 * protobuf-codec.ts). These tests set it against protobufjs's stock behaviour on the same descriptor: where
 * stock protobufjs refuses or drops something (a missing required field, an enum value the enum lacks, fields
 * of a newer schema), the codec keeps it; where both read a value, they agree. Also checks that the descriptor
 * matches the committed .proto files.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as protobuf from 'protobufjs';

import { FormatError } from '../../../main/core/errors.js';
import {
  decodeImage,
  decodeMessage,
  encodeImage,
  encodeMessage,
  type CoreEntry,
  type FileEntry,
  type ImageWarning,
  type PstreeEntry,
} from '../../../main/core/criu/index.js';
import { FIXTURES, fixtureImages, repoRoot } from './fixture-images.js';

const descriptorText = fs.readFileSync(path.join(repoRoot, 'proto', 'criu', 'criu.json'), 'utf8');
/** Stock protobufjs on the committed descriptor: proto2 as written (required fields, closed enums). */
const stock = protobuf.Root.fromJSON(JSON.parse(descriptorText) as protobuf.INamespace);

/** Comparable form: Buffers as hex; everything else as is. */
function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = comparable(v);
    return out;
  }
  return value;
}

test('a missing required field: stock protobufjs refuses the whole entry, the codec warns where it is', () => {
  const core = decodeImage(fixtureImages('criu-dir').get('core-1.img')!).entries[0] as CoreEntry;
  const { task_state: _dropped, ...tc } = core.tc!;
  const bytes = encodeMessage('core_entry', { ...core, tc });

  // stock: a ProtocolError whose partial instance is the nested task_core_entry, not the core entry
  const coreType = stock.lookupType('core_entry');
  assert.throws(
    () => coreType.decode(bytes),
    (e: unknown) => e instanceof protobuf.util.ProtocolError && /missing required 'task_state'/.test(e.message) &&
      (e.instance as unknown as Record<string, unknown>)['comm'] === core.tc!.comm,
  );

  const warnings: ImageWarning[] = [];
  const decoded = decodeMessage('core_entry', bytes, { warnings });
  assert.deepEqual(decoded, { ...core, tc });
  // the warning names the message and sits where task_core_entry's own bytes begin
  const tcBytes = encodeMessage('task_core_entry', tc);
  assert.deepEqual(warnings, [{ offset: bytes.indexOf(tcBytes), message: 'task_core_entry.task_state (field 1) is required but missing' }]);
});

test('an enum value the enum lacks: stock protobufjs (closed proto2 enums) drops it, the codec keeps the number', () => {
  const bytes = encodeMessage('file_entry', { type: 77, id: 9 });
  assert.throws(() => stock.lookupType('file_entry').decode(bytes), /missing required 'type'/);
  assert.deepEqual(decodeMessage('file_entry', bytes), { type: 77, id: 9 } satisfies FileEntry);
});

test('fields of a newer CRIU: kept per field in wire order, written back byte for byte', () => {
  // A pstree_entry as a newer CRIU might write it: a string, a repeated uint64 and a message we do not know.
  const newer = JSON.parse(descriptorText) as { nested: Record<string, { fields: Record<string, unknown> }> };
  Object.assign(newer.nested['pstree_entry']!.fields, {
    note: { type: 'string', id: 100 },
    marks: { rule: 'repeated', type: 'uint64', id: 101 },
    origin: { type: 'utsns_entry', id: 102 },
  });
  const newerType = protobuf.Root.fromJSON(newer as protobuf.INamespace).lookupType('pstree_entry');
  const written = newerType.encode({
    pid: 7, ppid: 1, pgid: 7, sid: 7, threads: [7, 8],
    note: 'hi', marks: [1, '18446744073709551615'], origin: { nodename: 'n', domainname: 'd' },
  }).finish();

  const img = decodeImage(Buffer.concat([Buffer.from([0x19, 0x43, 0x56, 0x54, 0x30, 0x30, 0x27, 0x50]), u32le(written.length), written]));
  assert.deepEqual(img.warnings, []);
  const entry = img.entries[0] as PstreeEntry;
  assert.deepEqual({ ...entry, $unknown: undefined }, { pid: 7, ppid: 1, pgid: 7, sid: 7, threads: [7, 8], $unknown: undefined });
  assert.deepEqual(
    entry.$unknown!.map((u) => [u.field, u.wireType, u.bytes.toString('hex')]),
    [
      [100, 2, Buffer.from('hi').toString('hex')],
      [101, 0, '01'],
      [101, 0, 'ffffffffffffffffff01'],
      [102, 2, Buffer.from(encodeMessage('utsns_entry', { nodename: 'n', domainname: 'd' })).toString('hex')],
    ],
  );
  // protobufjs writes fields in number order, so the unknown ones came last: re-encoding is exact
  const again = encodeImage(img);
  assert.ok(again.subarray(12).equals(Buffer.from(written)));
  const back = newerType.toObject(newerType.decode(again.subarray(12)), { longs: String });
  assert.deepEqual(back['marks'], ['1', '18446744073709551615']);
  assert.deepEqual(back['origin'], { nodename: 'n', domainname: 'd' });
});

test('malformed protobuf is a FormatError, never a protobufjs error', () => {
  // pstree_entry.threads (field 5) as a packed run whose second varint is cut off
  const bytes = Buffer.from([0x08, 0x01, 0x2a, 0x02, 0x05, 0x80]);
  const stockError = (() => {
    try {
      stock.lookupType('pstree_entry').decode(bytes);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(stockError instanceof RangeError);
  assert.throws(
    () => decodeMessage('pstree_entry', bytes, { where: { member: 'pstree.img' } }),
    (e: unknown) => e instanceof FormatError && e.location.offset === 3 && e.location.member === 'pstree.img' &&
      /pstree_entry\.threads/.test(e.message),
  );
});

test('every fixture entry reads as stock protobufjs reads it (64-bit values through its own BigInt conversion)', () => {
  let entries = 0;
  for (const fixture of FIXTURES) {
    for (const [name, bytes] of fixtureImages(fixture)) {
      const img = decodeImage(bytes, { member: name });
      img.records.forEach((record, i) => {
        const type = stock.lookupType(record.type);
        const theirs = type.toObject(type.decode(bytes.subarray(record.offset + 4, record.offset + 4 + record.size)), {
          longs: BigInt as unknown as typeof String,
        });
        assert.deepEqual(comparable(img.entries[i]), comparable(theirs), `${fixture}/${name} entry ${i}`);
        entries++;
      });
    }
  }
  assert.ok(entries > 500, `only ${entries} entries compared`);
  // and the codec configured its own readers only: protobufjs's defaults are untouched
  assert.equal(protobuf.Reader.discardUnknown, true);
});

test('the JSON descriptor is what the committed .proto files parse to', () => {
  const root = new protobuf.Root();
  root.addJSON(
    (JSON.parse(
      fs.readFileSync(require.resolve('protobufjs/google/protobuf/descriptor.json'), 'utf8'),
    ) as protobuf.INamespace).nested!,
  );
  const protoDir = path.join(repoRoot, 'proto', 'criu');
  for (const file of fs.readdirSync(protoDir).filter((f) => f.endsWith('.proto'))) {
    protobuf.parse(fs.readFileSync(path.join(protoDir, file), 'utf8'), root, { keepCase: true });
  }
  root.resolveAll();
  // (through JSON text: protobufjs builds enum value maps without a prototype)
  const parsed = JSON.parse(JSON.stringify(root.toJSON())) as { nested: Record<string, unknown> };
  const { google: _google, criu: _extension, ...types } = parsed.nested;
  assert.deepEqual(types, JSON.parse(descriptorText).nested);
});

function u32le(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
}
