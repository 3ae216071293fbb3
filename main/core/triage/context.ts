/**
 * What the rules know about each process, read once from the model: names, executable, argv, environment,
 * descriptors, sockets, mappings, credentials; and the judgements several families share (which processes
 * are the container's main workload, which runtimes JIT-compile code, what a shell or an interpreter is).
 */
import type { Checkpoint, Creds, FdRecord, SocketRecord, ThreadRecord } from '../model/checkpoint';
import type { Vma } from '../memory/vma';
import { KensaError } from '../errors';

export interface ProcFacts {
  pid: number;
  ppid: number;
  comm: string;
  depth: number;
  /** The executable's path as files.img names it (`/memfd:NAME` for a memfd). */
  exe?: string;
  exeDeleted: boolean;
  exeMemfd: boolean;
  argv: string[];
  /** Undefined when the environment could not be read (no mm, pages missing). */
  env?: string[];
  fds: FdRecord[];
  sockets: SocketRecord[];
  vmas: Vma[];
  creds?: Creds;
  threads: ThreadRecord[];
}

/** Base name of a path (`/usr/bin/python3.11` -> `python3.11`). */
export function baseName(p: string | undefined): string {
  if (!p) return '';
  const s = p.replace(/ \(deleted\)$/, '');
  return s.slice(s.lastIndexOf('/') + 1);
}

const SHELLS = /^(?:sh|bash|dash|ash|zsh|ksh|mksh|pdksh|fish|tcsh|csh|busybox)$/;
/** Interpreters that run inline code with -c / -e (the shells too). */
const INTERPRETERS = /^(?:python[\d.]*|perl[\d.]*|ruby[\d.]*|php[\d.]*(?:-cli)?|node|nodejs|lua[\d.]*|luajit|tclsh[\d.]*|wish[\d.]*|awk|gawk|mawk|nawk|busybox)$/;
/** Relays often used as bind or reverse shells. */
export const RELAYS = /^(?:nc|ncat|netcat|nc\.traditional|nc\.openbsd|socat|cryptcat|pwncat)$/;
/** Processes that only start and watch the real workload (the container's main process is their child). */
const WRAPPERS = /^(?:tini|tini-static|docker-init|dumb-init|catatonit|s6-svscan|s6-supervise|runsvdir|runsv|supervisord|init|systemd|gosu|su-exec|conmon|pause)$/;
/**
 * Web servers and application servers that take requests from the network (a shell they spawn may be a web
 * shell's command). General interpreters (python, node, java) count only when they listen themselves.
 */
const SERVER_NAMES = /^(?:nginx|httpd|apache2?|lighttpd|caddy|php-fpm[\d.]*|php-cgi[\d.]*|uwsgi|gunicorn|unicorn|puma|tomcat|jetty|traefik|haproxy|envoy)$/;
/**
 * Servers and schedulers whose job includes running shell commands (postgres archive_command, cron jobs,
 * sshd sessions, supervisors, build tools): an inline shell under them is normal.
 */
const RUNS_SHELLS = /^(?:postgres|postmaster|cron|crond|anacron|sshd|supervisord|systemd|make|gmake|ansible.*|salt-minion|jenkins|runner|gitlab-runner|containerd-shim|sudo|su|login|tmux.*|screen)$/;

/**
 * Code generators that put machine code in anonymous memory (rwx, or r-x after writing): JVM, V8/Node,
 * .NET, Mono, LuaJIT, PCRE's JIT (nginx, PHP), Erlang's BEAM JIT, Ruby's YJIT, LLVM (Postgres' llvmjit,
 * Mesa llvmpipe), wasm runtimes, libffi closures, QEMU's TCG. Recognised by the libraries or executables
 * the process maps.
 */
const JIT_MARKERS: [RegExp, string][] = [
  [/\/libjvm\.so$|\/java$/, 'the JVM'],
  [/\/node$|\/nodejs$|\/libnode\.so|\/libv8[^/]*\.so|\/electron$|\/chrome$|\/deno$|\/bun$/, 'V8 (Node.js / Chromium)'],
  [/\/libcoreclr\.so$|\/libclrjit\.so$|\/dotnet$|^\/memfd:doublemapper/, '.NET (CoreCLR)'],
  [/\/libmono[^/]*\.so|\/mono$/, 'Mono'],
  [/luajit|libluajit/, 'LuaJIT'],
  [/\/libpcre2?-?8?\.so|\/libpcre2-8\.so|\/libpcre\.so/, "PCRE's JIT"],
  [/\/beam\.smp$/, "Erlang's BEAM JIT"],
  [/\/libruby[^/]*\.so|\/ruby[\d.]*$/, "Ruby's YJIT"],
  [/\/opcache\.so$/, "PHP's opcache JIT"],
  [/\/libLLVM[^/]*\.so|\/llvmjit\.so$/, 'LLVM (e.g. PostgreSQL JIT)'],
  [/wasmtime|wasmer|libwasmedge/, 'a WebAssembly runtime'],
  [/\/libmozjs[^/]*\.so/, 'SpiderMonkey'],
  [/\/libffi\.so/, 'libffi closures'],
  [/\/qemu-[^/]*$/, "QEMU's code generator"],
  [/\/pypy[^/]*$|\/libpypy[^/]*\.so/, 'PyPy'],
  [/\/libjulia[^/]*\.so/, 'Julia'],
  [/\/libgccjit\.so|\/libtcc\.so/, 'a C JIT library'],
];

export class TriageContext {
  readonly procs: ProcFacts[];
  private readonly byPid = new Map<number, ProcFacts>();
  readonly mainPids: Set<number>;

  constructor(readonly cp: Checkpoint) {
    const memfdNames = new Map<number, string>();
    if (cp.images.has('memfd.img')) for (const e of cp.images.entries('memfd.img') ?? []) memfdNames.set(Number(e.inode_id), String(e.name ?? ''));
    const deleted = cp.deletedFileIds();
    this.procs = cp.processList().map((p) => {
      const mm = cp.mm(p.pid);
      const exeId = mm?.exe_file_id !== undefined ? Number(mm.exe_file_id) : undefined;
      const exeEntry = exeId !== undefined ? cp.files().get(exeId) : undefined;
      let exe = cp.exe(p.pid);
      let exeMemfd = false;
      if (!exe && exeEntry?.memfd) {
        exe = `/memfd:${memfdNames.get(Number(exeEntry.memfd.inode_id)) ?? '?'}`;
        exeMemfd = true;
      }
      const facts: ProcFacts = {
        pid: p.pid,
        ppid: p.ppid,
        comm: p.comm,
        depth: p.depth,
        exe,
        exeDeleted: exeMemfd || (exeId !== undefined && deleted.has(exeId)),
        exeMemfd,
        argv: safe(() => cp.argv(p.pid)) ?? [],
        env: safe(() => cp.environ(p.pid)),
        fds: safe(() => cp.fds(p.pid)) ?? [],
        sockets: safe(() => cp.sockets(p.pid)) ?? [],
        vmas: safe(() => cp.vmas(p.pid)) ?? [],
        creds: safe(() => cp.creds(p.pid)),
        threads: safe(() => cp.threads(p.pid)) ?? [],
      };
      this.byPid.set(p.pid, facts);
      return facts;
    });
    this.mainPids = this.findMainPids();
  }

  proc(pid: number): ProcFacts | undefined {
    return this.byPid.get(pid);
  }

  parent(p: ProcFacts): ProcFacts | undefined {
    return this.byPid.get(p.ppid);
  }

  /** The names a process may go by: comm, executable, argv[0] and, for scripts, the script's name. */
  names(p: ProcFacts): string[] {
    return [p.comm, baseName(p.exe), baseName(p.argv[0])].filter(Boolean);
  }

  isShell(p: ProcFacts): boolean {
    return SHELLS.test(p.comm) || (SHELLS.test(baseName(p.exe)) && baseName(p.exe) !== 'busybox');
  }

  isInterpreter(p: ProcFacts): boolean {
    return this.isShell(p) || INTERPRETERS.test(p.comm) || INTERPRETERS.test(baseName(p.exe));
  }

  isRelay(p: ProcFacts): boolean {
    return RELAYS.test(p.comm) || RELAYS.test(baseName(p.exe));
  }

  /** A process that serves the network: it has a listening socket, or is a known server program. */
  isServer(p: ProcFacts): boolean {
    return p.sockets.some((s) => s.state === 'LISTEN') || SERVER_NAMES.test(p.comm) || SERVER_NAMES.test(baseName(p.exe));
  }

  runsShellsByDesign(p: ProcFacts): boolean {
    return RUNS_SHELLS.test(p.comm) || RUNS_SHELLS.test(baseName(p.exe)) || /^postgres:/.test(p.argv[0] ?? '');
  }

  /** The JIT runtime a process maps, as words for an explanation, or undefined. */
  jitRuntime(p: ProcFacts): string | undefined {
    const paths = new Set<string>();
    if (p.exe) paths.add(p.exe);
    for (const v of p.vmas) if (v.file?.path) paths.add(v.file.path);
    // .NET single-file apps carry the runtime inside their own executable; their W^X memfd names it.
    for (const v of p.vmas) if (v.kind === 'memfd') paths.add(v.name);
    for (const [re, name] of JIT_MARKERS) for (const path of paths) if (re.test(path)) return name;
    return undefined;
  }

  /**
   * The container's main workload: the root process, and below a wrapper (an init like tini, a supervisor,
   * or a shell running the entrypoint script or `sh -c`) its children too, down through further wrappers.
   */
  private findMainPids(): Set<number> {
    const main = new Set<number>();
    // Children by parent once, and an explicit stack: a crafted tree of 150k shells, or one 4000 deep, must
    // cost neither a scan of every process per wrapper nor a call frame per level.
    const children = new Map<number, ProcFacts[]>();
    for (const c of this.procs) {
      if (c.ppid === c.pid) continue;
      const list = children.get(c.ppid);
      if (list) list.push(c);
      else children.set(c.ppid, [c]);
    }
    const stack = this.procs.filter((p) => p.depth === 0);
    while (stack.length) {
      const p = stack.pop()!;
      if (main.has(p.pid)) continue;
      main.add(p.pid);
      const wrapper = WRAPPERS.test(p.comm) || WRAPPERS.test(baseName(p.exe)) || this.isShell(p);
      if (!wrapper) continue;
      for (const c of children.get(p.pid) ?? []) if (!main.has(c.pid)) stack.push(c);
    }
    return main;
  }
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    // The model reports unreadable images as problems (finish() prints them, exit 3); a rule without the
    // facts simply does not fire. Anything else is a bug and is not hidden.
    if (e instanceof KensaError) return undefined;
    throw e;
  }
}

/** Folders anyone may write to and that programs are not installed in. */
export function isTempPath(path: string): boolean {
  return /^\/(?:tmp|var\/tmp|dev\/shm|run\/shm|dev\/mqueue)\//.test(path);
}

/** Hidden folders that hold ordinary tool state (caches, package managers, virtualenvs). */
const ORDINARY_HIDDEN = /^\.(?:cache|local|config|npm|yarn|pnpm|pnpm-store|store|bin|m2|gradle|cargo|rustup|venv|virtualenvs|tox|nox|poetry|pyenv|nvm|volta|fnm|asdf|rbenv|bundle|gem|conda|dotnet|net|nuget|java|sdkman|deno|bun|julia|ghcup|stack|opam|pub-cache|krew|terraform|terraform\.d|tflint\.d|vscode-server|vscode-remote|cursor-server|X11-unix|ICE-unix|font-unix|XIM-unix|Test-unix|well-known|git|github|husky|ssh)$/;

/** A path with a hidden folder (or a hidden file name) that is not ordinary tool state. */
export function isHiddenPath(path: string): boolean {
  return path.split('/').some((c) => c.startsWith('.') && c !== '.' && c !== '..' && !ORDINARY_HIDDEN.test(c));
}

/** Where system programs and libraries are installed by packages. */
export function isSystemPath(path: string): boolean {
  return /^\/(?:usr\/(?:local\/)?(?:s?bin|lib(?:32|64|exec)?|lib\/[^/]+)|s?bin|lib(?:32|64)?|opt)\//.test(path);
}
