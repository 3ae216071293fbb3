/**
 * `--format raw`: plain values (numbers, decimal strings past 2^53-1, bytes as hex, enums as numbers), where
 * each entry sits, payloads and warnings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeImage, rawJson } from '../../../main/core/criu/index.js';
import { fixtureImages } from './fixture-images.js';

type RawDoc = {
  magic: string;
  entries: Array<{ type: string; offset: number; size: number; fields: Record<string, unknown>; payload?: Record<string, unknown> }>;
  warnings: unknown[];
};

function raw(fixture: Parameters<typeof fixtureImages>[0], name: string): { text: string; doc: RawDoc } {
  const text = rawJson(decodeImage(fixtureImages(fixture).get(name)!, { member: name }));
  return { text, doc: JSON.parse(text) as RawDoc };
}

test('a small image, in full', () => {
  assert.equal(
    raw('criu-dir', 'utsns-10.img').text,
    `{
    "magic": "UTSNS",
    "magic_value": "0x54473203",
    "kind": "entries",
    "head_magic": "IMG_COMMON",
    "byte_order": "little",
    "size": 30,
    "entries": [
        {
            "type": "utsns_entry",
            "offset": 8,
            "size": 18,
            "fields": {
                "nodename": "counters",
                "domainname": "(none)"
            }
        }
    ],
    "warnings": []
}
`,
  );
});

test('64-bit values: numbers while exact, decimal strings beyond 2^53-1; enums as numbers', () => {
  const { doc } = raw('criu-dir', 'core-3.img');
  const core = doc.entries[0]!.fields as {
    mtype: number;
    thread_info: { gpregs: Record<string, unknown> };
    tc: { rlimits: { rlimits: Array<{ cur: unknown }> } };
  };
  assert.equal(core.mtype, 1);
  assert.equal(core.thread_info.gpregs['ip'], 0x7fb5c2fab6ee);
  assert.equal(core.thread_info.gpregs['mode'], 1);
  assert.equal(core.tc.rlimits.rlimits[0]!.cur, '18446744073709551615'); // RLIM_INFINITY
});

test('bytes as lowercase hex, payloads and offsets', () => {
  const seccomp = raw('shmpair', 'seccomp.img').doc;
  const filter = (seccomp.entries[0]!.fields['seccomp_filters'] as Array<{ filter: string }>)[0]!.filter;
  assert.match(filter, /^20000000040000001500/); // BPF_LD|W|ABS 4: the first sock_filter, 8 bytes each
  assert.equal(filter.length % 16, 0);

  const pipes = raw('criu-dir', 'pipes-data.img').doc;
  assert.deepEqual(pipes.entries[0]!.payload, { kind: 'pipe-data', data: '' });
  assert.equal(pipes.entries[0]!.offset, 8);
});
