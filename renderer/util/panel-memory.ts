import { useCallback, useState, type Dispatch, type SetStateAction } from 'react';

/**
 * State a panel keeps while the analyst looks at another panel (a panel unmounts when hidden): the last
 * strings listed, the folders opened in the Files tree. Scoped to one opened archive: opening another
 * forgets everything, so nothing of one piece of evidence shows up beside another.
 */
const memory = new Map<string, unknown>();
let memoryScope: string | undefined;

export function usePanelMemory<T>(scope: string | undefined, key: string, initial: T): [T, Dispatch<SetStateAction<T>>] {
  if (scope !== memoryScope) {
    memory.clear();
    memoryScope = scope;
  }
  const [value, setValue] = useState<T>(() => (memory.has(key) ? (memory.get(key) as T) : initial));
  const set = useCallback<Dispatch<SetStateAction<T>>>(
    (next) =>
      setValue((prev) => {
        const v = typeof next === 'function' ? (next as (p: T) => T)(prev) : next;
        if (memoryScope === scope) memory.set(key, v);
        return v;
      }),
    [key, scope],
  );
  return [value, set];
}
