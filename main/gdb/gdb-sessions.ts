/**
 * gdb sessions on pseudo-terminals (Hyper's session.ts habits, VS Code's pty host shape):
 * - node-pty is loaded lazily, on the first session, with a clear message when its native module is
 *   missing or built for another runtime (Electron needs `npm run rebuild:electron`);
 * - gdb is spawned with an explicit argv (never a shell) and a cleaned environment;
 * - output is decoded as a UTF-8 stream (a character split across reads stays whole) and batched: one
 *   `data` callback per ~16 ms or per 200 KB, so a flood of output does not become a flood of messages;
 * - each session has an id; resize, write, kill and an exit callback; a pty that fails never takes the
 *   host process down.
 */
import { StringDecoder } from 'node:string_decoder';
import { KensaError } from '../core/errors';

/** The part of node-pty's IPty the manager uses (so tests can hand in a fake). */
export interface PtyProcess {
  readonly pid: number;
  onData(listener: (data: Buffer | string) => void): { dispose(): void } | void;
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): { dispose(): void } | void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  kill(signal?: string): void;
}

export type PtySpawner = (file: string, args: string[], opts: { cols: number; rows: number; cwd: string; env: Record<string, string> }) => PtyProcess;

export const BATCH_MS = 16;
export const BATCH_MAX_BYTES = 200 * 1024;

let nodePtySpawner: PtySpawner | undefined;
let nodePtyError: KensaError | undefined;

/** node-pty's spawn, loaded on first use; KensaError('tool') with the fix when it cannot be loaded. */
export function loadNodePty(): PtySpawner {
  if (nodePtySpawner) return nodePtySpawner;
  if (nodePtyError) throw nodePtyError;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pty = require('node-pty') as typeof import('node-pty');
    nodePtySpawner = (file, args, opts) =>
      pty.spawn(file, args, { name: 'xterm-256color', cols: opts.cols, rows: opts.rows, cwd: opts.cwd, env: opts.env, encoding: null }) as unknown as PtyProcess;
    return nodePtySpawner;
  } catch (e) {
    const why = String((e as Error)?.message ?? e).split('\n')[0];
    const electron = Boolean(process.versions.electron);
    nodePtyError = new KensaError(
      'tool',
      `the terminal module (node-pty) could not be loaded: ${why}`,
      {},
      electron ? 'run `npm run rebuild:electron` to build node-pty for Electron' : 'run `npm rebuild node-pty` (needs a C++ toolchain: Debian packages build-essential python3)',
    );
    throw nodePtyError;
  }
}

/** The environment gdb runs with: nothing from the host but what a terminal program needs. */
export function cleanEnvironment(src: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = { TERM: 'xterm-256color', COLORTERM: 'truecolor', LANG: 'C.UTF-8' };
  for (const k of ['PATH', 'HOME', 'USER', 'LOGNAME', 'TMPDIR', 'DEBUGINFOD_URLS', 'XDG_CACHE_HOME']) if (src[k] !== undefined) env[k] = src[k]!;
  // No debuginfod downloads unless the analyst configured them: evidence stays on this machine.
  if (env.DEBUGINFOD_URLS === undefined) env.DEBUGINFOD_URLS = '';
  return env;
}

export interface GdbSpawn {
  file: string;
  args: string[];
  cwd: string;
}

interface Session {
  id: string;
  pty: PtyProcess;
  decoder: StringDecoder;
  buffer: string;
  timer: NodeJS.Timeout | undefined;
  exited: boolean;
}

export interface GdbSessionEvents {
  data(sessionId: string, data: string): void;
  exit(sessionId: string, exitCode: number, signal?: number): void;
}

export class GdbSessionManager {
  private readonly sessions = new Map<string, Session>();
  private next = 0;
  private readonly spawnPty: () => PtySpawner;

  constructor(
    private readonly events: GdbSessionEvents,
    opts: { spawn?: PtySpawner; batchMs?: number; batchMaxBytes?: number } = {},
  ) {
    this.spawnPty = opts.spawn ? () => opts.spawn! : loadNodePty;
    this.batchMs = opts.batchMs ?? BATCH_MS;
    this.batchMaxBytes = opts.batchMaxBytes ?? BATCH_MAX_BYTES;
  }

  private readonly batchMs: number;
  private readonly batchMaxBytes: number;

  /** Start a program on a new pty; returns the session id. */
  start(spec: GdbSpawn, size: { cols: number; rows: number }, env: Record<string, string> = cleanEnvironment()): string {
    const spawn = this.spawnPty();
    const id = `gdb-${++this.next}`;
    let pty: PtyProcess;
    try {
      pty = spawn(spec.file, spec.args, { cols: clampSize(size.cols, 200 * 4), rows: clampSize(size.rows, 500), cwd: spec.cwd, env });
    } catch (e) {
      throw new KensaError('tool', `could not start ${spec.file}: ${String((e as Error)?.message ?? e)}`, {}, 'Debian package: gdb');
    }
    const s: Session = { id, pty, decoder: new StringDecoder('utf8'), buffer: '', timer: undefined, exited: false };
    this.sessions.set(id, s);
    pty.onData((chunk) => {
      s.buffer += typeof chunk === 'string' ? chunk : s.decoder.write(chunk);
      if (s.buffer.length >= this.batchMaxBytes) this.flush(s);
      else if (!s.timer) s.timer = setTimeout(() => this.flush(s), this.batchMs);
    });
    pty.onExit(({ exitCode, signal }) => {
      s.exited = true;
      s.buffer += s.decoder.end();
      this.flush(s);
      this.sessions.delete(id);
      this.events.exit(id, exitCode, signal || undefined);
    });
    return id;
  }

  private flush(s: Session): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    if (!s.buffer) return;
    const data = s.buffer;
    s.buffer = '';
    this.events.data(s.id, data);
  }

  private get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new KensaError('usage', `no gdb session ${JSON.stringify(id)} (it may have exited)`);
    return s;
  }

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  write(id: string, data: string): void {
    this.get(id).pty.write(data);
  }

  resize(id: string, cols: number, rows: number): void {
    this.get(id).pty.resize(clampSize(cols, 800), clampSize(rows, 500));
  }

  kill(id: string): void {
    const s = this.get(id);
    try {
      s.pty.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }

  killAll(): void {
    for (const id of [...this.sessions.keys()]) this.kill(id);
  }

  list(): string[] {
    return [...this.sessions.keys()];
  }
}

function clampSize(n: number, max: number): number {
  return Math.max(2, Math.min(max, Math.floor(Number.isFinite(n) ? n : 80)));
}
