/**
 * Family 6, library hijack (T1574.006 Dynamic Linker Hijacking): LD_PRELOAD, LD_AUDIT and LD_LIBRARY_PATH in
 * a process's environment, and shared libraries mapped from temporary or hidden folders or changed in the
 * container since it started (rootfs-diff.tar). A deleted library is family 1's.
 *
 * Benign look-alikes: allocators and shims preloaded on purpose from system folders (jemalloc, tcmalloc,
 * mimalloc, nss_wrapper as the postgres and OpenShift images use, fakeroot, faketime, stdbuf, sanitizers),
 * LD_LIBRARY_PATH naming installed folders (CUDA, Oracle clients, /opt), and libraries that Java and
 * PyInstaller unpack to /tmp.
 */
import type { Finding } from './finding';
import { finding, processPointer, vmaPointer } from './finding';
import { isHiddenPath, isSystemPath, isTempPath, type ProcFacts, type TriageContext } from './context';
import { UNPACKED_LIBRARY } from './fileless';
import type { RuleFamily } from './rule';
import type { EvidencePointer } from '#shared/api/contract';

const FAMILY = 'hijack';
/**
 * Libraries every program loads or that guard logins: replaced in a running container they are a rootkit
 * (apt and pip do not rewrite them at run time; a modified site-packages module is only medium).
 */
const CORE_LIBRARY = /^\/(?:usr\/)?lib(?:32|64)?\/(?:[^/]+-linux-gnu\/)?(?:libc|ld-linux[^/]*|ld-musl[^/]*|libpthread|libdl|libpam[^/]*|libnss_[^/]*|libcrypt|libaudit|libselinux|libkeyutils|libsystemd|libutil)[.-][^/]*$|^\/(?:usr\/)?lib(?:32|64)?\/(?:[^/]+-linux-gnu\/)?security\/pam_[^/]+\.so$/;

const BENIGN_PRELOADS = /\/lib(?:jemalloc|tcmalloc(?:_minimal)?|mimalloc|nss_wrapper|fakeroot(?:-sysv)?|faketime(?:MT)?|stdbuf|asan|tsan|ubsan|lsan|vgpreload_[a-z]+|eatmydata|SegFault|profiler|gtk3-nocsd|uv_preload|sandbox)[^/]*\.so(?:\.[\d.]+)?$/;

function envValue(env: string[] | undefined, name: string): string | undefined {
  const e = env?.find((x) => x.startsWith(name + '='));
  return e === undefined ? undefined : e.slice(name.length + 1);
}

/** One finding per distinct (variable, value), naming every process that has it. */
function environment(ctx: TriageContext): Finding[] {
  const groups = new Map<string, { name: string; value: string; procs: ProcFacts[] }>();
  for (const p of ctx.procs) {
    for (const name of ['LD_PRELOAD', 'LD_AUDIT', 'LD_LIBRARY_PATH']) {
      const value = envValue(p.env, name);
      if (value === undefined || value.trim() === '') continue;
      const k = `${name}=${value}`;
      const g = groups.get(k) ?? { name, value, procs: [] };
      g.procs.push(p);
      groups.set(k, g);
    }
  }
  const changed = new Set(ctx.cp.rootfsChanges().map((c) => c.path));
  const out: Finding[] = [];
  for (const g of groups.values()) {
    const entries = g.value.split(/[:\s]+/).filter(Boolean);
    const odd = entries.filter((e) => isTempPath(e + '/') || isHiddenPath(e) || changed.has(e) || !e.startsWith('/'));
    let severity: Finding['severity'];
    let why: string;
    if (g.name === 'LD_LIBRARY_PATH') {
      severity = odd.length ? 'medium' : 'info';
      why = odd.length
        ? `It puts ${odd.join(', ')} (temporary, hidden, relative or changed in the container) before the system's libraries: a library planted there replaces a real one.`
        : 'It names installed folders only, as images bundling their own libraries (CUDA, database clients, /opt software) do.';
    } else {
      const benign = entries.every((e) => BENIGN_PRELOADS.test(e) && isSystemPath(e) && !changed.has(e));
      severity = odd.length ? 'high' : benign ? 'info' : 'medium';
      why = odd.length
        ? `It loads ${odd.join(', ')} from a temporary, hidden or relative path, or a file changed in the container, into every program started with it: how user-mode rootkits hook libc.`
        : benign
          ? 'The library is an allocator or shim installed by a package and preloaded on purpose (jemalloc, tcmalloc, nss_wrapper, fakeroot...).'
          : `${g.name} makes the dynamic linker load ${g.value} into every program started with it, before anything else: used to hook libc functions. Benign when the image preloads a known library on purpose.`;
    }
    const shown = g.procs.slice(0, 16);
    const evidence: EvidencePointer[] = shown.map((p) => ({ kind: 'env', pid: p.pid, name: g.name, label: `pid ${p.pid} (${p.comm}) ${g.name}=${g.value}` }));
    for (const p of shown) for (const v of p.vmas) if (entries.includes(v.file?.path ?? '') && v.perms[2] === 'x') evidence.push(vmaPointer(p.pid, v));
    out.push(finding({
      severity, technique: 'T1574.006', family: FAMILY, rule: `env-${g.name}`, key: g.value, pid: g.procs[0].pid, evidence,
      title: `${g.name}=${g.value} in ${g.procs.length} process${g.procs.length === 1 ? '' : 'es'} (pid ${g.procs.map((p) => p.pid).slice(0, 8).join(', ')})`,
      explanation: why,
    }));
  }
  return out;
}

function mappedLibraries(ctx: TriageContext): Finding[] {
  const changed = new Map(ctx.cp.rootfsChanges().map((c) => [c.path, c]));
  const out: Finding[] = [];
  for (const p of ctx.procs) {
    const seen = new Set<string>();
    for (const v of p.vmas) {
      const path = v.file?.path;
      if (!path || v.file?.deleted || v.perms[2] !== 'x' || path === p.exe || seen.has(path)) continue;
      seen.add(path);
      const temp = isTempPath(path);
      const hidden = isHiddenPath(path);
      const modified = changed.has(path);
      if (!temp && !hidden && !modified) continue;
      const unpacked = UNPACKED_LIBRARY.test(path);
      const severity = unpacked ? 'low' : hidden || path.startsWith('/dev/shm/') ? 'high' : modified && CORE_LIBRARY.test(path) ? 'high' : 'medium';
      out.push(finding({
        severity, technique: 'T1574.006', family: FAMILY, rule: 'odd-library', key: `${p.pid}:${path}`, pid: p.pid,
        evidence: [vmaPointer(p.pid, v), ...(modified ? [{ kind: 'file' as const, path, member: `rootfs-diff.tar${path}`, label: `${path} (changed in the container: rootfs-diff.tar${path})` }] : []), processPointer(p.pid, p.comm)],
        title: `pid ${p.pid} (${p.comm}) runs code from ${path}${modified ? ' (changed in the container)' : ''}`,
        explanation: `${temp ? 'Shared libraries are installed in system folders, not in folders anyone can write to.' : hidden ? 'A library in a hidden folder is hidden from a casual look on purpose.' : 'This library was written after the container started: a replaced system library hooks every program that loads it.'} ${unpacked ? 'The name matches a library a runtime unpacks there itself (JNI libraries, PyInstaller), the usual benign case.' : 'Benign when the application installs plugins or modules at run time (pip, npm in the container).'}`,
      }));
    }
  }
  return out;
}

export const hijack: RuleFamily = {
  family: FAMILY,
  run: ({ ctx }) => [...environment(ctx), ...mappedLibraries(ctx)],
};
