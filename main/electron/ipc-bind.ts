/**
 * The Electron IPC binding of the services: one invoke channel for calls, one channel for events
 * (shared/api/bridge.ts), the same message protocol as the WebSocket (shared/api/rpc.ts).
 *
 * Every call's sender is checked before anything runs (Electron security checklist #17; VS Code's
 * validatedIpcMain, GitHub Desktop's trusted-ipc-sender): it must be the main frame of a window this app
 * created, showing the app's own kensa:// page. Anything else gets a 'usage' error and no service work.
 *
 * Only Electron's types are imported here, so the binding runs in plain Node with a fake ipcMain (the
 * contract tests do exactly that).
 */
import type { EventName, KensaEvents, Result } from '#shared/api/contract';
import { IPC_CALL, IPC_EVENT } from '#shared/api/bridge';
import { failure } from '#shared/api/rpc';
import type { KensaServices } from '../services/kensa-services';
import { dispatch } from '../services/dispatch';

/** The parts of Electron's WebContents the binding uses. */
export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

/** The parts of IpcMainInvokeEvent the binding checks. */
export interface InvokeEventLike {
  sender: WebContentsLike;
  senderFrame: { url: string; parent: unknown | null } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** True when the URL is a page of the app itself (kensa://app/...). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'kensa:' && u.host === 'app';
  } catch {
    return false;
  }
}

export interface IpcBinding {
  /** Let this window call the API and receive events. */
  addWindow(contents: WebContentsLike): void;
  /** The window closed: stop sending to it, end its gdb sessions. */
  removeWindow(contents: WebContentsLike): void;
  dispose(): void;
}

export function bindIpc(ipcMain: IpcMainLike, services: KensaServices): IpcBinding {
  const windows = new Map<number, { contents: WebContentsLike; gdb: Set<string> }>();

  const trusted = (event: InvokeEventLike): boolean => {
    const w = windows.get(event.sender?.id);
    const frame = event.senderFrame;
    return Boolean(w && w.contents === event.sender && frame && frame.parent === null && isAppUrl(frame.url));
  };

  ipcMain.handle(IPC_CALL, async (event, method, arg): Promise<Result<unknown>> => {
    if (!trusted(event)) return failure('usage', 'refused: the call did not come from the Kensa window');
    const result = await dispatch(services, method, arg);
    if (method === 'gdbStart' && result.ok) windows.get(event.sender.id)?.gdb.add((result.value as { sessionId: string }).sessionId);
    return result;
  });

  const unsubscribe = services.subscribe(<E extends EventName>(name: E, payload: KensaEvents[E]) => {
    for (const { contents } of windows.values()) if (!contents.isDestroyed()) contents.send(IPC_EVENT, name, payload);
  });

  return {
    addWindow(contents) {
      windows.set(contents.id, { contents, gdb: new Set() });
    },
    removeWindow(contents) {
      const w = windows.get(contents.id);
      windows.delete(contents.id);
      for (const id of w?.gdb ?? []) if (services.gdb.has(id)) services.gdb.kill(id);
    },
    dispose() {
      unsubscribe();
      ipcMain.removeHandler(IPC_CALL);
      windows.clear();
    },
  };
}
