/**
 * Memory search: matches across page, run, VMA, chunk and regex-window boundaries; none across gaps or
 * missing bytes; zero runs skipped yet exact; shared memory seen by every process mapping it; regex, hex,
 * UTF-16 and case-insensitive patterns; --vma filters; context, provenance, progress, cancel, max hits.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { searchAddressSpace, searchMemory, parseVmaFilters, SEARCH_CHUNK, type SearchHit } from '../../../main/core/memory/search';
import { compilePattern, requiredLiteral, byteRegexSource, parseHexBytes, regexMatchesZeros, REGEX_MAX_MATCH } from '../../../main/core/memory/pattern';
import { PE_PRESENT } from '../../../main/core/memory/pagemap';
import { fixture, TEST_CACHE } from '../../helpers';
import { makeSpace, PAGE, randomBytes, vma } from './space';

const addrs = (hits: SearchHit[]): bigint[] => hits.map((h) => h.address);

test('a match crossing a page boundary inside one run', async () => {
  const data = Buffer.alloc(2 * PAGE, 0x41);
  data.write('NEEDLE', PAGE - 3, 'latin1');
  const space = makeSpace([vma(0x10000n, 0x12000n)], [{ start: 0x10000n, data }]);
  assert.deepEqual(addrs(await searchAddressSpace(space, { text: 'NEEDLE' })), [0x10000n + BigInt(PAGE - 3)]);
});

test('a match crossing two pagemap runs whose pages are apart in the pages file', async () => {
  const a = Buffer.alloc(PAGE, 0x42);
  const b = Buffer.alloc(PAGE, 0x43);
  a.write('SPLIT', PAGE - 2, 'latin1');
  b.write('-RUN', 0, 'latin1'); // "SP" + "LIT" ... written across: a ends "SP", b starts "LIT-RUN"
  b.write('LIT-RUN', 0, 'latin1');
  // b's bytes come first in the pages file: the runs are contiguous in addresses only.
  const space = makeSpace([vma(0x20000n, 0x22000n)], [{ start: 0x21000n, data: b }, { start: 0x20000n, data: a }]);
  const extents = space.extents(0x20000n, 0x22000n);
  assert.equal(extents.length, 2, 'two extents: the runs are not contiguous in the pages file');
  const hits = await searchAddressSpace(space, { text: 'SPLIT-RUN' });
  assert.deepEqual(addrs(hits), [0x20000n + BigInt(PAGE - 2)]);
  assert.equal(hits[0].memberOffset, PAGE + PAGE - 2, 'provenance: offset of the first byte in the pages file');
});

test('a match crossing a VMA boundary where the addresses are contiguous, and none across a gap', async () => {
  const a = Buffer.alloc(PAGE);
  const b = Buffer.alloc(PAGE);
  a.write('ACROSS', PAGE - 3, 'latin1');
  b.write('OSS-VMAS', 0, 'latin1'); // "ACR" | "OSS-VMAS"
  const heap = vma(0x30000n, 0x31000n, { kind: 'heap' });
  const anon = vma(0x31000n, 0x32000n);
  const space = makeSpace([heap, anon], [{ start: 0x30000n, data: a }, { start: 0x31000n, data: b }]);
  const hits = await searchAddressSpace(space, { text: 'ACROSS-VMAS' });
  assert.deepEqual(addrs(hits), [0x31000n - 3n]);
  assert.equal(hits[0].vma, heap, 'the hit names the VMA of its first byte');

  const gap = makeSpace([vma(0x40000n, 0x41000n), vma(0x42000n, 0x43000n)], [{ start: 0x40000n, data: a }, { start: 0x42000n, data: b }]);
  assert.deepEqual(await searchAddressSpace(gap, { text: 'ACROSS-VMAS' }), []);
});

test('missing bytes are neither searched nor bridged', async () => {
  const a = Buffer.alloc(PAGE);
  const c = Buffer.alloc(PAGE);
  a.write('LAZY', PAGE - 4, 'latin1');
  c.write('GAP', 0, 'latin1');
  // A lazy-only run (not in the checkpoint) between two present pages.
  const space = makeSpace([vma(0x50000n, 0x53000n)], [{ start: 0x50000n, data: a }, { start: 0x51000n, pages: 1 }, { start: 0x52000n, data: c }]);
  assert.deepEqual(await searchAddressSpace(space, { hex: '00 00 00 00' }, { maxHits: 100000 }).then((h) => h.some((x) => x.address >= 0x51000n && x.address < 0x52000n)), false);
  assert.deepEqual(await searchAddressSpace(space, { text: 'LAZYGAP' }), []);
  assert.equal((await searchAddressSpace(space, { text: 'GAP' }))[0].address, 0x52000n);
});

test('matches across the 4 MiB chunk and the regex window boundaries, checked against a whole-buffer scan', async () => {
  const size = 2 * SEARCH_CHUNK + 5 * PAGE;
  const data = randomBytes(size);
  const needle = 'KENSA-NEEDLE-1234';
  const spots = [0, SEARCH_CHUNK - 5, SEARCH_CHUNK - needle.length + 1, SEARCH_CHUNK, 96 * 1024 - 7, 2 * 96 * 1024 - 1, 2 * SEARCH_CHUNK - 1, size - needle.length];
  for (const s of spots) data.write(needle, s, 'latin1');
  for (let k = 1; k < 200; k++) data.write(`key=value${k};`, k * 40_001 + (k % 7), 'latin1');
  const base = 0x7f0000000000n;
  const space = makeSpace([vma(base, base + BigInt(size))], [{ start: base, data }]);
  const want: number[] = [];
  for (let i = data.indexOf(needle); i !== -1; i = data.indexOf(needle, i + needle.length)) want.push(i);
  assert.deepEqual(addrs(await searchAddressSpace(space, { text: needle })).map((a) => Number(a - base)), want);

  // Regexes: against the same regex run over the whole buffer at once.
  const text = data.toString('latin1');
  for (const source of ['KENSA-NEEDLE-[0-9]+', 'key=value\\d+;', 'key=\\w+', '(?:key|KENSA)[=-]', 'val(ue)?\\d{2,3};', 'E-1234$|^KENSA', '\\bkey=v', '[A-Z]{5}-N']) {
    const re = new RegExp(byteRegexSource(source), 'g');
    const ref: [number, number][] = [];
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0].length === 0) re.lastIndex++;
      else ref.push([m.index, m[0].length]);
    }
    const got = (await searchAddressSpace(space, { regex: source })).map((h): [number, number] => [Number(h.address - base), h.length]);
    assert.deepEqual(got, ref, `regex /${source}/`);
  }
});

test('zero runs: skipped for non-zero patterns but matches touching them are found; zero-only patterns match zeros', async () => {
  const first = Buffer.alloc(PAGE, 0x61);
  const last = Buffer.alloc(PAGE, 0x62);
  first.write('TAIL', PAGE - 4, 'latin1');
  last.write('HEAD', 0, 'latin1');
  const start = 0x600000n;
  const zeroPages = 300;
  const end = start + BigInt((zeroPages + 2) * PAGE);
  // first page, 300 untouched (zero) pages, last page
  const space = makeSpace([vma(start, end)], [{ start, data: first }, { start: end - BigInt(PAGE), data: last }]);
  const tailThenZeros = Buffer.concat([Buffer.from('TAIL'), Buffer.alloc(8)]).toString('hex');
  const zerosThenHead = Buffer.concat([Buffer.alloc(8), Buffer.from('HEAD')]).toString('hex');
  assert.deepEqual(addrs(await searchAddressSpace(space, { hex: tailThenZeros })), [start + BigInt(PAGE - 4)]);
  assert.deepEqual(addrs(await searchAddressSpace(space, { hex: zerosThenHead })), [end - BigInt(PAGE) - 8n]);
  let scanned = 0;
  await searchAddressSpace(space, { text: 'TAIL' }, { onProgress: (d) => (scanned = d) });
  assert.ok(scanned < 4 * PAGE, `zero pages are not read for a non-zero pattern (${scanned} bytes scanned)`);
  // All-zero pattern: 300 zero pages hold 300 * PAGE / 16 non-overlapping matches of 16 zero bytes.
  const zeros = await searchAddressSpace(space, { hex: '00'.repeat(16) }, { maxHits: 1e6 });
  assert.equal(zeros.length, (zeroPages * PAGE) / 16);
  assert.equal(zeros[0].address, start + BigInt(PAGE));
  assert.equal(zeros[0].origin, 'zero');
  // A regex that can match zeros only is not given the skip either.
  assert.equal((await searchAddressSpace(space, { regex: '\\x00{4096}' }, { maxHits: 1e6 })).length, zeroPages);
});

test("shared memory is reported for every process mapping it; fork copies of private memory from each process's own pages", async () => {
  const cp = await Checkpoint.open(fixture('shmpair').input, { cacheDir: TEST_CACHE });
  const pairs = async (text: string, pids?: number[]): Promise<string[]> =>
    (await searchMemory(cp, { pattern: { text }, ...(pids ? { pids } : {}) })).map((h) => `${h.pid}@${h.address.toString(16)}:${h.origin}:${h.vma.kind}`);
  assert.deepEqual(await pairs('PAIR-SHARED-ANON-6b2f'), ['1@7feee6553000:shmem:memfd', '6@7feee6553000:shmem:memfd']);
  assert.deepEqual(await pairs('PAIR-MEMFD-91c4'), ['1@7feee6552000:shmem:memfd', '6@7feee6552000:shmem:memfd']);
  // The child wrote this into the shared mapping: the parent sees it too.
  assert.deepEqual(await pairs('written by the child'), ['1@7feee6553080:shmem:memfd', '6@7feee6553080:shmem:memfd']);
  // The heap string was copied by fork: each process has its own copy, in its own pages file.
  const heap = await searchMemory(cp, { pattern: { text: 'PAIR-PARENT-HEAP-0d3a' } });
  assert.deepEqual(heap.map((x) => `${x.pid}:${x.origin}:${x.vma.kind}`), ['1:pages:heap', '6:pages:heap']);
  assert.notEqual(heap[0].member, heap[1].member, 'private copies come from different pages files');
  assert.deepEqual(await pairs('PAIR-SHARED-ANON-6b2f', [6]), ['6@7feee6553000:shmem:memfd']);
  const m = (await searchMemory(cp, { pattern: { text: 'PAIR-MEMFD-91c4' }, pids: [1], context: 4 }))[0];
  assert.match(m.member ?? '', /^checkpoint\/pages-\d+\.img$/);
  assert.equal(m.vma.name, '/memfd:pair-memfd (deleted)');
  assert.equal(m.before.length, 0, 'nothing is mapped right before the memfd mapping');
  const a = (await searchMemory(cp, { pattern: { text: 'PAIR-SHARED-ANON-6b2f' }, pids: [1], context: 4 }))[0];
  assert.equal(a.vma.name, '/dev/zero (deleted)');
  assert.equal(a.before.length, 4, 'context reaches back into the memfd mapping right below (contiguous addresses)');
  cp.close();
});

test('regex, hex, ignore-case and vma filters on a real checkpoint', async () => {
  const cp = await Checkpoint.open(fixture('podman-counter').input, { cacheDir: TEST_CACHE });
  const key = 0x3427a8e0n;
  const find = async (pattern: Parameters<typeof searchMemory>[1]['pattern'], vmaFilter?: string[]): Promise<string[]> =>
    (await searchMemory(cp, { pattern, ...(vmaFilter ? { vma: vmaFilter } : {}) })).map((h) => `${h.pid}@${h.address.toString(16)}`);
  const at = `6@${key.toString(16)}`;
  assert.deepEqual(await find({ text: 'RANDOM_1432_KEY' }), [at]);
  assert.deepEqual(await find({ text: 'random_1432_key' }), []);
  assert.deepEqual(await find({ text: 'random_1432_key', ignoreCase: true }), [at]);
  assert.deepEqual(await find({ regex: 'RANDOM_\\d+_KEY' }), [at]);
  assert.deepEqual(await find({ regex: 'random_\\d+_key', ignoreCase: true }), [at]);
  assert.deepEqual(await find({ hex: '52 41 4e 44 4f 4d 5f 31' }), [at]);
  assert.deepEqual(await find({ regex: '\\x00RANDOM_1432_KEY\\x00' }), [`6@${(key - 1n).toString(16)}`], 'any byte can be matched with \\x escapes');
  // --vma: kinds, permissions, ranges, path substrings.
  assert.deepEqual(await find({ text: 'RANDOM_1432_KEY' }, ['[heap]']), [at]);
  assert.deepEqual(await find({ text: 'RANDOM_1432_KEY' }, ['[stack]']), []);
  assert.deepEqual(await find({ text: 'RANDOM_1432_KEY' }, ['rw-']), [at]);
  assert.deepEqual(await find({ text: 'RANDOM_1432_KEY' }, ['r-x']), []);
  assert.deepEqual(await find({ text: 'RANDOM_1432_KEY' }, ['rw-', '[stack]']), [], 'filters of different sorts combine');
  assert.deepEqual(await find({ text: 'RANDOM_1432_KEY' }, ['[stack]', '[heap]']), [at], 'filters of one sort are alternatives');
  assert.deepEqual(await find({ text: 'RANDOM_1432_KEY' }, [`0x${key.toString(16)}-0x${(key + 15n).toString(16)}`]), [at]);
  assert.deepEqual(await find({ text: 'RANDOM_1432_KEY' }, [`0x${key.toString(16)}-0x${(key + 14n).toString(16)}`]), [], 'a range cuts the match');
  assert.deepEqual(await find({ text: 'RANDOM_1432_KEY' }, ['counter']), [], 'path substring: only the counter binary');
  assert.ok((await find({ text: 'glibc.malloc' }, ['counter'])).length > 0);
  cp.close();
});

test('UTF-16LE text, with and without case folding, and UTF-8 text', async () => {
  const data = Buffer.alloc(2 * PAGE);
  data.write('Passwort: Geheimnis', 100, 'utf16le');
  data.write('PASSWORT: geheimnis', PAGE - 9, 'utf16le'); // across the page boundary
  data.write('Schlüssel=ÄÖÜ', 3000, 'utf8');
  const space = makeSpace([vma(0x1000000n, 0x1002000n)], [{ start: 0x1000000n, data }]);
  assert.deepEqual(addrs(await searchAddressSpace(space, { text: 'Passwort', utf16: true })), [0x1000000n + 100n]);
  assert.deepEqual(addrs(await searchAddressSpace(space, { text: 'passwort: geheimnis', utf16: true, ignoreCase: true })), [0x1000000n + 100n, 0x1000000n + BigInt(PAGE - 9)]);
  assert.deepEqual(addrs(await searchAddressSpace(space, { text: 'Passwort' })), [], 'UTF-16 text is not ASCII text');
  assert.deepEqual(addrs(await searchAddressSpace(space, { text: 'Schlüssel=ÄÖÜ' })), [0x1000000n + 3000n]);
  assert.deepEqual(addrs(await searchAddressSpace(space, { text: 'schlüssel=äöü', ignoreCase: true })), [0x1000000n + 3000n], 'case folding of non-ASCII UTF-8 characters');
  assert.deepEqual(addrs(await searchAddressSpace(space, { regex: 'Schlüssel=.{2}' })), [0x1000000n + 3000n], 'a regex with non-ASCII text matches its UTF-8 bytes');
});

test('context, hit limit, progress and cancel', async () => {
  const data = Buffer.alloc(4 * PAGE, 0x2e);
  for (let i = 0; i < 10; i++) data.write('hit', 100 + i * 1000, 'latin1');
  const space = makeSpace([vma(0x2000000n, 0x2004000n)], [{ start: 0x2000000n, data }]);
  const [h] = await searchAddressSpace(space, { text: 'hit' }, { context: 5, maxHits: 1 });
  assert.equal(h.before.toString('latin1'), '.....');
  assert.equal(h.after.toString('latin1'), '.....');
  assert.equal(h.match.toString('latin1'), 'hit');
  assert.equal(h.origin, 'pages');
  assert.equal((await searchAddressSpace(space, { text: 'hit' }, { maxHits: 3 })).length, 3);
  const seen: [number, number][] = [];
  await searchAddressSpace(space, { text: 'hit' }, { onProgress: (d, t) => seen.push([d, t]) });
  assert.deepEqual(seen[seen.length - 1], [4 * PAGE, 4 * PAGE]);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(searchAddressSpace(space, { text: 'hit' }, { signal: ac.signal }), { name: 'AbortError' });
});

test('patterns: hex parsing, required literals of regexes, usage errors', () => {
  assert.deepEqual([...parseHexBytes('de ad BE ef')], [0xde, 0xad, 0xbe, 0xef]);
  assert.throws(() => parseHexBytes('abc'), /whole bytes/);
  assert.throws(() => parseHexBytes('zz'), /hex digit pairs/);
  assert.throws(() => compilePattern({ regex: '(' }), /invalid regular expression/);
  assert.throws(() => compilePattern({ text: '' }), /empty/);
  const lit = (s: string): string | undefined => requiredLiteral(s)?.toString('latin1');
  assert.equal(lit('NEEDLE-[0-9]+-OF-8-c0ffee'), '-OF-8-c0ffee');
  assert.equal(lit('abc|def'), undefined, 'top-level alternation');
  assert.equal(lit('(abc|def)ghi'), 'ghi');
  assert.equal(lit('ab?cdef'), 'cdef', 'an optional character ends the run before it');
  assert.equal(lit('x+yz'), 'yz');
  assert.equal(lit('a\\.b\\x41\\x42'), 'a.bAB');
  assert.equal(lit('\\d\\w\\s'), undefined);
  assert.equal(lit('ke{0}y'), undefined);
  assert.equal(compilePattern({ regex: 'abc', ignoreCase: true }).prefilter, undefined, 'no byte prefilter when case is ignored');
  assert.equal(compilePattern({ hex: '00 00' }).matchesZeros, true);
  // A user regex is only run in its worker (regex-scan.ts): until then it is assumed to match zeros.
  assert.equal(compilePattern({ regex: 'a\\x00*' }).matchesZeros, true);
  assert.equal(compilePattern({ regex: 'a\\x00*' }).userRegex, true);
  assert.equal(regexMatchesZeros(compilePattern({ regex: 'a\\x00*' }).regex!), false);
  assert.equal(regexMatchesZeros(compilePattern({ regex: '\\x00+' }).regex!), true);
  assert.equal(compilePattern({ regex: 'a' }).overlap, REGEX_MAX_MATCH);
  const f = parseVmaFilters(['0x1000-0x2000', 'r-x', '[heap]', 'libc']);
  assert.deepEqual(f, { ranges: [{ start: 0x1000n, end: 0x2000n }], perms: ['r-x'], names: ['[heap]', 'libc'] });
  assert.throws(() => parseVmaFilters(['0x2000-0x1000']), /above the start/);
  assert.equal(PE_PRESENT, 4);
});
