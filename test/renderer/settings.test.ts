// The Settings screen with a plain-object api (jsdom has no camera: the preview shows its camera problem).
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { ok, settle, testSettings } from './helpers';
import SettingsScreen from '../../src/renderer/screens/Settings.svelte';
import type { PresenceApi } from '../../src/shared/contract';

function renderSettings() {
  const settings = testSettings();
  const set = vi.fn((patch: object) => ok({ ...settings, ...patch }));
  const api = {
    settings: { get: vi.fn(() => ok(settings)), set },
    engine: { calibrate: vi.fn(() => new Promise(() => {})), status: vi.fn(() => new Promise(() => {})) },
    admin: { setPin: vi.fn() },
  } as unknown as Pick<PresenceApi, 'settings' | 'engine' | 'admin'>;
  const onsaved = vi.fn();
  render(SettingsScreen, { props: { api, settings, onsaved } });
  return { set, onsaved };
}

describe('Settings screen', () => {
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
});
