// The Settings screen says when recognition stays on an older face model (engine.status().gallery).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { ok, settle, testSettings } from './helpers';
import SettingsScreen from '../../src/renderer/screens/Settings.svelte';
import { i18n } from '../../src/renderer/lib/i18n.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { EngineStatus, GalleryEncoderInfo } from '../../src/shared/face';

afterEach(() => i18n.setLocale('en'));

function renderWith(gallery: GalleryEncoderInfo | null) {
  // The screen reads only these; the api object is a stand-in.
  const status: Pick<EngineStatus, 'state' | 'encoderId' | 'gallery'> = {
    state: 'ready',
    encoderId: gallery?.galleryEncoder ?? null,
    gallery,
  };
  const api = {
    settings: { get: vi.fn(() => ok(testSettings())), set: vi.fn() },
    engine: { calibrate: vi.fn(() => new Promise(() => {})), status: vi.fn(() => ok(status)) },
    // SyncCard, on the page, has tests of its own: here it waits for ever.
    sync: { status: vi.fn(() => new Promise(() => {})) },
    admin: { setPin: vi.fn() },
  } as unknown as Pick<
    PresenceApi,
    'settings' | 'engine' | 'admin' | 'privacy' | 'people' | 'backup' | 'models' | 'sync'
  >;
  render(SettingsScreen, { props: { api, settings: testSettings(), onsaved: vi.fn() } });
}

describe('Settings: an older face model', () => {
  it('says how many people keep recognition on an older model, in English and Chinese', async () => {
    renderWith({
      galleryEncoder: 'dlib128-a51-flip',
      defaultEncoder: 'mfn-foamliu',
      withoutChips: 3,
      reembedded: 0,
      trainedModel: null,
      trainedModelError: null,
    });
    await settle();
    expect(screen.getByTestId('settings-older-model').textContent).toBe(
      '3 people were enrolled with an older face model and have no stored face chip: re-enroll them to move to the new model.',
    );
    i18n.setLocale('zh-CN');
    await settle();
    expect(screen.getByTestId('settings-older-model').textContent).toContain('有 3 人是用旧版人脸模型登记的');
  });

  it('says nothing when everyone is on the current model', async () => {
    renderWith({
      galleryEncoder: 'mfn-foamliu',
      defaultEncoder: 'mfn-foamliu',
      withoutChips: 0,
      reembedded: 12,
      trainedModel: null,
      trainedModelError: null,
    });
    await settle();
    expect(screen.queryByTestId('settings-older-model')).toBeNull();
  });
});
