/**
 * The kensa:// protocol: the renderer is served from the built folder under a privileged, standard,
 * secure scheme instead of file:// (security checklist #18), every response with the CSP header (#7).
 * `rendererResponse` is plain code over the static-file helper, so it is tested without Electron.
 */
import * as fs from 'node:fs';
import { contentSecurityPolicy, contentType, staticFile } from '../server/static-files';
import { isAppUrl } from './ipc-bind';

export const SCHEME = 'kensa';
export const APP_URL = 'kensa://app/index.html';

/** The Electron shell's CSP: no connections at all (the API is IPC). */
export const ELECTRON_CSP = contentSecurityPolicy([]).replace("connect-src 'self'", "connect-src 'none'");

export interface RendererResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

export function rendererResponse(rendererDir: string, url: string, method = 'GET'): RendererResponse {
  const base = { 'Content-Security-Policy': ELECTRON_CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { ...base, 'Content-Type': 'text/plain' }, body: 'method not allowed' };
  if (!isAppUrl(url)) return { status: 404, headers: { ...base, 'Content-Type': 'text/plain' }, body: 'not found' };
  const file = staticFile(rendererDir, new URL(url).pathname);
  if (!file) return { status: 404, headers: { ...base, 'Content-Type': 'text/plain' }, body: 'not found' };
  return { status: 200, headers: { ...base, 'Content-Type': contentType(file) }, body: method === 'HEAD' ? '' : fs.readFileSync(file) };
}

/** Requests the app may make: its own protocol, and data/blob URLs (no network); devtools when unpackaged. */
export function isAllowedRequest(url: string, devtools: boolean): boolean {
  if (isAppUrl(url)) return true;
  if (url.startsWith('data:') || url.startsWith('blob:kensa://app/')) return true;
  if (devtools && url.startsWith('devtools://')) return true;
  return false;
}
