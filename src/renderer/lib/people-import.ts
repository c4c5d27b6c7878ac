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
    | 'notImage'
    | 'createFailed';
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
  /** The existing person has no external ID yet and gets the row's. */
  setsExternalId: boolean;
  photos: F[];
  /** Set when the row is not imported. */
  problem: Reason | null;
}

export interface ImportPlan<F extends PhotoFile = PhotoFile> {
  people: PlannedPerson<F>[];
  /** Files no row takes, each with the reason. */
  unmatched: { file: F; reason: Reason }[];
  /** Trouble with the CSV as a whole (no header, no name column): nothing can be planned. */
  csvProblem: 'empty' | 'noNameColumn' | 'tooLarge' | 'unclosedQuote' | null;
}

/** One CSV record and the line of the file it starts on (1-based). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/**
 * RFC 4180 CSV (quotes, doubled quotes, line breaks inside quotes, CRLF), with a comma or a semicolon
 * (whichever the first non-empty line has more of). null when a quote is never closed: the rest of the
 * file would be one cell, and every row after it lost.
 */
export function parseCsv(text: string): CsvRecord[] | null {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const sep = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const records: CsvRecord[] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\n') line += 1;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else if (c === '\r' && body[i + 1] === '\n') continue;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === sep) {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') {
        i++;
        line += 1;
      } else if (c === '\r') line += 1;
      row.push(cell);
      records.push({ line: rowLine, cells: row });
      row = [];
      cell = '';
      rowLine = line;
    } else cell += c;
  }
  if (quoted) return null;
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    records.push({ line: rowLine, cells: row });
  }
  return records;
}

/** Files a photo can be: the formats the engine reads (engine/photo-file.ts). */
const PHOTO_EXTENSION = /\.(jpe?g|png|webp)$/i;

/** Column names each field is known by, most specific first ("external id" wins over a bare "id"). */
const HEADERS = {
  name: ['name', 'full name', 'employee name', 'person', 'employee', '姓名', '名字'],
  externalId: [
    'external id',
    'external_id',
    'externalid',
    'employee id',
    'employee_id',
    'id number',
    '工号',
    '编号',
    'id',
  ],
  notes: ['notes', 'note', 'comments', 'comment', '备注'],
};

function column(header: string[], names: readonly string[]): number {
  const cells = header.map((h) => h.trim().toLowerCase());
  for (const name of names) {
    const at = cells.indexOf(name);
    if (at >= 0) return at;
  }
  return -1;
}

/**
 * The keys a photo may be matched by, tried in this order: the folder it is in ("Ada_Lovelace/1.jpg"),
 * its file name without the extension ("E-1912.jpg"), and that without a trailing photo number as well
 * ("E-1815_2.jpg", "Ada Lovelace (3).png"). The first key that names a row is the photo's. (A chosen
 * folder of flat files puts the folder's own name first; it names nobody, so the file name decides.)
 * Underscores count as spaces, as in LFW's folder names and `presence import`.
 */
export function photoKeys(file: PhotoFile): string[] {
  const key = (raw: string) => nameKey(raw.replace(/_/g, ' '));
  const { folder, stem } = partsOf(file);
  const unnumbered = stem.replace(/(?:[ _-]+\d{1,4}|\s*\(\d{1,4}\))$/, '');
  return [...new Set([...(folder ? [key(folder)] : []), key(stem), key(unnumbered)].filter(Boolean))];
}

/** A photo's folder (null when chosen as a file), how deep it lies, and its name without the extension. */
function partsOf(file: PhotoFile): { folder: string | null; depth: number; stem: string } {
  const parts = file.path.split('/').filter(Boolean);
  return {
    folder: parts.length >= 2 ? parts[parts.length - 2]! : null,
    depth: parts.length,
    stem: file.name.replace(/\.[^.]*$/, ''),
  };
}

/** The name a photo was looked up by, as the administrator wrote it: its person folder, else its file name. */
function shownKey(file: PhotoFile): string {
  const { folder, depth, stem } = partsOf(file);
  // One level down is the chosen folder itself, which names nobody: the file name is what was looked up.
  return depth >= 3 && folder ? folder : stem;
}

/** The plan for a CSV and a set of photos against the people enrolled now. */
export function planImport<F extends PhotoFile>(
  csvText: string,
  files: readonly F[],
  enrolled: readonly Person[],
): ImportPlan<F> {
  const empty: ImportPlan<F> = { people: [], unmatched: [], csvProblem: null };
  if (csvText.length > MAX_CSV_BYTES) return { ...empty, csvProblem: 'tooLarge' };
  const parsed = parseCsv(csvText);
  if (!parsed) return { ...empty, csvProblem: 'unclosedQuote' };
  const rows = parsed.filter((r) => r.cells.some((cell) => cell.trim() !== ''));
  const header = rows[0]?.cells;
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
  const people: PlannedPerson<F>[] = rows.slice(1).map(({ cells, line }, i) => {
    const cell = (k: number) => (k >= 0 ? (cells[k] ?? '').trim() : '');
    const name = cell(at.name);
    const externalId = cell(at.externalId) || null;
    const notes = cell(at.notes) || null;
    const planned: PlannedPerson<F> = {
      line,
      name,
      externalId,
      notes,
      existing: null,
      setsExternalId: false,
      photos: [],
      problem: null,
    };
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
      else {
        const namesakes = byName.get(nameKey(name)) ?? [];
        if (!idKey) {
          if (namesakes.length > 1) return { key: 'ambiguousExisting', values: { count: namesakes.length } };
          planned.existing = namesakes[0] ?? null;
        } else {
          // A new ID for someone enrolled under this name without one: them (the ID is added), not a
          // second person; with an ID of their own, the namesake is someone else.
          const withoutId = namesakes.filter((p) => !p.externalId);
          if (withoutId.length > 1) return { key: 'ambiguousExisting', values: { count: withoutId.length } };
          if (withoutId.length === 1) {
            planned.existing = withoutId[0]!;
            planned.setsExternalId = true;
          }
        }
      }
      return null;
    })();
    planned.problem = problem;
    if (problem) {
      planned.existing = null;
      planned.setsExternalId = false;
    }
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
    if (file.name.startsWith('.') || !PHOTO_EXTENSION.test(file.name)) {
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
          : { key: 'noMatch', values: { key: shownKey(file) } },
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
