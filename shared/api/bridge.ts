/**
 * The object the Electron preload exposes as `window.kensa` (contextBridge): calls go out by method name
 * (checked against API_METHODS on both sides of the wire), events come back by name. Only data crosses:
 * no Electron objects, no IPC event objects, no Node values.
 */
import type { ApiMethod, EventName, Result } from './contract';

export interface PreloadBridge {
  invoke(method: ApiMethod, arg?: unknown): Promise<Result<unknown>>;
  /** Subscribe to every event; returns the unsubscribe. */
  onEvent(listener: (name: EventName, payload: unknown) => void): () => void;
  /** The host path of a file dropped on the window (Electron's webUtils.getPathForFile); '' when unknown. */
  pathForFile(file: unknown): string;
}

/** IPC channel names (one for calls, one for events). */
export const IPC_CALL = 'kensa:call';
export const IPC_EVENT = 'kensa:event';
