/** React binding of the store: one context, selectors with shallow comparison. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { KensaStore } from './store';
import type { KensaState } from './types';

export const StoreContext = createContext<KensaStore | null>(null);

export function useKensaStore(): KensaStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('StoreContext is missing');
  return store;
}

/** Select one value (compared by identity). */
export function useKensa<T>(selector: (s: KensaState) => T): T {
  return useStore(useKensaStore(), selector);
}

/** Select several values at once (compared shallowly), e.g. `useKensaShallow((s) => [s.a, s.b])`. */
export function useKensaShallow<T extends object>(selector: (s: KensaState) => T): T {
  return useStore(useKensaStore(), useShallow(selector));
}
