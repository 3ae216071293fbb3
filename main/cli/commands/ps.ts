import type { Command } from '../command';
import { finish, openCheckpoint, openRootfsOption, printJson, table, UsageError } from '../common';
import { processRows } from '../../core/model/summary';
import { pythonMark, type PythonMark } from '../../core/python';

export const ps: Command = {
  name: 'ps',
  summary: 'One row per process: pid, ppid, threads, state, uid, comm, exe, Python version, command line (read from memory)',
  usage: 'ps ARCHIVE [--rootfs PATH] [--json]',
  options: { rootfs: { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('ps needs one ARCHIVE');
    const rootfs = await openRootfsOption(ctx);
    const cp = await openCheckpoint(ctx, ctx.args[0], rootfs ? { rootfs } : {});
    try {
      const rows = processRows(cp).map((r) => ({ ...r, python: pythonMark(cp, r.pid) }));
      if (ctx.opts.json) printJson(ctx, rows);
      else {
        // The PYTHON column appears when a process runs Python.
        const py = rows.some((r) => r.python);
        ctx.out(
          table(
            ['PID', 'PPID', 'THREADS', 'STATE', 'UID', 'COMM', 'EXE', ...(py ? ['PYTHON'] : []), 'CMDLINE'],
            rows.map((r) => [r.pid, r.ppid, r.tids.join(','), r.state, r.uid, r.comm, r.exe ?? '-', ...(py ? [pythonColumn(r.python)] : []), r.cmdline ?? '-']),
          ),
        );
      }
      return finish(ctx, cp);
    } finally {
      cp.close();
      rootfs?.close();
    }
  },
};

/** `3.11.2`; `3.11?` when only the file name tells (no binary: give --rootfs); `3.10 (unsupported)`. */
function pythonColumn(m: PythonMark | undefined): string {
  if (!m) return '-';
  if (m.byName) return `${m.version}?`;
  return m.supported ? m.version : `${m.version} (unsupported)`;
}
