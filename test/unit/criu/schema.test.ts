/**
 * The schemas cover every CRIU 4.2 message, field and enum value of the wire tables (proto/tables), with the same
 * numbers, labels, types and crit options; the magic table is consistent with them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { IMAGE_TYPES, imageTypeByMagic, imageTypeForFileName, rawImageTypeForFileName } from '../../../main/core/criu/index.js';
import { criuSchema, messagePlan } from '../../../main/core/criu/schema.js';
import { repoRoot } from './fixture-images.js';

const fieldsTsv = path.join(repoRoot, 'proto', 'tables', 'criu-wire-fields.tsv');
const enumsTsv = path.join(repoRoot, 'proto', 'tables', 'criu-wire-enums.tsv');

function rows(file: string): string[][] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t'));
}

describe('schema coverage', () => {
  test('every field of criu-wire-fields.tsv, as declared', () => {
    const seen = new Set<string>();
    for (const [, message, field, number, label, type, , option] of rows(fieldsTsv)) {
      const plan = messagePlan(message!);
      const f = plan.byName.get(field!);
      assert.ok(f, `${message}.${field} missing`);
      assert.equal(f.number, Number(number), `${message}.${field} number`);
      assert.equal(f.label, label, `${message}.${field} label`);
      assert.equal(f.typeName, type, `${message}.${field} type`);
      const expected: Record<string, unknown> = {};
      for (const m of (option ?? '').matchAll(/(\w+)=("([^"]*)"|\S+)/g)) expected[m[1]!] = m[3] ?? (m[2] === 'true');
      assert.deepEqual({ ...f.crit }, expected, `${message}.${field} crit options`);
      seen.add(message!);
    }
    assert.equal(criuSchema().messages.size, seen.size, 'no extra messages');
    assert.equal(seen.size, 156);
  });

  test('every enum value of criu-wire-enums.tsv', () => {
    const descriptor = JSON.parse(fs.readFileSync(path.join(repoRoot, 'proto', 'criu', 'criu.json'), 'utf8')) as {
      nested: Record<string, { values?: Record<string, number>; nested?: Record<string, { values?: Record<string, number> }> }>;
    };
    for (const [, enumName, name, value] of rows(enumsTsv)) {
      const [outer, inner] = enumName!.split('.');
      const values = inner ? descriptor.nested[outer!]?.nested?.[inner]?.values : descriptor.nested[outer!]?.values;
      assert.ok(values, `enum ${enumName} missing`);
      assert.equal(values[name!], Number(value), `${enumName}.${name}`);
    }
  });
});

describe('magic table', () => {
  test('magics are unique and every entry message exists', () => {
    const seen = new Map<number, string>();
    for (const t of IMAGE_TYPES) {
      if (t.layout === 'raw') {
        assert.equal(t.magic, 0);
        continue;
      }
      assert.ok(!seen.has(t.magic), `${t.name} reuses the magic of ${seen.get(t.magic)}`);
      seen.set(t.magic, t.name);
      if (t.entry) assert.ok(messagePlan(t.entry), t.name);
    }
    assert.equal(imageTypeByMagic(0x56084025)?.name, 'PAGEMAP');
    assert.equal(imageTypeByMagic(0x57093306)?.headMagic, 'IMG_SERVICE');
    assert.equal(imageTypeByMagic(0x58313116)?.headMagic, null); // inventory.img has no head magic
  });

  test('file names', () => {
    assert.equal(imageTypeForFileName('checkpoint/core-6.img')?.name, 'CORE');
    assert.equal(imageTypeForFileName('pagemap-shmem-100.img')?.name, 'PAGEMAP');
    assert.equal(imageTypeForFileName('ghost-file-1a.img')?.name, 'GHOST_FILE');
    assert.equal(imageTypeForFileName('stats-dump')?.name, 'STATS');
    assert.equal(rawImageTypeForFileName('pages-2.img')?.name, 'PAGES');
    assert.equal(rawImageTypeForFileName('tmpfs-dev-44.tar.gz.img')?.name, 'TMPFS_DEV');
    assert.equal(rawImageTypeForFileName('amdgpu-pages-1.img'), undefined); // a plugin's file, not CRIU's pages
    assert.equal(rawImageTypeForFileName('pagemap-1.img'), undefined);
  });
});
