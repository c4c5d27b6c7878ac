// "Group photos" in the Enroll screen, with a fake api (jsdom has no main process): photos go one per
// call, groups show largest first with their probable match, merge / split / take out edit them, a group
// is enrolled with consent, an expired set says so, and leaving the screen lets the set go.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { fail, ok, person, privacyApi, settle } from './helpers';
import Enroll from '../../src/renderer/screens/Enroll.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { GroupAddResult, GroupEnrollResult, GroupingResult } from '../../src/shared/photo-groups';
import {
  looksLikePhoto,
  mergeGroups,
  setAside,
  sheetsOf,
  splitOff,
  withoutFaces,
} from '../../src/renderer/lib/photo-groups';

const SESSION = '6f0d7a52-8c1e-4a57-9d1b-2f3c4d5e6f70';
const ada = person('Ada Lovelace');

/** Main's answer for one photo: `faces` faces numbered from `first`, or a refusal. */
function added(name: string, first: number, faces: number): GroupAddResult {
  if (faces === 0)
    return {
      photos: [{ name, ok: false, faces: [], error: { code: 'NO_FACE', message: 'No face found in this photo.' } }],
      photoCount: 0,
      faceCount: 0,
    };
  return {
    photos: [
      {
        name,
        ok: true,
        error: null,
        faces: Array.from({ length: faces }, (_, k) => ({
          id: `f${first + k}`,
          photo: name,
          thumbnail: new Uint8Array([0xff, 0xd8]),
          problem: null,
        })),
      },
    ],
    photoCount: 1,
    faceCount: faces,
  };
}

/** f0-f2 one person (probably Ada), f3-f4 another, f5 alone. */
const GROUPING: GroupingResult = {
  groups: [
    { faces: ['f0', 'f1', 'f2'], match: { personId: ada.id, name: ada.name, distance: 0.4 } },
    { faces: ['f3', 'f4'], match: null },
  ],
  unclustered: ['f5'],
  threshold: 0.9,
};

function fakeApi() {
  const answers = [added('a.jpg', 0, 2), added('b.jpg', 2, 2), added('c.jpg', 4, 2), added('blank.jpg', 0, 0)];
  const groups = {
    open: vi.fn(() => ok({ session: SESSION, idleMinutes: 15, maxPhotos: 300 })),
    addPhotos: vi.fn(() => Promise.resolve({ ok: true as const, value: answers.shift()! })),
    cluster: vi.fn(() => ok(GROUPING)),
    match: vi.fn(() => ok(null)),
    enroll: vi.fn(),
    close: vi.fn(() => ok({ closed: true })),
  };
  const api = {
    people: { list: vi.fn(() => ok([])) },
    enroll: { discard: vi.fn(() => ok({ discarded: 0 })) },
    privacy: privacyApi(),
    groups,
  };
  return { api: api as unknown as PresenceApi, groups };
}

const file = (name: string, size = 3) => ({
  name,
  size,
  type: name.endsWith('.txt') ? 'text/plain' : 'image/jpeg',
  arrayBuffer: () => Promise.resolve(new Uint8Array(3).buffer),
});

async function openGroups(api: PresenceApi) {
  const view = render(Enroll, { props: { api, ondone: vi.fn() } });
  await fireEvent.click(screen.getByTestId('enroll-mode-groups'));
  await settle();
  return view;
}

async function groupFiles(names: string[]): Promise<void> {
  const input = screen.getByTestId('groups-files') as HTMLInputElement;
  Object.defineProperty(input, 'files', { value: names.map((n) => file(n)), configurable: true });
  await fireEvent.change(input);
  await fireEvent.click(screen.getByTestId('groups-run'));
  await settle();
}

const cards = () => screen.queryAllByTestId('group-card');
const facesIn = (card: HTMLElement) =>
  within(card)
    .getAllByTestId('group-face')
    .map((f) => f.dataset.face);

beforeEach(() => {
  URL.createObjectURL = vi.fn(() => 'blob:face');
  URL.revokeObjectURL = vi.fn();
});

describe('Group photos (Enroll screen)', () => {
  it('is a tab of the Enroll screen that starts empty', async () => {
    const { api } = fakeApi();
    await openGroups(api);
    expect(screen.getByTestId('groups-step')).toBeTruthy();
    expect(screen.queryByTestId('wizard-step'), 'the wizard is out of view').toBeNull();
    expect(screen.getByTestId('groups-empty')).toBeTruthy();
    expect((screen.getByTestId('groups-run') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('enroll-mode-groups').getAttribute('aria-selected')).toBe('true');
  });

  it('is not offered by an api without it', () => {
    const { api } = fakeApi();
    const { groups: _groups, ...without } = api;
    render(Enroll, { props: { api: without, ondone: vi.fn() } });
    expect(screen.queryByTestId('enroll-mode-groups')).toBeNull();
    expect(screen.getByTestId('wizard-step').dataset.step).toBe('person');
  });

  it('sends the photos one per call, then shows the groups largest first with their probable match', async () => {
    const { api, groups } = fakeApi();
    await openGroups(api);
    await groupFiles(['a.jpg', 'b.jpg', 'c.jpg', 'blank.jpg', 'notes.txt']);
    expect(groups.open).toHaveBeenCalledTimes(1);
    expect(groups.addPhotos).toHaveBeenCalledTimes(4); // the text file is no photo: never sent
    for (const [input] of groups.addPhotos.mock.calls as unknown as [{ session: string; photos: unknown[] }][]) {
      expect(input.session).toBe(SESSION);
      expect(input.photos).toHaveLength(1);
    }
    expect(groups.cluster).toHaveBeenCalledWith({ session: SESSION });
    expect(cards().map(facesIn)).toEqual([
      ['f0', 'f1', 'f2'],
      ['f3', 'f4'],
    ]);
    const matches = screen.getAllByTestId('group-match').map((m) => m.textContent?.trim());
    expect(matches).toEqual(['Probably Ada Lovelace (already enrolled)', 'Not anyone enrolled']);
    expect(facesIn(screen.getByTestId('groups-loose'))).toEqual(['f5']);
    expect(screen.getByTestId('groups-not-photos').textContent).toContain('1 chosen file is not a photo');
    expect(screen.getByTestId('groups-refused-photo').textContent).toBe('blank.jpg: No face found in this photo.');
    expect(screen.getByTestId('groups-summary').textContent).toBe('3 photos with faces, 6 faces, 2 groups.');
  });

  it('refuses a file that is too large before sending it', async () => {
    const { api, groups } = fakeApi();
    await openGroups(api);
    const input = screen.getByTestId('groups-files') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [file('huge.jpg', 31 * 1024 * 1024)], configurable: true });
    await fireEvent.change(input);
    await fireEvent.click(screen.getByTestId('groups-run'));
    await settle();
    expect(groups.addPhotos).not.toHaveBeenCalled();
    expect(screen.getByTestId('groups-refused-photo').textContent).toContain('larger than 30 MB');
  });

  it('merges two groups, splits chosen faces off, takes a wrong face out, and asks main who each edited group is', async () => {
    const { api, groups } = fakeApi();
    await openGroups(api);
    await groupFiles(['a.jpg', 'b.jpg', 'c.jpg']);

    const second = cards()[1]!;
    await fireEvent.change(within(second).getByTestId('group-merge-into'), { target: { value: '1' } });
    await fireEvent.click(within(second).getByTestId('group-merge'));
    await settle();
    expect(cards().map(facesIn)).toEqual([['f0', 'f1', 'f2', 'f3', 'f4']]);
    expect(groups.match).toHaveBeenLastCalledWith({ session: SESSION, faceIds: ['f0', 'f1', 'f2', 'f3', 'f4'] });
    expect(screen.getByTestId('group-match').textContent?.trim()).toBe('Not anyone enrolled');

    // Faces are toggle buttons: chosen ones say so.
    const face = (id: string) => screen.getAllByTestId('group-face').find((f) => f.dataset.face === id)!;
    await fireEvent.click(face('f3'));
    await fireEvent.click(face('f4'));
    expect(face('f3').getAttribute('aria-pressed')).toBe('true');
    await fireEvent.click(within(cards()[0]!).getByTestId('group-split'));
    await settle();
    expect(cards().map(facesIn)).toEqual([
      ['f0', 'f1', 'f2'],
      ['f3', 'f4'],
    ]);

    await fireEvent.click(face('f2'));
    await fireEvent.click(within(cards()[0]!).getByTestId('group-remove'));
    await settle();
    expect(cards().map(facesIn)).toEqual([
      ['f0', 'f1'],
      ['f3', 'f4'],
    ]);
    expect(facesIn(screen.getByTestId('groups-loose'))).toEqual(['f5', 'f2']);
    expect(groups.match).toHaveBeenLastCalledWith({ session: SESSION, faceIds: ['f0', 'f1'] });
  });

  it('enrolls a named group as a new person with the consent text in force, then the group leaves', async () => {
    const { api, groups } = fakeApi();
    const grace = person('Grace Hopper');
    const result: GroupEnrollResult = {
      faces: ['f3', 'f4'].map((faceId) => ({ faceId, ok: true, error: null, duplicateOf: null })),
      person: grace,
      added: 2,
    };
    groups.enroll.mockImplementation(() => ok(result));
    await openGroups(api);
    await groupFiles(['a.jpg', 'b.jpg', 'c.jpg']);
    const card = cards()[1]!;
    await fireEvent.click(within(card).getByTestId('group-enroll'));
    await settle();
    const save = within(card).getByTestId('group-enroll-save') as HTMLButtonElement;
    await fireEvent.input(within(card).getByTestId('group-enroll-name'), { target: { value: 'Grace Hopper' } });
    expect(save.disabled, 'no enrollment before consent').toBe(true);
    await fireEvent.click(within(card).getByTestId('group-enroll-consent'));
    await fireEvent.input(within(card).getByTestId('group-enroll-consent-by'), { target: { value: 'Front desk' } });
    expect(save.disabled).toBe(false);
    await fireEvent.click(save);
    await settle();
    expect(groups.enroll).toHaveBeenCalledWith({
      newPerson: { name: 'Grace Hopper' },
      session: SESSION,
      faceIds: ['f3', 'f4'],
      consent: { given: true, by: 'Front desk', textVersion: 1 },
    });
    expect(screen.getByTestId('groups-done-item').textContent).toBe('Grace Hopper: 2 faces enrolled.');
    expect(cards().map(facesIn)).toEqual([['f0', 'f1', 'f2']]);
  });

  it('adds a group to the enrolled person it probably is, and offers to add held-back look-alikes', async () => {
    const { api, groups } = fakeApi();
    groups.enroll.mockImplementationOnce(() =>
      ok({
        faces: [
          { faceId: 'f0', ok: true, error: null, duplicateOf: null },
          { faceId: 'f1', ok: true, error: null, duplicateOf: null },
          {
            faceId: 'f2',
            ok: false,
            error: { code: 'CONFLICT', message: 'This face looks like Bob.' },
            duplicateOf: { personId: crypto.randomUUID(), name: 'Bob', distance: 0.5 },
          },
        ],
        person: ada,
        added: 2,
      }),
    );
    groups.enroll.mockImplementationOnce(() =>
      ok({ faces: [{ faceId: 'f2', ok: true, error: null, duplicateOf: null }], person: ada, added: 1 }),
    );
    await openGroups(api);
    await groupFiles(['a.jpg', 'b.jpg', 'c.jpg']);
    const card = cards()[0]!;
    await fireEvent.click(within(card).getByTestId('group-enroll'));
    await settle();
    expect((within(card).getByTestId('group-enroll-match') as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(within(card).getByTestId('group-enroll-consent'));
    await fireEvent.input(within(card).getByTestId('group-enroll-consent-by'), { target: { value: 'Front desk' } });
    await fireEvent.click(within(card).getByTestId('group-enroll-save'));
    await settle();
    expect(groups.enroll.mock.calls[0]![0]).toMatchObject({ personId: ada.id, faceIds: ['f0', 'f1', 'f2'] });
    expect(screen.getByTestId('group-enroll-held-back').textContent).toContain('looks like Bob');
    expect(cards().map(facesIn)[0]).toEqual(['f2']);
    await fireEvent.click(screen.getByTestId('group-enroll-anyway'));
    await settle();
    expect(groups.enroll.mock.calls[1]![0]).toMatchObject({
      personId: ada.id,
      faceIds: ['f2'],
      acceptDuplicates: true,
    });
    expect(screen.getAllByTestId('groups-done-item').map((d) => d.textContent)).toEqual([
      'Ada Lovelace: 2 faces enrolled.',
      'Ada Lovelace: 1 face enrolled.',
    ]);
  });

  it('warns of a namesake before creating a new person, and goes on when told to', async () => {
    const { api, groups } = fakeApi();
    const other = person('Grace Hopper', { externalId: 'E-7' });
    (api.people as unknown as { list: ReturnType<typeof vi.fn> }).list.mockImplementation(() => ok([other]));
    groups.enroll.mockImplementation(() =>
      ok({
        faces: [{ faceId: 'f3', ok: true, error: null, duplicateOf: null }],
        person: person('Grace Hopper'),
        added: 1,
      }),
    );
    await openGroups(api);
    await groupFiles(['a.jpg', 'b.jpg', 'c.jpg']);
    const card = cards()[1]!;
    await fireEvent.click(within(card).getByTestId('group-enroll'));
    await settle();
    await fireEvent.input(within(card).getByTestId('group-enroll-name'), { target: { value: 'grace  HOPPER' } });
    await fireEvent.click(within(card).getByTestId('group-enroll-consent'));
    await fireEvent.input(within(card).getByTestId('group-enroll-consent-by'), { target: { value: 'Front desk' } });
    await fireEvent.click(within(card).getByTestId('group-enroll-save'));
    await settle();
    expect(within(card).getByTestId('namesake-warning').textContent).toContain('E-7');
    expect(groups.enroll).not.toHaveBeenCalled();
    await fireEvent.click(within(card).getByTestId('namesake-continue'));
    await settle();
    expect(groups.enroll).toHaveBeenCalledTimes(1);
  });

  it('shows the refusal of a stale consent text and loads the text in force again', async () => {
    const { api, groups } = fakeApi();
    groups.enroll.mockImplementation(() =>
      fail('CONSENT_REQUIRED', 'The consent text was changed: show them the current text.', { textVersion: 2 }),
    );
    await openGroups(api);
    await groupFiles(['a.jpg', 'b.jpg', 'c.jpg']);
    const card = cards()[1]!;
    await fireEvent.click(within(card).getByTestId('group-enroll'));
    await settle();
    await fireEvent.input(within(card).getByTestId('group-enroll-name'), { target: { value: 'Grace Hopper' } });
    await fireEvent.click(within(card).getByTestId('group-enroll-consent'));
    await fireEvent.input(within(card).getByTestId('group-enroll-consent-by'), { target: { value: 'Front desk' } });
    const texts = (api.privacy.consentText as unknown as { mock: { calls: unknown[] } }).mock.calls.length;
    await fireEvent.click(within(card).getByTestId('group-enroll-save'));
    await settle();
    expect(screen.getByTestId('group-enroll-error').textContent).toContain('consent text was changed');
    expect((within(card).getByTestId('group-enroll-consent') as HTMLInputElement).checked).toBe(false);
    expect((api.privacy.consentText as unknown as { mock: { calls: unknown[] } }).mock.calls.length).toBe(texts + 1);
  });

  it('says so when main let the set go, and shows nothing of it any more', async () => {
    const { api, groups } = fakeApi();
    groups.cluster.mockImplementation(() => fail('EXPIRED', 'This set of photos is no longer open.'));
    await openGroups(api);
    await groupFiles(['a.jpg']);
    expect(screen.getByTestId('groups-expired').textContent).toContain('no longer open');
    expect(cards()).toEqual([]);
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:face');
    await fireEvent.click(screen.getByTestId('groups-start-again'));
    expect(screen.getByTestId('groups-files')).toBeTruthy();
  });

  it('lets the set go in main when the screen goes away', async () => {
    const { api, groups } = fakeApi();
    const view = await openGroups(api);
    await groupFiles(['a.jpg']);
    view.unmount();
    await settle();
    expect(groups.close).toHaveBeenCalledWith({ session: SESSION });
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:face');
  });
});

describe('editing the groups (lib/photo-groups)', () => {
  const sheets = sheetsOf(GROUPING);

  it('numbers main’s groups from 1 and keeps the loose faces', () => {
    expect(sheets.groups.map((g) => [g.key, g.faces])).toEqual([
      [1, ['f0', 'f1', 'f2']],
      [2, ['f3', 'f4']],
    ]);
    expect(sheets.loose).toEqual(['f5']);
  });

  it('merges into a group, which is asked about again', () => {
    const merged = mergeGroups(sheets, 2, 1);
    expect(merged.groups).toEqual([{ key: 2, faces: ['f3', 'f4', 'f0', 'f1', 'f2'], match: undefined }]);
    expect(mergeGroups(sheets, 1, 1)).toBe(sheets);
  });

  it('splits chosen faces into a new group after their own, from a group or from the loose faces', () => {
    const split = splitOff(sheets, 1, ['f2', 'f5']);
    expect(split.groups.map((g) => [g.key, g.faces])).toEqual([
      [1, ['f0', 'f1']],
      [3, ['f2']],
      [2, ['f3', 'f4']],
    ]);
    const fromLoose = splitOff(sheets, 'loose', ['f5']);
    expect(fromLoose.groups.at(-1)).toEqual({ key: 3, faces: ['f5'], match: undefined });
    expect(fromLoose.loose).toEqual([]);
  });

  it('sets a wrong face aside, and drops emptied groups', () => {
    const aside = setAside(sheets, 2, ['f3', 'f4']);
    expect(aside.groups.map((g) => g.key)).toEqual([1]);
    expect(aside.loose).toEqual(['f5', 'f3', 'f4']);
    expect(withoutFaces(sheets, ['f0', 'f1', 'f2', 'f5'])).toMatchObject({ groups: [{ key: 2 }], loose: [] });
  });

  it('tells photos from other files in a folder', () => {
    expect(looksLikePhoto({ name: 'a.JPG', type: '' })).toBe(true);
    expect(looksLikePhoto({ name: 'a.jpg', type: 'image/jpeg' })).toBe(true);
    expect(looksLikePhoto({ name: 'notes.txt', type: 'text/plain' })).toBe(false);
    expect(looksLikePhoto({ name: '.DS_Store', type: '' })).toBe(false);
  });
});
