/**
 * An independent check of the decoder: protobufjs (the parser the build script used to produce
 * proto/criu/criu.json) decodes every fixture entry from the same descriptor, and the field values must
 * agree with ours. Also checks that the descriptor matches the committed .proto files.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as protobuf from 'protobufjs';

import { decodeImage } from '../../../main/core/criu/index.js';
import { FIXTURES, fixtureImages, repoRoot } from './fixture-images.js';

const descriptor = JSON.parse(fs.readFileSync(path.join(repoRoot, 'proto', 'criu', 'criu.json'), 'utf8')) as protobuf.INamespace;

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

test('protobufjs decodes every fixture entry to the same values', () => {
  const root = protobuf.Root.fromJSON(descriptor);
  let entries = 0;
  for (const fixture of FIXTURES) {
    for (const [name, bytes] of fixtureImages(fixture)) {
      const img = decodeImage(bytes, { member: name });
      img.records.forEach((record, i) => {
        const type = root.lookupType(record.type);
        const theirs = type.toObject(type.decode(bytes.subarray(record.offset + 4, record.offset + 4 + record.size)), {
          longs: BigInt as unknown as typeof String,
        });
        assert.deepEqual(comparable(img.entries[i]), comparable(theirs), `${fixture}/${name} entry ${i}`);
        entries++;
      });
    }
  }
  assert.ok(entries > 500, `only ${entries} entries compared`);
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
  assert.deepEqual(types, descriptor.nested);
});
