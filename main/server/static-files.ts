/**
 * Serving the built renderer (dist/renderer/web) safely, for both hosts: `kensa serve` over HTTP and the
 * Electron kensa:// protocol. Only regular files inside the folder; no traversal, no dotfiles, no symlinks
 * out of it; every response carries the renderer's Content-Security-Policy.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The renderer's Content-Security-Policy. Inline styles are allowed because xterm.js and React set them;
 * scripts only from the app itself; connections only to `connect` (the WebSocket in browser mode, nothing
 * in Electron, which talks over IPC).
 */
export function contentSecurityPolicy(connect: string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    connect.length ? `connect-src 'self' ${connect.join(' ')}` : "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Resolve a URL path to a file inside `root`, or undefined (traversal, dotfiles, not a file). */
export function staticFile(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  if (rel.split(/[\\/]/).some((seg) => seg === '..' || seg.startsWith('.'))) return undefined;
  const base = path.resolve(root);
  const full = path.resolve(base, rel);
  if (full !== base && !full.startsWith(base + path.sep)) return undefined;
  try {
    const real = fs.realpathSync(full);
    const realBase = fs.realpathSync(base);
    if (!real.startsWith(realBase + path.sep)) return undefined;
    return fs.statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}
