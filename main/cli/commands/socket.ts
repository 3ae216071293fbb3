/**
 * `kensa socket ARCHIVE --pid N --fd N | --inode N [--json]`: one socket in detail (main/core/model/socket-detail.ts):
 * its entry and options, a TCP connection's sequence numbers, windows and queues (tcp-stream-<inode>.img),
 * packets queued on it (sk-queues.img), and a unix socket's peer.
 * `--queue recv|send|packet:N`: that queue's bytes, raw, to stdout or to a new file with `--out FILE`.
 */
import type { Command, CommandContext } from '../command';
import { finish, openCheckpoint, pidsOption, printJson, UsageError } from '../common';
import type { Checkpoint } from '../../core/model/checkpoint';
import { KensaError } from '../../core/errors';
import { isInside, realOrSelf, realTarget, writeNewFile } from '../../core/io/output';
import { decodeUtf8Exact, escapeText, formatBytes, parseNumber } from '#shared/format';
import type { SocketDetail, SocketFieldValue } from '#shared/api/sockets';

/** Bytes of each queue shown as text in the human output (the whole queue: --queue). */
const PREVIEW_BYTES = 512;

function numberOption(ctx: CommandContext, name: string): number | undefined {
  const raw = ctx.opts[name];
  if (raw === undefined) return undefined;
  const n = typeof raw === 'string' ? parseNumber(raw) : undefined;
  if (n === undefined || n > 0x7fffffffn) throw new UsageError(`--${name} takes a number (decimal or 0x hex), not ${JSON.stringify(raw)}`);
  return Number(n);
}

/** The process and fd the options name: --pid N --fd N, or --inode N (the first fd holding that socket). */
function target(ctx: CommandContext, cp: Checkpoint): { pid: number; fd: number } {
  const pids = pidsOption(ctx);
  const fd = numberOption(ctx, 'fd');
  const inode = numberOption(ctx, 'inode');
  if (inode !== undefined) {
    if (fd !== undefined) throw new UsageError('give --inode, or --pid and --fd, not both');
    for (const p of cp.processList()) {
      if (pids && !pids.includes(p.pid)) continue;
      const s = cp.sockets(p.pid).find((x) => x.inode === inode);
      if (s) return { pid: p.pid, fd: s.fd };
    }
    throw new KensaError('missing', `no process${pids ? ` of --pid ${pids.join(',')}` : ''} holds a socket with inode ${inode} (kensa inspect ARCHIVE --sockets lists them)`, { source: cp.source });
  }
  if (!pids || pids.length !== 1 || fd === undefined) throw new UsageError('socket needs --pid N and --fd N (or --inode N)');
  return { pid: pids[0], fd };
}

function value(v: SocketFieldValue): string {
  return Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
}

/** The detail as sections of `name: value` lines, every string escaped (cli-conventions.md). */
function render(d: SocketDetail, comm: string | undefined, previews: Map<string, Buffer>): string {
  const s = d.socket;
  const lines: string[] = [];
  const section = (title: string, rows: [string, string | number | undefined][]): void => {
    const shown = rows.filter(([, v]) => v !== undefined && v !== '');
    if (!shown.length) return;
    lines.push(title);
    const width = Math.max(...shown.map(([k]) => k.length));
    for (const [k, v] of shown) lines.push(`  ${k.padEnd(width)}  ${escapeText(String(v))}`);
  };
  const endpoint = (a: string | undefined, port: number | undefined): string | undefined => (a === undefined ? undefined : `${s.family === 'INET6' ? `[${a}]` : a}:${port}`);
  section(`Socket: pid ${s.pid}${comm ? ` (${comm})` : ''} fd ${s.fd}`, [
    ['family', s.family], ['type', s.type], ['protocol', s.protocol], ['state', s.state], ['inode', s.inode],
    ['local', s.family === 'UNIX' ? s.name : endpoint(s.src, s.srcPort)], ['remote', s.family === 'UNIX' ? undefined : endpoint(s.dst, s.dstPort)],
    ['file id', d.fileId],
  ]);
  if (d.peer) {
    const held = d.peer.holders.map((h) => `pid ${h.pid} fd ${h.fd}`).join(', ');
    section('Peer', [['inode', d.peer.inode], ['held by', held || 'no process in this checkpoint']]);
  }
  section(`Entry (${d.entryType})`, Object.entries(d.fields).map(([k, v]) => [k, value(v)]));
  section('Options', Object.entries(d.options).map(([k, v]) => [k, value(v)]));
  if (d.tcp) {
    const t = d.tcp;
    section(`TCP stream (${t.member})`, [
      ['inq_seq', t.inq_seq], ['inq_len', t.inq_len], ['outq_seq', t.outq_seq], ['outq_len', t.outq_len], ['unsq_len', t.unsq_len],
      ['snd_wl1', t.snd_wl1], ['snd_wnd', t.snd_wnd], ['max_window', t.max_window], ['rcv_wnd', t.rcv_wnd], ['rcv_wup', t.rcv_wup],
      ['snd_wscale', t.snd_wscale], ['rcv_wscale', t.rcv_wscale], ['mss_clamp', t.mss_clamp], ['timestamp', t.timestamp],
      ['nodelay', t.nodelay === undefined ? undefined : String(t.nodelay)], ['cork', t.cork === undefined ? undefined : String(t.cork)],
      ['opt_mask', `0x${t.opt_mask.toString(16)}${t.options.length ? ` (${t.options.join('|')})` : ''}`],
    ]);
  }
  if (d.tcpProblem) section('TCP stream', [['not shown', d.tcpProblem]]);
  if (d.queueProblem) section('Queued packets', [['not shown', d.queueProblem]]);
  for (const q of d.queues) {
    lines.push(`Queue ${q.id}: ${q.label}, ${q.length} byte${q.length === 1 ? '' : 's'} (${formatBytes(q.length)}) at ${escapeText(q.member)} @${q.offset}`);
    const bytes = previews.get(q.id);
    if (bytes?.length) {
      // line by line, each escaped: a CR shows as \x0d, an escape sequence never reaches the terminal
      const text = decodeUtf8Exact(bytes.subarray(0, PREVIEW_BYTES));
      for (const line of text.replace(/\n$/, '').split('\n')) lines.push(`  | ${escapeText(line)}`);
      if (bytes.length > PREVIEW_BYTES) lines.push(`  | … ${bytes.length - PREVIEW_BYTES} more bytes (--queue ${q.id} writes them all)`);
    }
  }
  if (d.packetsOmitted) lines.push(`${d.packetsOmitted} more queued packets not listed`);
  return lines.join('\n') + '\n';
}

export const socket: Command = {
  name: 'socket',
  summary: 'One socket in detail: entry, options, a TCP connection\'s sequence numbers, windows and queued bytes, queued packets, the unix peer',
  usage: 'socket ARCHIVE --pid N --fd N | --inode N [--json]  |  socket ARCHIVE --pid N --fd N --queue recv|send|packet:N [--out FILE]',
  options: {
    pid: { type: 'string', short: 'p', multiple: true },
    fd: { type: 'string' },
    inode: { type: 'string' },
    queue: { type: 'string' },
    out: { type: 'string' },
  },
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError('socket needs one ARCHIVE');
    const queue = ctx.opts.queue;
    if (queue !== undefined && (typeof queue !== 'string' || !/^(recv|send|packet:\d+)$/.test(queue))) throw new UsageError('--queue takes recv, send or packet:N');
    const out = ctx.opts.out;
    if (out !== undefined && (queue === undefined || typeof out !== 'string' || out === '')) throw new UsageError('--out FILE goes with --queue (where the queue\'s bytes are written)');
    if (queue !== undefined && ctx.opts.json) throw new UsageError('--queue writes raw bytes; --json is for the detail');
    const cp = await openCheckpoint(ctx, ctx.args[0]);
    const { pid, fd } = target(ctx, cp);
    if (typeof queue === 'string') {
      const bytes = cp.socketQueue(pid, fd, queue);
      if (typeof out === 'string') {
        if (isInside(realOrSelf(cp.source), realTarget(out))) throw new UsageError(`--out ${out} is inside the evidence ${cp.source}; evidence is never written: choose another place`);
        writeNewFile(out, bytes);
      } else {
        await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (e) => (e ? reject(e) : resolve())));
      }
      return finish(ctx, cp);
    }
    const detail = cp.socketDetail(pid, fd);
    if (ctx.opts.json) printJson(ctx, detail);
    else {
      const previews = new Map(detail.queues.map((q) => [q.id, cp.socketQueue(pid, fd, q.id)]));
      ctx.out(render(detail, cp.process(pid)?.comm, previews));
    }
    return finish(ctx, cp);
  },
};
