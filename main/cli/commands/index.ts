/** Every `kensa` command, in the order `kensa --help` lists them. */
import type { Command } from '../command';
/**
 * A command whose module is loaded on first use: a run loads only its own command and what that needs.
 * `serve` and `report` pull in the workstation services, ws and pdfkit (about 0.35 s of module loading
 * measured here); core, memory and evidence modules cost the read-only commands ~60 ms more.
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
export const COMMANDS: Command[] = [
  lazy('show', () => (require('./show') as typeof import('./show')).show),
  lazy('inspect', () => (require('./inspect') as typeof import('./inspect')).inspect),
  lazy('ps', () => (require('./ps') as typeof import('./ps')).ps),
  lazy('decode', () => (require('./decode') as typeof import('./decode')).decode),
  lazy('ls', () => (require('./ls') as typeof import('./ls')).ls),
  lazy('cat', () => (require('./cat') as typeof import('./cat')).cat),
  lazy('socket', () => (require('./socket') as typeof import('./socket')).socket),
  lazy('mem', () => (require('./mem') as typeof import('./mem')).mem),
  lazy('strings', () => (require('./strings') as typeof import('./strings')).strings),
  lazy('yara', () => (require('./yara') as typeof import('./yara')).yara),
  lazy('triage', () => (require('./triage') as typeof import('./triage')).triage),
  lazy('diff', () => (require('./diff') as typeof import('./diff')).diff),
  lazy('core', () => (require('./core') as typeof import('./core')).core),
  lazy('py', () => (require('./py') as typeof import('./py')).py),
  lazy('sym', () => (require('./sym') as typeof import('./sym')).sym),
  lazy('gdb', () => (require('./gdb') as typeof import('./gdb')).gdb),
  lazy('serve', () => (require('./serve') as typeof import('./serve')).serve),
  lazy('case', () => (require('./case') as typeof import('./case')).caseCommand),
  lazy('report', () => (require('./report') as typeof import('./report')).report),
];
/* eslint-enable @typescript-eslint/no-require-imports */
