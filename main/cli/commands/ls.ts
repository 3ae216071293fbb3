import type { Command } from '../command';
import { finish, openCheckpoint, printJson, table, UsageError } from '../common';
import { formatBytes } from '../../../shared/format';
import { ROOTFS_DIFF } from '../../core/archive/archive';

function modeString(type: string, mode: number): string {
  const t = type === 'dir' ? 'd' : type === 'symlink' ? 'l' : type === 'hardlink' ? 'h' : type === 'device' ? 'c' : type === 'fifo' ? 'p' : '-';
  const rwx = (m: number): string => (m & 4 ? 'r' : '-') + (m & 2 ? 'w' : '-') + (m & 1 ? 'x' : '-');
  return t + rwx(mode >> 6) + rwx(mode >> 3) + rwx(mode);
}

export const ls: Command = {
  name: 'ls',
  summary: 'List the members of a checkpoint archive, or the files inside its rootfs-diff.tar (with deleted files)',
  usage: 'ls ARCHIVE [rootfs-diff.tar] [--json]',
  options: {},
  async run(ctx) {
    const [source, inner] = ctx.args;
    if (!source || ctx.args.length > 2 || (inner !== undefined && inner.replace(/^\.?\//, '') !== ROOTFS_DIFF)) {
      throw new UsageError('ls takes ARCHIVE and optionally rootfs-diff.tar');
    }
    const cp = await openCheckpoint(ctx, source);
    type Row = { name: string; type: string; size: number; mode: string; mtime?: string; link?: string; deleted?: boolean; unsafe_name?: string };
    let rows: Row[];
    if (inner) {
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
