// The wizard as a whole, with a fake api and a fake frame source (jsdom has no camera).
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { fail, ok, person, privacyApi, settle } from './helpers';
import Enroll from '../../src/renderer/screens/Enroll.svelte';
import StepReview from '../../src/renderer/components/enroll/StepReview.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import { MAX_PHOTOS_PER_SESSION } from '../../src/shared/limits';

/** The wizard describing a new person (step one done), waiting at consent. */
async function startWizardFor(
  name: string,
  api: Pick<PresenceApi, 'people' | 'enroll'> & Partial<Pick<PresenceApi, 'privacy'>>,
): Promise<void> {
  const privacy = api.privacy ?? (privacyApi() as unknown as PresenceApi['privacy']);
  render(Enroll, { props: { api: { ...api, privacy }, ondone: vi.fn() } });
  await fireEvent.input(screen.getByTestId('enroll-name'), { target: { value: name } });
  await fireEvent.click(screen.getByTestId('enroll-person-next'));
  await settle();
}

/** Records consent and goes on to the photo import. */
async function consentToImport(): Promise<void> {
  await fireEvent.click(screen.getByTestId('consent-checkbox'));
  await fireEvent.input(screen.getByTestId('consent-by'), { target: { value: 'Front desk' } });
  await fireEvent.click(screen.getByTestId('consent-import'));
  await settle();
}

/** The wizard for a new person "Grace Hopper", at the photo import, with this importPhotos. */
async function openImportStep(importPhotos: (...args: never[]) => unknown): Promise<void> {
  const api = {
    people: { list: vi.fn(() => ok([])) },
    enroll: { importPhotos, discard: vi.fn(() => ok({ discarded: 0 })) },
  } as unknown as Pick<PresenceApi, 'people' | 'enroll'>;
  await startWizardFor('Grace Hopper', api);
  await consentToImport();
}

describe('Enroll screen', () => {
  it('starts at consent for a person chosen on the People screen', async () => {
    const ada = person('Ada Lovelace');
    const api = {
      people: { get: vi.fn(() => ok(ada)), list: vi.fn(() => ok([ada])) },
      enroll: { discard: vi.fn(() => ok({ discarded: 0 })) },
      privacy: privacyApi(),
    } as unknown as Pick<PresenceApi, 'people' | 'enroll' | 'privacy'>;
    render(Enroll, { props: { api, personId: ada.id, ondone: vi.fn() } });
    await settle();
    expect(screen.getByTestId('wizard-step').dataset.step).toBe('consent');
    expect(screen.getByText(/Ada Lovelace has been shown this text and gives consent/)).toBeTruthy();
  });

  it('describes a new person in step one without creating them, and moves on to consent', async () => {
    const create = vi.fn(() => ok(person('Grace Hopper')));
    const api = { people: { create, list: vi.fn(() => ok([])) }, enroll: {}, privacy: privacyApi() } as unknown as Pick<
      PresenceApi,
      'people' | 'enroll' | 'privacy'
    >;
    render(Enroll, { props: { api, ondone: vi.fn() } });
    expect(screen.getByTestId('wizard-step').dataset.step).toBe('person');
    await fireEvent.input(screen.getByTestId('enroll-name'), { target: { value: ' Grace Hopper ' } });
    await fireEvent.click(screen.getByTestId('enroll-person-next'));
    await settle();
    expect(create).not.toHaveBeenCalled(); // created by main with the first saved template
    expect(screen.getByTestId('wizard-step').dataset.step).toBe('consent');
    expect(screen.getByText(/Grace Hopper has been shown this text and gives consent/)).toBeTruthy();
  });

  it('stops at step one when the external ID already belongs to someone', async () => {
    const ada = person('Ada Lovelace', { externalId: 'E-17' });
    const list = vi.fn(() => ok([ada]));
    const api = { people: { list }, enroll: {}, privacy: privacyApi() } as unknown as Pick<
      PresenceApi,
      'people' | 'enroll' | 'privacy'
    >;
    render(Enroll, { props: { api, ondone: vi.fn() } });
    await fireEvent.input(screen.getByTestId('enroll-name'), { target: { value: 'Grace Hopper' } });
    await fireEvent.input(screen.getByTestId('enroll-external-id'), { target: { value: 'E-17' } });
    await fireEvent.click(screen.getByTestId('enroll-person-next'));
    await settle();
    expect(list).toHaveBeenCalledWith({ query: 'E-17' });
    expect(screen.getByTestId('enroll-external-id-taken').textContent).toContain('Ada Lovelace');
    expect(screen.getByTestId('wizard-step').dataset.step).toBe('person');
  });

  it('review commits the kept shots with the recorded consent', async () => {
    const ada = person('Ada Lovelace');
    const commit = vi.fn(() => ok({ person: ada, added: 2 }));
    const onsaved = vi.fn();
    const api = { enroll: { commit } } as unknown as Pick<PresenceApi, 'enroll'>;
    const shots = [
      { pose: 'front' as const, shotId: 'aaaaaaaa-0000-4000-8000-000000000001', snapshot: null },
      { pose: 'left' as const, shotId: 'aaaaaaaa-0000-4000-8000-000000000002', snapshot: null },
    ];
    render(StepReview, {
      props: {
        api,
        person: ada,
        consent: { given: true, by: 'Front desk', textVersion: 1 },
        shots,
        onback: vi.fn(),
        onsaved,
      },
    });
    // Two shots: saved if the administrator goes on, with a warning that recognition will be weaker.
    expect(screen.getByTestId('review-count').textContent).toBe('2 good shots will be saved.');
    expect(screen.getByTestId('review-few-shots').textContent).toMatch(/less reliable/);
    await fireEvent.click(screen.getByTestId('enroll-save'));
    await settle();
    expect(commit).toHaveBeenCalledWith({
      personId: ada.id,
      shotIds: shots.map((s) => s.shotId),
      consent: { given: true, by: 'Front desk', textVersion: 1 },
    });
    expect(onsaved).toHaveBeenCalledWith({ person: ada, added: 2 });
  });

  it('re-enrollment asks whether to replace or add, adds by default, and replaces only when chosen', async () => {
    const ada = person('Ada Lovelace', { templateCount: 4 });
    const commit = vi.fn(() => ok({ person: ada, added: 1, replaced: 4 }));
    const api = { enroll: { commit } } as unknown as Pick<PresenceApi, 'enroll'>;
    const shots = [{ pose: 'front' as const, shotId: 'aaaaaaaa-0000-4000-8000-000000000009', snapshot: null }];
    render(StepReview, {
      props: {
        api,
        person: { id: ada.id, name: ada.name, externalId: null, savedTemplates: 4 },
        consent: { given: true, by: 'Front desk', textVersion: 1 },
        shots,
        onback: vi.fn(),
        onsaved: vi.fn(),
      },
    });
    expect(screen.getByTestId('review-replace').textContent).toContain('They already have 4 saved templates.');
    expect((screen.getByTestId('review-add') as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(screen.getByTestId('review-replace-all'));
    await fireEvent.click(screen.getByTestId('enroll-save'));
    await settle();
    expect(commit).toHaveBeenCalledWith(expect.objectContaining({ personId: ada.id, replace: true }));
  });

  it('review saves a new person together with their shots', async () => {
    const grace = person('Grace Hopper', { externalId: 'N-1' });
    const commit = vi.fn(() => ok({ person: grace, added: 1 }));
    const api = { enroll: { commit } } as unknown as Pick<PresenceApi, 'enroll'>;
    const shots = [{ pose: 'front' as const, shotId: 'aaaaaaaa-0000-4000-8000-000000000003', snapshot: null }];
    render(StepReview, {
      props: {
        api,
        person: { id: null, name: 'Grace Hopper', externalId: 'N-1' },
        consent: { given: true, by: 'Front desk', textVersion: 1 },
        shots,
        onback: vi.fn(),
        onsaved: vi.fn(),
      },
    });
    await fireEvent.click(screen.getByTestId('enroll-save'));
    await settle();
    expect(commit).toHaveBeenCalledWith({
      newPerson: { name: 'Grace Hopper', externalId: 'N-1' },
      shotIds: [shots[0]!.shotId],
      consent: { given: true, by: 'Front desk', textVersion: 1 },
    });
  });

  it('review lets a taken ID number be changed and saved again, keeping the shots', async () => {
    const grace = person('Grace Hopper', { externalId: 'N-2' });
    const commit = vi
      .fn()
      .mockReturnValueOnce(fail('CONFLICT', 'Ada Lovelace already has the ID number "N-1".', { field: 'externalId' }))
      .mockReturnValueOnce(ok({ person: grace, added: 1 }));
    const onsaved = vi.fn();
    const onchanged = vi.fn();
    const api = { enroll: { commit } } as unknown as Pick<PresenceApi, 'enroll'>;
    const shots = [{ pose: 'front' as const, shotId: 'aaaaaaaa-0000-4000-8000-000000000004', snapshot: null }];
    const consent = { given: true as const, by: 'Front desk', textVersion: 1 };
    render(StepReview, {
      props: {
        api,
        person: { id: null, name: 'Grace Hopper', externalId: 'N-1' },
        consent,
        shots,
        onback: vi.fn(),
        onsaved,
        onchanged,
      },
    });
    expect(screen.queryByTestId('review-external-id')).toBeNull();
    await fireEvent.click(screen.getByTestId('enroll-save'));
    await settle();
    expect(onsaved).not.toHaveBeenCalled();
    expect(onchanged).not.toHaveBeenCalled(); // nothing was changed yet
    expect(screen.getByText(/Ada Lovelace already has the ID number/)).toBeTruthy();
    const field = screen.getByTestId('review-external-id') as HTMLInputElement;
    expect(field.value).toBe('N-1');
    await fireEvent.input(field, { target: { value: ' N-2 ' } });
    await fireEvent.click(screen.getByTestId('enroll-save'));
    await settle();
    expect(commit).toHaveBeenLastCalledWith({
      newPerson: { name: 'Grace Hopper', externalId: 'N-2' },
      shotIds: [shots[0]!.shotId],
      consent,
    });
    expect(onchanged).toHaveBeenLastCalledWith({ id: null, name: 'Grace Hopper', externalId: 'N-2' });
    expect(onsaved).toHaveBeenCalledWith({ person: grace, added: 1 });
  });

  it('photo import creates a new person once: the wizard enrolls into them from then on, even after Back', async () => {
    const grace = person('Grace Hopper');
    const importPhotos = vi.fn(() =>
      ok({
        results: [{ name: 'g.jpg', ok: true, alreadyEnrolled: false, error: null, duplicateOf: null }],
        person: grace,
      }),
    );
    const api = {
      people: { list: vi.fn(() => ok([])) },
      enroll: { importPhotos, discard: vi.fn(() => ok({ discarded: 0 })) },
    } as unknown as Pick<PresenceApi, 'people' | 'enroll'>;
    await startWizardFor('Grace Hopper', api);
    const upload = async (name: string) => {
      const input = screen.getByTestId('import-files') as HTMLInputElement;
      // jsdom's File has no arrayBuffer(); the step reads nothing else from it.
      const file = { name, size: 3, arrayBuffer: () => Promise.resolve(new Uint8Array([1, 2, 3]).buffer) };
      Object.defineProperty(input, 'files', { value: [file], configurable: true });
      await fireEvent.change(input);
      await fireEvent.click(screen.getByTestId('import-upload'));
      await settle();
    };
    await consentToImport();
    await upload('g.jpg');
    await fireEvent.click(screen.getByText('Back'));
    await settle();
    await consentToImport();
    await upload('g2.jpg');
    const targets = importPhotos.mock.calls.map((c) => {
      const { photos: _photos, consent: _consent, ...target } = (c as unknown as [Record<string, unknown>])[0];
      return target;
    });
    expect(targets).toEqual([{ newPerson: { name: 'Grace Hopper', externalId: null } }, { personId: grace.id }]);
  });

  it('sends each photo on its own with progress, refuses a file too large unsent, and lists every file', async () => {
    const grace = person('Grace Hopper');
    const MB = 1024 * 1024;
    let release: (() => void) | null = null;
    const importPhotos = vi.fn(async (input: { photos: { name: string }[] }) => {
      // The second photo takes a while: the screen must say where it is meanwhile.
      if (input.photos[0]!.name === 'blurred.jpg') await new Promise<void>((r) => (release = r));
      return {
        ok: true as const,
        value: {
          results: input.photos.map((p) => ({
            name: p.name,
            ok: p.name !== 'blurred.jpg',
            error: null,
            duplicateOf: null,
          })),
          person: grace,
        },
      };
    });
    await openImportStep(importPhotos);
    const file = (name: string, size: number) => ({
      name,
      size,
      arrayBuffer: () => Promise.resolve(new Uint8Array(8).buffer), // the fake api never looks inside
    });
    const chosen = [
      file('a.jpg', 12 * MB),
      file('huge.tiff', 31 * MB),
      file('blurred.jpg', 12 * MB),
      file('c.jpg', 12 * MB),
    ];
    const input = screen.getByTestId('import-files') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: chosen, configurable: true });
    await fireEvent.change(input);
    expect(screen.getByTestId('import-chosen').textContent).toBe('4 photos chosen.');
    await fireEvent.click(screen.getByTestId('import-upload'));
    await settle();
    expect(screen.getByTestId('import-progress').textContent).toContain('Checking photo 3 of 4: blurred.jpg');
    expect(screen.getByTestId('import-progress').textContent).toMatch(/s left/);
    release!();
    await settle();

    const calls = importPhotos.mock.calls.map(
      ([c]) => c as unknown as Record<string, unknown> & { photos: { name: string }[] },
    );
    expect(calls.map((c) => c.photos.map((p) => p.name))).toEqual([['a.jpg'], ['blurred.jpg'], ['c.jpg']]);
    expect(calls.map(({ photos: _p, consent: _c, ...target }) => target)).toEqual([
      { newPerson: { name: 'Grace Hopper', externalId: null } },
      { personId: grace.id }, // created by the first photo
      { personId: grace.id },
    ]);
    expect(screen.queryByTestId('import-progress')).toBeNull();
    const shown = screen.getAllByTestId('import-result').map((li) => [li.textContent?.split(':')[0], li.dataset.ok]);
    expect(shown).toEqual([
      ['a.jpg', 'true'],
      ['huge.tiff', 'false'],
      ['blurred.jpg', 'false'],
      ['c.jpg', 'true'],
    ]);
    expect(screen.getByText(/The image is too large/)).toBeTruthy();
    expect(screen.getByTestId('import-summary').textContent).toBe('2 of 4 photos added.');
  });

  it('says before the import how many photos are over the limit, and lists each of them as not imported', async () => {
    const importPhotos = vi.fn((input: { photos: { name: string }[] }) =>
      ok({
        results: input.photos.map((p) => ({ name: p.name, ok: true, error: null, duplicateOf: null })),
        person: person('Grace Hopper'),
      }),
    );
    await openImportStep(importPhotos);
    const chosen = Array.from({ length: MAX_PHOTOS_PER_SESSION + 3 }, (_, i) => ({
      name: `p${i}.jpg`,
      size: 1000,
      arrayBuffer: () => Promise.resolve(new Uint8Array(8).buffer),
    }));
    const input = screen.getByTestId('import-files') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: chosen, configurable: true });
    await fireEvent.change(input);
    expect(screen.getByTestId('import-over-limit').textContent).toMatch(/3 photos will be listed as not imported/);
    await fireEvent.click(screen.getByTestId('import-upload'));
    await settle();
    expect(importPhotos).toHaveBeenCalledTimes(MAX_PHOTOS_PER_SESSION);
    const results = screen.getAllByTestId('import-result');
    expect(results).toHaveLength(MAX_PHOTOS_PER_SESSION + 3);
    expect(results.at(-1)!.textContent).toMatch(/not imported: more than 100 photos/);
    expect(screen.getByTestId('import-summary').textContent).toBe(
      `${MAX_PHOTOS_PER_SESSION} of ${MAX_PHOTOS_PER_SESSION + 3} photos added.`,
    );
  });

  it('holds back a photo that matches someone else until "Add anyway", then sends only that one, confirmed', async () => {
    const grace = person('Grace Hopper');
    const ada = { personId: crypto.randomUUID(), name: 'Ada Lovelace', distance: 0.3 };
    const importPhotos = vi.fn((input: { photos: { name: string }[]; acceptDuplicates?: boolean }) =>
      ok({
        results: input.photos.map((p) =>
          p.name === 'ada.jpg' && !input.acceptDuplicates
            ? {
                name: p.name,
                ok: false,
                alreadyEnrolled: false,
                error: { code: 'CONFLICT', message: 'This face looks like Ada Lovelace.' },
                duplicateOf: ada,
              }
            : {
                name: p.name,
                ok: true,
                alreadyEnrolled: false,
                error: null,
                duplicateOf: p.name === 'ada.jpg' ? ada : null,
              },
        ),
        person: grace,
      }),
    );
    await openImportStep(importPhotos);
    const file = (name: string) => ({ name, size: 3, arrayBuffer: () => Promise.resolve(new Uint8Array(3).buffer) });
    const input = screen.getByTestId('import-files') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [file('grace.jpg'), file('ada.jpg')], configurable: true });
    await fireEvent.change(input);
    await fireEvent.click(screen.getByTestId('import-upload'));
    await settle();
    expect(screen.getAllByTestId('import-result').map((li) => li.dataset.ok)).toEqual(['true', 'false']);

    await fireEvent.click(screen.getByTestId('import-add-anyway'));
    await settle();
    const last = importPhotos.mock.calls.at(-1)![0] as unknown as Record<string, unknown> & {
      photos: { name: string }[];
    };
    expect(last.photos.map((p) => p.name)).toEqual(['ada.jpg']);
    expect(last).toMatchObject({ acceptDuplicates: true, personId: grace.id });
    expect(screen.getAllByTestId('import-result').map((li) => li.dataset.ok)).toEqual(['true', 'true']);
    expect(screen.queryByTestId('import-add-anyway')).toBeNull();
  });
});

describe('Enroll screen: consent text', () => {
  it('the photo import sends the version of the consent text the wizard showed', async () => {
    const grace = person('Grace Hopper');
    const importPhotos = vi.fn(() =>
      ok({
        results: [{ name: 'g.jpg', ok: true, alreadyEnrolled: false, error: null, duplicateOf: null }],
        person: grace,
      }),
    );
    const api = {
      people: { list: vi.fn(() => ok([])) },
      enroll: { importPhotos, discard: vi.fn(() => ok({ discarded: 0 })) },
      privacy: privacyApi(4),
    } as unknown as Pick<PresenceApi, 'people' | 'enroll' | 'privacy'>;
    await startWizardFor('Grace Hopper', api);
    expect(screen.getByTestId('consent-text-version').dataset.version).toBe('4');
    await consentToImport();
    const input = screen.getByTestId('import-files') as HTMLInputElement;
    const file = { name: 'g.jpg', size: 3, arrayBuffer: () => Promise.resolve(new Uint8Array([1, 2, 3]).buffer) };
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    await fireEvent.change(input);
    await fireEvent.click(screen.getByTestId('import-upload'));
    await settle();
    expect(importPhotos).toHaveBeenCalledWith(
      expect.objectContaining({ consent: { given: true, by: 'Front desk', textVersion: 4 } }),
    );
  });
});

describe('wizard person step', () => {
  it('warns about a namesake before going on, and goes on with a new person when told it is someone else', async () => {
    const { default: StepPerson } = await import('../../src/renderer/components/enroll/StepPerson.svelte');
    const john = person('John Smith', { externalId: 'E-7' });
    const api = { people: { list: vi.fn(() => ok([john])) } } as unknown as Pick<PresenceApi, 'people'>;
    const onchosen = vi.fn();
    render(StepPerson, { props: { api, onchosen } });
    await fireEvent.input(screen.getByTestId('enroll-name'), { target: { value: 'John Smith' } });
    await fireEvent.click(screen.getByTestId('enroll-person-next'));
    await settle();
    expect(onchosen).not.toHaveBeenCalled();
    expect(screen.getByTestId('namesake').textContent).toContain('ID E-7');
    await fireEvent.click(screen.getByTestId('namesake-continue'));
    await settle();
    expect(onchosen).toHaveBeenCalledWith({ id: null, name: 'John Smith', externalId: null });
  });
});
