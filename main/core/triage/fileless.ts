/**
 * Family 1, code from no file (T1620 Reflective Code Loading): a process running from a memfd or a deleted
 * executable, and executable mappings of memfds or deleted files. Look-alikes that are benign: libffi's
 * closure trampolines (a memfd named `libffi`, or a deleted `ffiXXXXXX` file in a temporary folder), .NET's
 * W^X double mapping (memfd `doublemapper`), libraries that Java and PyInstaller unpack to /tmp and delete,
 * and a package upgraded in place while a program ran (its old file shows as deleted).
 */
import type { Finding } from './finding';
import { finding, processPointer, vmaPointer } from './finding';
import { baseName, isHiddenPath, isSystemPath, isTempPath, type ProcFacts, type TriageContext } from './context';
import { codeHead, describeHead, headPointer } from './code-bytes';
import type { RuleFamily } from './rule';
import type { Vma } from '../memory/vma';

const FAMILY = 'fileless';

/** memfd names of runtimes that map their own generated code through a memfd. */
const BENIGN_MEMFDS: [RegExp, string][] = [
  [/^libffi/, "libffi's closure trampolines (ctypes, cffi, GLib)"],
  [/^doublemapper/, ".NET's W^X double mapping of JIT code"],
  [/^(?:jit|v8|wasm|JITCode|mono)/i, 'a JIT runtime'],
];

/** Libraries that runtimes unpack to a temporary folder, load and delete (JNI libraries, PyInstaller). */
export const UNPACKED_LIBRARY = /\/(?:_MEI[^/]*\/|jna[^/]*\/|jna\d+\.tmp|libnetty[^/]*\.so|snappy-[^/]*\.so|libsnappy[^/]*\.so|sqlite-[^/]*\.so|liblz4[^/]*\.so|libzstd-jni[^/]*\.so|ffi[A-Za-z0-9]{6}|\.net\/|go-build\d+\/)/;

/** Shared anonymous memory, which CRIU keeps as a memfd named /dev/zero (criu-format.md §1.4). */
export function isSharedAnon(v: Vma): boolean {
  return v.kind === 'anon-shared' || (v.kind === 'memfd' && v.name.startsWith('/dev/zero'));
}

function runsFrom(ctx: TriageContext, p: ProcFacts): Finding[] {
  if (!p.exe || !p.exeDeleted) return [];
  const exeVma = p.vmas.find((v) => v.file && (v.file.path === p.exe || v.name === p.exe) && v.perms[2] === 'x');
  const ev = [processPointer(p.pid, p.comm), ...(exeVma ? [vmaPointer(p.pid, exeVma)] : [])];
  if (p.exeMemfd) {
    return [finding({
      severity: 'high', technique: 'T1620', family: FAMILY, rule: 'exe-memfd', key: `${p.pid}`, pid: p.pid, evidence: ev,
      title: `pid ${p.pid} (${p.comm}) runs from a memfd: ${p.exe}`,
      explanation: 'The program was executed from an anonymous in-memory file (memfd_create + fexecve): it never existed on disk, which is how fileless malware runs. Benign only for tools known to re-execute themselves from a memfd (runc protecting its own binary), which do not live inside a container.',
    })];
  }
  const suspicious = isTempPath(p.exe) || isHiddenPath(p.exe);
  return [finding({
    severity: suspicious ? 'high' : 'medium', technique: 'T1620', family: FAMILY, rule: 'exe-deleted', key: `${p.pid}`, pid: p.pid, evidence: ev,
    title: `pid ${p.pid} (${p.comm}) runs a deleted executable: ${p.exe}`,
    explanation: `The file the process was started from was deleted while it ran${suspicious ? ', from a temporary or hidden folder' : ''}: malware deletes itself after starting to leave nothing on disk. Benign when the program was upgraded in place (a package update replaces the file while the old one runs); the checkpoint may hold the old binary (kensa ls ARCHIVE deleted).`,
  })];
}

function execMappings(ctx: TriageContext, p: ProcFacts): Finding[] {
  const out: Finding[] = [];
  const space = ctx.cp.addressSpace(p.pid);
  const benignMaps = new Map<string, { why: string; vmas: Vma[] }>();
  for (const v of p.vmas) {
    if (v.perms[2] !== 'x') continue;
    // MAP_SHARED|MAP_ANONYMOUS memory is dumped as a memfd named /dev/zero: anonymous, so family 2's.
    const isMemfd = v.kind === 'memfd' && !isSharedAnon(v);
    const deletedFile = (v.kind === 'file-private' || v.kind === 'file-shared') && v.file?.deleted;
    if (!isMemfd && !deletedFile) continue;
    if (p.exe && v.file && (v.file.path === p.exe || v.name === p.exe)) continue; // reported as the executable
    const head = space ? codeHead(space, v) : undefined;
    const ev = [vmaPointer(p.pid, v), ...(head ? [headPointer(p.pid, v, head)] : [])];
    const what = head ? describeHead(head) : 'content not read';
    if (isMemfd) {
      const name = v.name.replace(/^\/memfd:/, '').replace(/ \(deleted\)$/, '');
      const benign = BENIGN_MEMFDS.find(([re]) => re.test(name));
      if (benign && !head?.elf) {
        // A runtime maps many of these (one per code heap): one finding per memfd name, below.
        const list = benignMaps.get(name) ?? { why: benign[1], vmas: [] };
        list.vmas.push(v);
        benignMaps.set(name, list);
        continue;
      }
      const jit = ctx.jitRuntime(p);
      const severity = head?.elf ? 'high' : jit ? 'low' : 'medium';
      out.push(finding({
        severity, technique: 'T1620', family: FAMILY, rule: 'exec-memfd', key: `${p.pid}:${v.start}`, pid: p.pid, evidence: ev,
        title: `pid ${p.pid} (${p.comm}) maps memfd ${JSON.stringify(name)} executable (${v.perms}), ${what}`,
        explanation: `Executable code in an anonymous in-memory file has no file on disk to check: loaders of fileless payloads map it so. ${benign ? `The name matches ${benign[1]}, but an ELF header there is not generated code.` : jit ? `This process runs ${jit}, whose generated code may be mapped so.` : 'Benign for JIT runtimes and libffi, which name their memfds; this one is not recognised.'}`,
      }));
    } else {
      const path = v.file!.path;
      const unpacked = UNPACKED_LIBRARY.test(path);
      const severity = unpacked ? 'low' : isTempPath(path) || isHiddenPath(path) ? 'high' : isSystemPath(path) ? 'low' : 'medium';
      out.push(finding({
        severity, technique: 'T1620', family: FAMILY, rule: 'exec-deleted', key: `${p.pid}:${v.start}`, pid: p.pid, evidence: ev,
        title: `pid ${p.pid} (${p.comm}) maps a deleted file executable: ${path} (${v.perms})`,
        explanation: `Code is running from a file that no longer exists on disk${isTempPath(path) ? ', in a temporary folder' : ''}. ${unpacked ? `The name matches a library a runtime unpacks, loads and deletes (${baseName(path)}: JNI libraries, PyInstaller, libffi), which is normal.` : isSystemPath(path) ? 'It is in a system library folder: a package upgraded while the program ran leaves exactly this, and is the usual cause.' : 'Benign when a program was upgraded in place; droppers delete their payload after mapping it.'}`,
      }));
    }
  }
  for (const [name, { why, vmas }] of benignMaps) {
    out.push(finding({
      severity: 'info', technique: 'T1620', family: FAMILY, rule: 'exec-memfd-runtime', key: `${p.pid}:${name}`, pid: p.pid, evidence: vmas.slice(0, 16).map((v) => vmaPointer(p.pid, v)),
      title: `pid ${p.pid} (${p.comm}) maps memfd ${JSON.stringify(name)} executable ${vmas.length} time${vmas.length === 1 ? '' : 's'}: ${why}`,
      explanation: `Executable code in an anonymous in-memory file has no file on disk to check, which is how fileless payloads are loaded; the name matches ${why}, which does this by design. None of these regions starts with an ELF header (that would be reported high).`,
    }));
  }
  return out;
}

export const fileless: RuleFamily = {
  family: FAMILY,
  run: ({ ctx }) => ctx.procs.flatMap((p) => [...runsFrom(ctx, p), ...execMappings(ctx, p)]),
};
