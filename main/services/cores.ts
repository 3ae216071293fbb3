/**
 * ELF cores and gdb for the workstation: a core of one process written as a task into the case's derived/
 * folder (or the cache) and recorded in the case; gdb started in a pseudo-terminal on a fresh core.
 */
import type { CoreWriteInfo, CoreWriteRequest, GdbSessionInfo, GdbStartRequest } from '#shared/api/contract';
import { ensureDir } from '../core/cache';
import { writeCore } from '../core/elfcore/write-core';
import { prepareGdb } from '../core/elfcore/gdb-launch';
import type { GdbSessionManager } from '../gdb/gdb-sessions';
import type { CaseService } from './case-service';
import { int, obj, optStr } from './results';
import type { OpenSession } from './session';
import type { TaskRegistry } from './tasks';

export interface CoreContext {
  session: OpenSession;
  tasks: TaskRegistry;
  cases: CaseService;
  gdb: GdbSessionManager;
  cacheDir: string;
}

export async function writeCoreFor(ctx: CoreContext, pid: number, req: CoreWriteRequest): Promise<CoreWriteInfo> {
  const taskId = optStr(obj(req, 'writeCore').taskId, 'taskId', 200);
  const cp = ctx.session.cp;
  const outPath = ctx.cases.derivedPath(`core.${pid}`);
  const result = await ctx.tasks.run(taskId, 'writing the core', (task) =>
    writeCore(cp, { pid, outPath, signal: task.signal, onProgress: (done, total) => task.progress(done, total, 'writing core') }),
  );
  await ctx.cases.recordDerived(result.path, `workstation: ELF core of pid ${pid}`);
  return { pid: result.pid, path: result.path, size: result.size, sha256: result.sha256 ?? '', threads: result.threads, segments: result.segments, missing: result.missing };
}

export async function startGdb(ctx: CoreContext, pid: number, req: GdbStartRequest): Promise<GdbSessionInfo> {
  const r = obj(req, 'gdbStart');
  const cols = int(r.cols, 'cols', 2, 1000);
  const rows = int(r.rows, 'rows', 2, 1000);
  const taskId = optStr(r.taskId, 'taskId', 200);
  const s = ctx.session;
  const outDir = ensureDir(ctx.cases.derivedPath(`gdb-${pid}`));
  const launch = await ctx.tasks.run(taskId, 'preparing gdb', async (task) => {
    task.progress(0, 0, 'writing core');
    return prepareGdb(s.cp, pid, { ...(s.rootfs ? { rootfs: s.rootfs } : {}), outDir, cacheDir: ctx.cacheDir });
  });
  await ctx.cases.recordDerived(launch.corePath, `workstation: ELF core of pid ${pid} for gdb`);
  const sessionId = ctx.gdb.start({ file: launch.gdb, args: launch.args, cwd: launch.cwd }, { cols, rows });
  ctx.cases.log('gdb-session', { pid, core: launch.corePath, argv: [launch.gdb, ...launch.args] });
  return { sessionId, pid, archive: s.cp.source, argv: [launch.gdb, ...launch.args], corePath: launch.corePath, ...(launch.sysroot ? { sysroot: launch.sysroot } : {}) };
}
