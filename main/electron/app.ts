/**
 * The desktop workstation (Electron main process): `npm start [-- ARCHIVE]` in a checkout,
 * `kensa-workstation [ARCHIVE] [--rootfs PATH]` when packaged.
 *
 * Security (Electron's own security checklist): the renderer runs sandboxed with context
 * isolation and no Node, from the kensa:// protocol with a CSP; navigation, new windows and webviews are
 * denied for every web contents; every request that is not the app's own protocol is cancelled (the app
 * uses no network at all); permission requests are refused; every IPC call's sender is checked.
 *
 * The archive comes from the command line, the File menu's dialog, a drop on the window, or the bundled
 * sample checkpoint (File > Open sample).
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type MenuItemConstructorOptions, type OpenDialogOptions } from 'electron';
import { KensaServices } from '../services/kensa-services';
import { bindIpc, type IpcMainLike } from './ipc-bind';
import { APP_URL, isAllowedRequest, rendererResponse, SCHEME } from './protocol';
import { windowOptions } from './window';
import { parseArgs } from './args';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RENDERER_DIR = path.join(ROOT, 'dist', 'renderer', 'web');
const PRELOAD = path.join(__dirname, '..', 'preload', 'index.js');
const DEVTOOLS = !app.isPackaged;

/** The sample checkpoint: in resources when packaged, in test/fixtures in a checkout. */
function sampleArchive(): string | undefined {
  const p = app.isPackaged ? path.join(process.resourcesPath, 'sample', 'counters.tar.zst') : path.join(ROOT, 'test', 'fixtures', 'podman-counter', 'counters.tar.zst');
  return fs.existsSync(p) ? p : undefined;
}

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) app.quit();

let mainWindow: BrowserWindow | null = null;
const services = new KensaServices({
  transport: 'electron',
  pickArchive: async () => {
    const options: OpenDialogOptions = {
      title: 'Open a checkpoint archive',
      properties: ['openFile', 'dontAddToRecent'],
      filters: [{ name: 'Checkpoint archives', extensions: ['tar', 'gz', 'tgz', 'zst', 'tzst'] }, { name: 'All files', extensions: ['*'] }],
    };
    const r = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
    return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
  },
  // A report of the open case (main/services/case-reports.ts checks it is one) in the system's viewer.
  openPath: (file) => shell.openPath(file),
});
const binding = bindIpc(ipcMain as unknown as IpcMainLike, services);

async function openFromArgs(argv: string[]): Promise<void> {
  const { archive, rootfs } = parseArgs(argv, app.isPackaged);
  if (!archive) return;
  const r = await services.openArchive({ path: path.resolve(archive), ...(rootfs ? { rootfs: path.resolve(rootfs) } : {}) });
  if (!r.ok) dialog.showErrorBox('Kensa could not open the archive', `${r.error.source ?? archive}${r.error.member ? ' › ' + r.error.member : ''}${r.error.offset !== undefined ? ` @${r.error.offset}` : ''}\n\n${r.error.message}`);
}

function buildMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        {
          label: 'Open Archive…',
          accelerator: 'CmdOrCtrl+O',
          click: async () => {
            const r = await services.pickArchive();
            if (r.ok && r.value) await services.openArchive({ path: r.value });
          },
        },
        {
          label: 'Open Sample Checkpoint',
          enabled: Boolean(sampleArchive()),
          click: () => void services.openArchive({ path: sampleArchive()! }),
        },
        { label: 'Close Archive', click: () => void services.closeArchive() },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { label: 'Edit', submenu: [{ role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    {
      label: 'View',
      submenu: [{ role: 'reload' }, ...(DEVTOOLS ? [{ role: 'toggleDevTools' } as MenuItemConstructorOptions] : []), { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { role: 'togglefullscreen' }],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function createWindow(): void {
  const win = new BrowserWindow(windowOptions(PRELOAD, DEVTOOLS));
  mainWindow = win;
  const contents = win.webContents;
  binding.addWindow(contents);
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    binding.removeWindow(contents);
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(APP_URL);
}

app.on('web-contents-created', (_event, contents) => {
  // Nothing may take the window anywhere else, open another window, or embed a webview.
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('second-instance', (_event, argv) => {
  if (mainWindow) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  }
  void openFromArgs(argv);
});

app.whenReady().then(async () => {
  protocol.handle(SCHEME, (request) => {
    const r = rendererResponse(RENDERER_DIR, request.url, request.method);
    return new Response(r.status === 200 && request.method !== 'HEAD' ? new Uint8Array(r.body as Buffer) : typeof r.body === 'string' ? r.body : null, { status: r.status, headers: r.headers });
  });
  // No network: every request that is not the app's own protocol is cancelled.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url, DEVTOOLS) }));
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(permission === 'clipboard-sanitized-write'));
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => permission === 'clipboard-sanitized-write');
  buildMenu();
  createWindow();
  await openFromArgs(process.argv);
});

app.on('window-all-closed', () => {
  services.dispose();
  binding.dispose();
  app.quit();
});
