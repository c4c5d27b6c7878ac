// Fakes for component tests. jsdom has no camera and no main process; the components take their api and
// frame source as props precisely so that these tests can drive them with plain objects.
import { afterEach, vi } from 'vitest';
import { cleanup } from '@testing-library/svelte';
import type { AppErrorData, Result } from '../../src/shared/errors';
import { DEFAULT_SETTINGS, type Settings } from '../../src/shared/settings';
import type { ConsentText, Person } from '../../src/shared/types';

afterEach(() => cleanup());

export function ok<T>(value: T): Promise<Result<T>> {
  return Promise.resolve({ ok: true, value });
}

export function fail<T = never>(
  code: AppErrorData['code'],
  message: string,
  details?: AppErrorData['details'],
): Promise<Result<T>> {
  return Promise.resolve({ ok: false, error: details ? { code, message, details } : { code, message } });
}

/** The defaults, with a recognisable station name and no beep (jsdom has no audio). */
export function testSettings(): Settings {
  return { ...DEFAULT_SETTINGS, stationName: 'Front door', kiosk: { ...DEFAULT_SETTINGS.kiosk, sound: false } };
}

export function person(name: string, extra: Partial<Person> = {}): Person {
  return {
    id: crypto.randomUUID(),
    name,
    externalId: null,
    notes: null,
    consentAt: '2026-11-01T09:00:00.000Z',
    consentBy: 'Admin',
    templateCount: 5,
    hasThumbnail: false,
    createdAt: '2026-11-01T09:00:00.000Z',
    updatedAt: '2026-11-01T09:00:00.000Z',
    ...extra,
  };
}

/** Lets pending promise callbacks and Svelte updates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

/** A consent text in force, as privacy.consentText answers (the wizard and the bulk import show it). */
export function consentText(version = 1): ConsentText {
  return {
    version,
    texts: {
      en: `Consent text version ${version}: your face is used for attendance only.`,
      'zh-CN': `同意书第 ${version} 版：您的人脸仅用于考勤。`,
    },
    createdAt: '2026-10-01T08:00:00.000Z',
  };
}

/** The privacy namespace of a fake api: only the consent text. */
export function privacyApi(version = 1) {
  return { consentText: vi.fn(() => ok(consentText(version))) };
}
