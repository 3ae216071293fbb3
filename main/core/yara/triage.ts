/**
 * A user's YARA rules as a triage rule family (`kensa triage --yara RULES`, issue 12), through the
 * triage engine's extraFamilies hook: one finding per rule and process (or file), citing up to
 * EVIDENCE_PER_FINDING matches as memory pointers with their mapping. The rule's metadata decides how it is
 * listed: `severity` (high, medium, low, info; default medium) and an ATT&CK technique id in
 * `mitre_attack`, `technique` or `attack` (none when the rule names none). Ids are stable (rule, namespace,
 * process or file), as for the built-in families.
 */
import { createHash } from 'node:crypto';
import type { EvidencePointer, Finding, Severity } from '#shared/api/contract';
import { SEVERITIES } from '#shared/api/contract';
import { filePointer, hex, processPointer, TECHNIQUES, vmaPointer } from '../triage/finding';
import type { RuleFamily } from '../triage/rule';
import type { CompiledRules } from './engine';
import { scanCheckpoint, type YaraMatch, type YaraScanOptions } from './scan';

export const YARA_FAMILY = 'yara';
/** Matches cited as evidence in one finding (the count is in the title). */
export const EVIDENCE_PER_FINDING = 10;

function metaSeverity(meta: YaraMatch['meta']): Severity {
  const s = typeof meta.severity === 'string' ? meta.severity.toLowerCase() : '';
  return (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : 'medium';
}

function metaTechnique(meta: YaraMatch['meta']): { technique: string; technique_name: string } {
  for (const key of ['mitre_attack', 'technique', 'attack']) {
    const v = meta[key];
    if (typeof v === 'string' && /^T\d{4}(\.\d{3})?$/.test(v)) return { technique: v, technique_name: (TECHNIQUES as Record<string, string>)[v] ?? 'named by the rule' };
  }
  return { technique: '', technique_name: 'none named by the rule' };
}

function printable(hexData: Buffer): string {
  return Array.from(hexData.subarray(0, 48), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
}

/** The family: scans once when triage runs it, then groups the matches. */
export function yaraFamily(rules: CompiledRules, opts: Pick<YaraScanOptions, 'files' | 'maxMatches' | 'timeoutMs' | 'signal'> = {}): RuleFamily & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    family: YARA_FAMILY,
    warnings,
    async run(input) {
      const cp = input.ctx.cp;
      const result = await scanCheckpoint(cp, rules, opts);
      warnings.push(...result.warnings);
      const groups = new Map<string, YaraMatch[]>();
      for (const m of result.matches) {
        const key = `${m.namespace}\0${m.rule}\0${m.pid ?? m.file}`;
        const g = groups.get(key);
        if (g) g.push(m);
        else groups.set(key, [m]);
      }
      const out: Finding[] = [];
      for (const [key, ms] of groups) {
        const first = ms[0];
        const comm = first.pid !== undefined ? (cp.process(first.pid)?.comm ?? '?') : '';
        const evidence: EvidencePointer[] = [];
        if (first.pid !== undefined) evidence.push(processPointer(first.pid, comm));
        for (const m of ms.slice(0, EVIDENCE_PER_FINDING)) {
          if (m.pid !== undefined) {
            if (m.vma && !evidence.some((e) => e.kind === 'vma' && e.start === hex(m.vma!.start))) evidence.push(vmaPointer(m.pid, m.vma));
            const p: EvidencePointer = { kind: 'memory', pid: m.pid, address: hex(m.address), length: m.length, origin: m.origin, preview: printable(m.data), label: `${m.string || 'condition'} at ${hex(m.address)} +${m.length}` };
            if (m.member !== undefined) p.member = m.member;
            if (m.memberOffset !== undefined) p.member_offset = m.memberOffset;
            evidence.push(p);
          } else evidence.push(filePointer(m.file ?? '?', m.member, m.memberOffset));
        }
        const where = first.pid !== undefined ? `process ${first.pid} (${comm})` : first.file;
        out.push({
          id: 'KF-' + createHash('sha256').update(`yara\0${key}`).digest('hex').slice(0, 12),
          severity: metaSeverity(first.meta),
          ...metaTechnique(first.meta),
          family: YARA_FAMILY,
          title: `YARA rule ${first.namespace === 'default' ? '' : first.namespace + ':'}${first.rule} matched ${ms.length} time${ms.length === 1 ? '' : 's'} in ${where}`,
          explanation:
            (typeof first.meta.description === 'string' ? first.meta.description + ' ' : '') +
            `A rule you supplied matched${first.tags.length ? ` (tags: ${first.tags.join(', ')})` : ''}; what it means is what the rule's author says it means.`,
          pid: first.pid ?? null,
          evidence,
        });
      }
      return out;
    },
  };
}
