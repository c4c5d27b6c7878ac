// Bulk people import from the screens: a CSV of people (name, external ID, notes) and their photos,
// matched by file or folder name, turned into a plan the administrator sees before anything is saved.
// Pure functions: components/PeopleImport.svelte shows the plan and carries it out through the
// ordinary channels (people.create, enroll.importPhotos), so every rule of those channels still holds.
import { EXTERNAL_ID_MAX, MAX_IMAGE_BYTES, NAME_MAX, NOTES_MAX, lineTextProblem, nameKey } from '../../shared/limits';
import type { Person } from '../../shared/types';

/** A CSV larger than this is not a list of people. */
export const MAX_CSV_BYTES = 1024 * 1024;
/** The most people one import takes; the rest are listed as not imported. */
export const MAX_PEOPLE_PER_IMPORT = 500;
/** The most photos one person gets from one import (as the wizard's import: shared/limits.ts). */
export const MAX_PHOTOS_PER_PERSON = 10;

/** Why a row or a file is not imported: a locale key under `peopleImport.reason`, with its values. */
export interface Reason {
  key:
    | 'noName'
    | 'badName'
    | 'badId'
    | 'notesTooLong'
    | 'duplicateId'
    | 'duplicateName'
    | 'ambiguousExisting'
    | 'overPeopleLimit'
    | 'noMatch'
    | 'rowRefused'
    | 'ambiguousMatch'
    | 'overPhotoLimit'
    | 'tooLarge'
    | 'notImage';
  values?: Record<string, string | number>;
}

export interface PhotoFile {
  /** The file's name. */
  name: string;
  /** Its path inside a chosen folder ("Ada_Lovelace/1.jpg"), or its name when chosen as a file. */
  path: string;
  size: number;
  type: string;
}

export interface PlannedPerson<F extends PhotoFile = PhotoFile> {
  /** The CSV line (1 = the header). */
  line: number;
  name: string;
  externalId: string | null;
  notes: string | null;
  /** The enrolled person the row adds photos to; null = a new person. */
  existing: Pick<Person, 'id' | 'name' | 'externalId'> | null;
  photos: F[];
  /** Set when the row is not imported. */
  problem: Reason | null;
}

export interface ImportPlan<F extends PhotoFile = PhotoFile> {
  people: PlannedPerson<F>[];
  /** Files no row takes, each with the reason. */
  unmatched: { file: F; reason: Reason }[];
  /** Trouble with the CSV as a whole (no header, no name column): nothing can be planned. */
  csvProblem: 'empty' | 'noNameColumn' | 'tooLarge' | null;
}

/** RFC 4180 CSV (quotes, doubled quotes, line breaks inside quotes, CRLF), with a comma or semicolon. */
export function parseCsv(text: string): string[][] {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const sep = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === sep) {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

const HEADERS = {
  name: ['name', 'full name', 'person', 'employee', 'employee name', '姓名', '名字'],
  externalId: [
    'external id',
    'external_id',
    'externalid',
    'employee id',
    'employee_id',
    'id',
    'id number',
    '工号',
    '编号',
  ],
  notes: ['notes', 'note', 'comment', 'comments', '备注'],
};

function column(header: string[], names: readonly string[]): number {
  return header.findIndex((h) => names.includes(h.trim().toLowerCase()));
}

/**
 * The keys a photo is matched by, most exact first: its folder when it is in one ("Ada_Lovelace/1.jpg");
 * else its file name without the extension ("E-1912.jpg"), then without a trailing photo number as well
 * ("E-1815_2.jpg", "Ada Lovelace (3).png"). Underscores count as spaces, as in LFW's folder names and
 * `presence import`.
 */
export function photoKeys(file: PhotoFile): string[] {
  const key = (raw: string) => nameKey(raw.replace(/_/g, ' '));
  const parts = file.path.split('/').filter(Boolean);
  if (parts.length >= 2) return [key(parts[parts.length - 2]!)];
  const stem = file.name.replace(/\.[^.]*$/, '');
  const unnumbered = stem.replace(/(?:[ _-]+\d{1,4}|\s*\(\d{1,4}\))$/, '');
  return [...new Set([key(stem), key(unnumbered)].filter(Boolean))];
}

/** The plan for a CSV and a set of photos against the people enrolled now. */
export function planImport<F extends PhotoFile>(
  csvText: string,
  files: readonly F[],
  enrolled: readonly Person[],
): ImportPlan<F> {
  const empty: ImportPlan<F> = { people: [], unmatched: [], csvProblem: null };
  if (csvText.length > MAX_CSV_BYTES) return { ...empty, csvProblem: 'tooLarge' };
  const rows = parseCsv(csvText).filter((r) => r.some((cell) => cell.trim() !== ''));
  const header = rows[0];
  if (!header) return { ...empty, csvProblem: 'empty' };
  const at = {
    name: column(header, HEADERS.name),
    externalId: column(header, HEADERS.externalId),
    notes: column(header, HEADERS.notes),
  };
  if (at.name < 0) return { ...empty, csvProblem: 'noNameColumn' };

  const byId = new Map<string, Person>();
  const byName = new Map<string, Person[]>();
  for (const p of enrolled) {
    if (p.externalId) byId.set(p.externalId.trim().toLowerCase(), p);
    const k = nameKey(p.name);
    byName.set(k, [...(byName.get(k) ?? []), p]);
  }

  const seenIds = new Set<string>();
  const seenNames = new Map<string, number>();
  const people: PlannedPerson<F>[] = rows.slice(1).map((cells, i) => {
    const line = i + 2;
    const cell = (k: number) => (k >= 0 ? (cells[k] ?? '').trim() : '');
    const name = cell(at.name);
    const externalId = cell(at.externalId) || null;
    const notes = cell(at.notes) || null;
    const planned: PlannedPerson<F> = { line, name, externalId, notes, existing: null, photos: [], problem: null };
    const problem = ((): Reason | null => {
      if (!name) return { key: 'noName' };
      if (lineTextProblem(name, 'Name') || name.length > NAME_MAX) return { key: 'badName', values: { max: NAME_MAX } };
      if (externalId && (lineTextProblem(externalId, 'ID') || externalId.length > EXTERNAL_ID_MAX))
        return { key: 'badId', values: { max: EXTERNAL_ID_MAX } };
      if (notes && notes.length > NOTES_MAX) return { key: 'notesTooLong', values: { max: NOTES_MAX } };
      if (i >= MAX_PEOPLE_PER_IMPORT) return { key: 'overPeopleLimit', values: { limit: MAX_PEOPLE_PER_IMPORT } };
      const idKey = externalId?.toLowerCase();
      if (idKey) {
        if (seenIds.has(idKey)) return { key: 'duplicateId', values: { id: externalId! } };
        seenIds.add(idKey);
      }
      // Two rows of one name without IDs are the same person twice, or two people nobody can tell apart.
      const earlier = seenNames.get(nameKey(name));
      if (!idKey && earlier !== undefined) return { key: 'duplicateName', values: { line: earlier } };
      if (!idKey) seenNames.set(nameKey(name), line);
      // An ID names the person; without one, a name names them only when one enrolled person has it.
      const sameId = idKey ? byId.get(idKey) : undefined;
      if (sameId) planned.existing = sameId;
      else if (!idKey) {
        const namesakes = byName.get(nameKey(name)) ?? [];
        if (namesakes.length > 1) return { key: 'ambiguousExisting', values: { count: namesakes.length } };
        planned.existing = namesakes[0] ?? null;
      }
      return null;
    })();
    planned.problem = problem;
    if (problem) planned.existing = null;
    return planned;
  });

  // Photos: by external ID or by name; a key that names two rows is nobody's. Only rows that are
  // imported take photos; a photo of a refused row says which line refused it.
  const keysOf = (p: PlannedPerson<F>) =>
    new Set([p.externalId ? nameKey(p.externalId) : null, p.name ? nameKey(p.name) : null].filter((k) => k !== null));
  const rowsByKey = new Map<string, PlannedPerson<F>[]>();
  const refusedByKey = new Map<string, number>();
  for (const p of people) {
    for (const k of keysOf(p)) {
      if (p.problem) refusedByKey.set(k, refusedByKey.get(k) ?? p.line);
      else rowsByKey.set(k, [...(rowsByKey.get(k) ?? []), p]);
    }
  }
  const unmatched: ImportPlan<F>['unmatched'] = [];
  for (const file of files) {
    if (file.type && !file.type.startsWith('image/')) {
      unmatched.push({ file, reason: { key: 'notImage' } });
      continue;
    }
    const keys = photoKeys(file);
    const key = keys.find((k) => rowsByKey.has(k) || refusedByKey.has(k)) ?? keys[0]!;
    const candidates = rowsByKey.get(key) ?? [];
    if (candidates.length === 0) {
      const refusedLine = refusedByKey.get(key);
      unmatched.push({
        file,
        reason: refusedLine
          ? { key: 'rowRefused', values: { line: refusedLine } }
          : { key: 'noMatch', values: { key } },
      });
      continue;
    }
    if (candidates.length > 1) {
      unmatched.push({ file, reason: { key: 'ambiguousMatch', values: { key, count: candidates.length } } });
      continue;
    }
    const owner = candidates[0]!;
    if (file.size > MAX_IMAGE_BYTES) unmatched.push({ file, reason: { key: 'tooLarge' } });
    else if (owner.photos.length >= MAX_PHOTOS_PER_PERSON)
      unmatched.push({ file, reason: { key: 'overPhotoLimit', values: { limit: MAX_PHOTOS_PER_PERSON } } });
    else owner.photos.push(file);
  }
  return { people, unmatched, csvProblem: null };
}
