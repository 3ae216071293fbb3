/**
 * The shape of a rule family: a module that looks at the model (and the one memory pass's hits) and returns
 * findings. Further rule sets (a user's YARA rule folder, issue 12) plug in through the same interface.
 */
import type { Finding } from './finding';
import type { TriageContext } from './context';
import type { ContentHit } from './scan';

export interface RuleInput {
  ctx: TriageContext;
  /** Hits of the shared memory pass (scan.ts), in process and address order. */
  hits: ContentHit[];
  /** Show secret values in full (else redacted). */
  showSecrets: boolean;
}

export interface RuleFamily {
  family: string;
  run(input: RuleInput): Finding[] | Promise<Finding[]>;
}
