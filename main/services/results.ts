/**
 * Results, not throws: every service method ends in `ok(value)` or an ApiError built from what was thrown.
 * A KensaError keeps its kind, archive, member and offset; anything else is reported as an internal error
 * (a bug in Kensa), with its message but never its stack.
 */
import type { ApiError, Result } from '#shared/api/contract';
import { CancelledError, KensaError, systemErrorText } from '../core/errors';

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}


/** A bad request from the client (wrong type, out of range): a 'usage' error naming the field. */
export class RequestError extends KensaError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'RequestError';
  }
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof CancelledError) return { kind: 'cancelled', message: e.message };
  if (e instanceof KensaError) {
    const err: ApiError = { kind: e.kind, message: e.message };
    const loc = e.location;
    if (loc.source !== undefined) err.source = loc.source;
    if (loc.member !== undefined) err.member = loc.member;
    if (loc.offset !== undefined) {
      const off = typeof loc.offset === 'bigint' ? Number(loc.offset) : loc.offset;
      if (Number.isSafeInteger(off)) err.offset = off;
    }
    if (e.hint !== undefined) err.hint = e.hint;
    return err;
  }
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as NodeJS.ErrnoException)?.code;
  // A system error in words (no such file or directory), with the path Node puts in its message.
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    const where = (e as NodeJS.ErrnoException).path;
    return { kind: 'io', message: `${where ? `${where}: ` : ''}${systemErrorText(e)}` };
  }
  return { kind: 'internal', message: `internal error: ${msg} (please report)` };
}

export function fail(e: unknown): Result<never> {
  return { ok: false, error: toApiError(e) };
}

/** Run `fn`, turning anything it throws into a failed Result. */
export async function attempt<T>(fn: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (e) {
    return fail(e);
  }
}

// ------------------------------------------------------------------------------------------------
// Request validation: arguments arrive from a browser or a renderer and are not trusted.

export function obj(arg: unknown, what: string): Record<string, unknown> {
  if (arg === undefined || arg === null) return {};
  if (typeof arg !== 'object' || Array.isArray(arg)) throw new RequestError(`${what}: expected an object argument`);
  return arg as Record<string, unknown>;
}

export function int(v: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw new RequestError(`${name} must be an integer from ${min} to ${max}`);
  return v;
}

export function optInt(v: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  return v === undefined ? undefined : int(v, name, min, max);
}

export function str(v: unknown, name: string, maxLength = 4096): string {
  if (typeof v !== 'string' || v.length > maxLength) throw new RequestError(`${name} must be a string of at most ${maxLength} characters`);
  return v;
}

export function optStr(v: unknown, name: string, maxLength = 4096): string | undefined {
  return v === undefined ? undefined : str(v, name, maxLength);
}

export function bool(v: unknown, name: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new RequestError(`${name} must be true or false`);
  return v;
}

const U64_MAX = (1n << 64n) - 1n;

/** `"0x…"` (or decimal) address -> bigint within 64 bits. */
export function address(v: unknown, name = 'address'): bigint {
  if (typeof v !== 'string' || !/^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/.test(v.trim())) throw new RequestError(`${name} must be a "0x…" hex string of at most 64 bits`);
  const n = BigInt(v.trim());
  if (n > U64_MAX) throw new RequestError(`${name} is above 2^64-1`);
  return n;
}

export function hex64(v: bigint | number, width = 0): string {
  const s = (typeof v === 'bigint' ? (v < 0n ? BigInt.asUintN(64, v) : v) : BigInt(v)).toString(16);
  return '0x' + (width ? s.padStart(width, '0') : s);
}
