/**
 * Checkpoints no machine wrote, made from the real criu-dir fixture (a bare image folder) with the project's
 * own codec: a process's mm image fields changed (mm_arg_start..mm_env_end) and bytes of its memory replaced
 * in the pages its pagemap points at, as a program that rewrites its title (nginx, Redis) leaves them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeImage, encodeImage } from '../../../main/core/criu';
import { fixture, tempDir } from '../../helpers';
import { copyImages, PAGE, readPagemap, writePagemap } from '../memory/synth';

/** A copy of the criu-dir fixture's images in a fresh folder. */
export function criuDirCopy(prefix: string): string {
  const dir = path.join(tempDir(prefix), 'images');
  copyImages(fixture('criu-dir').input, dir);
  return dir;
}

/** The first entry of mm-PID.img. */
export function readMm(dir: string, pid: number): Record<string, unknown> {
  return decodeImage(fs.readFileSync(path.join(dir, `mm-${pid}.img`))).entries[0] as Record<string, unknown>;
}

/** Set fields of mm-PID.img's entry and write the image back. */
export function editMm(dir: string, pid: number, fields: Record<string, unknown>): void {
  const file = path.join(dir, `mm-${pid}.img`);
  const img = decodeImage(fs.readFileSync(file));
  Object.assign(img.entries[0] as object, fields);
  fs.writeFileSync(file, encodeImage(img));
}

/** Overwrite process memory at `addr` (which must lie in pages the checkpoint holds). */
export function writeMemory(dir: string, pid: number, addr: bigint, bytes: Buffer): void {
  const name = `pagemap-${pid}.img`;
  const map = readPagemap(dir, name);
  for (let done = 0; done < bytes.length; ) {
    const at = addr + BigInt(done);
    const run = map.runs.find((r) => r.data && r.vaddr <= at && at < r.vaddr + BigInt(r.nrPages * PAGE));
    if (!run?.data) throw new Error(`0x${at.toString(16)} is not in a present run of ${name}`);
    const off = Number(at - run.vaddr);
    const n = Math.min(bytes.length - done, run.data.length - off);
    bytes.copy(run.data, off, done, done + n);
    done += n;
  }
  writePagemap(dir, name, map);
}

/** Append file entries to files.img and give them to process `pid` as fds (fdinfo-<files_id>.img, per-id as CRIU 4.2 writes it). */
export function addFds(dir: string, pid: number, files: Array<{ fd: number; file: Record<string, unknown> & { id: number; type: number } }>): void {
  const filesImg = decodeImage(fs.readFileSync(path.join(dir, 'files.img')));
  const ids = decodeImage(fs.readFileSync(path.join(dir, `ids-${pid}.img`))).entries[0] as { files_id: number };
  const fdinfoName = path.join(dir, `fdinfo-${ids.files_id}.img`);
  const fdinfo = decodeImage(fs.readFileSync(fdinfoName));
  for (const { fd, file } of files) {
    (filesImg.entries as object[]).push(file);
    (fdinfo.entries as object[]).push({ id: file.id, flags: 0, type: file.type, fd });
  }
  fs.writeFileSync(path.join(dir, 'files.img'), encodeImage(filesImg));
  fs.writeFileSync(fdinfoName, encodeImage(fdinfo));
}
