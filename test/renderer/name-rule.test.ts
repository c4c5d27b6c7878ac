// The screens that edit names hold them to the rule main applies (shared/limits.ts): they say what is
// wrong while the name is typed, and do not send it.
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { ok, person, settle } from './helpers';
import PersonForm from '../../src/renderer/components/PersonForm.svelte';
import StepPerson from '../../src/renderer/components/enroll/StepPerson.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import { lineTextProblem } from '../../src/shared/limits';
import { REFUSED } from '../helpers/names';

function fakeApi() {
  const people = {
    list: vi.fn(() => ok([])),
    create: vi.fn((input: { name: string }) => ok(person(input.name))),
    update: vi.fn(),
  };
  return { api: { people } as unknown as Pick<PresenceApi, 'people' | 'enroll'>, people };
}

// A text input drops line feeds itself (as browsers do), so those are main's to refuse.
const TYPED = REFUSED.filter(([, text]) => !/[\r\n]/.test(text));

const save = () => screen.getByTestId('person-save') as HTMLButtonElement;
const next = () => screen.getByTestId('enroll-person-next') as HTMLButtonElement;

describe('the person form (People screen)', () => {
  it.each(TYPED)('says why a name that %s cannot be saved, and does not send it', async (_, text, why) => {
    const { api, people } = fakeApi();
    render(PersonForm, { props: { api, onsaved: vi.fn(), oncancel: vi.fn() } });
    await fireEvent.input(screen.getByTestId('person-name-input'), { target: { value: text } });
    const problem = screen.getByTestId('person-name-error').textContent ?? '';
    expect(problem).toMatch(why);
    expect(problem).toBe(lineTextProblem(text.trim(), 'Name'));
    expect(save().disabled).toBe(true);
    await fireEvent.submit(save().form!);
    expect(people.create).not.toHaveBeenCalled();
  });

  it('holds the ID number to the same rule', async () => {
    const { api } = fakeApi();
    render(PersonForm, { props: { api, onsaved: vi.fn(), oncancel: vi.fn() } });
    await fireEvent.input(screen.getByTestId('person-name-input'), { target: { value: 'Ada Lovelace' } });
    await fireEvent.input(screen.getByTestId('person-external-input'), { target: { value: 'E-1\u202E7' } });
    expect(screen.getByTestId('person-external-error').textContent).toMatch(/^ID number contains a text-direction/);
    expect(save().disabled).toBe(true);
  });

  it('saves a name once it is fixed', async () => {
    const { api, people } = fakeApi();
    const onsaved = vi.fn();
    render(PersonForm, { props: { api, onsaved, oncancel: vi.fn() } });
    const input = screen.getByTestId('person-name-input');
    await fireEvent.input(input, { target: { value: '\u200B' } });
    expect(save().disabled).toBe(true);
    await fireEvent.input(input, { target: { value: 'Zoë Quinn' } });
    expect(screen.queryByTestId('person-name-error')).toBeNull();
    await fireEvent.click(save());
    await settle();
    expect(people.create).toHaveBeenCalledWith({ name: 'Zoë Quinn', externalId: null, notes: null });
    expect(onsaved).toHaveBeenCalled();
  });

  it('opens a person whose stored name breaks the rule, and says what to fix', async () => {
    const { api } = fakeApi();
    render(PersonForm, { props: { api, person: person('\u202Enimda'), onsaved: vi.fn(), oncancel: vi.fn() } });
    expect(screen.getByTestId('person-name-error').textContent).toMatch(/text-direction control \(U\+202E\)/);
  });
});

describe('the first step of the enrollment wizard', () => {
  it.each(TYPED)('says why a name that %s cannot be used, and does not go on', async (_, text, why) => {
    const { api } = fakeApi();
    const onchosen = vi.fn();
    render(StepPerson, { props: { api, onchosen } });
    await fireEvent.input(screen.getByTestId('enroll-name'), { target: { value: text } });
    expect(screen.getByTestId('enroll-name-error').textContent).toMatch(why);
    expect(next().disabled).toBe(true);
    await fireEvent.submit(next().form!);
    await settle();
    expect(onchosen).not.toHaveBeenCalled();
  });

  it('holds the ID number to the same rule, and goes on with a good name', async () => {
    const { api } = fakeApi();
    const onchosen = vi.fn();
    render(StepPerson, { props: { api, onchosen } });
    await fireEvent.input(screen.getByTestId('enroll-name'), { target: { value: 'Grace Hopper' } });
    await fireEvent.input(screen.getByTestId('enroll-external-id'), { target: { value: '\u2066E-1\u2069' } });
    expect(screen.getByTestId('enroll-external-id-error').textContent).toMatch(/^ID number /);
    expect(next().disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('enroll-external-id'), { target: { value: 'E-1' } });
    await fireEvent.click(next());
    await settle();
    expect(onchosen).toHaveBeenCalledWith({ id: null, name: 'Grace Hopper', externalId: 'E-1' });
  });
});
