/**
 * The preload: one curated object, `window.kensa` (contextBridge), and nothing else reaches the page.
 * Calls go out on one invoke channel; events come back on one channel, each listener wrapped so the page
 * gets the payload only (never Electron's event object), with an unsubscribe (security checklist #20).
 *
 * A sandboxed preload may require only 'electron' and a few built-ins, so this file is self-contained:
 * it imports types only, and repeats the two channel names (a test checks they match shared/api/bridge.ts).
 * `createBridge` is exported so that the same code is tested in plain Node with a fake ipcRenderer.
 */
import type { PreloadBridge } from '#shared/api/bridge';
import type { ApiMethod, EventName, Result } from '#shared/api/contract';

export const PRELOAD_IPC_CALL = 'kensa:call';
export const PRELOAD_IPC_EVENT = 'kensa:event';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createBridge(ipc: IpcRendererLike, getPathForFile?: (file: unknown) => string): PreloadBridge {
  return {
    invoke(method: ApiMethod, arg?: unknown): Promise<Result<unknown>> {
      if (typeof method !== 'string') return Promise.resolve({ ok: false, error: { kind: 'usage', message: 'method must be a string' } });
      return ipc.invoke(PRELOAD_IPC_CALL, method, arg) as Promise<Result<unknown>>;
    },
    onEvent(listener: (name: EventName, payload: unknown) => void): () => void {
      const wrapped = (_event: unknown, name: unknown, payload: unknown): void => {
        if (typeof name === 'string') listener(name as EventName, payload);
      };
      ipc.on(PRELOAD_IPC_EVENT, wrapped as (event: unknown, ...args: unknown[]) => void);
      return () => {
        ipc.removeListener(PRELOAD_IPC_EVENT, wrapped as (event: unknown, ...args: unknown[]) => void);
      };
    },
    pathForFile(file: unknown): string {
      try {
        return getPathForFile ? getPathForFile(file) : '';
      } catch {
        return '';
      }
    },
  };
}

// Only inside Electron's preload: in plain Node (tests) 'electron' is not loadable, or is the binary's path.
declare const require: (id: string) => unknown;
const electron = ((): typeof import('electron') | undefined => {
  try {
    const e = require('electron');
    return e && typeof e === 'object' && 'contextBridge' in e ? (e as typeof import('electron')) : undefined;
  } catch {
    return undefined;
  }
})();

if (electron && process.contextIsolated) {
  electron.contextBridge.exposeInMainWorld('kensa', createBridge(electron.ipcRenderer, (file) => electron.webUtils.getPathForFile(file as File)));
}
