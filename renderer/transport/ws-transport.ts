/**
 * Browser mode: the API over the WebSocket of `kensa serve`, on the page's own origin. The access token
 * comes from the page URL (`?token=`); the server also accepts its cookie.
 */
import type { KensaClient } from '#shared/api/contract';
import { createRpcClient } from '#shared/api/rpc';

/** The parts of the browser's WebSocket used here (tests hand in Node's `ws`). */
export interface SocketLike {
  send(data: string): void;
  addEventListener(type: string, listener: (ev: { data?: unknown }) => void): void;
}

export function connectWebSocket(
  location: { protocol: string; host: string; search: string },
  open: (url: string) => SocketLike = (url) => new WebSocket(url),
): Promise<KensaClient> {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = open(`${scheme}//${location.host}/api?token=${encodeURIComponent(token)}`);
  const handle = createRpcClient({ send: (call) => socket.send(JSON.stringify(call)) }, 'websocket');
  socket.addEventListener('message', (ev) => {
    if (typeof ev.data !== 'string') return;
    try {
      handle.receive(JSON.parse(ev.data));
    } catch {
      /* not JSON: ignore */
    }
  });
  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve(handle.client));
    socket.addEventListener('error', () => reject(new Error('could not connect to the Kensa server (is `kensa serve` still running, and is the token in the URL?)')));
    socket.addEventListener('close', () => handle.disconnect('the connection to the Kensa server closed; restart `kensa serve` and reload'));
  });
}
