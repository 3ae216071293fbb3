/**
 * Family 2, injected code (T1055 Process Injection; Volatility's malfind): executable memory that no file
 * backs (anonymous, heap, stack, shared anonymous memory) and writable+executable memory. Each region says
 * whether it starts with an ELF header, looks like code, or neither, with a hex preview.
 *
 * Severities: an ELF header in anonymous executable memory is a loaded program no file accounts for (high).
 * JIT runtimes (JVM, V8, .NET, PCRE's JIT in nginx/PHP, LuaJIT, BEAM, YJIT, LLVM, libffi) create rwx or r-x
 * anonymous code all the time: their regions are one `low` finding per process, naming the runtime. Without
 * a JIT, code-like anonymous executable memory is `medium`, anything else `low`. An executable stack (old
 * toolchains without PT_GNU_STACK) and writable+executable file mappings (text relocations) are `low`.
 */
import type { EvidencePointer, Finding } from './finding';
import { finding, vmaPointer } from './finding';
import type { ProcFacts, TriageContext } from './context';
import { codeHead, describeHead, headPointer } from './code-bytes';
import type { RuleFamily } from './rule';
import type { Vma } from '../memory/vma';
import { isSharedAnon } from './fileless';
import { pushAll } from '#shared/arrays';

const FAMILY = 'injection';
/** Regions listed as evidence in one aggregated JIT finding; the title gives the full count. */
const MAX_LISTED = 16;

const ANON_KINDS = new Set<Vma['kind']>(['anon-private', 'anon-shared', 'heap', 'sysv-shm', 'other']);

function scanProcess(ctx: TriageContext, p: ProcFacts): Finding[] {
  const space = ctx.cp.addressSpace(p.pid);
  if (!space) return [];
  const out: Finding[] = [];
  const jit = ctx.jitRuntime(p);
  const jitRegions: EvidencePointer[] = [];
  let jitCount = 0;
  for (const v of p.vmas) {
    if (v.perms[2] !== 'x') continue;
    if (v.kind === 'stack') {
      out.push(finding({
        severity: 'low', technique: 'T1055', family: FAMILY, rule: 'exec-stack', key: `${p.pid}:${v.start}`, pid: p.pid, evidence: [vmaPointer(p.pid, v)],
        title: `pid ${p.pid} (${p.comm}) has an executable stack (${v.perms})`,
        explanation: 'Code on the stack can run there: classic stack-smashing shellcode needs it. Usually benign: a binary or library built without the PT_GNU_STACK marking (old toolchains, some assembly) makes the kernel give every stack execute permission.',
      }));
      continue;
    }
    if ((v.kind === 'file-private' || v.kind === 'file-shared') && v.perms[1] === 'w' && !v.file?.deleted) {
      out.push(finding({
        severity: 'low', technique: 'T1055', family: FAMILY, rule: 'wx-file', key: `${p.pid}:${v.start}`, pid: p.pid, evidence: [vmaPointer(p.pid, v)],
        title: `pid ${p.pid} (${p.comm}) maps ${v.file?.path ?? v.name} writable and executable (${v.perms})`,
        explanation: 'A file mapping that is both writable and executable can be patched in place (hooking). Usually benign: libraries with text relocations, and some loaders, are mapped so.',
      }));
      continue;
    }
    if (!ANON_KINDS.has(v.kind) && !isSharedAnon(v)) continue;
    const head = codeHead(space, v);
    const ev = [vmaPointer(p.pid, v), headPointer(p.pid, v, head)];
    const wx = v.perms[1] === 'w';
    if (head.elf) {
      out.push(finding({
        severity: 'high', technique: 'T1055', family: FAMILY, rule: 'anon-elf', key: `${p.pid}:${v.start}`, pid: p.pid, evidence: ev,
        title: `pid ${p.pid} (${p.comm}): ELF image in anonymous executable memory at ${ev[0].kind === 'vma' ? ev[0].start : ''} (${v.perms})`,
        explanation: 'A whole program or library sits in executable memory that no file backs: what reflective loaders and injected libraries look like (the loader maps files, not anonymous memory). JIT compilers emit code, not ELF images. Dump it (kensa mem --dump) and compare with the files on disk.',
      }));
      continue;
    }
    if (jit) {
      jitCount++;
      if (jitRegions.length < MAX_LISTED) pushAll(jitRegions, ev);
      continue;
    }
    const severity = head.looksLikeCode ? 'medium' : 'low';
    out.push(finding({
      severity, technique: 'T1055', family: FAMILY, rule: wx ? 'anon-wx' : 'anon-x', key: `${p.pid}:${v.start}`, pid: p.pid, evidence: ev,
      title: `pid ${p.pid} (${p.comm}): ${wx ? 'writable and executable' : 'executable'} anonymous memory (${v.perms}, ${Number(v.end - v.start)} bytes), ${describeHead(head)}`,
      explanation: `Executable memory that no file backs is where injected shellcode and unpacked payloads run. No JIT runtime is mapped by this process, which is the usual benign reason. ${head.looksLikeCode ? 'The region starts like machine code.' : 'Its first bytes do not look like a function entry, which makes a payload there less likely, not impossible.'} Preview: ${head.known ? head.preview : 'none'}.`,
    }));
  }
  if (jitCount) {
    out.push(finding({
      severity: 'low', technique: 'T1055', family: FAMILY, rule: 'jit-regions', key: `${p.pid}`, pid: p.pid, evidence: jitRegions,
      title: `pid ${p.pid} (${p.comm}): ${jitCount} executable anonymous region${jitCount === 1 ? '' : 's'}, expected for ${jit}`,
      explanation: `This process runs ${jit}, which writes machine code into anonymous memory (rwx or r-x): the usual reason for such regions. Injected code hides best in a JIT process, so a region starting with an ELF header would still be reported high; none does.`,
    }));
  }
  return out;
}

export const injection: RuleFamily = {
  family: FAMILY,
  run: ({ ctx }) => ctx.procs.flatMap((p) => scanProcess(ctx, p)),
};
