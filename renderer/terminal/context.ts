import { createContext, useContext } from 'react';
import type { TerminalBus } from './terminal-bus';

export const TerminalBusContext = createContext<TerminalBus | null>(null);

export function useTerminalBus(): TerminalBus {
  const b = useContext(TerminalBusContext);
  if (!b) throw new Error('TerminalBusContext is missing');
  return b;
}
