/**
 * Where Kensa may write: its cache (decompressed archives, derived files). Evidence folders never.
 * `--cache DIR`, else KENSA_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/kensa (cli-conventions.md).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';

export function resolveCacheDir(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  if (process.env.KENSA_CACHE_DIR) return path.resolve(process.env.KENSA_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'kensa');
}

export function ensureDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
