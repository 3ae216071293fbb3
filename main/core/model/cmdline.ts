/**
 * A process's command line and environment as Linux gives them, read from the checkpointed memory
 * between the mm image's mm_arg_start / mm_arg_end / mm_env_start / mm_env_end (criu-format.md §2.6).
 *
 * /proc/PID/cmdline (fs/proc/base.c get_mm_cmdline, Linux ≥ 5.2):
 *  - nothing when env_end is 0 or arg_start >= arg_end;
 *  - the environment counts as room for the title only when it starts exactly at arg_end (and env_end is
 *    not below env_start); otherwise the readable span stops at arg_end;
 *  - when the last byte of the argument area (arg_end - 1) is not NUL, the process has rewritten its title
 *    (setproctitle: nginx, postgres, sshd): the kernel returns the one string starting at arg_start up to and
 *    including its first NUL, at most one page and never past env_end (get_mm_proctitle). A title running
 *    on into the environment area is part of the command line, not an environment variable, so the
 *    environment is read from after that NUL;
 *  - otherwise exactly the bytes arg_start..arg_end.
 * `ps` then drops the trailing NULs and shows each remaining NUL as a space (procps read_unvectored):
 * titles padded with NULs (Redis, nginx workers) show without the padding, and so does argv here.
 */
export interface ArgumentAreas {
  argStart: bigint;
  argEnd: bigint;
  envStart: bigint;
  envEnd: bigint;
}

/** What /proc/PID/cmdline holds, and where the environment strings begin. */
export interface ProcCommandLine {
  /** The exact bytes /proc/PID/cmdline would give (padding included). */
  raw: Buffer;
  /** True when the title was rewritten (the argument area does not end with a NUL). */
  retitled: boolean;
  /** Address of the first environment string: env_start, or just past the title when it overflowed there. */
  envFrom: bigint;
}

/** Reads `length` bytes of the process's memory at `addr` (bytes the checkpoint lacks read as zero). */
export type MemoryReader = (addr: bigint, length: number) => Buffer;

/**
 * Longest argument or environment area read. execve caps argv + envp together at a quarter of the stack
 * rlimit (2 MiB at the usual 8 MiB) and never above 6 MiB (fs/exec.c bprm_stack_limits); reading more than
 * the usual cap for every process of a crafted checkpoint would cost more than it tells.
 */
export const MAX_ARG_AREA = 2 << 20;

export function procCommandLine(areas: ArgumentAreas, read: MemoryReader, pageSize: number): ProcCommandLine {
  const { argStart, argEnd } = areas;
  let { envStart, envEnd } = areas;
  const empty = { raw: Buffer.alloc(0), retitled: false, envFrom: envStart };
  if (envEnd === 0n || argStart >= argEnd) return empty;
  if (envStart !== argEnd || envEnd < envStart) envStart = envEnd = argEnd;
  const span = envEnd - argStart;
  const lastArgByte = read(argEnd - 1n, 1)[0];
  if (lastArgByte !== 0) {
    const window = Number(span < BigInt(pageSize) ? span : BigInt(pageSize));
    const bytes = read(argStart, window);
    const nul = bytes.indexOf(0);
    const raw = Buffer.from(nul === -1 ? bytes : bytes.subarray(0, nul + 1));
    const titleEnd = argStart + BigInt(raw.length);
    return { raw, retitled: true, envFrom: envEnd > argEnd && titleEnd > envStart ? titleEnd : areas.envStart };
  }
  const length = Number(argEnd - argStart > BigInt(MAX_ARG_AREA) ? BigInt(MAX_ARG_AREA) : argEnd - argStart);
  return { raw: Buffer.from(read(argStart, length)), retitled: false, envFrom: areas.envStart };
}

/** The arguments `ps` shows: the NUL-separated strings without the trailing NUL padding (inner empty ones kept). */
export function visibleArguments(raw: Buffer): Buffer[] {
  let end = raw.length;
  while (end > 0 && raw[end - 1] === 0) end--;
  if (end === 0) return [];
  const out: Buffer[] = [];
  let from = 0;
  for (let i = 0; i <= end; i++) {
    if (i === end || raw[i] === 0) {
      out.push(raw.subarray(from, i));
      from = i + 1;
    }
  }
  return out;
}

/** The environment strings from `from` to env_end: NUL-separated, empty ones (padding) left out. */
export function environmentStrings(areas: ArgumentAreas, from: bigint, read: MemoryReader): Buffer[] {
  if (areas.envEnd <= from) return [];
  const length = Number(areas.envEnd - from > BigInt(MAX_ARG_AREA) ? BigInt(MAX_ARG_AREA) : areas.envEnd - from);
  const bytes = read(from, length);
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0) {
      if (i > start) out.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}
