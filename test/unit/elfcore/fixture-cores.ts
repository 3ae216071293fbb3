/**
 * Cores of the real fixtures, written once per test process: each fixture's rootfs.tar.zst (test/fixtures,
 * cut down to the files its processes map) opened with the rootfs module and extracted into a
 * temporary cache as gdb's sysroot, the checkpoint opened with that rootfs, and a core written per process.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Checkpoint } from '../../../main/core/model/checkpoint';
import { openRootfs, type Rootfs } from '../../../main/core/rootfs/rootfs';
import { writeCore, type CoreWriteResult } from '../../../main/core/elfcore/write-core';
import { fixture, tempDir } from '../../helpers';

export interface FixtureCores {
  name: string;
  ref: string;
  cp: Checkpoint;
  rootfs: Rootfs;
  /** gdb's sysroot: the rootfs extracted by the rootfs module. */
  root: string;
  cores: Map<number, CoreWriteResult>;
}

const cache = tempDir('kensa-elfcore-cache-');
const done = new Map<string, Promise<FixtureCores>>();

export function fixtureCores(name: string): Promise<FixtureCores> {
  let p = done.get(name);
  if (!p) {
    p = (async () => {
      const f = fixture(name);
      const rootfs = await openRootfs(path.join(f.ref, 'rootfs.tar.zst'), { cacheDir: cache });
      const root = await rootfs.sysroot(cache);
      const cp = await Checkpoint.open(f.input, { cacheDir: cache, rootfs });
      const out = tempDir(`kensa-cores-${name}-`);
      const cores = new Map<number, CoreWriteResult>();
      for (const pid of f.pids) cores.set(pid, await writeCore(cp, { pid, outPath: path.join(out, `core.${pid}`) }));
      return { name, ref: f.ref, cp, rootfs, root, cores };
    })();
    done.set(name, p);
  }
  return p;
}

const MARK = '@@kensa@@';

/** One batch gdb run; each section's output separately (an echoed marker before each command). */
export function runGdb(args: string[], sections: [string, string][]): { all: string; sections: Map<string, string> } {
  const ex: string[] = [];
  for (const [name, cmd] of sections) ex.push('-ex', `echo ${MARK}${name}\\n`, '-ex', cmd);
  const r = spawnSync('gdb', ['-nx', '-batch', ...args, ...ex], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run gdb (Debian package: gdb): ${r.error.message}`);
  const all = r.stdout + r.stderr;
  const out = new Map<string, string>();
  const parts = r.stdout.split(MARK);
  out.set('', parts[0]);
  for (const p of parts.slice(1)) {
    const nl = p.indexOf('\n');
    out.set(p.slice(0, nl), p.slice(nl + 1));
  }
  return { all, sections: out };
}

/** The executable of a process as a path under the sysroot. */
export function exeInRoot(fc: FixtureCores, pid: number): string {
  const exe = fc.cp.exe(pid);
  if (!exe) throw new Error(`no exe for pid ${pid}`);
  const p = path.join(fc.root, exe);
  if (!fs.existsSync(p)) throw new Error(`${exe} is not in the rootfs`);
  return p;
}

/** crit's JSON of one image of the fixture (test/fixtures/NAME/crit/IMAGE.json), parsed. */
export function critJson(fc: FixtureCores, image: string): { entries: Record<string, unknown>[] } {
  return JSON.parse(fs.readFileSync(path.join(fc.ref, 'crit', `${image}.json`), 'utf8'));
}

/**
 * Bytes the fixtures README lists as really changed between gcore's attach and CRIU's freeze: [address,
 * length]. Each listed address is one byte, except the 12 changed bytes somewhere in counters[].
 */
export const README_EXCEPTIONS: Record<string, Record<number, [bigint, bigint][]>> = {
  'podman-counter': { 6: [[0x34278ca0n, 1n], [0x34278ca4n, 1n]], 7: [[0xc17ace0n, 1n], [0xc17ace4n, 1n]] },
  shmpair: { 6: [[0x7feee655c060n, 1n], [0x7feee655c064n, 1n]] },
  'criu-dir': { 4: [[0x7fcaff7d5060n, 1n], [0x7fcaff7d5064n, 1n]] },
  threads: { 1: threadsExceptions() },
  'containerd-threads': { 1: threadsExceptions() },
  'crio-counter': {},
};

function threadsExceptions(): [bigint, bigint][] {
  // counters[] (12 bytes inside 0x557c44f74060-0x557c44f7407b) and the listed stack bytes.
  return [
    [0x557c44f74060n, 0x1cn],
    ...[0x7fc4152d3fe0n, 0x7fc4152d3fe4n, 0x7fc4152d3ff8n, 0x7fc415ad3e08n, 0x7fc415ad49c8n, 0x7fc415ad4fe0n, 0x7fc415ad4fe4n, 0x7fc415ad4ff8n].map((a): [bigint, bigint] => [a, 1n]),
  ];
}

export function isException(fixtureName: string, pid: number, addr: bigint): boolean {
  return (README_EXCEPTIONS[fixtureName]?.[pid] ?? []).some(([a, n]) => addr >= a && addr < a + n);
}
