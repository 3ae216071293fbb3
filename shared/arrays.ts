/**
 * Array helpers safe for any length. `a.push(...b)` and `Math.max(...b)` pass every element as an argument:
 * past roughly 120,000 elements V8 throws "Maximum call stack size exceeded", and a crafted checkpoint can
 * make any list that long (VMAs, pagemap runs, processes, members).
 */

/** Append every item of `items` to `target` (no argument spreading); returns `target`. */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const x of items) target.push(x);
  return target;
}

/** The largest of `values` and `floor` (no argument spreading). */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let m = floor;
  for (const v of values) if (v > m) m = v;
  return m;
}
