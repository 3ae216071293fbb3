/**
 * The YARA engine: YARA-X (VirusTotal's Rust rewrite of YARA) through the napi-rs binding
 * `@litko/yara-x-linux-x64-gnu` (README, "Dependencies and why", for how it was chosen). This module
 * loads it, compiles rule files once with the context variables Kensa defines (RULE_VARIABLES), and turns
 * compiler errors into `FILE:LINE:COLUMN: message` lines.
 *
 * Rule files are the analyst's, but they are treated like evidence: their size and number are bounded,
 * `include` is refused (a rule cannot make Kensa read another file), and slow rules are stopped by the
 * scanner's timeout and match limits (scan.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KensaError, systemErrorText } from '../errors';
import { readSmallFile } from '../io/byte-source';

/** The part of the binding's API Kensa uses (index.d.ts of @litko/yara-x-linux-x64-gnu 0.7.2). */
export interface NativeMatch {
  offset: number;
  length: number;
  identifier: string;
}
export interface NativeRuleMatch {
  ruleIdentifier: string;
  namespace: string;
  meta: Record<string, string | number | boolean>;
  tags: string[];
  matches: NativeMatch[];
}
interface NativeCompilerMessage {
  code: string;
  message: string;
}
interface NativeRules {
  scan(data: Buffer, variables?: Record<string, string | number | boolean>): NativeRuleMatch[];
  scanAsync(data: Buffer, variables?: Record<string, string | number | boolean>): Promise<NativeRuleMatch[]>;
  setMaxMatchesPerPattern(n: number): void;
  setTimeout(ms: number): void;
  getWarnings(): NativeCompilerMessage[];
}
interface NativeModule {
  compile(source: string, options?: Record<string, unknown>): NativeRules;
  validate(source: string, options?: Record<string, unknown>): { warnings: NativeCompilerMessage[]; errors: NativeCompilerMessage[] };
}

export const ENGINE_PACKAGE = '@litko/yara-x-linux-x64-gnu';

let native: NativeModule | undefined;

/** The binding, loaded on first use; a 'tool' error (exit 5) naming the package when it is not installed. */
export function loadEngine(): NativeModule {
  if (native) return native;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    native = require(ENGINE_PACKAGE) as NativeModule;
    return native;
  } catch (e) {
    throw new KensaError(
      'tool',
      `the YARA engine (npm package ${ENGINE_PACKAGE}, prebuilt for Linux x86-64 with glibc) could not be loaded on ${process.platform}-${process.arch}: ${(e as Error).message.split('\n')[0]}`,
      {},
      ENGINE_PACKAGE,
    );
  }
}

/**
 * The context a rule can test, as YARA external variables (README, "YARA"): set for every scanned region
 * (a run of known bytes in one mapping, or one file with --files). The values here are the defaults the
 * rules are compiled with; `yara -d NAME=VALUE` takes the same names.
 */
export const RULE_VARIABLES = {
  /** The process id (0 for a file). */
  pid: 0,
  /** The process's name (core-PID.img tc.comm). */
  comm: '',
  /** The process's executable path (mm.img exe_file_id). */
  exe: '',
  /** The mapping's permissions as /proc/PID/maps writes them: `r-xp`, `rw-s`. */
  perms: '',
  /** Anonymous memory (private or shared, heap, stack): no file behind it. */
  anonymous: false,
  /** A file mapping (private or shared), or a file scanned with --files. */
  file_backed: false,
  /** A shared mapping (MAP_SHARED: shared anonymous memory, memfd, SysV shm, shared file mappings). */
  shared: false,
  /** The mapping's file path or /proc/PID/maps name (`[heap]`, `/memfd:x (deleted)`), or the scanned file's path. */
  path: '',
  /** The address of the first scanned byte (0 for a file): `base + @a[1]` is the match's address. */
  base: 0,
} as const;

/** The values of RULE_VARIABLES for one scanned region. */
export interface RuleVariables {
  pid: number;
  comm: string;
  exe: string;
  perms: string;
  anonymous: boolean;
  file_backed: boolean;
  shared: boolean;
  path: string;
  base: number;
}

/** One rule file (or a pasted rule: `name` is then how the user will see it, e.g. `<pasted>`). */
export interface RuleSource {
  name: string;
  text: string;
}

/** Largest rule file read (the largest public rule collections are a few MiB). */
export const MAX_RULE_FILE_BYTES = 16 << 20;
/** Most rule files taken from the folders named on the command line. */
export const MAX_RULE_FILES = 10000;
/** Rule files in a folder: YARA's usual extensions. */
const RULE_EXTENSIONS = new Set(['.yar', '.yara']);

/** Read RULES arguments: files as they are, folders walked (sorted) for .yar / .yara files. */
export function readRuleSources(paths: string[]): RuleSource[] {
  const files: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 32) throw new KensaError('usage', `rule folders nest deeper than 32 levels at ${dir}`);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      throw new KensaError('usage', `cannot read the rule folder ${dir}: ${systemErrorText(e)}`);
    }
    for (const ent of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = path.join(dir, ent.name);
      if (ent.isDirectory()) walk(p, depth + 1);
      else if (ent.isFile() && RULE_EXTENSIONS.has(path.extname(ent.name).toLowerCase())) files.push(p);
      if (files.length > MAX_RULE_FILES) throw new KensaError('usage', `more than ${MAX_RULE_FILES} rule files under ${paths.join(', ')}`);
    }
  };
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      throw new KensaError('usage', `cannot read the rules ${p}: ${systemErrorText(e)}`);
    }
    if (st.isDirectory()) {
      const before = files.length;
      walk(p, 0);
      if (files.length === before) throw new KensaError('usage', `no .yar or .yara file in the rule folder ${p}`);
    } else files.push(p);
  }
  return files.map((f) => {
    try {
      const size = fs.statSync(f).size;
      if (size > MAX_RULE_FILE_BYTES) throw new KensaError('usage', `the rule file ${f} has ${size} bytes, more than the ${MAX_RULE_FILE_BYTES} a rule file may have`);
      return { name: f, text: readSmallFile(f, MAX_RULE_FILE_BYTES, 'the rule file').toString('utf8') };
    } catch (e) {
      if (e instanceof KensaError) throw e;
      throw new KensaError('usage', `cannot read the rules ${f}: ${systemErrorText(e)}`);
    }
  });
}

/** A compiler message placed in its rule file. */
export interface RuleMessage {
  file: string;
  line?: number;
  column?: number;
  code: string;
  message: string;
}

/** `FILE:LINE:COLUMN: message (code)`: the form compilers print, so editors can jump to it. */
export function describeRuleMessage(m: RuleMessage): string {
  return `${m.file}${m.line !== undefined ? `:${m.line}` : ''}${m.column !== undefined ? `:${m.column}` : ''}: ${m.message} (${m.code})`;
}

/** Compiled rules, ready to scan. */
export interface CompiledRules {
  readonly native: NativeRules;
  readonly sources: RuleSource[];
  readonly warnings: RuleMessage[];
  /** How many rules the sources declare (for the summary line). */
  readonly ruleCount: number;
}

/** The compiler options: Kensa's variables declared; includes off (a rule names no other file). */
function compilerOptions(): Record<string, unknown> {
  return { defineVariables: { ...RULE_VARIABLES }, enableIncludes: false };
}

/**
 * Compile every source once, as one rule set (like `yara FILE1 FILE2 ...`: one namespace, `default`). Bad
 * rules are a usage error (exit 1) listing each error as `FILE:LINE:COLUMN: message`.
 */
export function compileRules(sources: RuleSource[]): CompiledRules {
  if (!sources.length) throw new KensaError('usage', 'no rules given');
  const engine = loadEngine();
  // One source text, each file starting on a known line, so a message's line maps back to its file.
  const starts: { name: string; line: number }[] = [];
  let text = '';
  let line = 1;
  for (const s of sources) {
    if (s.text.includes('\0')) throw new KensaError('usage', `the rule file ${s.name} holds a NUL byte: not a YARA source`);
    starts.push({ name: s.name, line });
    const body = s.text.endsWith('\n') ? s.text : s.text + '\n';
    text += body;
    line += body.split('\n').length - 1;
  }
  const place = (m: NativeCompilerMessage): RuleMessage => placeMessage(m, starts);
  let rules: NativeRules;
  try {
    rules = engine.compile(text, compilerOptions());
  } catch (e) {
    let errors: RuleMessage[] = [];
    try {
      errors = engine.validate(text, compilerOptions()).errors.map(place);
    } catch {
      // validate() failing too leaves the compile error alone
    }
    if (!errors.length) errors = [place({ code: 'error', message: (e as Error).message.replace(/^Compilation error \([^)]*\): /, '') })];
    const list = errors.slice(0, 20).map(describeRuleMessage);
    if (errors.length > 20) list.push(`... and ${errors.length - 20} more`);
    throw new KensaError('usage', `the rules do not compile: ${list.join('; ')}`);
  }
  // yara-x folds the variables' compile-time defaults into `invariant_expr` warnings ("always false" for
  // `shared`), although each scan sets them: those warnings would only mislead.
  const warnings = rules.getWarnings().filter((w) => w.code !== 'invariant_expr').map(place);
  const ruleCount = sources.reduce((n, s) => n + (s.text.match(/^\s*(?:(?:private|global)\s+)*rule\s+[A-Za-z_]/gm)?.length ?? 0), 0);
  return { native: rules, sources, warnings, ruleCount };
}

/**
 * yara-x messages read `error[E025]: unknown pattern `$b`\n --> line:3:13\n ... ^^ label`. The first line
 * (without its code) and the label make the one-line message; the location is mapped back to its file.
 */
function placeMessage(m: NativeCompilerMessage, starts: { name: string; line: number }[]): RuleMessage {
  const lines = m.message.split('\n');
  const head = lines[0].replace(/^(?:error|warning)\[[^\]]*\]:\s*/, '').trim();
  const loc = /-->\s*line:(\d+):(\d+)/.exec(m.message);
  const label = lines.map((l) => /^\s*\d*\s*\|\s*[\s^-]*[\^-]+\s+(\S.*)$/.exec(l)?.[1]).find((x) => x !== undefined);
  const message = label && label !== head ? `${head}: ${label}` : head;
  if (!loc) return { file: starts.length === 1 ? starts[0].name : '<rules>', code: m.code, message };
  const abs = Number(loc[1]);
  let file = starts[0];
  for (const s of starts) if (s.line <= abs) file = s;
  return { file: file.name, line: abs - file.line + 1, column: Number(loc[2]), code: m.code, message };
}
