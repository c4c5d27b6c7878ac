// Electron entry: one sandboxed window, the app on the user-data database, the engine in a worker,
// and every contract channel on IPC. `--kiosk` opens the check-in station full screen.
import { app, BrowserWindow, dialog, ipcMain, safeStorage, session, shell, type WebContents } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PresenceApp } from './app';
import { AdminSession } from './domain/admin-session';
// Only the worker's host: TF.js itself is loaded in the worker, never on the window's event loop.
import { WorkerEngine } from './engine/worker-engine';
import { DATABASE_FILE, resolveDatabasePath } from './paths';
import {
  FileKeyProvider,
  SafeStorageKeyProvider,
  keyFilePathFor,
  sealedKeyPathFor,
  type KeyProvider,
} from './security/key-provider';
import { createDispatcher } from './transport/dispatch';
import { registerIpcHandlers, trustedUrlMatcher } from './transport/electron-ipc';
import { decidePermission } from './window-policy';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.PRESENCE_RENDERER_URL ?? pathToFileURL(path.join(here, '../renderer/index.html')).href;
const isTrusted = trustedUrlMatcher(rendererUrl);
const kiosk = process.argv.includes('--kiosk');

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

/**
 * The template key is sealed by the operating system's key store. Where there is none (a Linux kiosk
 * without a keyring), a 0600 key file beside the database is the documented fallback.
 */
function keyProviderFor(databasePath: string): KeyProvider {
  const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os';
  if (safeStorage.isEncryptionAvailable() && backend !== 'basic_text') {
    // A database first used from the command line or serve mode keeps its key file: the app seals that key.
    return new SafeStorageKeyProvider(safeStorage, sealedKeyPathFor(databasePath), keyFilePathFor(databasePath));
  }
  console.warn('presence: no OS key store available; the template key is kept in a 0600 file beside the database.');
  return new FileKeyProvider(keyFilePathFor(databasePath));
}

function lockDown(contents: WebContents): void {
  // Our page never navigates and never opens windows; links to the web go to the system browser.
  contents.on('will-navigate', (event, url) => {
    if (!isTrusted(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

async function start(): Promise<void> {
  const databasePath = resolveDatabasePath(argValue('--db'), {
    ...process.env,
    PRESENCE_DB: process.env.PRESENCE_DB ?? path.join(app.getPath('userData'), DATABASE_FILE),
  });
  const presence = new PresenceApp({
    databasePath,
    keys: keyProviderFor(databasePath),
    engine: new WorkerEngine(),
    transport: 'electron',
    version: app.getVersion(),
  });
  presence.startBackgroundWork();
  void presence.startEngine().catch((e: unknown) => console.error('presence: the face engine did not start:', e));

  session.defaultSession.setPermissionRequestHandler((contents, permission, callback, details) => {
    callback(
      decidePermission(
        permission,
        details.requestingUrl ?? contents.getURL(),
        isTrusted,
        'mediaTypes' in details ? details.mediaTypes : undefined,
      ),
    );
  });
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    decidePermission(
      permission,
      requestingOrigin,
      (url) => isTrusted(url) || url === 'file:///' || url === new URL(rendererUrl).origin,
    ),
  );

  const sessions = new Map<number, AdminSession>();
  registerIpcHandlers(
    ipcMain,
    createDispatcher(presence.handlers(), { error: (m, e) => console.error(`presence: ${m}`, e) }),
    {
      isTrustedUrl: isTrusted,
      sessionFor: (id) => {
        let s = sessions.get(id);
        if (!s) sessions.set(id, (s = new AdminSession()));
        return s;
      },
    },
  );

  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 640,
    title: 'Presence',
    kiosk,
    fullscreen: kiosk,
    autoHideMenuBar: true,
    backgroundColor: '#0f172a',
    show: false,
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  lockDown(win.webContents);
  win.once('ready-to-show', () => win.show());
  // Read now: once the window is closed its webContents is destroyed, and touching it throws.
  const contentsId = win.webContents.id;
  win.on('closed', () => sessions.delete(contentsId));
  // The kiosk screen is the app's first screen; --kiosk only makes the window full screen and locked.
  await win.loadURL(rendererUrl);

  // Close the database and stop the engine worker before the process exits, so the WAL is checkpointed.
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    presence
      .close()
      .catch((e: unknown) => console.error('presence: closing failed', e))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
}

app.on('web-contents-created', (_event, contents) => lockDown(contents));
app.on('window-all-closed', () => app.quit());
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // A start that fails (a missing or wrong template key, a damaged database) must say why on screen:
  // there is no window yet, and an unhandled rejection would leave a silent process holding the lock.
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      console.error('presence: failed to start', e);
      dialog.showErrorBox('Presence could not start', e instanceof Error ? e.message : String(e));
      app.exit(1);
    });
}
