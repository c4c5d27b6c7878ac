import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { consentText, fail, ok, person, settle } from './helpers';
import PeopleImport from '../../src/renderer/components/PeopleImport.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import {
  MAX_PHOTOS_PER_PERSON,
  parseCsv,
  photoKeys,
  planImport,
  type PhotoFile,
} from '../../src/renderer/lib/people-import';

const file = (p: string, over: Partial<PhotoFile> = {}): PhotoFile => ({
  name: p.split('/').at(-1)!,
  path: p,
  size: 50_000,
  type: 'image/jpeg',
  ...over,
});

describe('the people CSV', () => {
  it('reads quotes, doubled quotes, line breaks in quotes, CRLF, a BOM and semicolons', () => {
    expect(
      parseCsv('\uFEFFname,notes\r\n"Lovelace, Ada","said ""hi""\nthen left"\r\nBob,\n')?.map((r) => r.cells),
    ).toEqual([
      ['name', 'notes'],
      ['Lovelace, Ada', 'said "hi"\nthen left'],
      ['Bob', ''],
    ]);
    expect(parseCsv('name;external_id\nAda;E-1')?.map((r) => r.cells)).toEqual([
      ['name', 'external_id'],
      ['Ada', 'E-1'],
    ]);
  });

  it('says what is wrong with a CSV that cannot be a list of people', () => {
    expect(planImport('', [], []).csvProblem).toBe('empty');
    expect(planImport('first,last\nAda,Lovelace', [], []).csvProblem).toBe('noNameColumn');
  });
});

describe('matching photos to people', () => {
  it('keys a photo by its folder, or by its file name without a trailing photo number', () => {
    expect(photoKeys(file('people/Ada_Lovelace/IMG_0001.jpg'))).toEqual(['ada lovelace', 'img 0001', 'img']);
    expect(photoKeys(file('E-1815_2.jpg'))).toEqual(['e-1815 2', 'e-1815']);
    expect(photoKeys(file('E-1815.jpg'))).toEqual(['e-1815', 'e']);
    expect(photoKeys(file('Ada Lovelace (3).png'))).toEqual(['ada lovelace (3)', 'ada lovelace']);
    expect(photoKeys(file('Ada Lovelace.jpg'))).toEqual(['ada lovelace']);
  });

  it('plans new people, adds to the enrolled one with the same ID or (unique) name, and gives every refusal a reason', () => {
    const ada = person('Ada Lovelace', { externalId: 'E-1815' });
    const grace = person('Grace Hopper');
    const csv = [
      'Name,External ID,Notes',
      'Alan Turing,E-1912,Bletchley',
      'Ada L.,E-1815,', // the enrolled Ada, by her ID
      'Grace Hopper,,', // the enrolled Grace, by her name
      ',E-9,', // no name
      'Alan Turing,E-1912,', // the same ID twice
      'John Smith,,',
      'John Smith,,', // two John Smiths nobody can tell apart
    ].join('\n');
    const files = [
      file('E-1912.jpg'),
      file('E-1912_2.jpg'),
      file('E-1815.jpg'),
      file('Grace_Hopper/1.jpg'),
      file('Marie Curie.jpg'),
      file('notes.txt', { type: 'text/plain' }),
      file('John Smith.jpg'),
    ];
    const plan = planImport(csv, files, [ada, grace]);
    expect(plan.csvProblem).toBeNull();
    const rows = plan.people.map((p) => [
      p.line,
      p.name,
      p.existing?.id ?? null,
      p.photos.length,
      p.problem?.key ?? null,
    ]);
    expect(rows).toEqual([
      [2, 'Alan Turing', null, 2, null],
      [3, 'Ada L.', ada.id, 1, null],
      [4, 'Grace Hopper', grace.id, 1, null],
      [5, '', null, 0, 'noName'],
      [6, 'Alan Turing', null, 0, 'duplicateId'],
      [7, 'John Smith', null, 1, null],
      [8, 'John Smith', null, 0, 'duplicateName'],
    ]);
    expect(plan.people[0]!.notes).toBe('Bletchley');
    // The second John Smith is refused, so the photo goes to the first; "Marie Curie" is nobody here.
    expect(plan.unmatched.map((u) => [u.file.path, u.reason.key])).toEqual([
      ['Marie Curie.jpg', 'noMatch'],
      ['notes.txt', 'notImage'],
    ]);
    // A photo that only a refused row would take says which line refused it.
    expect(planImport('name,id\n,E-5', [file('E-5.jpg')], []).unmatched[0]!.reason).toEqual({
      key: 'rowRefused',
      values: { line: 2 },
    });
    // Two rows one photo could belong to: nobody's.
    expect(planImport('name,id\nE-7,\nBob,E-7', [file('E-7.jpg')], []).unmatched[0]!.reason.key).toBe('ambiguousMatch');
  });

  it('refuses a name two enrolled people share, unless the CSV gives the ID', () => {
    const a = person('John Smith', { externalId: 'A-1' });
    const b = person('John Smith', { externalId: 'B-2' });
    const plan = planImport('name,id\nJohn Smith,\nJohn Smith,B-2', [], [a, b]);
    expect(plan.people.map((p) => [p.problem?.key ?? null, p.existing?.id ?? null])).toEqual([
      ['ambiguousExisting', null],
      [null, b.id],
    ]);
  });

  it(`takes at most ${MAX_PHOTOS_PER_PERSON} photos per person and lists the rest, with files too large`, () => {
    const many = Array.from({ length: MAX_PHOTOS_PER_PERSON + 2 }, (_, i) => file(`Ada/${i}.jpg`));
    const plan = planImport('name\nAda', [...many, file('Ada/huge.jpg', { size: 31 * 1024 * 1024 })], []);
    expect(plan.people[0]!.photos).toHaveLength(MAX_PHOTOS_PER_PERSON);
    expect(plan.unmatched.map((u) => u.reason.key)).toEqual(['overPhotoLimit', 'overPhotoLimit', 'tooLarge']);
  });

  it('matches flat files of a chosen folder by their file names, and takes JPEG, PNG and WebP files only', () => {
    const plan = planImport(
      'name,external_id\nAda,E-1',
      [file('chosen/E-1.jpg'), file('chosen/.DS_Store', { type: '' }), file('chosen/scan.heic')],
      [],
    );
    expect(plan.people[0]!.photos.map((f) => f.path)).toEqual(['chosen/E-1.jpg']);
    expect(plan.unmatched.map((u) => u.reason.key)).toEqual(['notImage', 'notImage']);
  });

  it('takes "external id" over a bare "id" column, and reports the line of the file, not the record', () => {
    const plan = planImport('id,name,external id\n7,Ada,E-1\n\n8,"Bob\nBrown",E-2\n,,E-3', [], []);
    expect(plan.people.map((p) => [p.line, p.externalId])).toEqual([
      [2, 'E-1'],
      [4, 'E-2'],
      [6, 'E-3'],
    ]);
  });

  it('refuses a CSV with a quote never closed, and reads a semicolon file after a blank first line', () => {
    expect(planImport('name\n"Ada\nBob', [], []).csvProblem).toBe('unclosedQuote');
    expect(planImport('\nname;external_id\nAda;E-1', [], []).people[0]).toMatchObject({
      name: 'Ada',
      externalId: 'E-1',
    });
  });

  it('gives an ID to the one enrolled person of that name who has none, instead of creating a twin', () => {
    const ada = person('Ada Lovelace', { externalId: null });
    const plan = planImport('name,external_id\nAda Lovelace,E-1815', [], [ada]);
    expect(plan.people[0]).toMatchObject({ existing: { id: ada.id }, setsExternalId: true, problem: null });
    // With an ID of her own, the namesake is someone else: a new person.
    const other = person('Ada Lovelace', { externalId: 'E-1' });
    expect(planImport('name,external_id\nAda Lovelace,E-2', [], [other]).people[0]!.existing).toBeNull();
  });
});

describe('the bulk import screen: consent', () => {
  /** The import screen with a one-person CSV and their photo chosen; `consentText` answers privacy.consentText. */
  async function chosen(consentText: () => unknown) {
    const ada = person('Ada Lovelace', { templateCount: 0 });
    const importPhotos = vi.fn(() =>
      ok({ results: [{ name: 'Ada Lovelace.jpg', ok: true, alreadyEnrolled: false, error: null, duplicateOf: null }] }),
    );
    const api = {
      people: { list: vi.fn(() => ok([])), create: vi.fn(() => ok(ada)) },
      enroll: { importPhotos },
      privacy: { consentText: vi.fn(consentText) },
    } as unknown as Pick<PresenceApi, 'people' | 'enroll' | 'privacy'>;
    render(PeopleImport, { props: { api, ondone: vi.fn() } });
    await settle();
    const csv = 'name\nAda Lovelace\n';
    const csvInput = screen.getByTestId('people-import-csv') as HTMLInputElement;
    Object.defineProperty(csvInput, 'files', {
      value: [{ name: 'people.csv', size: csv.length, text: () => Promise.resolve(csv) }],
      configurable: true,
    });
    await fireEvent.change(csvInput);
    await settle();
    const photos = screen.getByTestId('people-import-photos') as HTMLInputElement;
    const photo = {
      name: 'Ada Lovelace.jpg',
      size: 3,
      type: 'image/jpeg',
      webkitRelativePath: '',
      arrayBuffer: () => Promise.resolve(new Uint8Array([1, 2, 3]).buffer),
    };
    Object.defineProperty(photos, 'files', { value: [photo], configurable: true });
    await fireEvent.change(photos);
    await settle();
    await fireEvent.click(screen.getByTestId('people-import-consent'));
    await fireEvent.input(screen.getByTestId('people-import-consent-by'), { target: { value: 'HR, Jane Doe' } });
    return { api, importPhotos };
  }

  it('shows the consent text in force and sends its version with every photo', async () => {
    const { api, importPhotos } = await chosen(() => ok(consentText(5)));
    expect(api.privacy.consentText).toHaveBeenCalled();
    expect(screen.getByTestId('consent-text').textContent).toBe(
      'Consent text version 5: your face is used for attendance only.',
    );
    const run = screen.getByTestId('people-import-run') as HTMLButtonElement;
    expect(run.disabled).toBe(false);
    await fireEvent.click(run);
    await settle();
    expect(importPhotos).toHaveBeenCalledWith(
      expect.objectContaining({ consent: { given: true, by: 'HR, Jane Doe', textVersion: 5 } }),
    );
  });

  it('imports no photo while the consent text cannot be loaded', async () => {
    const { importPhotos } = await chosen(() => fail('INTERNAL', 'The consent text could not be read.'));
    expect(screen.getByTestId('consent-text-error').textContent).toBe('The consent text could not be read.');
    expect((screen.getByTestId('people-import-run') as HTMLButtonElement).disabled).toBe(true);
    expect(importPhotos).not.toHaveBeenCalled();
  });
});
