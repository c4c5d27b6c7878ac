// The app frame with the Electron bridge faked: lib/api.ts calls window.presence when the preload set it,
// so a plain object there stands in for main (there is no Electron binary or main process in jsdom).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { ok, fail, person, settle, testSettings } from './helpers';
import type { AdminStatus, AppInfo } from '../../src/shared/types';
import type { PresenceApi } from '../../src/shared/contract';
import App from '../../src/renderer/App.svelte';

const settings = testSettings();

function fakeMain(hasPin: boolean, auditLog: AppInfo['auditLog'] = undefined) {
  let status: AdminStatus = { hasPin, unlocked: false, retryAfterMs: 0, idleTimeoutMs: 300_000 };
  const api = {
    app: { info: vi.fn(() => ok({ name: 'Presence', auditLog })) },
    settings: { get: vi.fn(() => ok(settings)) },
    admin: {
      status: vi.fn(() => ok(status)),
      setPin: vi.fn(() => ok((status = { ...status, hasPin: true, unlocked: true }))),
      unlock: vi.fn(({ pin }: { pin: string }) =>
        pin === '2468' ? ok((status = { ...status, unlocked: true })) : fail('PIN_WRONG', 'That PIN is not right.'),
      ),
      lock: vi.fn(() => ok((status = { ...status, unlocked: false }))),
    },
    people: {
      list: vi.fn(() => (status.unlocked ? ok([person('Ada Lovelace')]) : fail('ADMIN_LOCKED', 'Locked.'))),
      thumbnail: vi.fn(() => ok(null)),
    },
    kiosk: { frame: vi.fn(), reset: vi.fn(() => ok({ reset: true })) },
  };
  return { api, lockFromMain: () => (status = { ...status, unlocked: false }) };
}

async function startApp(hasPin: boolean, auditLog?: AppInfo['auditLog']) {
  const main = fakeMain(hasPin, auditLog);
  window.presence = main.api as unknown as PresenceApi;
  render(App);
  await settle();
  return main;
}

async function typePin(digits: string, testid = 'pin'): Promise<void> {
  for (const d of digits) await fireEvent.click(screen.getByTestId(`${testid}-key-${d}`));
  await fireEvent.click(screen.getByTestId(`${testid}-ok`));
  await settle();
}

beforeEach(() => {
  delete window.presence;
});

describe('App frame', () => {
  it('says loudly on the admin screens, once unlocked, that the audit log was altered', async () => {
    await startApp(true, {
      ok: false,
      entries: 9,
      head: 'a'.repeat(64),
      brokenAt: { seq: 7, at: '2026-11-30T08:00:00Z' },
    });
    expect(screen.queryByTestId('audit-broken')).toBeNull(); // not on the public kiosk
    await fireEvent.click(screen.getByTestId('nav-admin'));
    await typePin('2468');
    expect(screen.getByTestId('audit-broken').textContent).toMatch(/altered outside Presence.*entry #7/);
  });

  it('shows no such banner when the chain holds', async () => {
    await startApp(true, { ok: true, entries: 9, head: 'a'.repeat(64), brokenAt: null });
    await fireEvent.click(screen.getByTestId('nav-admin'));
    await typePin('2468');
    expect(screen.getByTestId('screen-people')).toBeTruthy();
    expect(screen.queryByTestId('audit-broken')).toBeNull();
  });

  it('opens on the kiosk, and the admin screens ask for a PIN to be set on first run', async () => {
    const { api } = await startApp(false);
    expect(screen.getByTestId('app').dataset.screen).toBe('kiosk');
    expect(screen.getByTestId('screen-kiosk')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('nav-admin'));
    expect(screen.getByTestId('setpin-dialog')).toBeTruthy();
    expect(screen.queryByTestId('screen-people')).toBeNull();
    await typePin('2468', 'pin-new');
    await typePin('2468', 'pin-repeat');
    expect(api.admin.setPin).toHaveBeenCalledWith({ newPin: '2468' });
    expect(screen.getByTestId('screen-people')).toBeTruthy();
  });

  it('unlocks with the PIN, and locks again on the way back to the public kiosk', async () => {
    const { api } = await startApp(true);
    await fireEvent.click(screen.getByTestId('nav-admin'));
    expect(screen.getByTestId('unlock-dialog')).toBeTruthy();
    await typePin('2468');
    expect(screen.getAllByTestId('person-row')).toHaveLength(1);
    await fireEvent.click(screen.getByTestId('nav-kiosk'));
    await settle();
    expect(api.admin.lock).toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('nav-admin'));
    expect(screen.getByTestId('unlock-dialog')).toBeTruthy();
  });

  it('locks and returns to the kiosk after the idle timeout without a touch or a key', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    try {
      const { api } = await startApp(true);
      await fireEvent.click(screen.getByTestId('nav-admin'));
      await typePin('2468');
      expect(screen.getByTestId('screen-people')).toBeTruthy();
      await vi.advanceTimersByTimeAsync(200_000);
      await fireEvent.keyDown(window, { key: 'a' }); // activity resets the clock
      await vi.advanceTimersByTimeAsync(200_000);
      expect(screen.getByTestId('screen-people')).toBeTruthy();
      await vi.advanceTimersByTimeAsync(120_000);
      expect(screen.getByTestId('app').dataset.screen).toBe('kiosk');
      expect(api.admin.lock).toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });

  it('re-locks the screen when main answers ADMIN_LOCKED (the session ended there)', async () => {
    const main = await startApp(true);
    await fireEvent.click(screen.getByTestId('nav-admin'));
    await typePin('2468');
    expect(screen.getByTestId('screen-people')).toBeTruthy();
    main.lockFromMain();
    await fireEvent.input(screen.getByTestId('people-search'), { target: { value: 'a' } });
    await new Promise((r) => setTimeout(r, 300));
    await settle();
    expect(screen.getByTestId('unlock-dialog')).toBeTruthy();
    // The screen is hidden and inert, not destroyed: what the administrator was doing survives the PIN.
    const hidden = screen.getByTestId('admin-screen');
    expect(hidden.hidden).toBe(true);
    expect(hidden.inert || hidden.hasAttribute('inert')).toBe(true); // jsdom keeps it as a property
    const listed = main.api.people.list.mock.calls.length;
    await typePin('2468');
    expect(screen.queryByTestId('unlock-dialog')).toBeNull();
    expect(screen.getByTestId('admin-screen').hidden).toBe(false);
    expect((screen.getByTestId('people-search') as HTMLInputElement).value).toBe('a');
    // What was refused while locked is asked again: the list is current, not the "Locked." error.
    await new Promise((r) => setTimeout(r, 300));
    await settle();
    expect(main.api.people.list.mock.calls.length).toBeGreaterThan(listed);
    expect(screen.queryByText('Locked.')).toBeNull();
  });

  it('keeps a half-typed person form through a lock: Escape at the PIN dialog does not reach it', async () => {
    const main = await startApp(true);
    await fireEvent.click(screen.getByTestId('nav-admin'));
    await typePin('2468');
    await fireEvent.click(screen.getByTestId('person-add'));
    await fireEvent.input(screen.getByTestId('person-name-input'), { target: { value: 'Grace Hop' } });
    main.lockFromMain();
    await fireEvent.input(screen.getByTestId('people-search'), { target: { value: 'g' } });
    await new Promise((r) => setTimeout(r, 300));
    await settle();
    expect(screen.getByTestId('unlock-dialog')).toBeTruthy();
    await fireEvent.keyDown(window, { key: 'Escape' });
    await typePin('2468');
    expect((screen.getByTestId('person-name-input') as HTMLInputElement).value).toBe('Grace Hop');
  });

  it('goes back to the kiosk after the idle timeout also when main locked first', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    try {
      const main = await startApp(true);
      await fireEvent.click(screen.getByTestId('nav-admin'));
      await typePin('2468');
      main.lockFromMain();
      await fireEvent.input(screen.getByTestId('people-search'), { target: { value: 'a' } });
      await new Promise((r) => setTimeout(r, 300)); // the search's debounce: refused, so the app locks
      await settle();
      expect(screen.getByTestId('unlock-dialog')).toBeTruthy();
      await vi.advanceTimersByTimeAsync(310_000); // nobody comes back to enter the PIN
      expect(screen.getByTestId('app').dataset.screen).toBe('kiosk');
      expect(screen.queryByTestId('admin-screen')).toBeNull(); // nothing behind the PIN stays mounted
    } finally {
      vi.useRealTimers();
    }
  });
});
