// The Electron IPC binding, driven with faked IpcMain events: the Electron binary cannot run on this
// machine (its download is blocked), so ipcMain and the sender's frames are stand-ins with the same
// shape. Everything behind them is real: the dispatcher, the services and a SQLite file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminSession } from '../../src/main/domain/admin-session';
import { createDispatcher } from '../../src/main/transport/dispatch';
import { IPC_PREFIX } from '../../src/main/transport/ipc-prefix';
import {
  registerIpcHandlers,
  trustedUrlMatcher,
  type IpcEventLike,
  type IpcMainLike,
} from '../../src/main/transport/electron-ipc';
import { decidePermission } from '../../src/main/window-policy';
import { CHANNELS } from '../../src/shared/contract';
import type { Result } from '../../src/shared/errors';
import { tempApp, type TempApp } from '../helpers/temp-app';

const PAGE = 'file:///opt/Presence/resources/app.asar/dist/renderer/index.html';

class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (event: IpcEventLike, input: unknown) => Promise<unknown>>();
  handle(channel: string, listener: (event: IpcEventLike, input: unknown) => Promise<unknown>) {
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  invoke(channel: string, input: unknown, event: IpcEventLike = ownPage()) {
    const h = this.handlers.get(IPC_PREFIX + channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h(event, input) as Promise<Result<unknown>>;
  }
}

function ownPage(url = PAGE): IpcEventLike {
  const mainFrame = { url };
  return { sender: { id: 1, mainFrame }, senderFrame: mainFrame };
}

let t: TempApp;
let ipc: FakeIpcMain;
let unregister: () => void;
const errors: string[] = [];

beforeEach(() => {
  t = tempApp({ transport: 'electron' });
  ipc = new FakeIpcMain();
  const session = new AdminSession();
  unregister = registerIpcHandlers(ipc, createDispatcher(t.app.handlers(), { error: (m) => errors.push(m) }), {
    isTrustedUrl: trustedUrlMatcher(PAGE),
    sessionFor: () => session,
  });
});

afterEach(async () => {
  unregister();
  await t.cleanup();
});

async function unlock() {
  expect(await ipc.invoke('admin.setPin', { newPin: '2468' })).toMatchObject({
    ok: true,
    value: { hasPin: true, unlocked: true },
  });
}

describe('Electron IPC binding', () => {
  it('registers one handler per contract channel and removes them again', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(CHANNELS.map((c) => IPC_PREFIX + c).sort());
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });

  it('answers our own page, with the data paths only for an unlocked session', async () => {
    const r = await ipc.invoke('app.info', undefined);
    expect(r).toMatchObject({ ok: true, value: { name: 'Presence', transport: 'electron', databasePath: '' } });
    await unlock();
    const unlocked = await ipc.invoke('app.info', undefined);
    expect(unlocked).toMatchObject({ ok: true, value: { databasePath: expect.stringMatching(/presence\.db$/) } });
  });

  it('refuses a call from another page', async () => {
    const r = await ipc.invoke('app.info', undefined, ownPage('https://evil.example/index.html'));
    expect(r).toEqual({ ok: false, error: { code: 'FORBIDDEN_SENDER', message: expect.any(String) } });
  });

  it('refuses a call from a sub-frame of our page', async () => {
    const event = ownPage();
    const r = await ipc.invoke('app.info', undefined, { ...event, senderFrame: { url: PAGE } });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
  });

  it('refuses a call from a frame that is gone', async () => {
    const r = await ipc.invoke('app.info', undefined, { ...ownPage(), senderFrame: null });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
  });

  it('refuses data-changing channels while the admin session is locked, and changes nothing', async () => {
    const r = await ipc.invoke('people.create', { name: 'Grace Hopper' });
    expect(r).toMatchObject({ ok: false, error: { code: 'ADMIN_LOCKED' } });
    expect(t.app.store.people.list()).toHaveLength(0);
  });

  it('refuses bad input with a typed error and changes nothing', async () => {
    await unlock();
    const before = t.app.store.audit.list().length;
    for (const bad of [{ name: '' }, { name: 7 }, { name: 'x', id: 'y' }, 'Grace', null]) {
      const r = await ipc.invoke('people.create', bad);
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/\.$/) } });
    }
    expect(t.app.store.people.list()).toHaveLength(0);
    expect(t.app.store.audit.list().length).toBe(before);
  });

  it('refuses an unknown channel', async () => {
    const dispatch = createDispatcher(t.app.handlers(), { error: () => {} });
    const r = await dispatch('people.drop', {}, { session: new AdminSession() });
    expect(r).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
  });

  it('runs the admin flow: first PIN, lock, wrong PIN, unlock, create, update, erase', async () => {
    expect(await ipc.invoke('admin.status', undefined)).toMatchObject({
      ok: true,
      value: { hasPin: false, unlocked: false },
    });
    await unlock();
    expect(await ipc.invoke('admin.lock', undefined)).toMatchObject({ ok: true, value: { unlocked: false } });
    expect(await ipc.invoke('admin.unlock', { pin: '1111' })).toMatchObject({
      ok: false,
      error: { code: 'PIN_WRONG' },
    });
    expect(await ipc.invoke('admin.unlock', { pin: '2468' })).toMatchObject({ ok: true, value: { unlocked: true } });
    // A second first-run PIN is not possible once one is set.
    expect(await ipc.invoke('admin.setPin', { newPin: '9999' })).toMatchObject({
      ok: false,
      error: { code: 'PIN_ALREADY_SET' },
    });

    const created = (await ipc.invoke('people.create', { name: 'Grace Hopper', externalId: 'N-1906' })) as Result<{
      id: string;
    }>;
    expect(created.ok).toBe(true);
    const id = created.ok ? created.value.id : '';
    expect(await ipc.invoke('people.update', { id, notes: 'Rear admiral' })).toMatchObject({
      ok: true,
      value: { notes: 'Rear admiral' },
    });
    expect(await ipc.invoke('people.list', undefined)).toMatchObject({
      ok: true,
      value: [{ id, name: 'Grace Hopper', templateCount: 0 }],
    });
    expect(await ipc.invoke('people.erase', { id, confirmName: 'Grace Hopper' })).toMatchObject({
      ok: true,
      value: { id, erased: true },
    });
    expect(await ipc.invoke('people.get', { id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const actions = t.app.store.audit.list().map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'admin.pin_set',
        'admin.unlock_failed',
        'admin.unlock',
        'person.create',
        'person.update',
        'person.erase',
      ]),
    );
  });

  it('locks out after repeated wrong PINs and says how long to wait', async () => {
    await unlock();
    await ipc.invoke('admin.lock', undefined);
    let last: Result<unknown> | undefined;
    for (let i = 0; i < 5; i++) last = await ipc.invoke('admin.unlock', { pin: '0000' });
    expect(last).toMatchObject({
      ok: false,
      error: { code: 'PIN_LOCKED_OUT', details: { retryAfterMs: expect.any(Number) } },
    });
    // Even the right PIN is refused during the lock-out.
    expect(await ipc.invoke('admin.unlock', { pin: '2468' })).toMatchObject({
      ok: false,
      error: { code: 'PIN_LOCKED_OUT' },
    });
  });

  it('counts guesses sent all at once one by one, so a burst cannot get past the lock-out', async () => {
    const fresh = tempApp();
    try {
      const admin = new AdminSession();
      await fresh.app.admin.setPin(admin, { newPin: '2468' });
      const guesses = [...Array.from({ length: 12 }, (_, i) => String(1000 + i)), '2468'];
      const answers = await Promise.allSettled(guesses.map((pin) => fresh.app.admin.unlock(new AdminSession(), pin)));
      const last = answers.at(-1)!;
      expect(last.status, 'the right PIN, sent after 12 wrong ones, must find the lock-out').toBe('rejected');
      expect(last.status === 'rejected' && last.reason).toMatchObject({ code: 'PIN_LOCKED_OUT' });
      expect(fresh.app.store.adminAuth.get().failedAttempts).toBeGreaterThanOrEqual(5);
    } finally {
      await fresh.cleanup();
    }
  });

  it('saves validated settings and refuses invalid ones', async () => {
    await unlock();
    expect(await ipc.invoke('settings.set', { cooldownMinutes: 10, kiosk: { sound: false } })).toMatchObject({
      ok: true,
      value: { cooldownMinutes: 10, kiosk: { sound: false, mirror: true } },
    });
    expect(await ipc.invoke('settings.set', { cooldownMinutes: -1 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await ipc.invoke('settings.get', undefined)).toMatchObject({ ok: true, value: { cooldownMinutes: 10 } });
  });
});

describe('window policy', () => {
  const trusted = trustedUrlMatcher(PAGE);

  it('trusts only our own page', () => {
    expect(trusted(PAGE)).toBe(true);
    expect(trusted(`${PAGE}#/kiosk`)).toBe(true);
    expect(trusted('file:///tmp/other.html')).toBe(false);
    expect(trusted('https://example.com/')).toBe(false);
    expect(trustedUrlMatcher('http://localhost:5173/')('http://localhost:5173/#/people')).toBe(true);
    expect(trustedUrlMatcher('http://localhost:5173/')('http://localhost:5174/')).toBe(false);
  });

  it('grants the camera to our page only, and nothing else', () => {
    expect(decidePermission('media', PAGE, trusted, ['video'])).toBe(true);
    expect(decidePermission('media', PAGE, trusted, ['video', 'audio'])).toBe(false);
    expect(decidePermission('media', 'https://evil.example/', trusted, ['video'])).toBe(false);
    expect(decidePermission('geolocation', PAGE, trusted)).toBe(false);
    expect(decidePermission('notifications', PAGE, trusted)).toBe(false);
  });
});
