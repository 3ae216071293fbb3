/**
 * Checkpoints with ghost files, made from the real crio-counter fixture with the project's own codec: the
 * counter executable (files.img id 7, mapped by pid 6) and tee's log file (id 15, fd 3 of pid 7) are marked
 * deleted in a new remap-fpath.img (GHOST), and their content is put in ghost-file-<id>.img images as CRIU
 * writes them (files-reg.c dump_ghost_file): the executable's real bytes, taken from the fixture's
 * rootfs.tar.zst, either raw to EOF or in sparse chunks with holes where the file is zero; the log file raw.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tar from 'tar';
import { decodeImage, encodeImage, type FileEntry } from '../../../main/core/criu';
import { openRootfs } from '../../../main/core/rootfs/rootfs';
import { fixture } from '../../helpers';
import { unpackArchive } from './synth';

export const COUNTER_PATH = '/home/app/counter';
export const LOG_PATH = '/home/app/logfile';
export const COUNTER_PID = 6;
export const TEE_PID = 7;
/** Ghost ids (remap_id) as CRIU numbers them: a counter from 1 (files-reg.c ghost_file_ids). */
export const COUNTER_GHOST = 1;
export const LOG_GHOST = 2;
export const GHOST_MEMBER = `checkpoint/ghost-file-${COUNTER_GHOST}.img`;
/** Granularity of the synthetic holes: zero blocks of this size are left out of the chunked form. */
export const HOLE_BLOCK = 256;

/** The counter executable's bytes, read from the fixture's image rootfs through the rootfs module. */
export async function counterBytes(cacheDir: string): Promise<Buffer> {
  const rootfs = await openRootfs(path.join(fixture('crio-counter').ref, 'rootfs.tar.zst'), { cacheDir });
  try {
    const f = rootfs.open(COUNTER_PATH);
    if (!f) throw new Error(`${COUNTER_PATH} is not in the fixture's rootfs`);
    return Buffer.from(f.src.read(0, f.src.size));
  } finally {
    rootfs.close();
  }
}

/** 218 bytes of log, the size files.img records for tee's /home/app/logfile. */
export function logBytes(): Buffer {
  let s = '';
  for (let i = 1; s.length < 218; i++) s += `counter: ${i}\n`;
  return Buffer.from(s.slice(0, 218));
}

/**
 * The data runs of `file` as SEEK_DATA / SEEK_HOLE would report them on a file system whose holes are
 * HOLE_BLOCK-aligned zero blocks (real ones use the file system's block size; the reader does not care).
 */
export function dataRuns(file: Buffer): { off: number; len: number }[] {
  const runs: { off: number; len: number }[] = [];
  for (let off = 0; off < file.length; off += HOLE_BLOCK) {
    const block = file.subarray(off, off + HOLE_BLOCK);
    if (block.every((b) => b === 0)) continue;
    const last = runs[runs.length - 1];
    if (last && last.off + last.len === off) last.len += block.length;
    else runs.push({ off, len: block.length });
  }
  return runs;
}

const MTIME = { tv_sec: 1795653390n, tv_usec: 250000n };

/** A ghost-file image: raw content to EOF (no size, as CRIU writes files under 12 KiB) or sparse chunks with the size. */
export function ghostImage(content: Buffer, form: 'raw' | 'chunks', mode = 0o100755): Buffer {
  const entry = { uid: 0, gid: 0, mode, dev: (0 << 20) | 45, ino: 1234567n, atim: MTIME, mtim: MTIME };
  if (form === 'raw') return encodeImage({ magicName: 'GHOST_FILE', entries: [entry], records: [{ payload: { kind: 'ghost-contents', data: content } }] });
  const runs = dataRuns(content);
  return encodeImage({
    magicName: 'GHOST_FILE',
    entries: [{ ...entry, chunks: true, size: BigInt(content.length) }, ...runs.map((r) => ({ len: BigInt(r.len), off: BigInt(r.off) }))],
    records: [undefined, ...runs.map((r) => ({ payload: { kind: 'ghost-chunk' as const, data: content.subarray(r.off, r.off + r.len) } }))],
  });
}

export interface GhostCheckpointOptions {
  form: 'raw' | 'chunks';
  /** Also mark tee's log file deleted: with a raw ghost, or as a linked remap (no content in the checkpoint). */
  withLog?: 'ghost' | 'linked';
  /** Cut the counter's ghost image to this many bytes (a damaged checkpoint). */
  cutCounterGhostAt?: number;
  /** Write the result as a plain tar (ghosts read through the tar index) instead of a folder. */
  asTar?: boolean;
}

/** files.img ids of a path (REG entries). */
export function fileIdOf(checkpointDir: string, p: string): number {
  const img = decodeImage(fs.readFileSync(path.join(checkpointDir, 'files.img')));
  const e = (img.entries as FileEntry[]).find((f) => f.reg?.name === p);
  if (!e) throw new Error(`no files.img entry for ${p}`);
  return Number(e.id);
}

/** The crio-counter checkpoint with ghosts, as an unpacked folder (or a tar). Returns the input path. */
export async function ghostCheckpoint(dir: string, cacheDir: string, counter: Buffer, opts: GhostCheckpointOptions): Promise<string> {
  const root = path.join(dir, 'unpacked');
  await unpackArchive(fixture('crio-counter').input, root, cacheDir);
  const images = path.join(root, 'checkpoint');
  const remaps = [{ orig_id: fileIdOf(images, COUNTER_PATH), remap_id: COUNTER_GHOST, remap_type: 1 }];
  let ghost = ghostImage(counter, opts.form);
  if (opts.cutCounterGhostAt !== undefined) ghost = ghost.subarray(0, opts.cutCounterGhostAt);
  fs.writeFileSync(path.join(images, `ghost-file-${COUNTER_GHOST}.img`), ghost);
  if (opts.withLog === 'ghost') {
    remaps.push({ orig_id: fileIdOf(images, LOG_PATH), remap_id: LOG_GHOST, remap_type: 1 });
    fs.writeFileSync(path.join(images, `ghost-file-${LOG_GHOST}.img`), ghostImage(logBytes(), 'raw', 0o100644));
  } else if (opts.withLog === 'linked') {
    // remap_id of a linked remap names the files.img entry of the link CRIU made (files-reg.c create_link_remap).
    remaps.push({ orig_id: fileIdOf(images, LOG_PATH), remap_id: 0x40000001, remap_type: 0 });
  }
  fs.writeFileSync(path.join(images, 'remap-fpath.img'), encodeImage({ magicName: 'REMAP_FPATH', entries: remaps }));
  if (!opts.asTar) return root;
  const file = path.join(dir, 'checkpoint.tar');
  tar.c({ file, cwd: root, sync: true, portable: true }, fs.readdirSync(root));
  return file;
}
