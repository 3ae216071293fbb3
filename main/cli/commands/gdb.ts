/**
 * `kensa gdb ARCHIVE --pid N [--rootfs PATH] [--out DIR | --case DIR]`: write the process's core (to the
 * cache, a folder, or the case folder's derived/ where it is recorded with its hash) and start gdb on it with
 * the executable, the sysroot (set before the core loads) and the solib search path from the rootfs.
 * `--ex CMD` (repeatable) and `--batch` pass commands to gdb for scripted use. Exit 5 naming the Debian
 * package when gdb is missing; otherwise gdb's own exit status.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Command } from '../command';
import { EXIT } from '../command';
import { onePid, openCheckpoint, openRootfsOption, PID_OPTIONS, UsageError } from '../common';
import { prepareGdb } from '../../core/elfcore/gdb-launch';
import { parentOption, refuseInsideEvidence } from './core';
import { resolveCacheDir } from '../../core/cache';
import { EvidenceCase } from '../../core/evidence/case';
import { escapeText } from '#shared/format';

export const gdb: Command = {
  name: 'gdb',
  summary: 'Open one process in gdb: its core, executable and libraries from the rootfs, symbolized',
  usage: 'gdb ARCHIVE --pid N [--rootfs PATH] [--parent ARCHIVE] [--out DIR | --case DIR] [--ex CMD ...] [--batch]',
  options: {
    ...PID_OPTIONS,
    rootfs: { type: 'string' },
    parent: { type: 'string' },
    out: { type: 'string', short: 'o' },
    case: { type: 'string' },
    ex: { type: 'string', multiple: true },
    batch: { type: 'boolean' },
  },
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('gdb needs one ARCHIVE');
    const pid = onePid(ctx, 'gdb');
    if (ctx.opts.out !== undefined && ctx.opts.case !== undefined) throw new UsageError('give --out or --case, not both');
    const cacheDir = typeof ctx.opts.cache === 'string' ? ctx.opts.cache : undefined;
    const rootfs = await openRootfsOption(ctx);
    const cp = await openCheckpoint(ctx, ctx.args[0], { ...(rootfs ? { rootfs } : {}), ...parentOption(ctx) });
    try {
      if (!cp.process(pid)) throw new UsageError(`no process ${pid} in this checkpoint (kensa ps lists them)`);
      let outDir: string;
      let kase: EvidenceCase | undefined;
      if (typeof ctx.opts.case === 'string') {
        kase = EvidenceCase.open(ctx.opts.case);
        outDir = kase.derivedPath(`gdb-core-${pid}`);
      } else if (typeof ctx.opts.out === 'string') {
        refuseInsideEvidence(cp, ctx.opts.out);
        outDir = ctx.opts.out;
      }
      else {
        // One folder per checkpoint in the cache, so repeated sessions reuse it and nothing lands beside the evidence.
        const key = crypto.createHash('sha256').update(fs.realpathSync(ctx.args[0])).digest('hex').slice(0, 32);
        outDir = path.join(resolveCacheDir(cacheDir), 'cores', key);
      }
      const launch = await prepareGdb(cp, pid, { rootfs, outDir, cacheDir });
      if (kase && launch.core) {
        const command = `kensa gdb ${ctx.args[0]} --pid ${pid}${typeof ctx.opts.rootfs === 'string' ? ` --rootfs ${ctx.opts.rootfs}` : ''}`;
        const rec = await kase.recordDerivedAsync(launch.corePath, command, undefined, { details: { pid } });
        ctx.err(`core.${pid} recorded in the case as ${rec.id} (${rec.path})\n`);
      }
      const args = [...launch.args];
      const extra: string[] = [];
      if (ctx.opts.batch) extra.push('-batch');
      for (const cmd of (ctx.opts.ex as string[] | undefined) ?? []) extra.push('-ex', cmd);
      // gdb options go before the file arguments, which are the last two (`EXE CORE` or `-c CORE`).
      args.splice(args.length - 2, 0, ...extra);
      const r = spawnSync(launch.gdb, args, { stdio: 'inherit', cwd: launch.cwd });
      if (r.error) {
        ctx.err(`kensa: error: cannot run ${escapeText(launch.gdb)}: ${escapeText(r.error.message)}\n`);
        return EXIT.MISSING_TOOL;
      }
      return r.status ?? EXIT.BAD_INPUT;
    } finally {
      cp.close();
      rootfs?.close();
    }
  },
};
