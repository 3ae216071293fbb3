/**
 * The one pass over memory that every content rule shares: a single search (main/core/memory/search, which
 * handles page, run and VMA boundaries and says where each byte came from) for the alternation of every
 * content pattern, over the memory a process can write (secrets and shell history live there; code and
 * read-only file data do not). Each hit is then told apart by which pattern it matches.
 */
import type { Checkpoint } from '../model/checkpoint';
import { searchMemory, type SearchHit } from '../memory/search';
import type { RegexAnchor } from '../memory/pattern';

/**
 * A content pattern: a name, a JavaScript regex source over latin1 bytes (no capture groups), and the
 * strings every match holds at a known offset (the scan looks for those first: see SearchPattern.anchors).
 * Each anchor costs one Buffer.indexOf pass over memory, so patterns share as few as they can.
 */
export interface ContentPattern {
  name: string;
  source: string;
  anchors: RegexAnchor[];
}

/**
 * High-confidence secret formats (the forms gitleaks and trufflehog treat as certain) and bash's history
 * timestamps. PEM keys need a line of base64 after the header: library code holds the bare header text.
 */
export const CONTENT_PATTERNS: ContentPattern[] = [
  // AWS access key ids: AKIA (long-term) and ASIA (temporary), 16 more upper-case letters and digits.
  { name: 'aws-key-id', source: '(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Z0-9])', anchors: [{ text: 'IA', offset: 2 }] },
  { name: 'pem-private-key', source: '-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----\\r?\\n[A-Za-z0-9+/=]{40}', anchors: [{ text: '-----BEGIN ' }] },
  // A JWT: base64url JSON header `{"` (eyJ), payload `{"` (eyJ), and a signature.
  { name: 'jwt', source: 'eyJ[A-Za-z0-9_-]{10,2000}\\.eyJ[A-Za-z0-9_-]{10,4000}\\.[A-Za-z0-9_-]{20,1000}', anchors: [{ text: 'eyJ' }] },
  // bash keeps "#<seconds since 1970>" beside every history line (lib/readline/history.c hist_inittime):
  // times from 2020-09 (#16...) to 2033-05 (#18...). A two-byte anchor: "#1" wakes the regex only about once per 64 KiB of random data.
  { name: 'bash-history-time', source: '#1[6-8][0-9]{8}(?=\\x00)', anchors: [{ text: '#1' }] },
];

export interface ContentHit {
  pattern: string;
  hit: SearchHit;
}

export interface ScanResult {
  hits: ContentHit[];
  scannedBytes: number;
}

/** Most hits kept: a memory full of one token must not fill the analyst's memory. */
export const MAX_CONTENT_HITS = 20000;

export async function scanContent(cp: Checkpoint, patterns: ContentPattern[], opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<ScanResult> {
  const compiled = patterns.map((p) => ({ name: p.name, re: new RegExp(`^(?:${p.source})`) }));
  let scannedBytes = 0;
  const hits = await searchMemory(cp, {
    pattern: { regex: patterns.map((p) => `(?:${p.source})`).join('|'), anchors: patterns.flatMap((p) => p.anchors) },
    vma: ['rw-'],
    maxHits: MAX_CONTENT_HITS,
    // Bytes after each match, so that a pattern ending in a lookahead is told apart exactly (below).
    context: 16,
    signal: opts.signal,
    onProgress: (done, total) => {
      scannedBytes = total;
      opts.onProgress?.(done, total);
    },
  });
  const out: ContentHit[] = [];
  for (const hit of hits) {
    const text = hit.match.toString('latin1') + hit.after.toString('latin1');
    const p = compiled.find((c) => c.re.exec(text)?.[0].length === hit.length);
    if (p) out.push({ pattern: p.name, hit });
  }
  return { hits: out, scannedBytes };
}
