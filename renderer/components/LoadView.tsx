import type { ReactNode } from 'react';
import type { Load } from '../stores/types';
import { ErrorMessage } from './ErrorMessage';

/** Loading text, the error, or the content of a Load. */
export function LoadView<T>({ load, what, children }: { load: Load<T>; what: string; children: (value: T) => ReactNode }) {
  if (load.status === 'error' && load.error) return <ErrorMessage context={`Reading ${what}`} error={load.error} />;
  if (load.status === 'ready' && load.value !== undefined) return <>{children(load.value)}</>;
  if (load.status === 'idle') return <div className="loading">No {what} yet.</div>;
  return <div className="loading">Reading {what}…</div>;
}
