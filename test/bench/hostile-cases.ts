/**
 * Every category of issue 10 §3 (and issue 7's corpus) as runnable cases for the hostile-input table: the
 * input is made here (from the fixtures, with the project's codec and the generators in build/), and each
 * case names the command an analyst would run on it. hostile.bench.ts measures exit code, wall time and peak
 * RSS of each.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Pax } from 'tar';
import { encodeImage, FdTypes } from '../../main/core/criu';
import { editImage, HOSTILE_NAMES, readBase, tar, tarMember, type Member } from '../../build/make-hostile';
import { makeHostileIo } from '../../build/make-hostile-io';
import { makeHostileScale } from '../../build/make-hostile-scale';
import { addFds, criuDirCopy } from '../unit/model/mm-synth';
import { KENSA_BIN, LOCAL_FIXTURES } from '../helpers';

export interface HostileCase {
  category: string;
  input: string;
  /** kensa arguments. */
  args: string[];
  /** Written to stdout instead of a pipe (a regular file), for `cat` of a sparse ghost. */
  stdoutFile?: string;
}

/** A plain tar of the crio-counter members, unpacked into a folder (for cases that need a folder). */
function unpackBase(dir: string, members: Member[]): string {
  for (const m of members) {
    const p = path.join(dir, m.name);
    if (m.type === 'Directory') fs.mkdirSync(p, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, m.data);
    }
  }
  return dir;
}

/** A pax header giving `name` as the path (a NUL inside it included), then an empty file. */
function paxMember(name: string): Buffer {
  const pax = new Pax({ path: name }).encode();
  return Buffer.concat([pax, tarMember({ name: 'placeholder', data: Buffer.alloc(0) })]);
}

export function hostileCases(work: string): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (category: string, input: string, ...argsList: string[][]): void => {
    for (const args of argsList) cases.push({ category, input, args: [args[0], input, ...args.slice(1)] });
  };
  const out = (name: string): string => fs.mkdtempSync(path.join(work, `${name}-`));
  const file = (name: string, data: Buffer): string => {
    const p = path.join(work, name);
    fs.writeFileSync(p, data);
    return p;
  };
  const base = readBase();

  // Issue 7's corpus (committed in test/fixtures/hostile).
  for (const n of HOSTILE_NAMES) add('issue 7 corpus', path.join(LOCAL_FIXTURES, 'hostile', n), ['show'], ['inspect', '--all'], ['mem'], ['core', '--out', out('core')]);

  // Memory blow-up from a packed repeated field.
  const io = path.join(work, 'io');
  makeHostileIo(io);
  add('packed repeated field (40 Mi varints)', path.join(io, 'auxv-bomb.tar.gz'), ['ps'], ['inspect', '--all'], ['mem']);

  // Silent truncation: a gzip member followed by garbage (build/make-hostile-io.ts); a member cut short.
  add('gzip + trailing garbage', path.join(io, 'gzip-trailing.tar.gz'), ['show'], ['ls']);
  add('member cut short', path.join(LOCAL_FIXTURES, 'hostile', 'cut-short.tar'), ['cat', 'checkpoint/pages-2.img']);

  // Output paths: a planted link at core.PID; report --out at the custody log.
  const planted = out('planted');
  fs.symlinkSync(path.join(work, 'victim'), path.join(planted, 'core.6'));
  add('planted link at core.PID', path.join(LOCAL_FIXTURES, 'crio-counter', 'checkpoint-counters_default-counter-2026-11-26T00:55:04Z.tar'), ['core', '--pid', '6', '--out', planted]);
  const caseDir = path.join(work, 'case');
  spawnSync(process.execPath, [KENSA_BIN, 'case', 'init', caseDir, '--analyst', 'bench', '--title', 'hostile'], { stdio: 'ignore' });
  cases.push({ category: 'report --out at the custody log', input: caseDir, args: ['report', caseDir, '--format', 'json', '--out', path.join(caseDir, 'custody.jsonl')] });
  add('core --out naming a regular file', path.join(LOCAL_FIXTURES, 'crio-counter', 'checkpoint-counters_default-counter-2026-11-26T00:55:04Z.tar'), ['core', '--out', file('regular-file', Buffer.from('x'))]);

  // Hangs: FIFO as the archive and as an image, a parent link at /, file mapping past EOF, a backtracking regex.
  const fifo = path.join(work, 'archive.fifo');
  spawnSync('mkfifo', [fifo]);
  add('FIFO as the archive', fifo, ['show']);
  const withFifo = unpackBase(path.join(work, 'fifo-folder'), base);
  fs.rmSync(path.join(withFifo, 'checkpoint', 'core-7.img'));
  spawnSync('mkfifo', [path.join(withFifo, 'checkpoint', 'core-7.img')]);
  add('FIFO as an image in a folder', withFifo, ['show'], ['ps']);
  const parentRoot = unpackBase(path.join(work, 'parent-root'), base);
  fs.symlinkSync('/', path.join(parentRoot, 'checkpoint', 'parent'));
  add('parent link at /', parentRoot, ['mem'], ['core', '--out', out('core')]);
  const scale = makeHostileScale(path.join(work, 'scale'));
  add('1 TiB file mapping over 10 bytes', scale['file-vma-1tib.tar'], ['mem', '--search', 'test-file'], ['strings', '--pid', '6'], ['core', '--pid', '6', '--out', out('core')], ['diff', scale['file-vma-1tib.tar']]);
  add('backtracking regex on zero runs', path.join(LOCAL_FIXTURES, 'crio-counter', 'checkpoint-counters_default-counter-2026-11-26T00:55:04Z.tar'), ['mem', '--regex', '(\\x00|\\x00)*x']);

  // Cost that grows with the claimed size.
  add('16 GiB untouched reservation', scale['anon-16gib.tar'], ['core', '--pid', '6', '--out', out('core')], ['mem', '--search', 'RANDOM']);
  add('64 TiB untouched reservation', scale['anon-64tib.tar'], ['core', '--pid', '6', '--out', out('core')], ['mem', '--search', 'RANDOM']);
  add('ghost claiming 2^52 bytes (pipe)', scale['ghost-2p52.tar'], ['cat', 'deleted:/home/app/counter']);
  cases.push({ category: 'ghost claiming 8 GiB (> FILE)', input: scale['ghost-8gib.tar'], args: ['cat', scale['ghost-8gib.tar'], 'deleted:/home/app/counter'], stdoutFile: path.join(work, 'ghost.out') });

  // Stack overflows and quadratic paths.
  const many: [string, string][] = [
    ['150k processes', 'processes-150k.tar'],
    ['4000-deep process chain', 'chain-4000.tar'],
    ['40k orphan processes', 'orphans-40k.tar'],
    ['1M thread ids', 'threads-1m.tar'],
    ['200k VMAs', 'vmas-200k.tar'],
    ['300k pagemap runs', 'pagemap-300k.tar'],
    ['199k tar members', 'members-199k.tar'],
  ];
  for (const [category, n] of many) add(category, scale[n], ['show'], ['ps'], ['inspect', '--all'], ['mem', '--search', 'RANDOM'], ['core', '--pid', '6', '--out', out('core')], ['diff', scale[n]]);

  // Malformed values: an INET address of 3 words.
  const inet = criuDirCopy('kensa-bench-inet-');
  const fown = { uid: 0, euid: 0, signum: 0, pid_type: 0, pid: 0 };
  const opts = { so_sndbuf: 212992, so_rcvbuf: 212992, so_snd_tmo_sec: 0n, so_snd_tmo_usec: 0n, so_rcv_tmo_sec: 0n, so_rcv_tmo_usec: 0n };
  addFds(inet, 3, [{ fd: 40, file: { type: FdTypes.INETSK, id: 9200, isk: { id: 9200, ino: 49000, family: 10, type: 1, proto: 6, state: 1, src_port: 6379, dst_port: 50000, flags: 0, backlog: 0, src_addr: [1, 2, 3], dst_addr: [0, 0, 0, 0], fown, opts } } }]);
  add('INET address of 3 words', inet, ['inspect', '--all'], ['inspect', '--all', '--json']);

  // Nested bombs: a gzip rootfs-diff.tar inflating past every limit (build/make-hostile-io.ts).
  add('nested gzip bomb (rootfs-diff.tar)', path.join(io, 'nested-gzip-bomb.tar'), ['ls', 'rootfs-diff.tar'], ['inspect', '--all']);

  // Names shown inexactly: bytes that are not UTF-8, U+200F / U+061C, a NUL in a pax path, conflicting remaps.
  const names = editImage(base, 'checkpoint/core-6.img', (entries) => {
    const e = entries[0] as { tc: Record<string, unknown> };
    e.tc = { ...e.tc, comm: 'cou\u200fnt\u061cer' };
  });
  const nulPax = tar(names);
  add('names: U+200F / U+061C, NUL in a pax path', file('names.tar', Buffer.concat([nulPax.subarray(0, nulPax.length - 1024), paxMember('junk/a\u0000b'), Buffer.alloc(1024)])), ['ps'], ['ls']);
  const remap = encodeImage({ magicName: 'REMAP_FPATH', entries: [{ orig_id: 7, remap_id: 1, remap_type: 1 }, { orig_id: 7, remap_id: 2, remap_type: 1 }] });
  add('conflicting remaps for one file id', file('remaps.tar', tar([...base, { name: 'checkpoint/remap-fpath.img', data: remap }])), ['ls', 'deleted'], ['inspect', '--files']);
  return cases;
}
