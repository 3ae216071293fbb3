/**
 * `kensa case`: the evidence case folder from the command line (main/core/evidence/case.ts).
 *
 *   case init DIR [--analyst NAME] [--title TEXT]
 *   case add DIR ARCHIVE
 *   case verify DIR                     exit 4 naming what changed
 *   case note DIR [--evidence ID] (--pid N [--tid T | --addr A --len L [--pattern P]] | --file MEMBER | --socket INODE [--pid N]) --text TEXT
 *   case record DIR FILE... --action TEXT [--evidence ID]   a derived file made by another command
 *   case log DIR
 *   case show DIR
 *
 * Commands that work with the evidence (add, note) re-verify what the case already holds first and warn
 * loudly on a mismatch; show and log make the cheap check (chain, sizes, mtimes) without re-hashing.
 */
import type { Command, CommandContext } from '../command';
import { EXIT } from '../command';
import { printJson, table, UsageError } from '../common';
import { EvidenceCase, describeTarget, type NoteTarget, type VerifyReport } from '../../core/evidence/case';
import { summariseEntry } from '../../core/evidence/report-model';
import { escapeText, formatBytes, parseNumber } from '#shared/format';

const SUBCOMMANDS = ['init', 'add', 'verify', 'note', 'record', 'log', 'show'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

const USAGE = [
  'case init DIR [--analyst NAME] [--title TEXT]',
  '       kensa case add DIR ARCHIVE',
  '       kensa case verify DIR',
  '       kensa case note DIR [--evidence ID] (--pid N [--tid T | --addr A --len L [--pattern P]] | --file MEMBER | --socket INODE [--pid N]) --text TEXT',
  '       kensa case record DIR FILE... --action TEXT [--evidence ID]',
  '       kensa case log DIR',
  '       kensa case show DIR',
].join('\n');

function str(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.opts[name];
  return typeof v === 'string' ? v : undefined;
}

function num(ctx: CommandContext, name: string, max = 0x7fffffffn): number | undefined {
  const v = str(ctx, name);
  if (v === undefined) return undefined;
  const n = parseNumber(v);
  if (n === undefined || n > max) throw new UsageError(`--${name} takes a number (decimal or 0x hex), not ${JSON.stringify(v)}`);
  return Number(n);
}

function progress(ctx: CommandContext, what: string): ((done: number, total: number) => void) | undefined {
  if (!ctx.interactive) return undefined;
  return (done, total) => ctx.err(`\r${what} ${formatBytes(done)} of ${formatBytes(total)}\x1b[K`);
}

function clearProgress(ctx: CommandContext): void {
  if (ctx.interactive) ctx.err('\r\x1b[K');
}

/** Warn loudly, one line per problem (cli-conventions.md: one line each on stderr). */
function warnVerification(ctx: CommandContext, v: { problems: string[] }): void {
  ctx.err(`kensa: warning: VERIFICATION FAILED: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}; the case no longer matches what was recorded\n`);
  for (const p of v.problems) ctx.err(`kensa: warning: ${escapeText(p)}\n`);
}

async function reverify(ctx: CommandContext, c: EvidenceCase): Promise<VerifyReport | undefined> {
  if (c.evidence().length === 0 && c.derived().length === 0) return undefined;
  const v = await c.verify({ onProgress: progress(ctx, 'verifying evidence') });
  clearProgress(ctx);
  if (!v.ok) warnVerification(ctx, v);
  return v;
}

function needDir(ctx: CommandContext, sub: Sub, count = 1): string[] {
  const rest = ctx.args.slice(1);
  if (rest.length !== count) throw new UsageError(`case ${sub} needs ${count === 1 ? 'DIR' : 'DIR ARCHIVE'} (usage: kensa ${USAGE.split('\n').find((l) => l.includes(`case ${sub} `))?.trim().replace(/^kensa /, '')})`);
  return rest;
}

async function init(ctx: CommandContext): Promise<number> {
  const [dir] = needDir(ctx, 'init');
  const c = EvidenceCase.init(dir, { analyst: str(ctx, 'analyst'), title: str(ctx, 'title') });
  if (ctx.opts.json) printJson(ctx, { dir: c.dir, ...c.info });
  else ctx.out(`case ${c.id} created in ${escapeText(c.dir)} (analyst ${escapeText(c.analyst)})\n`);
  return EXIT.OK;
}

async function add(ctx: CommandContext): Promise<number> {
  const [dir, archive] = needDir(ctx, 'add', 2);
  const c = EvidenceCase.open(dir);
  const before = c.integrity();
  if (!before.ok) warnVerification(ctx, before);
  const rec = await c.addEvidence(archive, progress(ctx, 'hashing'), { cacheDir: str(ctx, 'cache') });
  clearProgress(ctx);
  if (ctx.opts.json) printJson(ctx, rec);
  else {
    ctx.out(`${rec.id} ${escapeText(rec.path)}\n`);
    ctx.out(`  ${rec.kind === 'folder' ? `folder, ${rec.files?.length ?? 0} files, ` : ''}${rec.size} bytes\n`);
    ctx.out(`  SHA-256 ${rec.sha256}\n  SHA-512 ${rec.sha512}\n`);
    const d = rec.description;
    if (d?.error) ctx.out(`  not readable as a checkpoint: ${escapeText(d.error)}\n`);
    else if (d) ctx.out(`  ${escapeText([d.engine ?? 'CRIU images', d.container_name, d.layout, `${d.processes} processes`].filter(Boolean).join(', '))}\n`);
  }
  if (rec.description?.error) {
    ctx.err(`kensa: warning: ${escapeText(rec.id)} was recorded and hashed but cannot be read as a checkpoint: ${escapeText(rec.description.error)}\n`);
    return EXIT.PARTIAL;
  }
  return before.ok ? EXIT.OK : EXIT.VERIFY;
}

async function verify(ctx: CommandContext): Promise<number> {
  const [dir] = needDir(ctx, 'verify');
  const c = EvidenceCase.open(dir);
  const v = await c.verify({ onProgress: progress(ctx, 'verifying') });
  clearProgress(ctx);
  if (ctx.opts.json) printJson(ctx, v);
  else {
    for (const e of v.evidence) ctx.out(`${e.ok ? 'OK     ' : 'CHANGED'}  evidence ${e.id}  ${escapeText(e.path)}${e.sha256 ? `  sha256 ${e.sha256}` : ''}\n`);
    for (const d of v.derived) ctx.out(`${d.ok ? 'OK     ' : 'CHANGED'}  derived  ${d.id}  ${escapeText(d.path)}${d.sha256 ? `  sha256 ${d.sha256}` : ''}\n`);
    ctx.out(`${v.chain.ok && v.caseFile.ok ? 'OK     ' : 'CHANGED'}  custody log: ${v.chain.entries} entries, head ${v.chain.head}\n`);
    ctx.out(v.ok ? 'verification passed: evidence, derived files and custody log are unchanged\n' : `verification FAILED: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}\n`);
  }
  for (const w of v.warnings) ctx.err(`kensa: warning: ${escapeText(w)}\n`);
  for (const p of v.problems) ctx.err(`kensa: error: ${escapeText(p)}\n`);
  return v.ok ? EXIT.OK : EXIT.VERIFY;
}

function noteTarget(ctx: CommandContext): NoteTarget {
  const pid = num(ctx, 'pid');
  const tid = num(ctx, 'tid');
  const addr = str(ctx, 'addr');
  const len = num(ctx, 'len');
  const pattern = str(ctx, 'pattern');
  const file = str(ctx, 'file');
  const socket = num(ctx, 'socket', 0xffffffffn);
  const chosen = [pid !== undefined && socket === undefined, file !== undefined, socket !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError('case note bookmarks one thing: --pid N (with --tid, or --addr and --len), --file MEMBER, or --socket INODE');
  if (file !== undefined) {
    if (pid !== undefined || addr !== undefined || len !== undefined || tid !== undefined) throw new UsageError('--file takes no --pid, --tid, --addr or --len');
    return { kind: 'file', member: file };
  }
  if (socket !== undefined) {
    if (addr !== undefined || len !== undefined || tid !== undefined) throw new UsageError('--socket takes no --tid, --addr or --len');
    return pid !== undefined ? { kind: 'socket', pid, inode: socket } : { kind: 'socket', inode: socket };
  }
  if ((addr === undefined) !== (len === undefined)) throw new UsageError('--addr and --len go together');
  if (addr !== undefined && tid !== undefined) throw new UsageError('--tid and --addr are different bookmarks: give one');
  if (pattern !== undefined && addr === undefined) throw new UsageError('--pattern names the search that found --addr/--len');
  if (addr !== undefined) {
    const base = { pid: pid!, address: addr, length: len! };
    return pattern !== undefined ? { kind: 'search-hit', ...base, pattern } : { kind: 'memory', ...base };
  }
  if (tid !== undefined) return { kind: 'thread', pid: pid!, tid };
  return { kind: 'process', pid: pid! };
}

async function note(ctx: CommandContext): Promise<number> {
  const [dir] = needDir(ctx, 'note');
  const text = str(ctx, 'text');
  if (!text) throw new UsageError('case note needs --text TEXT');
  let target = noteTarget(ctx);
  const c = EvidenceCase.open(dir);
  const ev = c.resolveEvidence(str(ctx, 'evidence'));
  const v = await reverify(ctx, c);
  const cp = await c.openEvidence(ev.id, 'note', { cacheDir: str(ctx, 'cache') });
  try {
    // `core-6.img` names checkpoint/core-6.img, as `kensa cat` accepts it.
    if (target.kind === 'file' && !cp.archive.has(target.member) && !target.member.startsWith('rootfs-diff.tar/') && cp.archive.has(cp.archive.imageMember(target.member))) {
      target = { kind: 'file', member: cp.archive.imageMember(target.member) };
    }
    const rec = c.addNote({ evidenceId: ev.id, text, target }, cp);
    if (ctx.opts.json) printJson(ctx, rec);
    else ctx.out(`${rec.id} on ${escapeText(describeTarget(rec.target))} of ${rec.evidenceId}${rec.capture ? ` (${rec.capture.size} bytes, sha256 ${rec.capture.sha256})` : ''}\n`);
  } finally {
    cp.close();
  }
  return v && !v.ok ? EXIT.VERIFY : EXIT.OK;
}

/**
 * Record files another command wrote (`kensa core ... --out DIR/derived`) with their SHA-256 and the exact
 * command that made them; files outside the case are copied into derived/.
 */
async function record(ctx: CommandContext): Promise<number> {
  const [dir, ...files] = ctx.args.slice(1);
  if (!dir || files.length === 0) throw new UsageError('case record needs DIR FILE... --action TEXT');
  const action = str(ctx, 'action');
  if (!action?.trim()) throw new UsageError('case record needs --action TEXT: the exact command or action that produced the files');
  const c = EvidenceCase.open(dir);
  const evidenceId = str(ctx, 'evidence') !== undefined ? c.resolveEvidence(str(ctx, 'evidence')).id : undefined;
  const recs = [];
  for (const f of files) recs.push(await c.recordDerivedAsync(f, action, evidenceId));
  if (ctx.opts.json) printJson(ctx, recs);
  else for (const r of recs) ctx.out(`${r.id} ${escapeText(r.path)}  ${r.size} bytes  sha256 ${r.sha256}${r.copiedFrom ? `  (copied from ${escapeText(r.copiedFrom)})` : ''}\n`);
  return EXIT.OK;
}

async function log(ctx: CommandContext): Promise<number> {
  const [dir] = needDir(ctx, 'log');
  const c = EvidenceCase.open(dir);
  const integrity = c.integrity();
  const entries = c.entries();
  if (ctx.opts.json) printJson(ctx, entries);
  else ctx.out(table(['#', 'TIME (UTC)', 'EVENT', 'ANALYST', 'WHAT'], entries.map((e) => [e.seq, e.time, e.event, e.analyst, summariseEntry(e)])));
  const chainProblems = integrity.problems.filter((p) => p.startsWith('custody') || p.startsWith('case.json'));
  for (const p of chainProblems) ctx.err(`kensa: error: ${escapeText(p)}\n`);
  for (const p of integrity.problems.filter((x) => !chainProblems.includes(x))) ctx.err(`kensa: warning: ${escapeText(p)}\n`);
  return chainProblems.length ? EXIT.VERIFY : EXIT.OK;
}

async function show(ctx: CommandContext): Promise<number> {
  const [dir] = needDir(ctx, 'show');
  const c = EvidenceCase.open(dir);
  const integrity = c.integrity();
  const last = c.latestVerification();
  if (ctx.opts.json) {
    printJson(ctx, { dir: c.dir, ...c.info, integrity, latestVerification: last, evidence: c.evidence(), notes: c.notes(), derived: c.derived(), entries: c.entries().length });
  } else {
    const i = c.info;
    ctx.out(`case      ${i.id}\n`);
    if (i.title) ctx.out(`title     ${escapeText(i.title)}\n`);
    ctx.out(`analyst   ${escapeText(i.analyst)}\ncreated   ${i.created}\nfolder    ${escapeText(c.dir)}\ntool      ${escapeText(i.tool)}\n`);
    ctx.out(`custody   ${c.entries().length} entries${integrity.ok ? '' : ' (DAMAGED or evidence changed: run kensa case verify)'}\n`);
    ctx.out(`verified  ${last ? `${last.ok ? 'passed' : 'FAILED'} at ${last.time} (entry ${last.seq})` : 'never since intake'}\n`);
    ctx.out('\nEvidence\n');
    ctx.out(table(['ID', 'SIZE', 'SHA-256', 'PATH'], c.evidence().map((e) => [e.id, e.size, e.sha256, e.path])));
    ctx.out('\nNotes\n');
    ctx.out(table(['ID', 'EVIDENCE', 'TARGET', 'TEXT'], c.notes().map((n) => [n.id, n.evidenceId, describeTarget(n.target), n.text])));
    ctx.out('\nDerived\n');
    ctx.out(table(['ID', 'KIND', 'SIZE', 'SHA-256', 'PATH', 'ACTION'], c.derived().map((d) => [d.id, d.kind, d.size, d.sha256, d.path, d.action])));
  }
  for (const p of integrity.problems) ctx.err(`kensa: warning: ${escapeText(p)}\n`);
  return EXIT.OK;
}

export const caseCommand: Command = {
  name: 'case',
  summary: 'Evidence case folder: hashes, hash-chained custody log, bookmarks/notes, derived files (init, add, verify, note, record, log, show)',
  usage: USAGE,
  options: {
    analyst: { type: 'string' },
    title: { type: 'string' },
    evidence: { type: 'string' },
    pid: { type: 'string' },
    tid: { type: 'string' },
    addr: { type: 'string' },
    len: { type: 'string' },
    pattern: { type: 'string' },
    file: { type: 'string' },
    socket: { type: 'string' },
    text: { type: 'string' },
    action: { type: 'string' },
  },
  async run(ctx) {
    const sub = ctx.args[0] as Sub | undefined;
    if (!sub || !SUBCOMMANDS.includes(sub)) throw new UsageError(`case needs a subcommand: ${SUBCOMMANDS.join(', ')} (usage: kensa ${USAGE.split('\n')[0]} ...)`);
    const allowed: Record<Sub, string[]> = {
      init: ['analyst', 'title'],
      add: [],
      verify: [],
      note: ['evidence', 'pid', 'tid', 'addr', 'len', 'pattern', 'file', 'socket', 'text'],
      record: ['action', 'evidence'],
      log: [],
      show: [],
    };
    for (const name of Object.keys(this.options)) {
      if (ctx.opts[name] !== undefined && !allowed[sub].includes(name)) throw new UsageError(`case ${sub} takes no --${name}`);
    }
    switch (sub) {
      case 'init':
        return init(ctx);
      case 'add':
        return add(ctx);
      case 'verify':
        return verify(ctx);
      case 'note':
        return note(ctx);
      case 'record':
        return record(ctx);
      case 'log':
        return log(ctx);
      case 'show':
        return show(ctx);
    }
  },
};

