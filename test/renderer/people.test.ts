import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { fail, ok, person, settle, testSettings } from './helpers';
import People from '../../src/renderer/screens/People.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { Settings } from '../../src/shared/settings';
import type { ConsentEvent, Person, TemplateSummary } from '../../src/shared/types';

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

function consentEvent(personId: string, over: Partial<ConsentEvent> = {}): ConsentEvent {
  return {
    id: crypto.randomUUID(),
    personId,
    kind: 'given',
    scope: 'face-recognition',
    recordedBy: 'Front desk',
    method: 'screen',
    at: '2026-11-01T09:00:00.000Z',
    textVersion: 1,
    ...over,
  };
}

function fakePeopleApi(
  initial: Person[],
  initialTemplates: TemplateSummary[] = [],
  settings: Settings = testSettings(),
) {
  let rows = [...initial];
  let templates = [...initialTemplates];
  const history = new Map<string, ConsentEvent[]>(initial.map((p) => [p.id, [consentEvent(p.id)]]));
  const people = {
    list: vi.fn((input?: { query?: string }) =>
      ok(rows.filter((p) => !input?.query || p.name.toLowerCase().includes(input.query.toLowerCase()))),
    ),
    erase: vi.fn(({ id, confirmName }: { id: string; confirmName: string }) => {
      const p = rows.find((x) => x.id === id);
      if (!p || confirmName.trim().toLowerCase() !== p.name.toLowerCase())
        return fail('INVALID_INPUT', 'The name typed does not match the name of the person to erase.', {
          field: 'confirmName',
        });
      rows = rows.filter((x) => x.id !== id);
      return ok({
        id,
        erased: true as const,
        label: 'Erased person 7F3K',
        attendance: settings.erasedAttendance === 'keep' ? ('kept' as const) : ('deleted' as const),
        attendanceRows: 12,
      });
    }),
    export: vi.fn(({ id }: { id: string }) =>
      ok({ filename: `person-${id.slice(0, 8)}.zip`, mime: 'application/zip', bytes: new Uint8Array([0x50, 0x4b]) }),
    ),
    consentHistory: vi.fn(({ id }: { id: string }) => ok(history.get(id) ?? [])),
    withdrawConsent: vi.fn(({ id, recordedBy }: { id: string; recordedBy: string }) => {
      const event = consentEvent(id, {
        kind: 'withdrawn',
        recordedBy,
        at: '2026-12-02T10:30:00.000Z',
        textVersion: null,
      });
      history.set(id, [...(history.get(id) ?? []), event]);
      const erased = templates.length;
      templates = [];
      rows = rows.map((p) => (p.id === id ? { ...p, templateCount: 0, consentAt: null, consentBy: null } : p));
      return ok({ event, templatesErased: erased, thumbnailErased: true });
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
  const settingsApi = { get: vi.fn(() => ok(settings)) };
  return {
    api: { people, settings: settingsApi } as unknown as Pick<
      PresenceApi,
      'people' | 'enroll' | 'settings' | 'privacy'
    >,
    people,
    settingsApi,
  };
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

  it('erases a person only once their name is typed again, saying what goes and that attendance is kept', async () => {
    const ada = person('Ada Lovelace', { templateCount: 5 });
    const { api, people, settingsApi } = fakePeopleApi([ada, person('Alan Turing')]);
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();

    await fireEvent.click(screen.getAllByTestId('person-erase')[0]!);
    await settle();
    expect(settingsApi.get).toHaveBeenCalled();
    const dialog = screen.getByTestId('erase-dialog');
    expect(dialog.getAttribute('aria-label')).toBe('Erase Ada Lovelace?');
    expect(screen.getByTestId('erase-what').textContent).toMatch(
      /5 face templates.*notes and the ID number.*random label/s,
    );
    expect(screen.getByTestId('erase-attendance').textContent).toMatch(/kept under that label, for payroll/);
    expect(dialog.textContent).toContain('This cannot be undone');

    const ok_ = screen.getByTestId('erase-ok') as HTMLButtonElement;
    const typed = screen.getByTestId('erase-confirm-name') as HTMLInputElement;
    expect(ok_.disabled).toBe(true);
    await fireEvent.input(typed, { target: { value: 'Ada' } });
    expect(ok_.disabled).toBe(true);
    // Case and extra spaces are forgiven, as main forgives them.
    await fireEvent.input(typed, { target: { value: '  ada   LOVELACE ' } });
    expect(ok_.disabled).toBe(false);

    await fireEvent.click(screen.getByTestId('erase-cancel'));
    expect(screen.queryByTestId('erase-dialog')).toBeNull();
    expect(people.erase).not.toHaveBeenCalled();

    await fireEvent.click(screen.getAllByTestId('person-erase')[0]!);
    await settle();
    expect((screen.getByTestId('erase-ok') as HTMLButtonElement).disabled).toBe(true); // asked again
    await fireEvent.input(screen.getByTestId('erase-confirm-name'), { target: { value: 'Ada Lovelace' } });
    await fireEvent.click(screen.getByTestId('erase-ok'));
    await settle();
    expect(people.erase).toHaveBeenCalledWith({ id: ada.id, confirmName: 'Ada Lovelace' });
    expect(screen.queryByTestId('erase-dialog')).toBeNull();
    expect(screen.getByTestId('people-erased').textContent).toBe(
      'Erased. Their attendance is kept as Erased person 7F3K.',
    );
    expect(screen.getAllByTestId('person-name').map((n) => n.textContent)).toEqual(['Alan Turing']);
  });

  it('says so when nothing of the face is stored any more (consent withdrawn)', async () => {
    const { api } = fakePeopleApi([person('Ada Lovelace', { templateCount: 0, hasThumbnail: false })]);
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();
    await fireEvent.click(screen.getByTestId('person-erase'));
    await settle();
    expect(screen.getByTestId('erase-what').textContent).toContain('no face data');
    expect(screen.getByTestId('erase-what').textContent).not.toContain('0 face templates');
  });

  it('says the attendance is deleted with the person when Settings say so', async () => {
    const ada = person('Ada Lovelace', { templateCount: 1 });
    const { api } = fakePeopleApi([ada], [], { ...testSettings(), erasedAttendance: 'delete' });
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();
    await fireEvent.click(screen.getByTestId('person-erase'));
    await settle();
    expect(screen.getByTestId('erase-what').textContent).toContain('1 face template,');
    expect(screen.getByTestId('erase-attendance').textContent).toMatch(/deleted too/);
    await fireEvent.input(screen.getByTestId('erase-confirm-name'), { target: { value: 'ada lovelace' } });
    await fireEvent.click(screen.getByTestId('erase-ok'));
    await settle();
    expect(screen.getByTestId('people-erased').textContent).toBe('Erased. Their attendance was deleted.');
  });

  it("shows main's refusal of the typed name under the field, in both languages, and erases nobody", async () => {
    const { i18n } = await import('../../src/renderer/lib/i18n.svelte');
    const ada = person('Ada Lovelace');
    const { api, people } = fakePeopleApi([ada]);
    // Main compares the names too (say the name was changed meanwhile in another window).
    people.erase.mockImplementation(() =>
      fail('INVALID_INPUT', 'The name typed does not match the name of the person to erase.', {
        field: 'confirmName',
      }),
    );
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();
    await fireEvent.click(screen.getByTestId('person-erase'));
    await fireEvent.input(screen.getByTestId('erase-confirm-name'), { target: { value: 'Ada Lovelace' } });
    await fireEvent.click(screen.getByTestId('erase-ok'));
    await settle();
    expect(screen.getByTestId('erase-name-error').textContent).toBe(
      'The name typed is not the name of this person: type it exactly as the list shows it.',
    );
    expect(screen.queryByTestId('erase-error')).toBeNull();
    try {
      i18n.setLocale('zh-CN');
      await settle();
      expect(screen.getByTestId('erase-name-error').textContent).toBe('输入的姓名与要清除的人员姓名不一致。');
    } finally {
      i18n.setLocale('en');
    }
    expect(screen.getByTestId('erase-dialog')).toBeTruthy();
    expect(screen.getAllByTestId('person-name').map((n) => n.textContent)).toEqual(['Ada Lovelace']);
  });

  it("shows any other refusal of the erasure with the dialog's error message", async () => {
    const { api, people } = fakePeopleApi([person('Ada Lovelace')]);
    people.erase.mockImplementation(() => fail('NOT_FOUND', 'This person no longer exists.'));
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();
    await fireEvent.click(screen.getByTestId('person-erase'));
    await fireEvent.input(screen.getByTestId('erase-confirm-name'), { target: { value: 'Ada Lovelace' } });
    await fireEvent.click(screen.getByTestId('erase-ok'));
    await settle();
    expect(screen.getByTestId('erase-error').textContent).toBe('This person no longer exists.');
    expect(screen.getByTestId('erase-dialog')).toBeTruthy();
  });

  it("exports a person's data (subject access) and offers the ZIP as a download", async () => {
    const ada = person('Ada Lovelace');
    const { api, people } = fakePeopleApi([ada]);
    URL.createObjectURL = vi.fn(() => 'blob:fake');
    URL.revokeObjectURL = vi.fn();
    const downloads: string[] = [];
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      downloads.push(this.download);
    });
    try {
      render(People, { props: { api, onreenroll: vi.fn() } });
      await settle();
      await fireEvent.click(screen.getByTestId('person-export'));
      await settle();
      expect(people.export).toHaveBeenCalledWith({ id: ada.id });
      expect(downloads).toEqual([`person-${ada.id.slice(0, 8)}.zip`]);
      const blob = (URL.createObjectURL as unknown as { mock: { calls: [Blob][] } }).mock.calls[0]![0];
      expect(blob.type).toBe('application/zip');
      expect(screen.getByTestId('people-exported').textContent).toContain(`person-${ada.id.slice(0, 8)}.zip`);
    } finally {
      clicked.mockRestore();
    }
  });

  it("shows an export's error instead of a download", async () => {
    const { api, people } = fakePeopleApi([person('Ada Lovelace')]);
    people.export.mockImplementation(() => fail('NOT_FOUND', 'This person no longer exists.'));
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();
    await fireEvent.click(screen.getByTestId('person-export'));
    await settle();
    expect(screen.getByTestId('people-action-error').textContent).toBe('This person no longer exists.');
    expect(screen.queryByTestId('people-exported')).toBeNull();
  });

  it('lists the consent history and withdraws consent, recording who did, which erases the face data', async () => {
    const ada = person('Ada Lovelace', { templateCount: 2 });
    const { api, people } = fakePeopleApi(
      [ada],
      [template('11111111-1111-4111-8111-111111111111'), template('22222222-2222-4222-8222-222222222222')],
    );
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();
    await fireEvent.click(screen.getByTestId('person-consent'));
    await settle();
    expect(people.consentHistory).toHaveBeenCalledWith({ id: ada.id });
    const events = screen.getAllByTestId('consent-event');
    expect(events.map((e) => e.dataset.kind)).toEqual(['given']);
    expect(events[0]!.textContent).toMatch(/Given.*recorded by Front desk · in the app · consent text version 1/s);

    await fireEvent.click(screen.getByTestId('consent-withdraw'));
    const form = screen.getByTestId('withdraw-form');
    expect(form.textContent).toMatch(/erases the face data of Ada Lovelace at once: 2 face templates/);
    expect(form.textContent).toMatch(/stays in the list.*enrolled again after giving consent anew/);
    const confirm = screen.getByTestId('withdraw-confirm') as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('withdraw-by'), { target: { value: ' HR, Jane Doe ' } });
    expect(confirm.disabled).toBe(false);
    await fireEvent.click(confirm);
    await settle();
    expect(people.withdrawConsent).toHaveBeenCalledWith({ id: ada.id, recordedBy: 'HR, Jane Doe' });
    expect(screen.getByTestId('consent-withdrawn').textContent).toBe('Consent withdrawn: 2 face templates erased.');
    expect(screen.getAllByTestId('consent-event').map((e) => e.dataset.kind)).toEqual(['given', 'withdrawn']);
    const withdrawal = screen.getAllByTestId('consent-event')[1]!.textContent ?? '';
    expect(withdrawal).toMatch(/Withdrawn.*recorded by HR, Jane Doe · in the app$/s);
    // Withdrawn: nothing more to withdraw; the person stays, with no templates.
    expect(screen.queryByTestId('consent-withdraw')).toBeNull();
    await fireEvent.click(screen.getByTestId('consent-close'));
    await settle();
    expect(screen.getAllByTestId('person-name').map((n) => n.textContent)).toEqual(['Ada Lovelace']);
    expect(screen.getByTestId('person-templates').textContent).toBe('0');
  });

  it('shows the consent history with the templates too', async () => {
    const ada = person('Ada Lovelace', { templateCount: 1 });
    const { api } = fakePeopleApi([ada], [template('11111111-1111-4111-8111-111111111111')]);
    render(People, { props: { api, onreenroll: vi.fn() } });
    await settle();
    await fireEvent.click(screen.getByTestId('person-templates'));
    await settle();
    const dialog = screen.getByTestId('templates-dialog');
    expect(dialog.querySelector('[data-testid="consent-history"]')).toBeTruthy();
    expect(dialog.querySelectorAll('[data-testid="consent-event"]')).toHaveLength(1);
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
