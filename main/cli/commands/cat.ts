import type { Command } from '../command';
import { EXIT } from '../command';
import { openCheckpoint, UsageError } from '../common';

export const cat: Command = {
  name: 'cat',
  summary: 'Write one member of the archive (or a file inside rootfs-diff.tar) to stdout, byte for byte',
  usage: 'cat ARCHIVE MEMBER',
  options: {},
  async run(ctx) {
    const [source, member] = ctx.args;
    if (!source || !member || ctx.args.length !== 2) throw new UsageError('cat needs ARCHIVE MEMBER');
    const cp = await openCheckpoint(ctx, source);
    let name = member;
    if (!cp.archive.has(name) && !name.startsWith('rootfs-diff.tar/') && cp.archive.has(cp.archive.imageMember(name))) name = cp.archive.imageMember(name);
    const src = cp.archive.open(name);
    const chunk = 1 << 20;
    for (let off = 0; off < src.size; off += chunk) {
      const n = Math.min(chunk, src.size - off);
      const buf = src.read(off, n);
      await new Promise<void>((resolve, reject) => {
        process.stdout.write(buf, (e) => (e ? reject(e) : resolve()));
      });
    }
    return EXIT.OK;
  },
};
