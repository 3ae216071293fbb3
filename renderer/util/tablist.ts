import type { KeyboardEvent } from 'react';

/**
 * Arrow keys in a row of tabs (WAI-ARIA tabs pattern): Left/Right (and Home/End) select the neighbouring
 * tab and move the focus to it. `select(i)` is called with the new index.
 */
export function tabArrowKeys(e: KeyboardEvent<HTMLElement>, count: number, current: number, select: (i: number) => void): void {
  if (count < 2) return;
  const next = e.key === 'ArrowRight' ? (current + 1) % count : e.key === 'ArrowLeft' ? (current - 1 + count) % count : e.key === 'Home' ? 0 : e.key === 'End' ? count - 1 : -1;
  if (next < 0) return;
  e.preventDefault();
  select(next);
  (e.currentTarget.querySelectorAll('[role=tab]')[next] as HTMLElement | undefined)?.focus();
}
