/**
 * `kensa py ARCHIVE [--pid N] [--locals] [--json] [--rootfs R]`: every thread's Python stack, innermost frame
 * first, as `py-spy dump` prints it from a live process; read from the checkpoint's memory and the
 * interpreter binary (rootfs-diff.tar, a ghost image, or --rootfs), without debug symbols.
 *
 * Exit 2 when nothing can be shown (no CPython process, an unsupported version, the binary unavailable);
 * exit 3 when a stack is partial (each reason on stderr).
 */
import type { Command } from '../command';
import { EXIT } from '../command';
import { finish, openCheckpoint, openRootfsOption, PID_OPTIONS, pidsOption, printJson, UsageError } from '../common';
import { pythonStacks, NotReadableAsPython, type PyProcessStacks, type PyLocal } from '../../core/python';
import { KensaError } from '../../core/errors';
import { escapeText } from '#shared/format';

export const py: Command = {
  name: 'py',
  summary: 'Python stacks of every thread (function, file, line; --locals for variables), like py-spy dump',
  usage: 'py ARCHIVE [--pid N] [--locals] [--rootfs PATH] [--json]',
  options: { ...PID_OPTIONS, locals: { type: 'boolean' }, rootfs: { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('py needs one ARCHIVE');
    const asked = pidsOption(ctx);
    const rootfs = await openRootfsOption(ctx);
    const cp = await openCheckpoint(ctx, ctx.args[0], rootfs ? { rootfs } : {});
    try {
      const procs = cp.processList();
      for (const p of asked ?? []) if (!cp.process(p)) throw new UsageError(`no process ${p} in this checkpoint (kensa ps lists them)`);
      const pids = asked ?? procs.map((p) => p.pid);
      const results: PyProcessStacks[] = [];
      const refusals: string[] = [];
      for (const pid of pids) {
        try {
          results.push(pythonStacks(cp, pid, { locals: Boolean(ctx.opts.locals) }));
        } catch (e) {
          if (!(e instanceof KensaError)) throw e;
          // Without --pid, processes that are not Python are simply not listed; a refusal of a Python one is said.
          if (asked || !(e instanceof NotReadableAsPython) || e.interpreter) refusals.push(e.message);
        }
      }
      if (results.length === 0) {
        // Nothing to show: the checkpoint's own problems first (they may be why), then the reason.
        finish(ctx, cp);
        const why = refusals.length
          ? refusals.join('; ')
          : procs.length
            ? `no CPython process in this checkpoint (${procs.map((p) => `${p.pid} ${cp.exe(p.pid) ?? p.comm}`).join(', ')})`
            : 'no process in this checkpoint to read Python stacks from';
        throw new KensaError('missing', why, { source: cp.source });
      }
      if (ctx.opts.json) printJson(ctx, results);
      else ctx.out(results.map((r) => renderStacks(cp.argv(r.pid)?.join(' ') ?? cp.process(r.pid)?.comm ?? '', r, Boolean(ctx.opts.locals))).join('\n'));
      for (const r of refusals) ctx.err(`kensa: warning: ${escapeText(r)}\n`);
      let code = finish(ctx, cp);
      for (const r of results) for (const w of r.warnings) ctx.err(`kensa: warning: pid ${r.pid}: ${escapeText(w)}\n`);
      if (refusals.length || results.some((r) => r.warnings.length)) code = EXIT.PARTIAL;
      return code;
    } finally {
      cp.close();
      rootfs?.close();
    }
  },
};

/** py-spy dump's layout: a process line, the interpreter, then each thread and its frames innermost first. */
export function renderStacks(cmdline: string, r: PyProcessStacks, withLocals: boolean): string {
  const lines: string[] = [`Process ${r.pid}: ${escapeText(cmdline)}`, `Python v${r.interpreter.version} (${escapeText(r.interpreter.binary)})`, ''];
  for (const t of r.threads) {
    const id = t.tid !== undefined ? `${t.tid}` : `native ${t.nativeThreadId}`;
    const ident = '0x' + t.ident.slice(2).padStart(16, '0');
    lines.push(`Thread ${id} (${ident})${t.name !== undefined ? ` "${escapeText(t.name)}"` : ''}${t.frames.length === 0 ? ' (no Python frames)' : ''}`);
    for (const f of t.frames) {
      lines.push(`    ${escapeText(f.function)} (${escapeText(f.file)}:${f.line ?? '?'})`);
      if (withLocals) for (const l of f.locals ?? []) if (l.value) lines.push(`        ${renderLocal(l)}`);
    }
    if (t.warning) lines.push(`    ... ${escapeText(t.warning)}`);
    lines.push('');
  }
  for (const task of r.tasks) {
    const title = `asyncio task ${task.name !== undefined ? `"${escapeText(task.name)}"` : task.address}${task.thread !== undefined ? ` on thread ${escapeText(task.thread)}` : ''}`;
    if (task.state === 'running') lines.push(`${title} (running: its frames are on the thread's stack above)`);
    else lines.push(`${title} (${task.state}${task.state === 'suspended' ? ", not on any thread's stack" : ''}), innermost first:`);
    if (task.awaiting) lines.push(`    awaiting ${reprText(task.awaiting.repr ?? `<${task.awaiting.type} object at ${task.awaiting.address}>`)}`);
    for (const f of task.frames) {
      lines.push(`    ${escapeText(f.function)} (${escapeText(f.file)}:${f.line ?? '?'})`);
      if (withLocals) for (const l of f.locals ?? []) if (l.value) lines.push(`        ${renderLocal(l)}`);
    }
    if (task.warning) lines.push(`    ... ${escapeText(task.warning)}`);
    lines.push('');
  }
  return lines.join('\n');
}

function renderLocal(l: PyLocal): string {
  const v = l.value;
  if (!v) return `${escapeText(l.name)}: (unbound)`;
  return `${escapeText(l.name)}: ${escapeText(v.type)} = ${reprText(v.repr ?? `<${v.type} object at ${v.address}>`)}`;
}

/**
 * A Python repr for the terminal: the reader already wrote control characters as Python escapes, so a
 * backslash there starts an escape and is kept single; anything else invisible is still escaped.
 */
function reprText(repr: string): string {
  return repr.split('\\').map(escapeText).join('\\');
}

