/**
 * Paths and small helpers shared by the tests. Every fixture lives in test/fixtures/<name> (see its README):
 * the checkpoint itself, crit's decoding of every image, checkpointctl's output, the needles and backtraces
 * recorded from gdb's gcore of the live processes, and the image's root file system cut down to the files the
 * processes map, so a clone with nothing beside it builds, tests and runs. Only the large references stay
 * outside: the gcore cores themselves, in ../shared/fixtures beside the repository (KENSA_SHARED overrides);
 * tests that need them skip with SHARED_MISSING as the reason when that folder is absent.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';

/** Repository root (tests run from dist/test/...). */
export const REPO = path.resolve(__dirname, '..', '..');
export const SHARED = process.env.KENSA_SHARED ? path.resolve(process.env.KENSA_SHARED) : path.resolve(REPO, '..', 'shared');
export const SHARED_FIXTURES = path.join(SHARED, 'fixtures');
/** Why tests of the large references are skipped (for node:test's `skip`), or false when they can run. */
export const SHARED_MISSING: string | false = fs.existsSync(SHARED_FIXTURES)
  ? false
  : `needs the gcore cores in ${SHARED_FIXTURES} (large references kept outside the repository; set KENSA_SHARED)`;
export const LOCAL_FIXTURES = path.join(REPO, 'test', 'fixtures');
export const KENSA_BIN = path.join(REPO, 'bin', 'kensa.js');

export interface FixtureInfo {
  name: string;
  /** The checkpoint as Kensa's input (archive file or image folder) inside test/fixtures. */
  input: string;
  /** The fixture's folder in test/fixtures: crit/, checkpointctl/, gcore/ (needles, pids, backtraces), rootfs.tar.zst. */
  ref: string;
  /** The gcore cores (gcore/core.PID.zst) in ../shared/fixtures: only where SHARED_MISSING is false. */
  gcoreCores: string;
  pids: number[];
}

export const FIXTURES: FixtureInfo[] = [
  { name: 'podman-counter', input: 'podman-counter/counters.tar.zst', pids: [1, 6, 7] },
  { name: 'crio-counter', input: 'crio-counter/checkpoint-counters_default-counter-2026-11-26T00:55:04Z.tar', pids: [1, 6, 7] },
  { name: 'threads', input: 'threads/threads.tar.gz', pids: [1] },
  { name: 'containerd-threads', input: 'containerd-threads/containerd-threads.tar', pids: [1] },
  { name: 'shmpair', input: 'shmpair/shmpair.tar.zst', pids: [1, 6] },
  { name: 'criu-dir', input: 'criu-dir/images', pids: [1, 3, 4] },
].map((f) => ({ ...f, input: path.join(LOCAL_FIXTURES, f.input), ref: path.join(LOCAL_FIXTURES, f.name), gcoreCores: path.join(SHARED_FIXTURES, f.name, 'gcore') }));

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
