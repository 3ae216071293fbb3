/**
 * The host half of the RPC protocol (shared/api/rpc.ts), shared by both bindings: a method name from the
 * wire is checked against API_METHODS (never looked up on the object blindly: `constructor`, `__proto__`
 * and private helpers are not callable), the call runs, and whatever happens the answer is a Result.
 */
import { isApiMethod, type KensaApi, type Result } from '#shared/api/contract';
import { failure } from '#shared/api/rpc';
import { fail } from './results';

export async function dispatch(api: KensaApi, method: unknown, arg: unknown): Promise<Result<unknown>> {
  if (!isApiMethod(method)) return failure('usage', `unknown method ${JSON.stringify(String(method).slice(0, 100))}`);
  try {
    const fn = api[method] as (a: unknown) => Promise<Result<unknown>>;
    const result = await fn.call(api, arg);
    return result;
  } catch (e) {
    // Service methods return Results; this is the net for a bug that threw anyway.
    return fail(e);
  }
}
