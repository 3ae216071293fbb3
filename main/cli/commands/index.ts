/** Every `kensa` command, in the order `kensa --help` lists them. */
import type { Command } from '../command';
import { show } from './show';
import { inspect } from './inspect';
import { ps } from './ps';
import { decode } from './decode';
import { ls } from './ls';
import { cat } from './cat';
import { serve } from './serve';
import { caseCommand } from './case';
import { report } from './report';
import { core } from './core';
import { gdb } from './gdb';
import { mem } from './mem';
import { strings } from './strings';
import { diff } from './diff';

export const COMMANDS: Command[] = [show, inspect, ps, decode, ls, cat, mem, strings, diff, core, gdb, serve, caseCommand, report];
