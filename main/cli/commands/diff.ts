/**
 * `kensa diff A B`: two checkpoints of the same container compared (main/core/memory/diff.ts): process
 * tree, files, sockets, mounts, memory sizes, and memory page by page with hex excerpts of changed bytes.
 * A table by default, `--json` for one document.
 */
import type { Command, CommandContext } from '../command';
import { finish, openRootfsOption, openCheckpoint, printJson, table, UsageError } from '../common';
import { diffCheckpoints, diffJson, type CheckpointDiff, type Excerpt } from '../../core/model/checkpoint-diff';
import { bytesToAscii } from '#shared/format';
import type { Checkpoint } from '../../core/model/checkpoint';
import { escapeText, formatBytes, hex, parseNumber } from '#shared/format';
import { pushAll } from '#shared/arrays';

function signedBytes(n: number): string {
  return n === 0 ? '0' : `${n > 0 ? '+' : '-'}${formatBytes(Math.abs(n))}`;
}

/** Changed bytes as two xxd-like blocks, `-` for A and `+` for B, 16 bytes a line. */
function excerptLines(e: Excerpt): string[] {
  const out: string[] = [];
  for (let off = 0; off < e.a.length; off += 16) {
    const a = e.a.subarray(off, off + 16);
    const b = e.b.subarray(off, off + 16);
    const addr = hex(e.address + BigInt(off));
    const h = (x: Buffer): string => [...x].map((c) => c.toString(16).padStart(2, '0')).join(' ').padEnd(47);
    if (a.equals(b)) out.push(`      ${addr}    ${h(b)}  ${bytesToAscii(b)}`);
    else {
      out.push(`      ${addr}  - ${h(a)}  ${bytesToAscii(a)}`);
      out.push(`      ${' '.repeat(addr.length)}  + ${h(b)}  ${bytesToAscii(b)}`);
    }
  }
  // The changed bytes as text, when they read as text (a request, a path, a key).
  for (const [label, x] of [['was', e.a], ['now', e.b]] as const) {
    const t = bytesToAscii(x);
    if (/[ -~]{4}/.test(t.replace(/\./g, '\0'))) out.push(`      text ${label}: ${t.replace(/\.+$/, '')}`);
  }
  return out;
}

function printHuman(ctx: CommandContext, d: CheckpointDiff): void {
  const lines: string[] = [];
  const who = (x: CheckpointDiff['a']): string =>
    `${x.source}${x.container_name ? ` (container ${x.container_name}${x.id ? ` ${x.id.slice(0, 12)}` : ''})` : ''}${x.checkpointed ? `, checkpointed ${x.checkpointed}` : ''}`;
  lines.push(`A: ${who(d.a)}`, `B: ${who(d.b)}`);
  if (!d.sameContainer) lines.push('note: the container ids differ; these checkpoints are of different containers');
  const p = d.processes;
  lines.push('', `Processes: ${p.added.length} added, ${p.removed.length} removed, ${p.changed.length} changed, ${p.unchanged} unchanged`);
  for (const x of p.added) lines.push(`  + [${x.pid}] ${x.comm} (ppid ${x.ppid})${x.cmdline ? `: ${x.cmdline}` : ''}`);
  for (const x of p.removed) lines.push(`  - [${x.pid}] ${x.comm} (ppid ${x.ppid})${x.cmdline ? `: ${x.cmdline}` : ''}`);
  for (const x of p.changed) lines.push(`  ~ [${x.pid}] ${x.comm}: ${x.changes.map((c) => `${c.field} ${JSON.stringify(c.a)} -> ${JSON.stringify(c.b)}`).join(', ')}`);
  lines.push('', `Files: ${d.files.length ? '' : 'no change'}`);
  for (const f of d.files) {
    for (const x of f.added) lines.push(`  + pid ${f.pid} fd ${x.fd}: ${x.path}`);
    for (const x of f.removed) lines.push(`  - pid ${f.pid} fd ${x.fd}: ${x.path}`);
    for (const x of f.changed) lines.push(`  ~ pid ${f.pid} fd ${x.fd}: ${x.a.path} -> ${x.b.path}`);
  }
  lines.push('', `Sockets: ${d.sockets.length ? '' : 'no change'}`);
  for (const s of d.sockets) {
    for (const x of s.added) lines.push(`  + pid ${s.pid} ${x}`);
    for (const x of s.removed) lines.push(`  - pid ${s.pid} ${x}`);
  }
  const m = d.mounts;
  lines.push('', `Mounts: ${m.added.length + m.removed.length + m.changed.length ? '' : 'no change'}`);
  for (const x of m.added) lines.push(`  + ${x.mountpoint} (${x.fstype}${x.source ? ` from ${x.source}` : ''})`);
  for (const x of m.removed) lines.push(`  - ${x.mountpoint} (${x.fstype}${x.source ? ` from ${x.source}` : ''})`);
  for (const x of m.changed) lines.push(`  ~ ${x.mountpoint}: ${x.changes.map((c) => `${c.field} ${JSON.stringify(c.a)} -> ${JSON.stringify(c.b)}`).join(', ')}`);
  ctx.out(lines.map(escapeText).join('\n') + '\n\nMemory sizes:\n');
  ctx.out(
    table(
      ['PID', 'COMMAND', 'TOTAL A', 'TOTAL B', 'PRESENT A', 'PRESENT B', 'CHANGE'],
      d.memorySizes.map((r) => [
        r.pid,
        r.comm,
        r.a ? formatBytes(r.a.total) : '-',
        r.b ? formatBytes(r.b.total) : '-',
        r.a ? formatBytes(r.a.present) : '-',
        r.b ? formatBytes(r.b.present) : '-',
        signedBytes((r.b?.present ?? 0) - (r.a?.present ?? 0)),
      ]),
    ),
  );
  const mem: string[] = ['', 'Memory (pages):'];
  if (!d.memory.some((x) => x.vmas.length)) mem.push('  no page changed');
  for (const x of d.memory) {
    if (!x.vmas.length) continue;
    mem.push(`  pid ${x.pid} (${x.comm}): ${x.pagesChanged} changed, ${x.pagesAppeared} appeared, ${x.pagesVanished} vanished${x.pagesUnknown ? `, ${x.pagesUnknown} not comparable (missing in a checkpoint)` : ''}`);
    for (const v of x.vmas) {
      const status = v.status === 'same' ? '' : v.status === 'resized' && v.aRange ? ` resized from ${hex(v.aRange.start)}-${hex(v.aRange.end)}` : ` ${v.status}`;
      mem.push(
        `    ${hex(v.start)}-${hex(v.end)} ${v.perms} ${v.name || `[${v.kind}]`}${status}: ${v.pagesChanged} changed, ${v.pagesAppeared} appeared, ${v.pagesVanished} vanished${v.pagesUnknown ? `, ${v.pagesUnknown} not comparable` : ''}`,
      );
      for (const e of v.excerpts) pushAll(mem, excerptLines(e));
      if (v.excerpts.length < v.pagesChanged) mem.push(`      (${v.pagesChanged - v.excerpts.length} more changed pages; raise --excerpts)`);
    }
  }
  ctx.out(mem.map(escapeText).join('\n') + '\n');
}

export const diff: Command = {
  name: 'diff',
  summary: 'Compare two checkpoints of a container: processes, files, sockets, mounts, memory sizes and pages',
  usage: 'diff A B [--excerpts N] [--rootfs PATH] [--json]',
  options: { excerpts: { type: 'string' }, rootfs: { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length !== 2) throw new UsageError('diff needs two archives: A (before) and B (after)');
    let maxExcerpts = 8;
    if (ctx.opts.excerpts !== undefined) {
      const n = parseNumber(String(ctx.opts.excerpts));
      if (n === undefined || n > 100000n) throw new UsageError('--excerpts takes a number of excerpts per VMA (0 to 100000)');
      maxExcerpts = Number(n);
    }
    const rootfs = await openRootfsOption(ctx);
    let a: Checkpoint | undefined;
    let b: Checkpoint | undefined;
    try {
      a = await openCheckpoint(ctx, ctx.args[0], rootfs ? { rootfs } : {});
      b = await openCheckpoint(ctx, ctx.args[1], rootfs ? { rootfs } : {});
      const started = Date.now();
      const d = await diffCheckpoints(a, b, {
        maxExcerpts,
        onProgress: ctx.interactive
          ? (done, total) => {
              if (Date.now() - started > 1000) ctx.err(`\rcomparing ${formatBytes(done)} of ${formatBytes(total)}\x1b[K`);
            }
          : undefined,
      });
      if (ctx.interactive) ctx.err('\r\x1b[K');
      if (ctx.opts.json) printJson(ctx, diffJson(d));
      else printHuman(ctx, d);
      const codeA = finish(ctx, a);
      const codeB = finish(ctx, b);
      return Math.max(codeA, codeB);
    } finally {
      a?.close();
      b?.close();
      rootfs?.close();
    }
  },
};
