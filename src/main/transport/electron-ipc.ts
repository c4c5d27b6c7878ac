// The Electron transport: one ipcMain handler per contract channel, each of which first checks that
// the call comes from our own page in the window's top frame (as VS Code's validatedIpcMain does),
// then hands it to the shared dispatcher. Written against minimal structural types so it can be tested
// without the Electron binary.
import { CHANNELS } from '../../shared/contract';
import { AppError, type Result } from '../../shared/errors';
import type { AdminSession } from '../domain/admin-session';
import type { Dispatch } from './dispatch';
import { IPC_PREFIX } from './ipc-prefix';

export interface FrameLike {
  url: string;
}

export interface IpcEventLike {
  sender: { id: number; mainFrame: FrameLike };
  senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, input: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcBindingOptions {
  /** True for the URL of our own renderer page (file:// in production, the dev server in development). */
  isTrustedUrl(url: string): boolean;
  /** The admin session of the window that sent the call. */
  sessionFor(webContentsId: number): AdminSession;
}

export function checkSender(event: IpcEventLike, isTrustedUrl: (url: string) => boolean): void {
  const frame = event.senderFrame;
  // senderFrame is null once the frame navigated away or was destroyed.
  if (!frame || frame !== event.sender.mainFrame || !isTrustedUrl(frame.url)) {
    throw new AppError('FORBIDDEN_SENDER', 'This request did not come from the Presence window and was refused.');
  }
}

/** Registers every channel; returns a function that removes them again. */
export function registerIpcHandlers(ipcMain: IpcMainLike, dispatch: Dispatch, options: IpcBindingOptions): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(IPC_PREFIX + channel, async (event, input): Promise<Result<unknown>> => {
      try {
        checkSender(event, options.isTrustedUrl);
      } catch (e) {
        return { ok: false, error: (e as AppError).toData() };
      }
      return dispatch(channel, input, { session: options.sessionFor(event.sender.id) });
    });
  }
  return () => CHANNELS.forEach((channel) => ipcMain.removeHandler(IPC_PREFIX + channel));
}

/** Our page, and only our page: the built index.html on disk, or the dev server's origin. */
export function trustedUrlMatcher(pageUrl: string): (url: string) => boolean {
  const page = new URL(pageUrl);
  if (page.protocol === 'file:') {
    return (url) => {
      try {
        const u = new URL(url);
        return u.protocol === 'file:' && u.pathname === page.pathname;
      } catch {
        return false;
      }
    };
  }
  return (url) => {
    try {
      return new URL(url).origin === page.origin;
    } catch {
      return false;
    }
  };
}
