import * as fs from 'node:fs';
import type { Command } from '../command';
import { EXIT } from '../command';
import { openCheckpoint, openOptions, UsageError } from '../common';
import { critJson, decodeImage, DEFAULT_IMAGE_VALUES, rawJson, ValueBudget } from '../../core/criu';
import { FileSource } from '../../core/io/byte-source';
import { sniffCompression } from '../../core/archive/decompress';
import { Header } from 'tar/header';
import { KensaError } from '../../core/errors';
import { escapeText } from '#shared/format';

/** Raw images (no CRIU framing) are not decodable (criu-format.md §1.1). */
const RAW_IMAGE = /^(pages-|ifaddr-|route6?-|rule-|ip6?tables-|nftables-|netns-ct-|netns-exp-|tmpfs-)/;

function looksLikeArchive(file: string): boolean {
  const src = new FileSource(file);
  try {
    const head = src.read(0, Math.min(512, src.size));
    if (sniffCompression(head) !== 'none') return true;
    return head.length === 512 && new Header(head).cksumValid;
  } finally {
    src.close();
  }
}

export const decode: Command = {
  name: 'decode',
  summary: "A CRIU image as JSON: by default byte for byte what CRIU 4.2's `crit show` prints; --format raw for plain field values",
  usage: 'decode SOURCE [MEMBER] [--format crit|raw]',
  options: { format: { type: 'string', short: 'f' } },
  async run(ctx) {
    const format = (ctx.opts.format as string | undefined) ?? 'crit';
    if (format !== 'crit' && format !== 'raw') throw new UsageError('--format is crit or raw');
    const [source, member] = ctx.args;
    if (!source || ctx.args.length > 2) throw new UsageError('decode needs SOURCE [MEMBER]');
    const limits = openOptions(ctx).limits ?? {};
    const print = (bytes: Buffer, where: { source: string; member?: string }): void => {
      const img = decodeImage(bytes, where, new ValueBudget(limits.maxImageValues ?? DEFAULT_IMAGE_VALUES, 'image'));
      ctx.out(format === 'crit' ? critJson(img) : rawJson(img));
    };
    let stat: fs.Stats;
    try {
      stat = fs.statSync(source);
    } catch (e) {
      throw new KensaError('io', `cannot open: ${(e as NodeJS.ErrnoException).code}`, { source });
    }
    if (stat.isFile() && member === undefined && !looksLikeArchive(source)) {
      const src = new FileSource(source);
      try {
        print(Buffer.from(src.read(0, src.size)), { source });
      } finally {
        src.close();
      }
      return EXIT.OK;
    }
    const cp = await openCheckpoint(ctx, source);
    const archive = cp.archive;
    if (member === undefined) {
      const names = archive.imageNames().filter((n) => n.endsWith('.img') && !RAW_IMAGE.test(n));
      const extra = ['stats-dump'].filter((n) => archive.has(n));
      ctx.err(`kensa: error: decode needs a MEMBER; decodable images in ${escapeText(source)}:\n`);
      ctx.out([...names.map((n) => archive.imageMember(n)), ...extra].join('\n') + '\n');
      return EXIT.USAGE;
    }
    let name = member.replace(/^\.?\//, '');
    if (!archive.has(name) && archive.has(archive.imageMember(name))) name = archive.imageMember(name);
    const base = name.split('/').pop()!;
    if (RAW_IMAGE.test(base)) throw new UsageError(`${name} is a raw image without CRIU framing; use \`kensa cat\` (pages: \`kensa mem\`)`);
    print(archive.readFile(name, archive.limits.maxImageBytes), { source, member: name });
    return EXIT.OK;
  },
};
