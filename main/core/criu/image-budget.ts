/**
 * Decoding budgets per archive: how many protobuf values one image, and all images of one checkpoint, may
 * decode into (the --max-values limits), shared by the model and the parent-dump reader.
 */
import { ValueBudget } from './protobuf-codec';

/** What a budget needs to know of an archive: its limits (archive/archive.ts CheckpointArchive has them). */
export interface BudgetedArchive {
  readonly limits: { maxTotalValues: number; maxImageValues: number };
}

const totalBudgets = new WeakMap<BudgetedArchive, ValueBudget>();

/**
 * A value budget for decoding one image of `archive`, drawing on the archive's total: decoded images stay
 * cached while a checkpoint is open, so the heap they take is bounded per image and for all of them.
 */
export function imageBudget(archive: BudgetedArchive): ValueBudget {
  let total = totalBudgets.get(archive);
  if (!total) totalBudgets.set(archive, (total = new ValueBudget(archive.limits.maxTotalValues, 'checkpoint')));
  return total.image(archive.limits.maxImageValues);
}
