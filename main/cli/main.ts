/**
 * `kensa`: the command-line interface over main/core. One module per command under commands/.
 * Errors are one line on stderr (`kensa: error: ...`) with the exit codes of cli-conventions.md;
 * `--debug` adds the stack trace.
 */
import { parseArgs } from 'node:util';
import { KensaError } from '../core/errors';
import { escapeText } from '../../shared/format';
import { EXIT, type Command, type CommandContext } from './command';
import { COMMON_OPTIONS } from './common';
import { COMMANDS } from './commands';

const VERSION: string = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

function help(): string {
  const lines = [
    `kensa ${VERSION}: forensic analysis of container checkpoints (CRIU images; Podman, CRI-O, containerd archives)`,
    '',
    'Usage: kensa COMMAND [OPTIONS] ARGS',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Common options: --json, --cache DIR, --debug, --max-unpacked SIZE, --max-ratio N, --max-members N, --max-image SIZE, --max-values N',
    'Run `kensa COMMAND --help` for a command\'s usage. Exit codes: 0 done, 1 usage, 2 bad input, 3 partial,',
    '4 verification failed, 5 missing external program.',
  ];
  return lines.join('\n') + '\n';
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: CliIo = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) };

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name ? EXIT.OK : EXIT.USAGE;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(`kensa ${VERSION}\n`);
    return EXIT.OK;
  }
  const command: Command | undefined = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`kensa: error: unknown command ${JSON.stringify(escapeText(name))} (see kensa --help)\n`);
    return EXIT.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: kensa ${command.usage}\n\n${command.summary}\n`);
    return EXIT.OK;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: { ...COMMON_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (e) {
    io.err(`kensa: error: ${(e as Error).message.split('\n')[0]} (usage: kensa ${command.usage})\n`);
    return EXIT.USAGE;
  }
  const ctx: CommandContext = {
    args: parsed.positionals,
    opts: parsed.values as CommandContext['opts'],
    out: io.out,
    err: io.err,
    interactive: Boolean(process.stderr.isTTY),
  };
  try {
    return await command.run(ctx);
  } catch (e) {
    return reportError(ctx, e);
  }
}

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

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`kensa: error: ${String(e)}\n`);
      process.exitCode = EXIT.BAD_INPUT;
    },
  );
}
