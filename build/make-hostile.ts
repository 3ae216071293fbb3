/**
 * Builds the hostile-input corpus in test/fixtures/hostile from the real crio-counter fixture (a plain
 * CRI-O tar, so members can be edited in place): archives crafted the way an attacker who controls a node
 * would craft them (issue 7). Deterministic: the same fixtures give the same bytes.
 *
 *   npm run build && node dist/build/make-hostile.js [OUTDIR]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Header } from 'tar';
import { decodeImage, encodeImage } from '../main/core/criu';
import { indexTar } from '../main/core/archive/tar-index';
import { BufferSource } from '../main/core/io/byte-source';

const REPO = path.resolve(__dirname, '..', '..');
const BASE = path.join(REPO, 'test', 'fixtures', 'crio-counter', 'checkpoint-counters_default-counter-2026-11-26T00:55:04Z.tar');

export interface Member {
  name: string;
  data: Buffer;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice';
  linkpath?: string;
  mode?: number;
}

/** One ustar member: header + data padded to 512 (POSIX.1 ustar). */
export function tarMember(m: Member): Buffer {
  const h = new Header({
    path: m.name,
    mode: m.mode ?? (m.type === 'Directory' ? 0o755 : 0o644),
    uid: 0,
    gid: 0,
    size: m.type === undefined || m.type === 'File' ? m.data.length : 0,
    mtime: new Date(Date.UTC(2026, 10, 26)),
    type: m.type ?? 'File',
    linkpath: m.linkpath,
    uname: 'root',
    gname: 'root',
    devmaj: 0,
    devmin: 0,
  });
  const block = Buffer.alloc(512);
  h.encode(block, 0);
  const data = m.type === undefined || m.type === 'File' ? m.data : Buffer.alloc(0);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([block, data, pad]);
}

export function tar(members: Member[]): Buffer {
  return Buffer.concat([...members.map(tarMember), Buffer.alloc(1024)]);
}

export function readBase(): Member[] {
  const buf = fs.readFileSync(BASE);
  const index = indexTar(new BufferSource(buf));
  return index.members.map((m) => ({
    name: m.rawName,
    data: Buffer.from(buf.subarray(m.dataOffset, m.dataOffset + m.size)),
    type: m.type === 'dir' ? 'Directory' : 'File',
    mode: m.mode,
  }));
}

export function replace(members: Member[], name: string, data: Buffer): Member[] {
  let found = false;
  const out = members.map((m) => {
    if (m.name !== name) return m;
    found = true;
    return { ...m, data };
  });
  if (!found) throw new Error(`no member ${name}`);
  return out;
}

export function editImage(members: Member[], name: string, edit: (entries: Record<string, unknown>[]) => void): Member[] {
  const m = members.find((x) => x.name === name)!;
  const img = decodeImage(m.data, { member: name });
  const entries = img.entries.map((e) => ({ ...(e as Record<string, unknown>) }));
  edit(entries);
  return replace(members, name, encodeImage({ ...img, entries }));
}

export const HOSTILE_NAMES = [
  'tar-traversal.tar',
  'rootfs-diff-traversal.tar',
  'symlink-escape.tar',
  'zstd-bomb.tar.zst',
  'entry-4gib.tar',
  'pagemap-overclaim.tar',
  'pstree-cycle.tar',
  'html-escape-comm.tar',
  'cut-short.tar',
] as const;

export function makeHostile(outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const base = readBase();
  const written: string[] = [];
  const write = (name: string, data: Buffer): void => {
    fs.writeFileSync(path.join(outDir, name), data);
    written.push(name);
  };

  // 1. Members whose names climb out of the extraction folder or are absolute.
  write('tar-traversal.tar', tar([...base, { name: '../../../../tmp/kensa-escaped', data: Buffer.from('escaped\n') }, { name: '/etc/kensa-absolute', data: Buffer.from('absolute\n') }]));

  // 2. rootfs-diff.tar with traversal, absolute, device and duplicate names.
  const evilDiff = tar([
    { name: 'home/app/test-file', data: Buffer.from('TEST-FILE\n') },
    { name: '../../../../tmp/kensa-diff-escaped', data: Buffer.from('escaped\n') },
    { name: '/etc/kensa-diff-absolute', data: Buffer.from('absolute\n') },
    { name: 'dev/evil-null', data: Buffer.alloc(0), type: 'CharacterDevice' },
    { name: 'home/app/test-file', data: Buffer.from('DUPLICATE\n') },
  ]);
  write('rootfs-diff-traversal.tar', tar(replace(base, 'rootfs-diff.tar', evilDiff)));

  // 3. A symlink that points out of the tree, then a file written "through" it, and a hard link out.
  const linkDiff = tar([
    { name: 'home/app/escape', data: Buffer.alloc(0), type: 'SymbolicLink', linkpath: '/etc' },
    { name: 'home/app/escape/kensa-through-link', data: Buffer.from('through a link\n') },
    { name: 'home/app/hard', data: Buffer.alloc(0), type: 'Link', linkpath: '../../../etc/passwd' },
  ]);
  write('symlink-escape.tar', tar(replace(base, 'rootfs-diff.tar', linkDiff)));

  // 4. A zstd "bomb": a few KiB that inflate to 4 GiB (a tar header claiming 4 GiB of zeros).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Compressor } = require('zstd-napi') as typeof import('zstd-napi');
  const head = tarMember({ name: 'checkpoint/pages-1.img', data: Buffer.alloc(0) });
  const h = new Header(head.subarray(0, 512));
  h.size = 4 * 1024 ** 3;
  h.encode(head, 0);
  const c = new Compressor();
  c.setParameters({ compressionLevel: 19 });
  // zstd frames may be concatenated (RFC 8878 §3.1): one header frame, then 256 frames of 16 MiB zeros.
  const zeros = c.compress(Buffer.alloc(16 * 1024 * 1024));
  const frames = [c.compress(tar(base.filter((m) => m.name === 'checkpoint' || m.name === 'checkpoint/inventory.img')).subarray(0, -1024)), c.compress(head.subarray(0, 512))];
  for (let i = 0; i < 256; i++) frames.push(zeros);
  write('zstd-bomb.tar.zst', Buffer.concat(frames));

  // 5. core-6.img whose first entry claims 4 GiB (0xfffffff0 bytes).
  const core = Buffer.from(base.find((m) => m.name === 'checkpoint/core-6.img')!.data);
  core.writeUInt32LE(0xfffffff0, 8); // after the two magics (criu-format.md §1.1)
  write('entry-4gib.tar', tar(replace(base, 'checkpoint/core-6.img', core)));

  // 6. pagemap-6.img claiming far more pages than pages-2.img holds.
  write(
    'pagemap-overclaim.tar',
    tar(
      editImage(base, 'checkpoint/pagemap-6.img', (entries) => {
        entries[entries.length - 1].nr_pages = 1n << 36n;
      }),
    ),
  );

  // 7. A process tree with a cycle: 1 -> 7 -> 6 -> 1, no root.
  write(
    'pstree-cycle.tar',
    tar(
      editImage(base, 'checkpoint/pstree.img', (entries) => {
        const ppid: Record<number, number> = { 1: 6, 6: 7, 7: 1 };
        for (const e of entries) e.ppid = ppid[Number(e.pid)];
      }),
    ),
  );

  // 8. A process whose name holds HTML and terminal escape sequences.
  const evilComm = '<img src=x onerror=alert(1)>\x1b[31mRED\x1b]0;pwned\x07';
  write(
    'html-escape-comm.tar',
    tar(
      editImage(base, 'checkpoint/core-6.img', (entries) => {
        const e = entries[0] as { tc: Record<string, unknown>; thread_core: Record<string, unknown> };
        e.tc = { ...e.tc, comm: evilComm };
        e.thread_core = { ...e.thread_core, comm: evilComm };
      }),
    ),
  );

  // 9. The archive cut short in the middle of a pages file.
  const whole = fs.readFileSync(BASE);
  const pages = indexTar(new BufferSource(whole)).byName.get('checkpoint/pages-2.img')!;
  write('cut-short.tar', whole.subarray(0, pages.dataOffset + 5000));
  return written;
}

if (require.main === module) {
  const out = process.argv[2] ?? path.join(REPO, 'test', 'fixtures', 'hostile');
  for (const n of makeHostile(out)) console.log(path.join(out, n));
}
