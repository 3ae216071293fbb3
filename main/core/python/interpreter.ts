/**
 * Finding the CPython interpreter of a checkpointed process, without debug symbols: the process's executable
 * or a mapped libpython3.X, read from rootfs-diff.tar, the image rootfs (--rootfs) or the ghost image of a
 * deleted file; its version from the `Py_Version` symbol (PY_VERSION_HEX, exported since 3.11); `_PyRuntime`
 * from its dynamic symbol table, moved by the load bias the process's mappings give.
 */
import type { Checkpoint } from '../model/checkpoint';
import type { Vma } from '../memory/vma';
import { KensaError } from '../errors';
import { readElfSymbols, type ElfSymbols } from '../elf/elf-symbols';
import { openMappedFile } from '../elf/mapped-file';
import { fileOffsetOf, loadBias } from '../elf/symbol-table';
import { layoutFor, supportedVersions, type PythonLayout } from './layouts';

export interface PythonInterpreter {
  pid: number;
  /** The file holding the interpreter, as the process mapped it (`/usr/bin/python3.11`, `/usr/lib/…/libpython3.11.so.1.0`). */
  binary: string;
  /** Where its bytes were read: `rootfs`, `rootfs-diff`, `ghost-file`. */
  origin: string;
  /** `3.11.2`, from Py_Version; `3.10` when only the file name tells. */
  version: string;
  /** `3.11`. */
  minor: string;
  /** PY_VERSION_HEX when Py_Version was read. */
  hexversion?: number;
  /** Address of _PyRuntime in the process. */
  runtime?: bigint;
  /** Load bias of the binary (0 for a non-PIE executable). */
  bias: bigint;
  /** The structure table for this version; undefined = unsupported (see `refusal`). */
  layout?: PythonLayout;
  /** Why the stacks cannot be read (unsupported version, no _PyRuntime symbol). */
  refusal?: string;
}

/** File names that announce an interpreter: python3.11, python3, python, libpython3.11.so.1.0. */
const PYTHON_NAME = /(?:^|\/)(?:lib)?python(\d)?(?:\.(\d+))?[^/]*$/;
const LIBPYTHON = /(?:^|\/)libpython(\d)\.(\d+)[^/]*\.so/;

/** PY_VERSION_HEX levels (patchlevel.h PY_RELEASE_LEVEL_*). */
const RELEASE_LEVEL: Record<number, string> = { 0xa: 'a', 0xb: 'b', 0xc: 'rc', 0xf: '' };

export function versionFromHex(hex: number): { version: string; minor: string } {
  const major = (hex >>> 24) & 0xff;
  const minor = (hex >>> 16) & 0xff;
  const micro = (hex >>> 8) & 0xff;
  const level = (hex >>> 4) & 0xf;
  const serial = hex & 0xf;
  const suffix = RELEASE_LEVEL[level] === undefined ? `?${level}` : RELEASE_LEVEL[level] ? `${RELEASE_LEVEL[level]}${serial}` : '';
  return { version: `${major}.${minor}.${micro}${suffix}`, minor: `${major}.${minor}` };
}

/** Files of the process that may hold the interpreter: its executable and any mapped libpython. */
function candidates(cp: Checkpoint, pid: number): { path: string; vmas: Vma[] }[] {
  const byPath = new Map<string, Vma[]>();
  for (const v of cp.vmas(pid)) {
    if (!v.file) continue;
    const list = byPath.get(v.file.path) ?? [];
    list.push(v);
    byPath.set(v.file.path, list);
  }
  const exe = cp.exe(pid);
  const out: { path: string; vmas: Vma[] }[] = [];
  if (exe && byPath.has(exe)) out.push({ path: exe, vmas: byPath.get(exe) as Vma[] });
  for (const [p, vmas] of byPath) if (p !== exe && LIBPYTHON.test(p)) out.push({ path: p, vmas });
  return out;
}

/** Whether the process looks like Python by its file names alone (no file content needed). */
export function pythonByName(cp: Checkpoint, pid: number): string | undefined {
  for (const c of candidates(cp, pid)) {
    const m = LIBPYTHON.exec(c.path) ?? PYTHON_NAME.exec(c.path);
    if (m && (m[1] === undefined || m[1] === '3')) return m[1] && m[2] ? `3.${m[2]}` : '3';
  }
  return undefined;
}

/**
 * The interpreter of a process, or undefined when it is not a CPython process (`namedOnly`: only files named
 * python* / libpython* are read, for a quick look that reads no other file). Throws a KensaError
 * ('missing') when it looks like Python by name but the binary's bytes are not available (give --rootfs).
 */
export function findInterpreter(cp: Checkpoint, pid: number, opts: { namedOnly?: boolean } = {}): PythonInterpreter | undefined {
  let unreadable: string | undefined;
  for (const c of candidates(cp, pid)) {
    const first = c.vmas[0];
    if (!first.file) continue;
    const byName = LIBPYTHON.exec(c.path) ?? PYTHON_NAME.exec(c.path);
    // A quick look (kensa ps) reads only files named like an interpreter; a full one also an embedding executable.
    if (opts.namedOnly && !byName) continue;
    const opened = openMappedFile(cp, first.file);
    if (!opened) {
      if (byName) unreadable = c.path;
      continue;
    }
    let elf: ElfSymbols;
    try {
      elf = readElfSymbols(opened.bytes);
    } catch (e) {
      if (e instanceof KensaError && byName) throw e;
      continue; // not an ELF we read (a script interpreter, another format): not the interpreter
    }
    const runtimeSym = elf.symbols.get('_PyRuntime');
    const versionSym = elf.symbols.get('Py_Version');
    if (!runtimeSym && !byName) continue;
    const bias = loadBias(elf, c.vmas);
    const base: Omit<PythonInterpreter, 'version' | 'minor'> = { pid, binary: c.path, origin: opened.origin, bias, runtime: runtimeSym ? runtimeSym.value + bias : undefined };
    let hexversion: number | undefined;
    if (versionSym) {
      const off = fileOffsetOf(elf.loads, versionSym.value, 4);
      if (off !== undefined && off + 4 <= opened.bytes.size) hexversion = opened.bytes.read(off, 4).readUInt32LE(0);
    }
    if (hexversion !== undefined) {
      const v = versionFromHex(hexversion);
      const layout = layoutFor(v.minor);
      const refusal = !layout
        ? `CPython ${v.version}: no structure table for ${v.minor} (supported: ${supportedVersions().join(', ')}); its stacks are not read rather than guessed`
        : !runtimeSym
          ? `CPython ${v.version}: ${c.path} exports no _PyRuntime symbol`
          : undefined;
      return { ...base, ...v, hexversion, layout: refusal ? undefined : layout, refusal };
    }
    // No Py_Version (CPython before 3.11, or a binary that hides it): the file name may still tell the version.
    const minor = byName?.[1] && byName[2] ? `${byName[1]}.${byName[2]}` : undefined;
    if (!runtimeSym && !minor) continue;
    return {
      ...base,
      version: minor ?? 'unknown',
      minor: minor ?? 'unknown',
      refusal: `CPython ${minor ?? 'of unknown version'} (${c.path} has no Py_Version symbol, so it predates 3.11): no structure table for it (supported: ${supportedVersions().join(', ')}); its stacks are not read rather than guessed`,
    };
  }
  if (unreadable) {
    throw new KensaError('missing', `pid ${pid} runs ${unreadable}, which is neither in rootfs-diff.tar nor in a ghost image: give the image's root file system with --rootfs to read its Python stacks`, {
      source: cp.source,
    });
  }
  return undefined;
}
