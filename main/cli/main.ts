/**
 * `kensa`: the command-line interface over main/core. One module per command under commands/.
 * Errors are one line on stderr (`kensa: error: ...`) with the exit codes of cli-conventions.md;
 * `--debug` adds the stack trace.
 */
import { parseArgs } from 'node:util';
import { TOOL_VERSION as VERSION } from '../core/evidence/version';
import { escapeText } from '#shared/format';
import { EXIT, type Command, type CommandContext } from './command';
import { COMMON_OPTIONS } from './common';
import { COMMANDS } from './commands';
import { reportError } from './report-error';


function help(): string {
  const lines = [
    `kensa ${VERSION}: forensic analysis of container checkpoints (CRIU images; Podman, CRI-O, containerd archives)`,
    '',
    'Usage: kensa COMMAND [OPTIONS] ARGS',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Common options: --json, --cache DIR, --debug, --max-unpacked SIZE, --max-ratio N, --max-members N, --max-image SIZE, --max-values N, --max-name SIZE',
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
