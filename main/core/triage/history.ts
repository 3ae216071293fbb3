/**
 * Family 10, shell history recovered from memory (`info`, T1059.004; Volatility's linux.bash): bash keeps
 * each history line in a HIST_ENTRY { char *line; char *timestamp; histdata_t data; } (readline's
 * history.h) and gives every entry a "#<seconds>" timestamp string (hist_inittime), also when the history
 * is never written to a file. The memory pass finds those timestamp strings; a pointer to one, in the
 * shell's writable memory, sits in the entry's second word, and the first word points at the command line.
 */
import type { Finding } from './finding';
import { finding, hex } from './finding';
import type { RuleFamily } from './rule';
import type { ProcFacts, TriageContext } from './context';
import type { EvidencePointer } from '#shared/api/contract';
import { isContentOrigin } from '#shared/byte-origins';

const FAMILY = 'history';
/** Commands listed per shell. */
const MAX_COMMANDS = 200;
/** Writable memory read per shell looking for HIST_ENTRY pointers (a shell's heap is a few MiB). */
const MAX_SHELL_BYTES = 64 << 20;
/** Longest command line kept. */
const MAX_LINE = 4096;
const CHUNK = 1 << 20;

interface Entry {
  time: number;
  line: string;
  address: bigint;
}

function recover(ctx: TriageContext, p: ProcFacts, stamps: Map<bigint, number>): Entry[] {
  const space = ctx.cp.addressSpace(p.pid);
  if (!space) return [];
  const entries: Entry[] = [];
  let budget = MAX_SHELL_BYTES;
  for (const v of p.vmas) {
    if (v.perms[0] !== 'r' || v.perms[1] !== 'w' || budget <= 0) continue;
    for (let at = v.start; at < v.end && budget > 0; at += BigInt(CHUNK)) {
      const len = Number(v.end - at < BigInt(CHUNK) ? v.end - at : BigInt(CHUNK));
      budget -= len;
      const { data, extents } = space.read(at, len);
      if (!extents.some((e) => isContentOrigin(e.origin) && e.src)) continue;
      // HIST_ENTRY fields are pointer-aligned (8 bytes on 64-bit targets).
      for (let off = 8; off + 8 <= data.length; off += 8) {
        const ptr = data.readBigUInt64LE(off);
        const time = stamps.get(ptr);
        if (time === undefined) continue;
        const lineAt = data.readBigUInt64LE(off - 8);
        const line = space.readCString(lineAt, MAX_LINE);
        if (!line || line.length === 0) continue;
        entries.push({ time, line: line.toString('utf8'), address: lineAt });
      }
    }
  }
  const seen = new Set<string>();
  return entries.sort((a, b) => a.time - b.time || (a.address < b.address ? -1 : 1)).filter((e) => {
    const k = `${e.time}:${e.address}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export const history: RuleFamily = {
  family: FAMILY,
  run: ({ ctx, hits }) => {
    const byPid = new Map<number, Map<bigint, number>>();
    for (const { pattern, hit } of hits) {
      if (pattern !== 'bash-history-time') continue;
      const m = byPid.get(hit.pid) ?? new Map<bigint, number>();
      m.set(hit.address, Number(hit.match.toString('latin1').slice(1)));
      byPid.set(hit.pid, m);
    }
    const out: Finding[] = [];
    for (const [pid, stamps] of byPid) {
      const p = ctx.proc(pid);
      if (!p || !ctx.isShell(p)) continue;
      const entries = recover(ctx, p, stamps);
      if (!entries.length) continue;
      const evidence: EvidencePointer[] = entries.slice(0, MAX_COMMANDS).map((e) => ({
        kind: 'memory', pid, address: hex(e.address), length: Buffer.byteLength(e.line), preview: e.line.slice(0, 200),
        label: `${new Date(e.time * 1000).toISOString()} ${e.line.slice(0, 200)}`,
      }));
      out.push(finding({
        severity: 'info', technique: 'T1059.004', family: FAMILY, rule: 'bash-history', key: `${pid}`, pid,
        evidence,
        title: `Shell history of pid ${pid} (${p.comm}): ${entries.length} command${entries.length === 1 ? '' : 's'} recovered from memory, last: ${entries[entries.length - 1].line.slice(0, 120)}`,
        explanation: "What was typed into this shell, with the time of each command, read from bash's in-memory history (also when HISTFILE is unset or the history file was deleted). Shown for the analyst; every line is evidence to read, none is judged.",
      }));
    }
    return out;
  },
};
