/**
 * CRIU's dump statistics (stats.proto dump_stats_entry, written to stats-dump) with the labels checkpointctl
 * uses; times are microseconds. One table for the CLI, the services and the report.
 */
import { formatMicros } from './format';

export type StatKind = 'us' | 'n';

export const DUMP_STATISTICS: readonly (readonly [key: string, label: string, kind: StatKind])[] = [
  ['freezing_time', 'Freezing time', 'us'],
  ['frozen_time', 'Frozen time', 'us'],
  ['memdump_time', 'Memdump time', 'us'],
  ['memwrite_time', 'Memwrite time', 'us'],
  ['pages_scanned', 'Pages scanned', 'n'],
  ['pages_skipped_parent', 'Pages skipped (in parent)', 'n'],
  ['pages_written', 'Pages written', 'n'],
  ['pages_lazy', 'Pages lazy', 'n'],
  ['irmap_resolve', 'irmap resolve time', 'us'],
  ['page_pipes', 'Page pipes', 'n'],
  ['page_pipe_bufs', 'Page pipe buffers', 'n'],
  ['shpages_scanned', 'Shared pages scanned', 'n'],
  ['shpages_skipped_parent', 'Shared pages skipped (in parent)', 'n'],
  ['shpages_written', 'Shared pages written', 'n'],
];

export function formatDumpStat(value: number, kind: StatKind): string {
  return kind === 'us' ? formatMicros(value) : String(value);
}
