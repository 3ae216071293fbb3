import type { Command } from '../command';
import { EXIT } from '../command';
import { finish, openCheckpoint, printJson, table, UsageError } from '../common';
import { showSummary, type ShowSummary } from '../../core/model/summary';
import { formatBytes, formatMicros, escapeText } from '../../../shared/format';
import { reportError } from '../main';

export const STAT_LABELS: [string, string, 'us' | 'n'][] = [
  ['freezing_time', 'Freezing time', 'us'],
  ['frozen_time', 'Frozen time', 'us'],
  ['memdump_time', 'Memdump time', 'us'],
  ['memwrite_time', 'Memwrite time', 'us'],
  ['pages_scanned', 'Pages scanned', 'n'],
  ['pages_skipped_parent', 'Pages skipped (in parent)', 'n'],
  ['pages_written', 'Pages written', 'n'],
  ['pages_lazy', 'Pages lazy', 'n'],
  ['shpages_scanned', 'Shared pages scanned', 'n'],
  ['shpages_written', 'Shared pages written', 'n'],
];

export function formatStat(value: number, kind: 'us' | 'n'): string {
  return kind === 'us' ? formatMicros(value) : String(value);
}

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
            formatBytes(r.checkpoint_size.root_fs_diff_size),
          ]),
        ),
      );
      if (withStats) {
        for (const r of rows) {
          if (!r.statistics) continue;
          ctx.out(`\nCRIU dump statistics (${escapeText(r.source)})\n`);
          ctx.out(table(['STATISTIC', 'VALUE'], STAT_LABELS.filter(([k]) => r.statistics![k] !== undefined).map(([k, label, kind]) => [label, formatStat(r.statistics![k], kind)])));
        }
      }
    }
    if (rows.length === 0) return EXIT.BAD_INPUT;
    return failures || partial ? EXIT.PARTIAL : EXIT.OK;
  },
};
