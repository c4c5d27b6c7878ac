// jsdom has no camera at all (navigator.mediaDevices is missing), which is exactly the "no camera" case.
import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { fail, ok, settle, testSettings } from './helpers';
import Kiosk from '../../src/renderer/screens/Kiosk.svelte';
import { watchLocked } from '../../src/renderer/lib/locked';
import { stationNameFromAddress } from '../../src/renderer/lib/station-name';
import type { PresenceApi } from '../../src/shared/contract';

const settings = testSettings();

/** The kiosk screen with an api that answers nothing but a reset (these tests never get a frame out). */
async function renderKiosk(): Promise<void> {
  const api = { kiosk: { frame: vi.fn(), reset: vi.fn(() => ok({ reset: true as const })) } };
  render(Kiosk, { props: { api: api as unknown as Pick<PresenceApi, 'kiosk'>, settings } });
  await settle();
}

describe('a kiosk screen named by its address (shown and recorded: e2e kiosk test)', () => {
  it('reads ?station= from the address, trimmed and within the length main accepts', () => {
    expect(stationNameFromAddress('?station=Back%20door')).toBe('Back door');
    expect(stationNameFromAddress('?x=1&station=+Gate+2+')).toBe('Gate 2');
    expect(stationNameFromAddress('?station=%20%20')).toBeNull();
    expect(stationNameFromAddress('')).toBeNull();
    expect(stationNameFromAddress(`?station=${'a'.repeat(100)}`)).toHaveLength(80);
  });
});

describe('Kiosk screen', () => {
  it('says clearly that there is no camera, sends no frames, and resets the run when left', async () => {
    const frame = vi.fn();
    const reset = vi.fn(() => ok({ reset: true as const }));
    const api = { kiosk: { frame, reset } } as unknown as Pick<PresenceApi, 'kiosk'>;
    const view = render(Kiosk, { props: { api, settings } });
    await settle();
    expect(screen.getByTestId('camera-error').dataset.code).toBe('NO_CAMERA');
    expect(screen.getByTestId('kiosk-state').dataset.state).toBe('camera-error');
    expect(screen.getByText('No camera found')).toBeTruthy();
    expect(frame).not.toHaveBeenCalled();
    view.unmount();
    expect(reset).toHaveBeenCalledTimes(1);
    // The screen resets its own station's run, not every screen's.
    expect(reset).toHaveBeenCalledWith({ station: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('maps a refused permission to its own message', async () => {
    const err = Object.assign(new Error('denied'), { name: 'NotAllowedError' });
    Object.defineProperty(navigator, 'mediaDevices', {
      value: {
        getUserMedia: vi.fn(() => Promise.reject(err)),
        addEventListener: vi.fn(),
        removeEventListener: vi.fn(),
      },
      configurable: true,
    });
    try {
      await renderKiosk();
      expect(screen.getByTestId('camera-error').dataset.code).toBe('CAMERA_DENIED');
      expect(screen.getByText('Camera access is blocked')).toBeTruthy();
    } finally {
      Reflect.deleteProperty(navigator, 'mediaDevices');
    }
  });
});

describe('Kiosk screen on a page the browser does not trust with a camera', () => {
  it('says why the camera is withheld and how to fix it, instead of "no camera"', async () => {
    Object.defineProperty(window, 'isSecureContext', { value: false, configurable: true });
    const getUserMedia = vi.fn();
    Object.defineProperty(navigator, 'mediaDevices', {
      value: { getUserMedia, addEventListener: vi.fn(), removeEventListener: vi.fn() },
      configurable: true,
    });
    try {
      await renderKiosk();
      expect(screen.getByTestId('camera-error').dataset.code).toBe('CAMERA_INSECURE');
      expect(screen.getByText('The browser keeps the camera from this page')).toBeTruthy();
      expect(screen.getByText(/unsafely-treat-insecure-origin-as-secure=http:\/\/localhost/)).toBeTruthy();
      expect(getUserMedia).not.toHaveBeenCalled();
    } finally {
      Reflect.deleteProperty(window, 'isSecureContext');
      Reflect.deleteProperty(navigator, 'mediaDevices');
    }
  });
});

describe('watchLocked', () => {
  it('tells the session to look again when any channel answers ADMIN_LOCKED, and passes results through', async () => {
    const onLocked = vi.fn();
    const inner = {
      people: { list: vi.fn(() => fail('ADMIN_LOCKED', 'Unlock the administrator screens first.')) },
      settings: { get: vi.fn(() => ok({ locale: 'en' })) },
    } as unknown as PresenceApi;
    const api = watchLocked(inner, onLocked);
    expect(await api.settings.get()).toEqual({ ok: true, value: { locale: 'en' } });
    expect(onLocked).not.toHaveBeenCalled();
    const r = await api.people.list();
    expect(r.ok).toBe(false);
    expect(onLocked).toHaveBeenCalledTimes(1);
  });
});

describe('the liveness challenge prompt (the screen shows it for state "challenge": e2e kiosk-liveness test)', () => {
  it('asks for the turn in words, with the arrow on that side, the step and the seconds left', async () => {
    const { default: KioskChallenge } = await import('../../src/renderer/components/KioskChallenge.svelte');
    const view = render(KioskChallenge, { props: { challenge: { turn: 'right', step: 2, steps: 2, msLeft: 4200 } } });
    const box = screen.getByTestId('kiosk-challenge');
    expect(box.dataset.turn).toBe('right');
    expect(screen.getByTestId('challenge-turn').textContent).toBe('Turn your head to your right');
    expect(box.textContent!.trim().endsWith('s')).toBe(true);
    expect(box.querySelector('.turn')!.textContent!.trim().endsWith('→')).toBe(true);
    expect(screen.getByTestId('challenge-step').textContent!.trim()).toBe('Step 2 of 2 · 5 s');
    expect(screen.queryByTestId('challenge-guidance')).toBeNull();
    await view.rerender({ challenge: { turn: 'left', step: 1, steps: 2, msLeft: 7000 }, guidance: ['multiple_faces'] });
    expect(screen.getByTestId('challenge-guidance').textContent).toBe('One person at a time');
    expect(box.querySelector('.turn')!.textContent!.trim().startsWith('←')).toBe(true);
    view.unmount();
  });
});
