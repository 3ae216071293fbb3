/**
 * `kensa sym ARCHIVE [--pid N] [--regs] [--rootfs R] [--json] [ADDRESS...]`: what addresses of a process are
 * (main/core/symbols): the mapping (file and file offset, or `[heap]`, `[stack]`, `[stack:TID]`, `[vdso]`,
 * anonymous memory) and the ELF symbol with the offset into it, as gdb's `info symbol` names them.
 * With ADDRESSes (one --pid): one row per address. Without: every thread's pc and sp (`--regs`: every general
 * register but the flags, by CRIU's names), of every process or those of --pid.
 * Text: a table; `--json`: an array of SymbolizedAddress (shared/api/symbols.ts), with pid, tid and register
 * in the threads form.
 */
import type { Command } from '../command';
import { finish, PID_OPTIONS, pidsOption, printJson, table, UsageError } from '../common';
import { openForMemory } from './mem';
import { mayHoldAddress, ProcessSymbolizer, symbolizedAddress } from '../../core/symbols/symbolizer';
import type { Checkpoint } from '../../core/model/checkpoint';
import type { SymbolizedAddress } from '#shared/api/symbols';
import { parseNumber } from '#shared/format';

/** `libc.so.6!clock_nanosleep+0x65  (libc.so.6+0xcf545)`, or the location and why no symbol for a file. */
function where(s: SymbolizedAddress): string {
  if (s.symbol) return `${s.text}   (${s.location})`;
  return s.vma?.path !== undefined && s.noSymbol ? `${s.location}   (no symbol: ${s.noSymbol})` : s.location;
}

function threadRows(cp: Checkpoint, pid: number, allRegs: boolean): { pid: number; tid: number; register: string; value: bigint; at: SymbolizedAddress }[] {
  const symbolizer = new ProcessSymbolizer(cp, pid);
  const out: { pid: number; tid: number; register: string; value: bigint; at: SymbolizedAddress }[] = [];
  for (const t of cp.threads(pid)) {
    const pc = t.regs.ip ?? t.regs.pc;
    const wanted: [string, bigint | undefined][] = allRegs
      ? Object.entries(t.regs).filter(([k]) => mayHoldAddress(k))
      : [['pc', pc], ['sp', t.regs.sp]];
    for (const [register, value] of wanted) {
      if (value === undefined) continue;
      out.push({ pid, tid: t.tid, register, value, at: symbolizedAddress(symbolizer.symbolize(value)) });
    }
  }
  return out;
}

export const sym: Command = {
  name: 'sym',
  summary: 'What addresses of a process are: the mapping (file + offset, [heap], [stack]...) and the ELF symbol (function+offset), like gdb\'s info symbol; without ADDRESS every thread\'s pc and sp',
  usage: 'sym ARCHIVE [--pid N] [--regs] [--rootfs PATH] [--json] [ADDRESS...]',
  options: { ...PID_OPTIONS, regs: { type: 'boolean' }, rootfs: { type: 'string' }, parent: { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length < 1) throw new UsageError('sym needs an ARCHIVE (then optional ADDRESSes)');
    const addresses = ctx.args.slice(1).map((a) => {
      const n = parseNumber(a);
      if (n === undefined || n >= 1n << 64n) throw new UsageError(`not an address: ${JSON.stringify(a)} (decimal or 0x hex, below 2^64)`);
      return n;
    });
    const asked = pidsOption(ctx);
    if (addresses.length && asked?.length !== 1) throw new UsageError('sym with ADDRESSes works on one process: give exactly one --pid');
    if (addresses.length && ctx.opts.regs) throw new UsageError('--regs lists the threads\' registers: give it without ADDRESSes');
    const { cp, done } = await openForMemory(ctx, ctx.args[0]);
    try {
      for (const p of asked ?? []) if (!cp.process(p)) throw new UsageError(`no process ${p} in this checkpoint (kensa ps lists them)`);
      if (addresses.length) {
        const symbolizer = new ProcessSymbolizer(cp, asked![0]);
        const found = addresses.map((a) => symbolizedAddress(symbolizer.symbolize(a)));
        if (ctx.opts.json) printJson(ctx, found.map((s) => ({ pid: asked![0], ...s })));
        else ctx.out(table(['ADDRESS', 'WHERE'], found.map((s) => [s.address, where(s)])));
      } else {
        const pids = asked ?? cp.processList().map((p) => p.pid);
        const rows = pids.flatMap((pid) => threadRows(cp, pid, Boolean(ctx.opts.regs)));
        if (ctx.opts.json) printJson(ctx, rows.map((r) => ({ pid: r.pid, tid: r.tid, register: r.register, ...r.at })));
        else ctx.out(table(['PID', 'TID', 'REG', 'VALUE', 'WHERE'], rows.map((r) => [r.pid, r.tid, r.register, '0x' + r.value.toString(16).padStart(16, '0'), where(r.at)])));
      }
      return finish(ctx, cp);
    } finally {
      done();
    }
  },
};
