/**
 * The services as a KensaClient in the same process, through the same protocol code as the two real
 * transports (calls dispatched by name, results and events cloned as JSON), so that what works here works
 * over the wire. Used by tests and by any in-process host.
 */
import type { KensaClient } from '#shared/api/contract';
import { createRpcClient } from '#shared/api/rpc';
import type { KensaServices } from './kensa-services';
import { dispatch } from './dispatch';

export function directClient(services: KensaServices): KensaClient & { close(): void } {
  const handle = createRpcClient({ send: async (call) => JSON.parse(JSON.stringify(await dispatch(services, call.method, call.arg))) }, 'direct');
  const off = services.subscribe((name, payload) => handle.receive({ t: 'event', name, payload: JSON.parse(JSON.stringify(payload ?? null)) }));
  return Object.assign(handle.client, {
    close: () => {
      off();
      handle.disconnect('closed');
    },
  });
}
