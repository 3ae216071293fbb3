/** Every `kensa` command, in the order `kensa --help` lists them. */
import type { Command } from '../command';
import { show } from './show';
import { inspect } from './inspect';
import { ps } from './ps';
import { decode } from './decode';
import { ls } from './ls';
import { cat } from './cat';
import { caseCommand } from './case';
import { core } from './core';
import { gdb } from './gdb';
import { mem } from './mem';
import { strings } from './strings';
import { diff } from './diff';

/**
 * A command whose module is loaded on first use. `serve` and `report` pull in the workstation services,
 * ws and pdfkit (about 0.35 s of module loading measured here), which every other command would otherwise
 * pay at start-up; `kensa mem` started in ~0.45 s with them, ~0.15 s without.
 */
function lazy(name: string, load: () => Command): Command {
  let loaded: Command | undefined;
  const get = (): Command => (loaded ??= load());
  return {
    name,
    get summary() {
      return get().summary;
    },
    get usage() {
      return get().usage;
    },
    get options() {
      return get().options;
    },
    run: (ctx) => get().run(ctx),
  };
}

/* eslint-disable @typescript-eslint/no-require-imports */
const serve = lazy('serve', () => (require('./serve') as typeof import('./serve')).serve);
const report = lazy('report', () => (require('./report') as typeof import('./report')).report);
/* eslint-enable @typescript-eslint/no-require-imports */

export const COMMANDS: Command[] = [show, inspect, ps, decode, ls, cat, mem, strings, diff, core, gdb, serve, caseCommand, report];
