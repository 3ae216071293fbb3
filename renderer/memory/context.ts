import { createContext, useContext } from 'react';
import type { PageCache } from './page-cache';

export const PageCacheContext = createContext<PageCache | null>(null);

export function usePageCache(): PageCache {
  const c = useContext(PageCacheContext);
  if (!c) throw new Error('PageCacheContext is missing');
  return c;
}
