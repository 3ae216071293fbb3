/**
 * The hardened window, in one function (VS Code's defaultBrowserWindowOptions; Electron's checklist):
 * context isolation, sandbox, no Node integration, no webview, no spellcheck service, navigation on drop
 * off, devtools only in development.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

export function windowOptions(preload: string, devtools: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Kensa',
    backgroundColor: '#16181d',
    autoHideMenuBar: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      enableWebSQL: false,
      experimentalFeatures: false,
      safeDialogs: true,
      devTools: devtools,
    },
  };
}
