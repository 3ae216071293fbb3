/**
 * `kensa core ARCHIVE [--pid N ...] [--rootfs PATH] [--parent ARCHIVE] --out DIR`: one ELF core file per process,
 * as gdb expects a kernel-written core (main/core/elfcore). `--json` prints what was written: path, size,
 * SHA-256, threads, segments, and the bytes by where they came from or why they were left out.
 */
import * as path from 'node:path';
import type { Command } from '../command';
import { EXIT } from '../command';
import { KensaError } from '../../core/errors';
import { isInside, realOrSelf, realTarget } from '../../core/io/output';
import { checkOutputFolder, finish, makeOutputFolder, openCheckpoint, openRootfsOption, PID_OPTIONS, pidsOption, printJson, table, UsageError } from '../common';
import type { CommandContext } from '../command';
import { writeCore, type CoreWriteResult } from '../../core/elfcore/write-core';
import { MISSING_DELETED_FILE } from '../../core/elfcore/layout';
import { escapeText, formatBytes } from '#shared/format';
import type { Checkpoint } from '../../core/model/checkpoint';

/** Origins left out of a core because the checkpoint lacks them (exit 3), not because they are file pages. */
const DEFECT_ORIGINS = ['missing-pages', 'missing-parent', 'missing-lazy'];

export const core: Command = {
  name: 'core',
  summary: 'Write each process as an ELF core file for gdb (threads, registers, memory, mapped files)',
  usage: 'core ARCHIVE [--pid N ...] [--rootfs PATH] [--parent ARCHIVE] --out DIR [--no-hash] [--json]',
  options: { ...PID_OPTIONS, rootfs: { type: 'string' }, parent: { type: 'string' }, out: { type: 'string', short: 'o' }, 'no-hash': { type: 'boolean' } },
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('core needs one ARCHIVE');
    const out = ctx.opts.out;
    if (typeof out !== 'string' || out === '') throw new UsageError('core needs --out DIR (where the core.<pid> files go)');
    checkOutputFolder(out);
    const rootfs = await openRootfsOption(ctx);
    const cp = await openCheckpoint(ctx, ctx.args[0], { ...(rootfs ? { rootfs } : {}), ...parentOption(ctx) });
    try {
      const asked = pidsOption(ctx);
      const pids = asked ?? cp.processList().map((p) => p.pid);
      for (const pid of asked ?? []) if (!cp.process(pid)) throw new UsageError(`no process ${pid} in this checkpoint (kensa ps lists them)`);
      refuseInsideEvidence(cp, out);
      makeOutputFolder(out);
      const results: (CoreWriteResult & { comm: string })[] = [];
      let partial = false;
      for (const pid of pids) {
        const proc = cp.process(pid)!;
        if (!asked && !cp.mm(pid)) {
          ctx.err(`kensa: warning: pid ${pid} (${escapeText(proc.comm)}) has no memory images (${escapeText(proc.state)}): no core written\n`);
          partial = true;
          continue;
        }
        const progress = ctx.interactive ? (done: number, total: number) => ctx.err(`\rcore.${pid}: ${formatBytes(done)} of ${formatBytes(total)}\x1b[K`) : undefined;
        let r: CoreWriteResult;
        try {
          r = await writeCore(cp, { pid, outPath: path.join(out, `core.${pid}`), onProgress: progress, hash: !ctx.opts['no-hash'] });
        } catch (e) {
          // One unreadable process (a broken core-<tid>.img) must not cost the analyst the others.
          if (!(e instanceof KensaError) || e.kind === 'usage' || pids.length === 1) throw e;
          ctx.err(`kensa: warning: ${escapeText(e.describe())}: no core written for pid ${pid}\n`);
          partial = true;
          continue;
        } finally {
          if (ctx.interactive) ctx.err('\r\x1b[K');
        }
        results.push({ ...r, comm: proc.comm });
        for (const o of DEFECT_ORIGINS) {
          if (!r.bytes[o]) continue;
          partial = true;
          ctx.err(`kensa: warning: core.${pid}: ${formatBytes(r.bytes[o])} (${o}) are not in the checkpoint and were left out of the core\n`);
        }
      }
      if (ctx.opts.json) printJson(ctx, results);
      else printHuman(ctx, results);
      const code = finish(ctx, cp);
      return partial ? EXIT.PARTIAL : code;
    } finally {
      closeAll(cp, rootfs);
    }
  },
};

/** `--parent ARCHIVE`: the parent (pre-)dump of an incremental checkpoint, for PE_PARENT pages. */
export function parentOption(ctx: CommandContext): { parent?: string } {
  const p = ctx.opts.parent;
  if (p === undefined) return {};
  if (typeof p !== 'string' || p === '') throw new UsageError('--parent takes the parent (pre-)dump: an archive or folder');
  return { parent: p };
}

/** Evidence is never written: an output folder inside an evidence folder (unpacked or bare images) is refused. */
export function refuseInsideEvidence(cp: Checkpoint, out: string): void {
  if (cp.archive.format !== 'folder' && cp.archive.format !== 'image-folder') return;
  if (isInside(realOrSelf(cp.source), realTarget(out))) throw new UsageError(`--out ${out} is inside the evidence folder ${cp.source}; evidence is never written: choose another folder`);
}

function closeAll(cp: Checkpoint, rootfs: { close(): void } | undefined): void {
  cp.close();
  rootfs?.close();
}

function printHuman(ctx: CommandContext, results: (CoreWriteResult & { comm: string })[]): void {
  ctx.out(
    table(
      ['PID', 'COMM', 'THREADS', 'SEGMENTS', 'SIZE', 'SHA256', 'PATH'],
      results.map((r) => [r.pid, r.comm, r.threads.join(','), r.segments, formatBytes(r.size), r.sha256 ?? '(not hashed)', r.path]),
    ),
  );
  for (const r of results) {
    const sources = Object.entries(r.bytes)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${formatBytes(n)}`)
      .join(', ');
    ctx.out(`core.${r.pid}: ${sources}\n`);
    const files = new Map<string, number>();
    const deleted = new Map<string, number>();
    for (const m of r.missing) {
      if (m.file === undefined) continue;
      const into = m.reason === MISSING_DELETED_FILE ? deleted : files;
      into.set(m.file, (into.get(m.file) ?? 0) + Number(BigInt(m.end) - BigInt(m.start)));
    }
    if (files.size) {
      ctx.out(`core.${r.pid}: left out (not in the checkpoint, rootfs-diff.tar or the rootfs; give --rootfs to include):\n`);
      for (const [f, n] of files) ctx.out(`  ${escapeText(f)} (${formatBytes(n)})\n`);
    }
    if (deleted.size) {
      ctx.out(`core.${r.pid}: left out (deleted while mapped; the checkpoint holds no ghost content for them):\n`);
      for (const [f, n] of deleted) ctx.out(`  ${escapeText(f)} (deleted) (${formatBytes(n)})\n`);
    }
  }
}
