/** The renderer learns its transport once, here; everything else sees a KensaClient. */
import type { KensaClient } from '#shared/api/contract';
import { connectElectron, electronBridge } from './electron-transport';
import { connectWebSocket } from './ws-transport';

export async function connect(): Promise<KensaClient> {
  const bridge = electronBridge();
  if (bridge) return connectElectron(bridge);
  return connectWebSocket(window.location);
}
