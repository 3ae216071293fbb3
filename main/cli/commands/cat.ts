import * as fs from 'node:fs';
import type { Command, CommandContext } from '../command';
import { EXIT } from '../command';
import { finish, openCheckpoint, UsageError } from '../common';
import { describeLocation, KensaError } from '../../core/errors';
import type { ByteSource } from '../../core/io/byte-source';
import type { Checkpoint, DeletedFileRecord } from '../../core/model/checkpoint';
import type { GhostFile } from '../../core/model/ghost-file';
import { escapeText, formatBytes } from '#shared/format';

/** `deleted:/PATH` (or `deleted:#ID`, the files.img id `kensa ls ARCHIVE deleted` prints): a file deleted while open or mapped. */
export const DELETED_PREFIX = 'deleted:';
const CHUNK = 1 << 20;
/**
 * Most zeros (holes of a sparse ghost: file bytes the checkpoint does not store) streamed to a pipe or a
 * terminal. A ghost image may claim 2^52 bytes and hold 80: past this, stdout must be a regular file, which
 * gets the holes as holes (written sparse), so the cost follows the bytes stored, never the size claimed.
 */
export const MAX_STREAMED_HOLES = 1 << 30;

export const cat: Command = {
  name: 'cat',
  summary: 'Write one member of the archive, a file inside rootfs-diff.tar, or the content of a file deleted while open (deleted:PATH) to stdout, byte for byte',
  usage: 'cat ARCHIVE MEMBER | cat ARCHIVE deleted:/PATH | cat ARCHIVE deleted:#ID',
  options: {},
  async run(ctx) {
    const [source, member] = ctx.args;
    if (!source || !member || ctx.args.length !== 2) throw new UsageError('cat needs ARCHIVE MEMBER');
    const cp = await openCheckpoint(ctx, source);
    let name = member;
    if (!cp.archive.has(name) && name.startsWith(DELETED_PREFIX)) return catDeleted(ctx, cp, name.slice(DELETED_PREFIX.length));
    if (!cp.archive.has(name) && !name.startsWith('rootfs-diff.tar/') && cp.archive.has(cp.archive.imageMember(name))) name = cp.archive.imageMember(name);
    const src = cp.archive.open(name);
    await writeOut(src, src.size);
    // a member the archive ends inside: what is there was written, and the cut is said (never a silent exit 0)
    const declared = cp.archive.declaredSize(name) ?? src.size;
    if (src.size < declared) {
      ctx.err(`kensa: warning: ${escapeText(describeLocation({ source: cp.source, member: name, offset: src.size }))}member is cut short: ${src.size} of its ${declared} bytes are in the archive; only those were written\n`);
      for (const d of cp.archive.damage) ctx.err(`kensa: warning: ${escapeText(describeLocation({ source: cp.source }))}${escapeText(d)}\n`);
      return EXIT.PARTIAL;
    }
    return EXIT.OK;
  },
};

/** The first `length` bytes of `src` to stdout; a read that comes up short is a typed error (never a silent cut). */
async function writeOut(src: ByteSource, length: number): Promise<void> {
  for (let off = 0; off < length; off += CHUNK) {
    const buf = src.read(off, Math.min(CHUNK, length - off));
    await new Promise<void>((resolve, reject) => {
      process.stdout.write(buf, (e) => (e ? reject(e) : resolve()));
    });
  }
}

/** The ghost content of a deleted file; the known part of a cut ghost is written and the command exits 3. */
async function catDeleted(ctx: CommandContext, cp: Checkpoint, spec: string): Promise<number> {
  const d = findDeleted(cp, spec);
  if (d.remap !== 'ghost') {
    const how = d.remap === 'linked' ? 'as a hard link on the container\'s file system (linked remap)' : d.remap === 'procfs' ? 'as the /proc entry of a dead task' : `as remap ${d.remap}`;
    throw new KensaError('missing', `${d.path} was deleted while in use, but CRIU kept it ${how}: its content is not in the checkpoint`, { source: cp.source, member: cp.archive.imageMember('remap-fpath.img') });
  }
  if (!d.ghost) throw d.ghostError ?? new KensaError('missing', `the content of ${d.path} cannot be read`, { source: cp.source, member: d.ghostMember });
  if (d.ghost.form === 'none') throw new KensaError('usage', `${d.path} was not a regular file (mode 0${d.ghost.mode.toString(8)}): it has no content`, { source: cp.source, member: d.ghost.member });
  const g = d.ghost;
  const holes = g.knownEnd - Math.min(g.storedBytes, g.knownEnd);
  if (holes > MAX_STREAMED_HOLES) {
    const at = sparseStdout();
    const what = `${d.path} is ${formatBytes(g.size)} (${g.size} bytes) of which its ghost image stores ${formatBytes(g.storedBytes)}; the rest are holes (zeros)`;
    if (at === undefined) {
      throw new KensaError('limit', `${what}: refusing to stream more than ${formatBytes(MAX_STREAMED_HOLES)} of zeros to a pipe or terminal; redirect stdout to a file (> FILE), which is written sparse`, { source: cp.source, member: g.member });
    }
    await writeSparse(g, at, cp);
    ctx.err(`kensa: warning: ${escapeText(what)}: written sparse (holes left as holes)\n`);
  } else await writeOut(g, g.knownEnd);
  return finish(ctx, cp);
}

/**
 * Where a sparse copy can start: stdout is a regular file not opened for appending (pwrite past the end of
 * an O_APPEND file appends instead, on Linux), and its current position (from /proc/self/fdinfo/1).
 */
function sparseStdout(): number | undefined {
  try {
    if (!fs.fstatSync(1).isFile()) return undefined;
    const info = fs.readFileSync('/proc/self/fdinfo/1', 'utf8');
    const flags = parseInt(/^flags:\s+([0-7]+)/m.exec(info)?.[1] ?? '', 8);
    const pos = Number(/^pos:\s+(\d+)/m.exec(info)?.[1]);
    if (!Number.isSafeInteger(pos) || Number.isNaN(flags) || flags & fs.constants.O_APPEND) return undefined;
    return pos;
  } catch {
    return undefined;
  }
}

/** The ghost's stored pieces written at their offsets after `at`, the holes left as holes, the size set last. */
async function writeSparse(g: GhostFile, at: number, cp: Checkpoint): Promise<void> {
  try {
    for (const p of g.pieces(0, g.knownEnd)) {
      if (p.imageOffset === undefined) continue;
      for (let off = p.start; off < p.end; off += CHUNK) {
        const len = Math.min(CHUNK, p.end - off);
        const buf = g.image.read(p.imageOffset + (off - p.start), len);
        for (let done = 0; done < len; ) done += fs.writeSync(1, buf, done, len - done, at + off + done);
      }
    }
    fs.ftruncateSync(1, at + g.knownEnd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!code) throw e;
    // EFBIG: the file system cannot hold a file that large (ext4 stops at 16 TiB), ENOSPC, EIO...
    throw new KensaError('io', `cannot write ${formatBytes(at + g.knownEnd)} to stdout: ${code}`, { source: cp.source, member: g.member });
  }
}

/** The deleted file `spec` names: `#ID` (files.img id) or a path; several ghosts at one path must be told apart by id. */
function findDeleted(cp: Checkpoint, spec: string): DeletedFileRecord {
  const all = cp.deletedFiles();
  const byId = /^#(\d+)$/.exec(spec);
  const path = '/' + spec.replace(/^\/+/, '');
  const hits = byId ? all.filter((d) => d.fileId === Number(byId[1])) : all.filter((d) => d.path === path);
  if (!hits.length) throw new KensaError('missing', `no file deleted while open or mapped is named ${spec} (kensa ls ARCHIVE deleted lists them)`, { source: cp.source });
  // One inode open through several fds (or hard links) shares one ghost: that is one file, not a choice.
  const distinct = new Map(hits.map((d) => [d.remap === 'ghost' ? `ghost ${d.remapId}` : `file ${d.fileId}`, d]));
  if (distinct.size > 1) {
    throw new UsageError(`${hits.length} different deleted files were at ${path} (file ids ${[...distinct.values()].map((d) => d.fileId).join(', ')}): name one as deleted:#ID`);
  }
  return hits[0];
}
