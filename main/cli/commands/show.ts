import type { Command } from '../command';
import { EXIT } from '../command';
import { CLI_STATISTICS, finish, openCheckpoint, printJson, table, UsageError } from '../common';
import { showSummary, type ShowSummary } from '../../core/model/summary';
import { formatBytes, formatSizeOrAbsent, escapeText } from '#shared/format';
import { formatDumpStat } from '#shared/dump-stats';
import { reportError } from '../report-error';

/** The statistics `show --stats` and `inspect --stats` print, in checkpointctl's order and words. */

export const show: Command = {
  name: 'show',
  summary: 'One row per checkpoint: container, image, id, runtime, times, engine, IP, sizes (--stats: CRIU dump statistics)',
  usage: 'show ARCHIVE... [--stats] [--json]',
  options: { stats: { type: 'boolean' }, 'print-stats': { type: 'boolean' } },
  async run(ctx) {
    if (ctx.args.length === 0) throw new UsageError('show needs at least one ARCHIVE');
    const withStats = Boolean(ctx.opts.stats || ctx.opts['print-stats']);
    const rows: ShowSummary[] = [];
    let failures = 0;
    let partial = false;
    for (const file of ctx.args) {
      try {
        const cp = await openCheckpoint(ctx, file);
        rows.push(showSummary(cp, withStats));
        if (finish(ctx, cp) !== EXIT.OK) partial = true;
        cp.close();
      } catch (e) {
        failures++;
        reportError(ctx, e);
      }
    }
    if (ctx.opts.json) printJson(ctx, rows);
    else if (rows.length) {
      ctx.out(
        table(
          ['CONTAINER', 'IMAGE', 'ID', 'RUNTIME', 'CREATED', 'CHECKPOINTED', 'ENGINE', 'IP', 'CHKPT SIZE', 'MEMORY', 'ROOT FS DIFF SIZE'],
          rows.map((r) => [
            r.container_name ?? '-',
            r.image ?? '-',
            r.id ? r.id.slice(0, 12) : '-',
            r.runtime ?? '-',
            r.created ?? '-',
            r.checkpointed ?? '-',
            r.engine ?? (r.layout === 'image-folder' ? 'CRIU images' : '-'),
            r.ip ?? '-',
            formatBytes(r.checkpoint_size.total_size),
            formatBytes(r.checkpoint_size.memory_pages_size),
            formatSizeOrAbsent(r.checkpoint_size.root_fs_diff_size),
          ]),
        ),
      );
      if (withStats) {
        for (const r of rows) {
          if (!r.statistics) continue;
          ctx.out(`\nCRIU dump statistics (${escapeText(r.source)})\n`);
          ctx.out(table(['STATISTIC', 'VALUE'], CLI_STATISTICS.filter(([k]) => r.statistics![k] !== undefined).map(([k, label, kind]) => [label, formatDumpStat(r.statistics![k], kind)])));
        }
      }
    }
    if (rows.length === 0) return EXIT.BAD_INPUT;
    return failures || partial ? EXIT.PARTIAL : EXIT.OK;
  },
};
