/**
 * `kensa strings ARCHIVE --pid N [--min 6] [--utf16] [--vma FILTER ...]`: printable strings in a process's
 * memory with their addresses, like GNU strings over the address space (main/core/memory/strings.ts).
 * Text: `ADDRESS TEXT` per line (text escaped for the terminal); `--json`: one array of
 * {address, encoding, text}.
 */
import type { Command } from '../command';
import { finish, onePid, PID_OPTIONS, UsageError } from '../common';
import { extractStrings } from '../../core/memory/strings';
import { escapeText, hex, jsonText, parseNumber } from '#shared/format';
import { openForMemory, outputBackpressure } from './mem';
import { maxOf } from '#shared/arrays';

/** Output is written in pieces of about this many characters. */
const FLUSH = 64 * 1024;

export const strings: Command = {
  name: 'strings',
  summary: 'Printable strings in one process\'s memory, with their addresses (ASCII, or UTF-16LE with --utf16)',
  usage: 'strings ARCHIVE --pid N [--min 6] [--utf16] [--vma FILTER ...] [--rootfs PATH] [--parent ARCHIVE] [--json]',
  options: {
    ...PID_OPTIONS,
    min: { type: 'string', short: 'n' },
    utf16: { type: 'boolean' },
    vma: { type: 'string', multiple: true },
    rootfs: { type: 'string' },
    parent: { type: 'string' },
  },
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('strings needs one ARCHIVE');
    const pid = onePid(ctx, 'strings');
    let min = 6;
    if (ctx.opts.min !== undefined) {
      const n = parseNumber(String(ctx.opts.min));
      if (n === undefined || n < 1n || n > 65536n) throw new UsageError('--min takes a length from 1 to 65536');
      min = Number(n);
    }
    const { cp, done } = await openForMemory(ctx, ctx.args[0]);
    try {
      const p = cp.process(pid);
      if (!p) throw new UsageError(`no process ${pid} in this checkpoint (kensa ps lists them)`);
      const space = cp.addressSpace(pid);
      if (!space) throw new UsageError(`process ${pid} (${p.comm}, ${p.state}) has no memory in this checkpoint`);
      const vma = ((ctx.opts.vma as string[] | undefined) ?? []).map(String);
      const found = extractStrings(space, { min, utf16: Boolean(ctx.opts.utf16), ...(vma.length ? { vma } : {}) });
      let out = '';
      let flushes = 0;
      const emit = (s: string): void => {
        out += s;
        if (out.length >= FLUSH) {
          ctx.out(out);
          out = '';
          flushes++;
        }
      };
      if (ctx.opts.json) {
        // One JSON document, streamed element by element.
        emit('[');
        let first = true;
        for (const s of found) {
          emit(`${first ? '\n' : ',\n'}  ${jsonText({ address: hex(s.address), encoding: s.encoding, text: s.text })}`);
          first = false;
          if (flushes >= 16) {
            flushes = 0;
            await outputBackpressure();
          }
        }
        emit(first ? ']\n' : '\n]\n');
      } else {
        const width = maxOf(space.vmas.filter((v) => v.kind !== 'vsyscall').map((v) => v.end.toString(16).length), 8);
        for (const s of found) {
          emit(`${s.address.toString(16).padStart(width, '0')} ${escapeText(s.text)}\n`);
          if (flushes >= 16) {
            flushes = 0;
            await outputBackpressure();
          }
        }
      }
      if (out) ctx.out(out);
      return finish(ctx, cp);
    } finally {
      done();
    }
  },
};
