/**
 * The one store: a vanilla zustand store built from slices (each a StateCreator<KensaState>), bound to a
 * KensaClient. Vanilla so that Node tests drive it without React; hooks.ts binds it to React.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { KensaClient } from '#shared/api/contract';
import type { KensaState } from './types';
import { archiveSlice } from './slices/archive-slice';
import { processSlice } from './slices/process-slice';
import { memorySlice } from './slices/memory-slice';
import { yaraSlice } from './slices/yara-slice';
import { triageSlice } from './slices/triage-slice';
import { detailsSlice } from './slices/details-slice';
import { terminalSlice } from './slices/terminal-slice';
import { uiSlice } from './slices/ui-slice';
import { caseSlice } from './slices/case-slice';

export type KensaStore = StoreApi<KensaState>;

export function createKensaStore(client: KensaClient): KensaStore {
  return createStore<KensaState>()((...a) => ({
    client,
    ...archiveSlice(client)(...a),
    ...processSlice(client)(...a),
    ...memorySlice(client)(...a),
    ...yaraSlice(client)(...a),
    ...triageSlice(client)(...a),
    ...detailsSlice(client)(...a),
    ...terminalSlice(client)(...a),
    ...uiSlice(client)(...a),
    ...caseSlice(client)(...a),
  }));
}

/**
 * Route the host's events: progress and session changes into the store, gdb exits into the terminal slice,
 * gdb output to `onGdbData` (straight to xterm.js, never into state). Returns the unsubscribe.
 */
export function connectEvents(store: KensaStore, client: KensaClient, onGdbData: (sessionId: string, data: string) => void): () => void {
  const offs = [
    client.on('progress', (e) => store.getState().taskProgress(e)),
    client.on('session', (s) => void store.getState().applySession(s)),
    client.on('gdbExit', (e) => store.getState().gdbExited(e)),
    client.on('gdbData', (e) => onGdbData(e.sessionId, e.data)),
    client.on('searchHits', (e) => store.getState().searchHitsArrived(e)),
  ];
  return () => offs.forEach((off) => off());
}
