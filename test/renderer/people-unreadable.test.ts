// The People screen flags a person whose stored face templates or photo cannot be read, in both languages.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/svelte';
import { ok, person, settle } from './helpers';
import People from '../../src/renderer/screens/People.svelte';
import { i18n } from '../../src/renderer/lib/i18n.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { Person } from '../../src/shared/types';

afterEach(() => i18n.setLocale('en'));

type PeopleApi = Pick<PresenceApi, 'people' | 'enroll' | 'settings' | 'privacy'>;

function api(rows: Person[]): PeopleApi {
  return {
    people: { list: vi.fn(() => ok(rows)), thumbnail: vi.fn(() => ok(null)) },
  } as unknown as PeopleApi;
}

const rows = (): Person[] => [
  person('Ada Lovelace', { templateCount: 3, unreadable: { templates: 1, thumbnail: false } }),
  person('Alan Turing', { templateCount: 4, unreadable: { templates: 2, thumbnail: true } }),
  person('Grace Hopper', { templateCount: 2 }),
];

describe('People screen: what cannot be read', () => {
  it('says how many face templates cannot be read, with the plural, and asks to re-enroll', async () => {
    render(People, { props: { api: api(rows()), onreenroll: vi.fn() } });
    await settle();
    const notes = screen.getAllByTestId('person-unreadable').map((n) => n.textContent?.trim());
    expect(notes).toEqual(['1 face template cannot be read: re-enroll', '2 face templates cannot be read: re-enroll']);
    expect(screen.getAllByTestId('person-unreadable-photo').map((n) => n.textContent?.trim())).toEqual([
      'The photo cannot be read: re-enroll to replace it',
    ]);
    const grace = screen.getAllByTestId('person-row')[2]!;
    expect(grace.querySelector('[data-testid^="person-unreadable"]')).toBeNull();
  });

  it('says it in Chinese too', async () => {
    i18n.setLocale('zh-CN');
    render(People, { props: { api: api(rows()), onreenroll: vi.fn() } });
    await settle();
    expect(screen.getAllByTestId('person-unreadable').map((n) => n.textContent?.trim())).toEqual([
      '1 个人脸模板无法读取：请重新录入',
      '2 个人脸模板无法读取：请重新录入',
    ]);
    expect(screen.getByTestId('person-unreadable-photo').textContent?.trim()).toBe('照片无法读取：请重新录入以替换');
  });
});
