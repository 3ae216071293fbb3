/**
 * How a failed command ends: one line on stderr naming the problem and the exit code of
 * cli-conventions.md (used by main.ts for every command, and by commands that report one failure of many).
 */
import { KensaError } from '../core/errors';
import { escapeText } from '#shared/format';
import { EXIT, type CommandContext } from './command';

export function reportError(ctx: CommandContext, e: unknown): number {
  if (e instanceof KensaError) {
    ctx.err(`kensa: error: ${escapeText(e.describe())}${e.hint ? ` (${escapeText(e.hint)})` : ''}\n`);
    if (ctx.opts.debug && e.stack) ctx.err(e.stack + '\n');
    switch (e.kind) {
      case 'usage':
        return EXIT.USAGE;
      case 'verify':
        return EXIT.VERIFY;
      case 'tool':
        return EXIT.MISSING_TOOL;
      default:
        return EXIT.BAD_INPUT;
    }
  }
  const err = e as NodeJS.ErrnoException;
  if (err && (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED')) return EXIT.OK;
  // Anything else is a bug in Kensa, not a problem with the evidence: say so plainly.
  ctx.err(`kensa: error: internal error: ${escapeText(String(err?.message ?? err))} (please report; run with --debug for a trace)\n`);
  if (ctx.opts.debug && err?.stack) ctx.err(err.stack + '\n');
  return EXIT.BAD_INPUT;
}
