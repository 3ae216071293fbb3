/**
 * The contract suite over the real WebSocket server of `kensa serve`, with the renderer's own WebSocket
 * adapter (renderer/transport/ws-transport.ts) driving Node's `ws` as its socket.
 */
import WebSocket from 'ws';
import { KensaServices } from '../../../main/services/kensa-services';
import { startServer } from '../../../main/server/server';
import { connectWebSocket } from '../../../renderer/transport/ws-transport';
import type { Result } from '../../../shared/api/contract';
import { LOCAL_FIXTURES, TEST_CACHE } from '../../helpers';
import { contractSuite } from './contract-suite';

contractSuite('websocket', 'websocket', async () => {
  const services = new KensaServices({ cacheDir: TEST_CACHE, transport: 'websocket' });
  // The static folder is irrelevant to the API; any folder will do.
  const server = await startServer({ services, staticDir: LOCAL_FIXTURES });
  const url = new URL(server.url);
  const sockets: WebSocket[] = [];
  const open = (u: string): WebSocket => {
    const ws = new WebSocket(u, { origin: server.origin });
    sockets.push(ws);
    return ws;
  };
  const client = await connectWebSocket({ protocol: url.protocol, host: url.host, search: url.search }, open as never);
  // Raw calls over a second socket: any method name and argument, as a hostile page could send.
  const raw = open(`ws://${url.host}/api?token=${server.token}`);
  await new Promise((r) => raw.once('open', r));
  let id = 1;
  const rawCall = (method: string, arg: unknown): Promise<Result<unknown>> =>
    new Promise((resolve) => {
      const my = id++;
      const onMessage = (data: WebSocket.RawData): void => {
        const msg = JSON.parse(data.toString());
        if (msg.t === 'result' && msg.id === my) {
          raw.off('message', onMessage);
          resolve(msg.result);
        }
      };
      raw.on('message', onMessage);
      raw.send(JSON.stringify({ t: 'call', id: my, method, arg }));
    });
  return {
    client,
    rawCall,
    close: async () => {
      sockets.forEach((s) => s.close());
      services.dispose();
      await server.close();
    },
  };
});
