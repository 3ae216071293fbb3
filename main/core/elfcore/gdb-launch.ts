/**
 * `kensa gdb`: write a process's core and build the gdb command line that opens it as the kernel's own core
 * would open: the sysroot set before the core loads (`-iex`, so the mapped files and shared libraries resolve
 * inside the container's file system, never the host's), the solib search path set to the rootfs folders the
 * process mapped files from, the executable, and the core. Nothing is spawned here: the CLI runs the argv
 * with inherited stdio, the workstation in a pty.
 *
 * The debugger matches the core's architecture (from the images, not the host): gdb for the host's own,
 * gdb-multiarch for any other. A missing debugger is a 'tool' error naming the Debian package (exit 5).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ByteSource } from '../io/byte-source';
import type { Checkpoint } from '../model/checkpoint';
import { KensaError } from '../errors';
import { createExclusive, moveIntoPlace, tempBeside } from '../io/output';
import { ensureDir, resolveCacheDir } from '../cache';
import type { Rootfs } from '../rootfs/rootfs';
import { archOf } from './layout';
import { writeCore, type CoreWriteResult } from './write-core';

export interface GdbLaunch {
  gdb: string;
  args: string[];
  cwd: string;
  corePath: string;
  sysroot?: string;
  exe?: string;
  /** What writeCore wrote (for `--json`, case records and the workstation). */
  core?: CoreWriteResult;
}

/** The host's architecture in the names core_entry.mtype uses. */
function hostArch(): string {
  return process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
}

/**
 * The one program lookup (gdb, gdb-multiarch; the workstation's terminal too): an executable regular file
 * named `name` on PATH, as execvp would find it, or `name` itself when it is a path; else undefined.
 */
export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of name.includes('/') ? [''] : envPath.split(path.delimiter)) {
    if (!dir && !name.includes('/')) continue;
    const candidate = dir ? path.join(dir, name) : name;
    try {
      const st = fs.statSync(candidate);
      if (st.isFile()) {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      }
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The gdb able to read cores of `arch`: the native gdb for the host's architecture, else gdb-multiarch. */
export function findGdb(arch: string): { gdb: string; foreign: boolean } {
  const foreign = arch !== hostArch();
  const candidates = foreign ? ['gdb-multiarch'] : ['gdb', 'gdb-multiarch'];
  for (const c of candidates) {
    const found = findOnPath(c);
    if (found) return { gdb: found, foreign };
  }
  const pkg = foreign ? 'gdb-multiarch' : 'gdb';
  throw new KensaError('tool', `${candidates.join(' or ')} not found on PATH${foreign ? ` (needed for ${arch} cores on this ${hostArch()} host)` : ''}`, {}, `Debian package: ${pkg}`);
}

/** Copy a ghost file's content (a ByteSource) to `dest` in 1 MiB pieces; returns `dest`. */
function writeRecovered(src: ByteSource, dest: string): string {
  const partial = tempBeside(dest);
  const fd = createExclusive(partial);
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let off = 0; off < src.size; ) {
      const n = src.readInto(off, Math.min(buf.length, src.size - off), buf, 0);
      if (n <= 0) throw new KensaError('format', `recovered file ends early at ${off} of ${src.size} bytes`, { source: dest });
      fs.writeSync(fd, buf, 0, n, off);
      off += n;
    }
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(partial, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  moveIntoPlace(partial, dest);
  return dest;
}

/** gdb's name for an architecture, for `set architecture`. */
const GDB_ARCH: Record<string, string> = { x86_64: 'i386:x86-64', aarch64: 'aarch64' };

export async function prepareGdb(cp: Checkpoint, pid: number, opts: { rootfs?: Rootfs; outDir: string; cacheDir?: string }): Promise<GdbLaunch> {
  const threads = cp.threads(pid);
  if (!cp.process(pid)) throw new KensaError('usage', `no process ${pid} in this checkpoint`, { source: cp.source });
  const arch = archOf(cp, threads);
  // Fail before writing anything when the debugger is missing.
  const { gdb, foreign } = findGdb(arch.name);
  ensureDir(opts.outDir);
  const cacheDir = resolveCacheDir(opts.cacheDir);
  // Without a rootfs, an empty sysroot: container paths must not resolve to the host's own libraries.
  const sysroot = opts.rootfs ? await opts.rootfs.sysroot(cacheDir) : ensureDir(path.join(cacheDir, 'sysroots', 'empty'));
  const inRoot = (p: string): string => path.join(sysroot, ...p.split('/').filter(Boolean));
  // The executable. One deleted while running is never taken from the rootfs (the file of that name there is
  // another file); when the checkpoint holds its content whole (a ghost image), gdb gets the recovered copy.
  const exeId = cp.mm(pid)?.exe_file_id;
  const exeDeleted = exeId !== undefined && cp.deletedFileIds().has(Number(exeId));
  const exePath = exeDeleted ? undefined : cp.exe(pid);
  let exe = exePath && fs.existsSync(inRoot(exePath)) ? inRoot(exePath) : undefined;
  const ghost = exeDeleted ? cp.ghostFile(Number(exeId)) : undefined;
  if (ghost && ghost.knownEnd === ghost.size && ghost.size > 0) exe = writeRecovered(ghost, path.join(opts.outDir, `exe.${pid}`));
  // The core is written last: gdb warns "exec file is newer than core file" (and a script reading its output
  // sees a warning) when the executable's mtime is later than the core's, and the sysroot's files and exe.PID
  // get theirs when written.
  const core = await writeCore(cp, { pid, outPath: path.join(opts.outDir, `core.${pid}`) });
  const dirs: string[] = [];
  for (const v of cp.vmas(pid)) {
    if (!v.file || v.kind === 'memfd' || v.file.deleted) continue;
    const d = inRoot(path.posix.dirname(v.file.path));
    if (!dirs.includes(d) && fs.existsSync(d)) dirs.push(d);
  }
  const args = ['-nx', '-q'];
  if (foreign) args.push('-iex', `set architecture ${GDB_ARCH[arch.name] ?? arch.name}`);
  args.push('-iex', `set sysroot ${sysroot}`);
  if (dirs.length) args.push('-iex', `set solib-search-path ${dirs.join(path.delimiter)}`);
  if (exe) args.push(exe, core.path);
  else args.push('-c', core.path);
  const out: GdbLaunch = { gdb, args, cwd: opts.outDir, corePath: core.path, sysroot, core };
  if (exe) out.exe = exe;
  return out;
}
