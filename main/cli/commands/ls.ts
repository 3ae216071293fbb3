import type { Command } from '../command';
import { finish, openCheckpoint, printJson, table, UsageError } from '../common';
import { formatBytes } from '#shared/format';
import { ROOTFS_DIFF } from '../../core/archive/archive';
import type { DeletedFileRecord } from '../../core/model/checkpoint';

/** `kensa ls ARCHIVE deleted`: the files deleted while open or mapped (remap-fpath.img), read with `cat ARCHIVE deleted:PATH`. */
export const DELETED = 'deleted';

function modeString(type: string, mode: number): string {
  const t = type === 'dir' ? 'd' : type === 'symlink' ? 'l' : type === 'hardlink' ? 'h' : type === 'device' ? 'c' : type === 'fifo' ? 'p' : '-';
  const rwx = (m: number): string => (m & 4 ? 'r' : '-') + (m & 2 ? 'w' : '-') + (m & 1 ? 'x' : '-');
  return t + rwx(mode >> 6) + rwx(mode >> 3) + rwx(mode);
}

/** st_mode's file type (S_IFMT bits) as the listing names it. */
function typeOfMode(mode: number): string {
  switch (mode & 0o170000) {
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o020000:
    case 0o060000:
      return 'device';
    case 0o010000:
      return 'fifo';
    default:
      return 'file';
  }
}

/** Where a deleted file's content is, in words (the CONTENT column). */
function contentOf(d: DeletedFileRecord): string {
  if (d.ghost) return d.ghost.knownEnd < d.ghost.size ? `${d.ghost.member} (cut short: ${formatBytes(d.ghost.knownEnd)} known)` : d.ghost.member;
  if (d.remap === 'ghost') return `${d.ghostMember} (unreadable)`;
  if (d.remap === 'linked') return 'not in the checkpoint (linked remap)';
  if (d.remap === 'procfs') return 'none (/proc entry of a dead task)';
  return `not in the checkpoint (remap ${d.remap})`;
}

export const ls: Command = {
  name: 'ls',
  summary: 'List the members of a checkpoint archive, the files inside its rootfs-diff.tar (with deleted files), or the files deleted while open or mapped',
  usage: 'ls ARCHIVE [rootfs-diff.tar | deleted] [--json]',
  options: {},
  async run(ctx) {
    const [source, inner] = ctx.args;
    const innerName = inner?.replace(/^\.?\//, '').replace(/:$/, '');
    if (!source || ctx.args.length > 2 || (innerName !== undefined && innerName !== ROOTFS_DIFF && innerName !== DELETED)) {
      throw new UsageError('ls takes ARCHIVE and optionally rootfs-diff.tar or deleted');
    }
    const cp = await openCheckpoint(ctx, source);
    type Row = {
      name: string; type: string; size: number; mode: string; mtime?: string; link?: string; deleted?: boolean; unsafe_name?: string;
      file_id?: number; remap?: string; member?: string; known_size?: number; content?: string; used_by?: { pid: number; use: string }[];
    };
    let rows: Row[];
    if (innerName === DELETED) {
      rows = cp.deletedFiles().map((d) => {
        const mode = d.ghost?.mode ?? d.mode ?? 0o100000; // files.img has no mode for very old dumps: a regular file
        const type = typeOfMode(mode);
        const row: Row = { name: d.path, type, size: d.ghost?.size ?? d.size ?? 0, mode: modeString(type, mode), deleted: true, file_id: d.fileId, remap: d.remap, content: contentOf(d), used_by: d.users };
        if (d.ghost?.mtime) row.mtime = d.ghost.mtime.toISOString();
        if (d.ghostMember) row.member = d.ghostMember;
        if (d.ghost && d.ghost.knownEnd < d.ghost.size) row.known_size = d.ghost.knownEnd;
        return row;
      });
      if (ctx.opts.json) printJson(ctx, rows);
      else {
        const users = (r: Row): string => (r.used_by ?? []).map((u) => `${u.pid} ${u.use}`).join(', ');
        ctx.out(table(['ID', 'MODE', 'SIZE', 'MODIFIED', 'CONTENT', 'USED BY', 'NAME'], rows.map((r) => [r.file_id, r.mode, formatBytes(r.size), r.mtime ?? '', r.content, users(r), r.name])));
      }
      return finish(ctx, cp);
    }
    if (innerName === ROOTFS_DIFF) {
      rows = cp.rootfsChanges().map((f) => ({ name: f.path, type: f.type, size: f.size, mode: modeString(f.type, f.mode), mtime: f.mtime?.toISOString(), link: f.linkTarget }));
      for (const d of cp.meta.deletedFiles) rows.push({ name: d, type: 'deleted', size: 0, mode: '----------', deleted: true });
    } else {
      rows = cp.archive.entries().map((e) => ({ name: e.name, type: e.type, size: e.size, mode: modeString(e.type, e.mode), mtime: e.mtime?.toISOString(), link: e.linkTarget, unsafe_name: e.unsafeName }));
    }
    if (ctx.opts.json) printJson(ctx, rows);
    else ctx.out(table(['MODE', 'SIZE', 'MODIFIED', 'NAME'], rows.map((r) => [r.mode, r.deleted ? '(deleted)' : formatBytes(r.size), r.mtime ?? '', r.name + (r.link ? ` -> ${r.link}` : '')])));
    return finish(ctx, cp);
  },
};
