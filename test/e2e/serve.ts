/** `kensa serve` as the browser-mode tests start it: the URL with its token, and a stop that waits for the exit. */
import { spawn, type ChildProcess } from 'node:child_process';
import { KENSA_BIN, TEST_CACHE } from '../helpers';

export interface Served {
  url: string;
  origin: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [KENSA_BIN, 'serve', ...args], { env: { ...process.env, KENSA_CACHE_DIR: TEST_CACHE }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`kensa serve exited ${code}: ${err}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
