/**
 * Generated code stays current: the committed .proto schemas, their JSON descriptor, the TypeScript message
 * types and crit's tables are exactly what `npm run gen:proto` makes from proto/tables.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { generateAll, staleFiles } from '../../../build/gen-proto-criu';

test('generated: proto/criu, criu.json, messages.generated.ts and crit-tables.generated.ts match the generator', () => {
  const files = generateAll();
  assert.ok([...files.keys()].filter((f) => f.endsWith('.proto')).length > 50, 'the generator makes every CRIU .proto file');
  assert.ok([...files.keys()].some((f) => f.endsWith('messages.generated.ts')));
  for (const [file, text] of files) assert.ok(fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text, `${file} differs from what npm run gen:proto makes`);
  assert.deepEqual(staleFiles(), []);
});
