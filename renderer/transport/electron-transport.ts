/**
 * Desktop mode: the API through the preload's one curated object (`window.kensa`, main/preload). The
 * preload passes calls to the main process on one IPC channel and events back on another.
 */
import type { KensaClient, Result } from '#shared/api/contract';
import { createRpcClient } from '#shared/api/rpc';
import type { PreloadBridge } from '#shared/api/bridge';

export function electronBridge(): PreloadBridge | undefined {
  const w = globalThis as unknown as { kensa?: PreloadBridge };
  return w.kensa && typeof w.kensa.invoke === 'function' ? w.kensa : undefined;
}

export function connectElectron(bridge: PreloadBridge): KensaClient {
  const handle = createRpcClient({ send: (call) => bridge.invoke(call.method, call.arg) as Promise<Result<unknown>> }, 'electron');
  bridge.onEvent((name, payload) => handle.receive({ t: 'event', name, payload }));
  return handle.client;
}
