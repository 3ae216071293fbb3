/** Small helpers the slices share. */
import type { Result } from '#shared/api/contract';
import type { Load } from '../types';

export function fromResult<T>(r: Result<T>): Load<T> {
  return r.ok ? { status: 'ready', value: r.value } : { status: 'error', error: r.error };
}

let taskCounter = 0;
/** A task id unique within this page (the host keys tasks by it). */
export function newTaskId(prefix: string): string {
  taskCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${taskCounter}`;
}

/** `"0x1f"` -> 31n; undefined when not an address. */
export function parseAddress(text: string): bigint | undefined {
  const t = text.trim().replace(/_/g, '');
  if (/^0x[0-9a-fA-F]{1,16}$/.test(t)) return BigInt(t);
  if (/^[0-9a-fA-F]{1,16}$/.test(t) && /[a-fA-F]/.test(t)) return BigInt('0x' + t);
  if (/^[0-9]{1,20}$/.test(t)) {
    const v = BigInt(t);
    return v < 1n << 64n ? v : undefined;
  }
  return undefined;
}

