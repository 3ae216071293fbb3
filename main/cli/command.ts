/**
 * The shape of a CLI command: one module per command (GitHub Desktop's ICommandModule, checkpointctl's
 * cmd/), each a thin layer over main/core that prints a table or `--json`.
 */
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  /** Positional arguments after the command name. */
  args: string[];
  /** Parsed options (strings, booleans, or arrays for `multiple`). */
  opts: Record<string, string | boolean | (string | boolean)[] | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stderr is a terminal (progress goes there only then). */
  interactive: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  /** Returns the exit code (cli-conventions.md). */
  run(ctx: CommandContext): Promise<number>;
}

/** Exit codes (cli-conventions.md). */
export const EXIT = { OK: 0, USAGE: 1, BAD_INPUT: 2, PARTIAL: 3, VERIFY: 4, MISSING_TOOL: 5 } as const;
