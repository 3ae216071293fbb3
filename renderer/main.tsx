/**
 * Renderer entry: connect (Electron preload or the `kensa serve` WebSocket), build the store, route the
 * host's events, render. Fatal startup problems are shown as a message, never a blank page.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import { connect } from './transport/pick-transport';
import { electronBridge } from './transport/electron-transport';
import { createKensaStore, connectEvents } from './stores/store';
import { StoreContext } from './stores/hooks';
import { PageCache } from './memory/page-cache';
import { PageCacheContext } from './memory/context';
import { TerminalBus } from './terminal/terminal-bus';
import { TerminalBusContext } from './terminal/context';
import { App, FatalError } from './app/App';
import { ErrorBoundary } from './components/ErrorBoundary';

const THEME_KEY = 'kensa.theme';

async function start(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  let client;
  try {
    client = await connect();
  } catch (e) {
    root.render(<FatalError message={String((e as Error)?.message ?? e)} />);
    return;
  }
  const store = createKensaStore(client);
  const pages = new PageCache(client);
  const bus = new TerminalBus();
  connectEvents(store, client, bus.push);
  // Memory bytes belong to one archive: drop them when another one opens.
  store.subscribe((s, prev) => {
    if (s.session !== prev.session && (s.session?.openedAt !== prev.session?.openedAt || s.session?.archive !== prev.session?.archive)) pages.clear();
    if (s.theme !== prev.theme) {
      try {
        localStorage.setItem(THEME_KEY, s.theme);
      } catch {
        /* storage off: the theme just is not remembered */
      }
    }
  });
  let theme: string | null = null;
  try {
    theme = localStorage.getItem(THEME_KEY);
  } catch {
    /* ignore */
  }
  store.getState().setTheme(theme === 'light' || theme === 'dark' ? theme : window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark');
  root.render(
    <StrictMode>
      <ErrorBoundary name="workstation">
        <StoreContext.Provider value={store}>
          <PageCacheContext.Provider value={pages}>
            <TerminalBusContext.Provider value={bus}>
              <App bridge={electronBridge()} />
            </TerminalBusContext.Provider>
          </PageCacheContext.Provider>
        </StoreContext.Provider>
      </ErrorBoundary>
    </StrictMode>,
  );
  await store.getState().init();
}

void start();
