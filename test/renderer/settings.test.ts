// The Settings screen with a plain-object api (jsdom has no camera: the preview shows its camera problem).
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { ok, settle, testSettings } from './helpers';
import SettingsScreen from '../../src/renderer/screens/Settings.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { i18n } from '../../src/renderer/lib/i18n.svelte';

function renderSettings(over: Partial<ReturnType<typeof testSettings>> = {}) {
  const settings = { ...testSettings(), ...over };
  const set = vi.fn((patch: object) => ok({ ...settings, ...patch }));
  const api = {
    settings: { get: vi.fn(() => ok(settings)), set },
    engine: { calibrate: vi.fn(() => new Promise(() => {})), status: vi.fn(() => new Promise(() => {})) },
    // SyncCard, on the page, has tests of its own: here it waits for ever.
    sync: { status: vi.fn(() => new Promise(() => {})) },
    admin: { setPin: vi.fn() },
  } as unknown as Pick<
    PresenceApi,
    'settings' | 'engine' | 'admin' | 'privacy' | 'people' | 'backup' | 'models' | 'sync'
  >;
  const onsaved = vi.fn();
  render(SettingsScreen, { props: { api, settings, onsaved } });
  return { set, onsaved };
}

describe('Settings screen', () => {
  it('keeps the default station name in the chosen language, and a typed name as it is', async () => {
    // The shipped default (shared/settings.ts) is the English default of the locale files.
    expect(DEFAULT_SETTINGS.stationName).toBe(i18n.in('en', 'settings.defaultStationName'));
    const { set } = renderSettings({ stationName: DEFAULT_SETTINGS.stationName });
    await settle();
    const station = screen.getByTestId('settings-station') as HTMLInputElement;
    const language = screen.getByTestId('settings-locale') as HTMLSelectElement;
    await fireEvent.change(language, { target: { value: 'zh-CN' } });
    expect(station.value).toBe('签到机 1');
    await fireEvent.submit(station.form!);
    await settle();
    expect(set).toHaveBeenCalledWith(expect.objectContaining({ locale: 'zh-CN', stationName: '签到机 1' }));
    i18n.setLocale('en');

    await fireEvent.input(station, { target: { value: 'Back door' } });
    await fireEvent.change(language, { target: { value: 'en' } });
    expect(station.value).toBe('Back door');
  });

  it('does not save an emptied cooldown as 0 minutes: it asks for a number', async () => {
    const { set, onsaved } = renderSettings();
    await settle();
    const cooldown = screen.getByTestId('settings-cooldown') as HTMLInputElement;
    await fireEvent.input(cooldown, { target: { value: '' } });
    await fireEvent.submit(cooldown.form!);
    await settle();
    expect(set).not.toHaveBeenCalled();
    expect(onsaved).not.toHaveBeenCalled();
    expect(screen.getByText('Enter a number here.')).toBeTruthy();

    await fireEvent.input(cooldown, { target: { value: '5' } });
    await fireEvent.submit(cooldown.form!);
    await settle();
    expect(set).toHaveBeenCalledWith(expect.objectContaining({ cooldownMinutes: 5, stationName: 'Front door' }));
    expect(onsaved).toHaveBeenCalled();
  });

  it('saves the shift rules: explicit mode, the day boundary and the automatic check-out (off by default)', async () => {
    const { set } = renderSettings();
    await settle();
    expect(screen.getByTestId('settings-min-in-out')).toBeTruthy(); // alternate mode has the minimum
    expect(screen.queryByTestId('settings-auto-out')).toBeNull();
    await fireEvent.click(screen.getByTestId('settings-mode-explicit'));
    expect(screen.queryByTestId('settings-min-in-out')).toBeNull();
    await fireEvent.input(screen.getByTestId('settings-day-starts'), { target: { value: '04:00' } });
    await fireEvent.click(screen.getByTestId('settings-auto-out-on'));
    await fireEvent.input(screen.getByTestId('settings-auto-out'), { target: { value: '02:30' } });
    await fireEvent.submit((screen.getByTestId('settings-day-starts') as HTMLInputElement).form!);
    await settle();
    expect(set).toHaveBeenCalledWith(
      expect.objectContaining({
        attendanceMode: 'explicit',
        minInOutMinutes: 30,
        dayStartsAt: '04:00',
        autoCheckOut: '02:30',
      }),
    );
  });

  it('changes the PIN once however often the button is tapped while the change is under way', async () => {
    const settings = testSettings();
    let finish: (v: unknown) => void = () => {};
    const setPin = vi.fn(() => new Promise((resolve) => (finish = resolve)));
    const api = {
      settings: { get: vi.fn(() => ok(settings)), set: vi.fn() },
      engine: { calibrate: vi.fn(() => new Promise(() => {})), status: vi.fn(() => new Promise(() => {})) },
      // SyncCard, on the page, has tests of its own: here it waits for ever.
      sync: { status: vi.fn(() => new Promise(() => {})) },
      admin: { setPin },
    } as unknown as Pick<
      PresenceApi,
      'settings' | 'engine' | 'admin' | 'privacy' | 'people' | 'backup' | 'models' | 'sync'
    >;
    render(SettingsScreen, { props: { api, settings, onsaved: vi.fn() } });
    await settle();
    await fireEvent.input(screen.getByTestId('settings-pin-current'), { target: { value: '2468' } });
    await fireEvent.input(screen.getByTestId('settings-pin-new'), { target: { value: '1357' } });
    await fireEvent.input(screen.getByTestId('settings-pin-repeat'), { target: { value: '1357' } });
    const form = (screen.getByTestId('settings-pin-save') as HTMLButtonElement).form!;
    await fireEvent.submit(form);
    await fireEvent.submit(form); // a double tap: the old PIN would be sent again and be wrong
    expect(setPin).toHaveBeenCalledTimes(1);
    finish({ ok: true, value: { hasPin: true, unlocked: true, retryAfterMs: 0, idleTimeoutMs: 0 } });
    await settle();
    expect(screen.queryByText(/not changed/)).toBeNull();
  });
});
