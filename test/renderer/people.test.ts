import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { ok, person, settle } from './helpers';
import People from '../../src/renderer/screens/People.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { Person } from '../../src/shared/types';

function fakePeopleApi(initial: Person[]) {
  let rows = [...initial];
  const people = {
    list: vi.fn((input?: { query?: string }) =>
      ok(rows.filter((p) => !input?.query || p.name.toLowerCase().includes(input.query.toLowerCase()))),
    ),
    delete: vi.fn(({ id }: { id: string }) => {
      rows = rows.filter((p) => p.id !== id);
      return ok({ id, deleted: true as const });
    }),
    thumbnail: vi.fn(() => ok(null)),
    create: vi.fn(),
    update: vi.fn(),
    get: vi.fn(),
  };
  return { api: { people } as unknown as Pick<PresenceApi, 'people'>, people };
}

describe('People screen', () => {
  it('lists people from the api with their template counts', async () => {
    const { api } = fakePeopleApi([
      person('Ada Lovelace', { templateCount: 5 }),
      person('Alan Turing', { templateCount: 0 }),
    ]);
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();
    const rows = screen.getAllByTestId('person-row');
    expect(rows).toHaveLength(2);
    expect(screen.getAllByTestId('person-name').map((n) => n.textContent)).toEqual(['Ada Lovelace', 'Alan Turing']);
    expect(screen.getAllByTestId('person-templates').map((n) => n.textContent)).toEqual(['5', '0']);
  });

  it('marks probable duplicates (the same face under two names) on both rows', async () => {
    const ada = person('Ada Lovelace', { templateCount: 3 });
    const copy = person('A. Lovelace', { templateCount: 1 });
    const { api } = fakePeopleApi([
      { ...ada, probableDuplicates: [{ id: copy.id, name: copy.name, distance: 0.31 }] },
      { ...copy, probableDuplicates: [{ id: ada.id, name: ada.name, distance: 0.31 }] },
      person('Alan Turing'),
    ]);
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();
    const notes = screen.getAllByTestId('person-duplicate').map((n) => n.textContent ?? '');
    expect(notes).toHaveLength(2);
    expect(notes[0]).toContain('Probable duplicate of A. Lovelace');
    expect(notes[1]).toContain('Probable duplicate of Ada Lovelace');
  });

  it('asks for confirmation, saying templates are erased, before deleting', async () => {
    const ada = person('Ada Lovelace', { templateCount: 5 });
    const { api, people } = fakePeopleApi([ada, person('Alan Turing')]);
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();

    await fireEvent.click(screen.getAllByTestId('person-delete')[0]);
    expect(screen.getByTestId('confirm-message').textContent).toMatch(/Ada Lovelace.*5 face templates.*erased/);
    expect(people.delete).not.toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(screen.queryByTestId('confirm-dialog')).toBeNull();
    expect(people.delete).not.toHaveBeenCalled();

    await fireEvent.click(screen.getAllByTestId('person-delete')[0]);
    await fireEvent.click(screen.getByTestId('confirm-ok'));
    await settle();
    expect(people.delete).toHaveBeenCalledWith({ id: ada.id });
    expect(screen.getAllByTestId('person-name').map((n) => n.textContent)).toEqual(['Alan Turing']);
  });

  it('sends re-enrollment to the wizard with the person', async () => {
    const ada = person('Ada Lovelace');
    const onreenroll = vi.fn();
    const { api } = fakePeopleApi([ada]);
    render(People, { props: { api, onreenroll } });
    await settle();
    await fireEvent.click(screen.getByTestId('person-reenroll'));
    expect(onreenroll).toHaveBeenCalledWith(ada.id);
  });

  it('warns about a namesake with the other record before adding, and adds only when told to go on', async () => {
    const { api, people } = fakePeopleApi([person('John Smith', { externalId: 'E-7', notes: 'Warehouse' })]);
    people.create.mockImplementation(() => ok(person('John Smith')));
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();
    await fireEvent.click(screen.getByTestId('person-add'));
    await fireEvent.input(screen.getByTestId('person-name-input'), { target: { value: 'john  smith' } });
    await fireEvent.submit(screen.getByTestId('person-name-input').closest('form')!);
    await settle();
    expect(people.create).not.toHaveBeenCalled();
    const warning = screen.getByTestId('namesake-warning').textContent ?? '';
    expect(warning).toContain('Someone with this name is already enrolled');
    expect(warning).toContain('ID E-7');
    expect(warning).toContain('Warehouse');
    expect((screen.getByTestId('person-save') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('namesake-continue'));
    await settle();
    expect(people.create).toHaveBeenCalledWith({ name: 'john  smith', externalId: null, notes: null });
  });
});
