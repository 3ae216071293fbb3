/**
 * Browser mode: the renderer and a WebSocket binding of the services on 127.0.0.1.
 *
 * Safety (unlike the xterm.js demo server, this one is meant for real use):
 * - listens on 127.0.0.1 only, on a random port unless one is asked for;
 * - a random 256-bit token is part of the URL; every HTTP request and the WebSocket handshake must carry
 *   it (query `token`, or the HttpOnly SameSite=Strict cookie set when the page is first loaded);
 * - the Host header must name this server (127.0.0.1:PORT or localhost:PORT): a DNS-rebinding page
 *   cannot reach it under another name;
 * - the WebSocket's Origin must be this server's own origin: another site open in the same browser
 *   cannot drive the API even if it guessed the port;
 * - static files only from the built renderer folder (no traversal, no listing), each with a CSP, nosniff,
 *   no-referrer and frame-ancestors 'none'.
 */
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, KensaEvents, SessionInfo } from '#shared/api/contract';
import { MAX_MESSAGE_BYTES, parseCall, type RpcEvent, type RpcResult } from '#shared/api/rpc';
import type { KensaServices } from '../services/kensa-services';
import { dispatch } from '../services/dispatch';
import { contentType, contentSecurityPolicy, staticFile } from './static-files';

/** The cookie carrying the token, per port: cookies ignore ports, and two servers must not overwrite each other's. */
export function tokenCookie(port: number): string {
  return `kensa_token_${port}`;
}
/** A client that does not read its socket this far behind is dropped rather than buffered without end. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export interface ServerOptions {
  services: KensaServices;
  /** The built renderer (dist/renderer/web). */
  staticDir: string;
  /** 0 or absent: a random free port. */
  port?: number;
  /** For tests; default a fresh random token. */
  token?: string;
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT/?token=…` */
  url: string;
  origin: string;
  port: number;
  token: string;
  /** Connected WebSocket clients. */
  readonly clients: number;
  close(): Promise<void>;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Reports of the open case, read-only (main/services/case-reports.ts says which files): `/case-reports/NAME`. */
const CASE_REPORTS = '/case-reports/';

function decodeName(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}

/**
 * A report as a page of its own: an HTML report is shown sandboxed (no script, no request, no form: it is
 * made of evidence text), a PDF or JSON one as itself.
 */
function sendCaseReport(res: http.ServerResponse, file: string | undefined, head: boolean, deny: (code: number, text: string) => void): void {
  if (!file) return deny(404, 'no such report in the open case\'s reports/ folder');
  const type = file.endsWith('.pdf') ? 'application/pdf' : contentType(file);
  res.writeHead(200, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Content-Security-Policy': `${type.startsWith('text/html') ? 'sandbox; ' : ''}default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:`,
  });
  if (head) return void res.end();
  fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

function cookieToken(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? crypto.randomBytes(32).toString('base64url');
  const staticDir = path.resolve(opts.staticDir);
  let port = 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const allowedOrigins = (): string[] => allowedHosts().map((h) => `http://${h}`);

  const authorised = (req: http.IncomingMessage, url: URL): boolean => {
    const given = url.searchParams.get('token') ?? cookieToken(req.headers.cookie, tokenCookie(port));
    return given !== undefined && given !== null && safeEqual(given, token);
  };
  const hostOk = (req: http.IncomingMessage): boolean => allowedHosts().includes(String(req.headers.host ?? ''));

  const server = http.createServer((req, res) => {
    const deny = (code: number, text: string): void => {
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.end(text + '\n');
    };
    if (!hostOk(req)) return deny(421, 'wrong Host: this server answers only as 127.0.0.1 or localhost on its own port');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(405, 'method not allowed');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (!authorised(req, url)) return deny(403, 'forbidden: open the full URL that `kensa serve` printed (it carries the access token)');
    if (url.pathname.startsWith(CASE_REPORTS)) return sendCaseReport(res, opts.services.caseReportFile(decodeName(url.pathname.slice(CASE_REPORTS.length))), req.method === 'HEAD', deny);
    const file = staticFile(staticDir, url.pathname);
    if (!file) return deny(404, 'not found');
    const headers: Record<string, string> = {
      'Content-Type': contentType(file),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Content-Security-Policy': contentSecurityPolicy(allowedHosts().map((h) => `ws://${h}`)),
    };
    if (url.searchParams.has('token')) headers['Set-Cookie'] = `${tokenCookie(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const reject = (code: number, text: string): void => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!hostOk(req)) return reject(421, 'Misdirected Request');
    if (!allowedOrigins().includes(String(req.headers.origin ?? ''))) return reject(403, 'Forbidden');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname !== '/api' || !authorised(req, url)) return reject(403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => bindWebSocket(opts.services, ws));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    get clients() {
      return wss.clients.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * One WebSocket client: calls in, results and events out. gdb sessions a client started end with it (a
 * closed tab does not leave gdb running).
 */
export function bindWebSocket(services: KensaServices, ws: WebSocket): void {
  const ownSessions = new Set<string>();
  const send = (msg: RpcResult | RpcEvent): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(msg));
  };
  const unsubscribe = services.subscribe(<E extends EventName>(name: E, payload: KensaEvents[E]) => {
    send({ t: 'event', name, payload: payload as SessionInfo | null | KensaEvents[E] });
  });
  ws.on('message', async (data, isBinary) => {
    if (isBinary) return;
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      return;
    }
    const call = parseCall(raw);
    if (!call) return;
    const result = await dispatch(services, call.method, call.arg);
    if (call.method === 'gdbStart' && result.ok) ownSessions.add((result.value as { sessionId: string }).sessionId);
    send({ t: 'result', id: call.id, result });
  });
  ws.on('close', () => {
    unsubscribe();
    for (const id of ownSessions) if (services.gdb.has(id)) services.gdb.kill(id);
  });
  ws.on('error', () => ws.terminate());
}
