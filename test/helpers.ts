/**
 * Paths and small helpers shared by the tests. The fixtures (real CRIU 4.2 checkpoints and what crit,
 * checkpointctl and gdb said about them) live in ../shared/fixtures beside the repository (KENSA_SHARED
 * overrides); the small archives are also copied into test/fixtures so the CLI can be tried without them.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';

/** Repository root (tests run from dist/test/...). */
export const REPO = path.resolve(__dirname, '..', '..');
export const SHARED = process.env.KENSA_SHARED ? path.resolve(process.env.KENSA_SHARED) : path.resolve(REPO, '..', 'shared');
export const SHARED_FIXTURES = path.join(SHARED, 'fixtures');
export const LOCAL_FIXTURES = path.join(REPO, 'test', 'fixtures');
export const KENSA_BIN = path.join(REPO, 'bin', 'kensa.js');

export interface FixtureInfo {
  name: string;
  /** The checkpoint as Kensa's input (archive file or image folder) inside test/fixtures. */
  input: string;
  /** The same fixture's reference folder in ../shared/fixtures. */
  ref: string;
  pids: number[];
}

export const FIXTURES: FixtureInfo[] = [
  { name: 'podman-counter', input: 'podman-counter/counters.tar.zst', pids: [1, 6, 7] },
  { name: 'crio-counter', input: 'crio-counter/checkpoint-counters_default-counter-2026-11-26T00:55:04Z.tar', pids: [1, 6, 7] },
  { name: 'threads', input: 'threads/threads.tar.gz', pids: [1] },
  { name: 'containerd-threads', input: 'containerd-threads/containerd-threads.tar', pids: [1] },
  { name: 'shmpair', input: 'shmpair/shmpair.tar.zst', pids: [1, 6] },
  { name: 'criu-dir', input: 'criu-dir/images', pids: [1, 3, 4] },
].map((f) => ({ ...f, input: path.join(LOCAL_FIXTURES, f.input), ref: path.join(SHARED_FIXTURES, f.name) }));

export function fixture(name: string): FixtureInfo {
  const f = FIXTURES.find((x) => x.name === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
}

/** A fresh temporary folder, removed when the process exits. */
export function tempDir(prefix = 'kensa-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One cache folder per test process, so decompressed fixtures are reused within it. */
export const TEST_CACHE = tempDir('kensa-cache-');

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/** Run the real `kensa` binary, as a user would. */
export function kensa(args: string[], opts: { cache?: string; input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(process.execPath, [KENSA_BIN, ...args], {
    env: { ...process.env, KENSA_CACHE_DIR: opts.cache ?? TEST_CACHE, ...(opts.env ?? {}) },
    input: opts.input,
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: r.stdout };
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
