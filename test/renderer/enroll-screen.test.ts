// The wizard as a whole, with a fake api and a fake frame source (jsdom has no camera).
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { ok, person, settle } from './helpers';
import Enroll from '../../src/renderer/screens/Enroll.svelte';
import StepReview from '../../src/renderer/components/enroll/StepReview.svelte';
import type { PresenceApi } from '../../src/shared/contract';

describe('Enroll screen', () => {
  it('starts at consent for a person chosen on the People screen', async () => {
    const ada = person('Ada Lovelace');
    const api = {
      people: { get: vi.fn(() => ok(ada)), list: vi.fn(() => ok([ada])) },
      enroll: { discard: vi.fn(() => ok({ discarded: 0 })) },
    } as unknown as Pick<PresenceApi, 'people' | 'enroll'>;
    render(Enroll, { props: { api, personId: ada.id, ondone: vi.fn() } });
    await settle();
    expect(screen.getByTestId('wizard-step').dataset.step).toBe('consent');
    expect(screen.getByText(/Ada Lovelace has given consent/)).toBeTruthy();
  });

  it('creates a new person in step one and moves on to consent', async () => {
    const created = person('Grace Hopper');
    const create = vi.fn(() => ok(created));
    const api = { people: { create, list: vi.fn(() => ok([])) }, enroll: {} } as unknown as Pick<
      PresenceApi,
      'people' | 'enroll'
    >;
    render(Enroll, { props: { api, ondone: vi.fn() } });
    expect(screen.getByTestId('wizard-step').dataset.step).toBe('person');
    await fireEvent.input(screen.getByTestId('enroll-name'), { target: { value: ' Grace Hopper ' } });
    await fireEvent.click(screen.getByTestId('enroll-person-next'));
    await settle();
    expect(create).toHaveBeenCalledWith({ name: 'Grace Hopper', externalId: null });
    expect(screen.getByTestId('wizard-step').dataset.step).toBe('consent');
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
      props: { api, person: ada, consent: { given: true, by: 'Front desk' }, shots, onback: vi.fn(), onsaved },
    });
    await fireEvent.click(screen.getByTestId('enroll-save'));
    await settle();
    expect(commit).toHaveBeenCalledWith({
      personId: ada.id,
      shotIds: shots.map((s) => s.shotId),
      consent: { given: true, by: 'Front desk' },
    });
    expect(onsaved).toHaveBeenCalledWith({ person: ada, added: 2 });
  });
});
