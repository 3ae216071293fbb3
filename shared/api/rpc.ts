/**
 * The message protocol both transports carry (VS Code's IChannel idea: one protocol, several wires).
 *
 *   client -> host   { t: 'call', id, method, arg }
 *   host -> client   { t: 'result', id, result }         result is a Result (errors are data)
 *   host -> client   { t: 'event', name, payload }
 *
 * Over the WebSocket each message is one JSON text frame; over Electron IPC `call` is an invoke on one
 * channel and events arrive on another (main/electron/ipc-bind.ts). `createRpcClient` turns any wire into a
 * KensaClient; it is the only client implementation, used by the renderer's adapters and by the tests.
 */
import { API_METHODS, isEventName, type ApiError, type ApiMethod, type Capabilities, type EventName, type KensaClient, type KensaEvents, type Result } from './contract';

export interface RpcCall {
  t: 'call';
  id: number;
  method: ApiMethod;
  arg: unknown;
}

export interface RpcResult {
  t: 'result';
  id: number;
  result: Result<unknown>;
}

export interface RpcEvent {
  t: 'event';
  name: EventName;
  payload: unknown;
}

export type RpcMessage = RpcCall | RpcResult | RpcEvent;

/** Largest message either side accepts (a 1 MiB memory read is ~1.4 MB of base64 plus its extents). */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

export function failure(kind: ApiError['kind'], message: string, extra: Omit<ApiError, 'kind' | 'message'> = {}): { ok: false; error: ApiError } {
  return { ok: false, error: { kind, message, ...extra } };
}

/** A wire the client can use: send one call, and get results and events back through `receive`. */
export interface ClientWire {
  /** Send a call. For request/response wires (Electron invoke) return the result's promise instead. */
  send(call: RpcCall): void | Promise<Result<unknown>>;
}

export interface RpcClientHandle {
  client: KensaClient;
  /** Feed a message that arrived from the host (result or event). */
  receive(msg: unknown): void;
  /** The wire went away: every pending call resolves with an error, later calls fail at once. */
  disconnect(reason: string): void;
}

/** Build a KensaClient over a wire. */
export function createRpcClient(wire: ClientWire, transport: Capabilities['transport']): RpcClientHandle {
  let nextId = 1;
  let closed: string | undefined;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const listeners = new Map<EventName, Set<(payload: never) => void>>();

  const call = (method: ApiMethod, arg: unknown): Promise<Result<unknown>> => {
    if (closed !== undefined) return Promise.resolve(failure('unavailable', closed));
    const id = nextId++;
    return new Promise<Result<unknown>>((resolve) => {
      let sent: void | Promise<Result<unknown>>;
      try {
        sent = wire.send({ t: 'call', id, method, arg });
      } catch (e) {
        resolve(failure('internal', `could not send ${method}: ${String((e as Error)?.message ?? e)}`));
        return;
      }
      if (sent && typeof (sent as Promise<unknown>).then === 'function') {
        (sent as Promise<Result<unknown>>).then(
          (r) => resolve(isResult(r) ? r : failure('internal', `malformed reply to ${method}`)),
          (e) => resolve(failure('internal', `${method} failed in transport: ${String((e as Error)?.message ?? e)}`)),
        );
      } else {
        pending.set(id, resolve);
      }
    });
  };

  const client = { transport } as Record<string, unknown>;
  for (const method of API_METHODS) client[method] = (arg?: unknown) => call(method, arg);
  client.on = <E extends EventName>(event: E, listener: (payload: KensaEvents[E]) => void): (() => void) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set!.delete(listener as (payload: never) => void);
  };

  const receive = (raw: unknown): void => {
    if (!raw || typeof raw !== 'object') return;
    const msg = raw as Partial<RpcMessage>;
    if (msg.t === 'result' && typeof msg.id === 'number') {
      const resolve = pending.get(msg.id);
      if (!resolve) return;
      pending.delete(msg.id);
      resolve(isResult(msg.result) ? msg.result : failure('internal', 'malformed reply'));
    } else if (msg.t === 'event' && isEventName(msg.name)) {
      for (const l of [...(listeners.get(msg.name) ?? [])]) {
        try {
          l(msg.payload as never);
        } catch {
          // A listener's bug must not stop the other listeners or the wire.
        }
      }
    }
  };

  const disconnect = (reason: string): void => {
    closed = reason;
    for (const resolve of pending.values()) resolve(failure('unavailable', reason));
    pending.clear();
  };

  return { client: client as unknown as KensaClient, receive, disconnect };
}

export function isResult(v: unknown): v is Result<unknown> {
  if (!v || typeof v !== 'object') return false;
  const r = v as { ok?: unknown; error?: { kind?: unknown; message?: unknown } };
  if (r.ok === true) return 'value' in r;
  return r.ok === false && !!r.error && typeof r.error.kind === 'string' && typeof r.error.message === 'string';
}

/** Parse one call from an untrusted wire; undefined when it is not a well-formed call. */
export function parseCall(raw: unknown): RpcCall | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const m = raw as Partial<RpcCall>;
  if (m.t !== 'call' || typeof m.id !== 'number' || !Number.isSafeInteger(m.id) || typeof m.method !== 'string') return undefined;
  return { t: 'call', id: m.id, method: m.method as ApiMethod, arg: m.arg };
}
