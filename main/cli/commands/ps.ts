import type { Command } from '../command';
import { finish, openCheckpoint, printJson, table, UsageError } from '../common';
import { processRows } from '../../core/model/summary';

export const ps: Command = {
  name: 'ps',
  summary: 'One row per process: pid, ppid, threads, state, uid, comm, exe, command line (read from memory)',
  usage: 'ps ARCHIVE [--json]',
  options: {},
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('ps needs one ARCHIVE');
    const cp = await openCheckpoint(ctx, ctx.args[0]);
    const rows = processRows(cp);
    if (ctx.opts.json) printJson(ctx, rows);
    else
      ctx.out(
        table(
          ['PID', 'PPID', 'THREADS', 'STATE', 'UID', 'COMM', 'EXE', 'CMDLINE'],
          rows.map((r) => [r.pid, r.ppid, r.tids.join(','), r.state, r.uid, r.comm, r.exe ?? '-', r.cmdline ?? '-']),
        ),
      );
    return finish(ctx, cp);
  },
};
