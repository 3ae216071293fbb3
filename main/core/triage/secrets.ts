/**
 * Family 7, secrets (T1552.007 Container API for the environment a container is started with; T1552.001
 * Credentials In Files for secrets found in memory, which the checkpoint file now holds): environment
 * variables named like credentials, and high-confidence secret formats found by the memory pass (AWS access
 * key ids, PEM private keys with their body, JWTs). Values are redacted unless --show-secrets.
 *
 * A secret in a healthy server's memory is normal (a TLS server holds its key, an app its database
 * password): these findings say what the archive exposes, `low` (`info` for JWTs, which expire), never high.
 */
import type { Finding } from './finding';
import { fingerprint, finding, hex, redact } from './finding';
import type { RuleFamily, RuleInput } from './rule';
import type { EvidencePointer } from '#shared/api/contract';

const FAMILY = 'secrets';
/** Names of variables that hold credentials by convention. */
const SECRET_NAME = /(?:SECRET|PASSWORD|PASSWD|PASSPHRASE|_TOKEN$|^TOKEN$|_API_?KEY$|^API_?KEY$|ACCESS_KEY$|PRIVATE_KEY|_CREDENTIALS?$|_AUTH_KEY$|^AWS_SESSION_TOKEN$)/i;
/** Variables that point at a secret (a file, a length, a switch) rather than hold one. */
const NOT_A_VALUE = /(?:_FILE|_PATH|_DIR|_LENGTH|_MIN|_MAX|_ENABLED|_POLICY|_HASH_ALGORITHM|_URL|_ENDPOINT|_TYPE)$/i;
/** AWS's documentation example (AKIAIOSFODNN7EXAMPLE), compiled into SDKs and docs: not a key. */
const AWS_EXAMPLE = /EXAMPLE$/;
/** Addresses listed per secret; the title gives the count. */
const MAX_COPIES = 8;

function looksLikeValue(v: string): boolean {
  return v.length >= 4 && !/^(?:true|false|yes|no|on|off|none|null|\d{1,6})$/i.test(v) && !v.startsWith('/');
}

function environment({ ctx, showSecrets }: RuleInput): Finding[] {
  const groups = new Map<string, { name: string; value: string; pids: { pid: number; comm: string }[] }>();
  for (const p of ctx.procs) {
    for (const e of p.env ?? []) {
      const eq = e.indexOf('=');
      if (eq <= 0) continue;
      const name = e.slice(0, eq);
      const value = e.slice(eq + 1);
      if (!SECRET_NAME.test(name) || NOT_A_VALUE.test(name) || !looksLikeValue(value)) continue;
      const k = `${name}\0${value}`;
      const g = groups.get(k) ?? { name, value, pids: [] };
      g.pids.push({ pid: p.pid, comm: p.comm });
      groups.set(k, g);
    }
  }
  return [...groups.values()].map((g) => {
    const shown = redact(g.value, showSecrets);
    const evidence: EvidencePointer[] = g.pids.slice(0, 16).map((x) => ({ kind: 'env', pid: x.pid, name: g.name, label: `pid ${x.pid} (${x.comm}) ${g.name}=${shown}` }));
    return finding({
      severity: 'low', technique: 'T1552.007', family: FAMILY, rule: 'env-secret', key: `${g.name}:${fingerprint(g.value)}`, pid: g.pids[0].pid, evidence,
      title: `Credential in the environment: ${g.name}=${shown} (pid ${g.pids.map((x) => x.pid).slice(0, 8).join(', ')})`,
      explanation: "The container's environment holds a value named like a credential; anyone with this checkpoint (or the container's spec, or /proc/PID/environ) has it. Rotate it if the archive left the trust boundary. Benign in the sense that applications are often configured so; a secrets mount (a *_FILE variable) keeps it out of the environment.",
    });
  });
}

const KINDS: Record<string, { what: string; severity: Finding['severity']; keep: number }> = {
  'aws-key-id': { what: 'AWS access key id', severity: 'low', keep: 4 },
  'pem-private-key': { what: 'PEM private key', severity: 'low', keep: 36 },
  jwt: { what: 'JSON Web Token', severity: 'info', keep: 8 },
};

interface Group {
  pattern: string;
  pid: number;
  value: string;
  copies: EvidencePointer[];
  count: number;
}

/** Distinct secrets of one kind in one process listed one by one; more make one finding. */
const MAX_DISTINCT = 4;

function memory({ ctx, hits, showSecrets }: RuleInput): Finding[] {
  const groups = new Map<string, Group>();
  for (const { pattern, hit } of hits) {
    const kind = KINDS[pattern];
    if (!kind) continue;
    const value = hit.match.toString('latin1');
    if (pattern === 'aws-key-id' && AWS_EXAMPLE.test(value)) continue;
    const k = `${hit.pid}\0${pattern}\0${value}`;
    const g = groups.get(k) ?? { pattern, pid: hit.pid, value, copies: [], count: 0 };
    g.count++;
    if (g.copies.length < MAX_COPIES) {
      const ptr: EvidencePointer = { kind: 'memory', pid: hit.pid, address: hex(hit.address), length: hit.length, origin: hit.origin, label: `pid ${hit.pid} ${hex(hit.address)} (${hit.vma.name || hit.vma.kind}, ${hit.length} bytes)` };
      if (hit.member !== undefined) ptr.member = hit.member;
      if (hit.memberOffset !== undefined) ptr.member_offset = hit.memberOffset;
      g.copies.push(ptr);
    }
    groups.set(k, g);
  }
  // A busy server holds many tokens (one per session): past a few distinct values of one kind in one process,
  // one finding lists them instead of one finding each.
  const byProcessKind = new Map<string, Group[]>();
  for (const g of groups.values()) {
    const k = `${g.pid}\0${g.pattern}`;
    const list = byProcessKind.get(k) ?? [];
    list.push(g);
    byProcessKind.set(k, list);
  }
  const out: Finding[] = [];
  for (const list of byProcessKind.values()) {
    const { pid, pattern } = list[0];
    const kind = KINDS[pattern];
    const comm = ctx.proc(pid)?.comm ?? '?';
    const why = `A ${kind.what} in a process's memory is in this checkpoint for anyone who reads it. Programs that use one hold it (a TLS server its key, a client its token): that is normal, and the reason to protect the archive and rotate the secret if it leaked. A key in a process that has no use for it is worth a look.`;
    if (list.length > MAX_DISTINCT) {
      out.push(finding({
        severity: kind.severity, technique: 'T1552.001', family: FAMILY, rule: `mem-${pattern}-many`, key: `${pid}`, pid, evidence: list.slice(0, MAX_COPIES).map((g) => g.copies[0]),
        title: `${list.length} distinct ${kind.what}s in the memory of pid ${pid} (${comm}), e.g. ${redact(list[0].value, showSecrets, kind.keep)}`,
        explanation: why,
      }));
      continue;
    }
    for (const g of list) {
      const shown = redact(g.value, showSecrets, kind.keep);
      out.push(finding({
        severity: kind.severity, technique: 'T1552.001', family: FAMILY, rule: `mem-${g.pattern}`, key: `${g.pid}:${fingerprint(g.value)}`, pid: g.pid, evidence: g.copies,
        title: `${kind.what} in the memory of pid ${g.pid} (${comm}): ${shown}${g.count > 1 ? ` (${g.count} copies)` : ''}`,
        explanation: why,
      }));
    }
  }
  return out;
}

export const secrets = {
  family: FAMILY,
  run: (input: RuleInput) => [...environment(input), ...memory(input)],
} satisfies RuleFamily;
