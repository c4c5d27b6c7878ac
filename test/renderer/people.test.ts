import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { ok, person, settle } from './helpers';
import People from '../../src/renderer/screens/People.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { Person, TemplateSummary } from '../../src/shared/types';

function template(id: string, over: Partial<TemplateSummary> = {}): TemplateSummary {
  return {
    id,
    createdAt: '2026-11-30T09:15:00.000Z',
    quality: 0.82,
    source: 'camera',
    pose: 'front',
    encoderId: 'mobilefacenet-foamliu',
    inUse: true,
    hasChip: true,
    damaged: false,
    ...over,
  };
}

function fakePeopleApi(initial: Person[], initialTemplates: TemplateSummary[] = []) {
  let rows = [...initial];
  let templates = [...initialTemplates];
  const people = {
    list: vi.fn((input?: { query?: string }) =>
      ok(rows.filter((p) => !input?.query || p.name.toLowerCase().includes(input.query.toLowerCase()))),
    ),
    delete: vi.fn(({ id }: { id: string }) => {
      rows = rows.filter((p) => p.id !== id);
      return ok({ id, deleted: true as const });
    }),
    thumbnail: vi.fn(() => ok(null)),
    templates: vi.fn(({ id }: { id: string }) => ok(templates.filter(() => rows.some((p) => p.id === id)))),
    templateChip: vi.fn(() => ok(null)),
    deleteTemplate: vi.fn(({ templateId }: { templateId: string }) => {
      templates = templates.filter((x) => x.id !== templateId);
      rows = rows.map((p) => ({ ...p, templateCount: templates.length }));
      return ok({ templateId, deleted: true as const });
    }),
    create: vi.fn(),
    update: vi.fn(),
    get: vi.fn(),
  };
  return { api: { people } as unknown as Pick<PresenceApi, 'people' | 'enroll'>, people };
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

  it("lists a person's templates with date, source, pose, quality and encoder, and deletes one after a confirmation", async () => {
    const ada = person('Ada Lovelace', { templateCount: 3 });
    const { api, people } = fakePeopleApi(
      [ada],
      [
        template('11111111-1111-4111-8111-111111111111'),
        template('22222222-2222-4222-8222-222222222222', { source: 'import', pose: null, quality: 0.5 }),
        template('33333333-3333-4333-8333-333333333333', { encoderId: 'dlib-resnet', inUse: false }),
      ],
    );
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();
    await fireEvent.click(screen.getByTestId('person-templates'));
    await settle();
    expect(people.templates).toHaveBeenCalledWith({ id: ada.id });
    const rows = screen.getAllByTestId('template-row');
    expect(rows).toHaveLength(3);
    expect(rows[0]!.textContent).toMatch(/Camera · Straight · quality 82 %/);
    expect(rows[0]!.textContent).toContain('mobilefacenet-foamliu');
    expect(rows[1]!.textContent).toMatch(/Imported photo · quality 50 %/);
    expect(screen.getAllByTestId('template-unused')).toHaveLength(1);
    expect(screen.getByTestId('templates-dialog').textContent).toContain('Recognition uses 2 of these templates');
    expect(people.templateChip).toHaveBeenCalledTimes(3);

    await fireEvent.click(screen.getAllByTestId('template-delete')[1]!);
    expect(people.deleteTemplate).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('template-delete-confirm'));
    await settle();
    expect(people.deleteTemplate).toHaveBeenCalledWith({ templateId: '22222222-2222-4222-8222-222222222222' });
    expect(screen.getAllByTestId('template-row')).toHaveLength(2);
    // Now fewer than three in use: the dialog says recognition is weaker, and the People row follows.
    expect(screen.getByTestId('templates-few')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('templates-close'));
    await settle();
    expect(screen.queryByTestId('templates-dialog')).toBeNull();
    expect(screen.getByTestId('person-templates').textContent).toBe('2');
  });
});
