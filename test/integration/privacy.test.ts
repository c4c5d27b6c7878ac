// Biometric privacy on a real SQLite file, the real engine and real LFW photos: consent as a history
// with versioned texts, withdrawal that erases face data at once, erasure that leaves neither the name
// nor any template, chip or thumbnail bytes in the database, WAL or SHM file, the subject access ZIP,
// and the retention rules on a clock moved forward.
import fs from 'node:fs';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaceEngine } from '../../src/main/engine';
import { createInProcessEngine } from '../../src/main/engine/engine';
import { AdminSession } from '../../src/main/domain/admin-session';
import type { ChannelName, InputOf } from '../../src/shared/contract';
import { tempApp, type TempApp } from '../helpers/temp-app';
import { runPresence } from '../helpers/cli';

const FACES = path.resolve(__dirname, '../fixtures/faces');
const bytesOf = (name: string) => new Uint8Array(fs.readFileSync(path.join(FACES, name)));
const DAY = 86_400_000;

let engine: FaceEngine;
let t: TempApp;
let clock: number;
const session = new AdminSession();

beforeAll(async () => {
  engine = createInProcessEngine();
  await engine.start();
});
afterAll(async () => {
  await engine.stop();
});

beforeEach(async () => {
  clock = Date.parse('2026-11-30T08:00:00Z');
  // The shared engine, which an app's close must not stop.
  const shared: FaceEngine = {
    defaultEncoderId: engine.defaultEncoderId,
    start: (options) => engine.start(options),
    status: () => engine.status(),
    analyze: (input, options) => engine.analyze(input, options),
    embedChips: (chips) => engine.embedChips(chips),
    stop: () => Promise.resolve(),
  };
  t = tempApp({ engine: shared, now: () => clock });
  await t.app.startEngine();
  t.app.updateSettings({ timeZone: 'UTC' }, 'admin');
});
afterEach(async () => {
  await t.cleanup();
});

/** A channel through the app's own handlers, as the screens call it (an unlocked admin session). */
async function call<C extends ChannelName>(name: C, input: InputOf<C>) {
  const handler = t.app.handlers()[name] as (i: unknown, ctx: { session: AdminSession }) => unknown;
  return handler(input, { session }) as Promise<never>;
}

/** Enrolls a new person from photos through the screens' channel, with consent to `textVersion`. */
async function enroll(name: string, photos: string[], textVersion = 1, extra: object = {}): Promise<string> {
  const r = (await call('enroll.importPhotos', {
    newPerson: { name, ...extra },
    photos: photos.map((p) => ({ name: p, bytes: bytesOf(p) })),
    consent: { given: true, by: 'Front desk', textVersion },
  })) as { person: { id: string } | null };
  expect(r.person).not.toBeNull();
  return r.person!.id;
}

function punch(personId: string, atMs: number, kind: 'in' | 'out' = 'in') {
  const at = new Date(atMs).toISOString();
  return t.app.store.attendance.record({ personId, kind, at, localDay: at.slice(0, 10), station: 'Door' });
}

describe('consent as a history', () => {
  it('records each enrollment as its own event with the text version shown, in both languages', async () => {
    const text = await call('privacy.consentText', undefined);
    expect(text).toMatchObject({ version: 1, texts: { en: expect.stringMatching(/withdraw/), 'zh-CN': /撤回/ } });
    const ada = await enroll('Ada', ['George_W_Bush_0001.jpg']);
    clock += 60_000;
    await call('enroll.importPhotos', {
      personId: ada,
      photos: [{ name: 'b.jpg', bytes: bytesOf('George_W_Bush_0002.jpg') }],
      consent: { given: true, by: 'HR office', textVersion: 1 },
    });
    const history = t.app.people.consentHistory(ada);
    expect(history.map((e) => [e.kind, e.recordedBy, e.method, e.textVersion])).toEqual([
      ['given', 'Front desk', 'import', 1],
      ['given', 'HR office', 'import', 1],
    ]);
    expect(t.app.people.get(ada)).toMatchObject({ consentBy: 'HR office' });
    // The screens import photos one call each: the same consent again is no new event.
    await call('enroll.importPhotos', {
      personId: ada,
      photos: [{ name: 'c.jpg', bytes: bytesOf('Al_Gore_0001.jpg') }],
      consent: { given: true, by: 'HR office', textVersion: 1 },
      acceptDuplicates: true,
    });
    expect(t.app.people.consentHistory(ada)).toHaveLength(2);
  });

  it('refuses consent to a text that is no longer in force, before looking at any photo', async () => {
    const v2 = await call('privacy.setConsentText', {
      en: 'Version two of our consent text, in English.',
      'zh-CN': '我们的同意书第二版，中文文本。',
    });
    expect(v2).toMatchObject({ version: 2 });
    await expect(
      call('enroll.importPhotos', {
        newPerson: { name: 'Late' },
        photos: [{ name: 'a.jpg', bytes: bytesOf('Al_Gore_0001.jpg') }],
        consent: { given: true, by: 'Front desk', textVersion: 1 },
      }),
    ).rejects.toMatchObject({ code: 'CONSENT_REQUIRED', message: expect.stringMatching(/version 2 is in force/) });
    expect(t.app.people.list()).toEqual([]);
    const late = await enroll('Late', ['Al_Gore_0001.jpg'], 2);
    expect(t.app.people.consentHistory(late).map((e) => e.textVersion)).toEqual([2]);
    // The old version stays stored: the events that name it can still be shown with it.
    const stored = t.app.store.db.prepare('SELECT version FROM consent_texts ORDER BY version').all();
    expect(stored).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it('withdrawal erases the face data at once; the person stays and can be enrolled again', async () => {
    const ada = await enroll('Ada', ['George_W_Bush_0001.jpg']);
    expect(t.app.index.size).toBe(1);
    const r = await call('people.withdrawConsent', { id: ada, recordedBy: 'HR office' });
    expect(r).toMatchObject({ templatesErased: 1, thumbnailErased: true, event: { kind: 'withdrawn' } });
    expect(t.app.index.size).toBe(0);
    expect(t.app.people.get(ada)).toMatchObject({ templateCount: 0, hasThumbnail: false, consentAt: null });
    const rows = t.app.store.db.prepare('SELECT count(*) AS n FROM face_templates').get();
    expect(rows).toEqual({ n: 0 });
    expect(t.app.store.audit.list({ limit: 3 }).map((e) => e.action)).toContain('person.face_data_erased');
    await call('enroll.importPhotos', {
      personId: ada,
      photos: [{ name: 'b.jpg', bytes: bytesOf('George_W_Bush_0002.jpg') }],
      consent: { given: true, by: 'Front desk', textVersion: 1 },
    });
    expect(t.app.people.consentHistory(ada).map((e) => e.kind)).toEqual(['given', 'withdrawn', 'given']);
  });
});

/** Every occurrence of `needle` in the database's files (database, WAL, SHM). */
function filesHolding(dbPath: string, needle: Uint8Array): string[] {
  return [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].filter(
    (f) => fs.existsSync(f) && fs.readFileSync(f).includes(Buffer.from(needle)),
  );
}

describe('erasure', () => {
  it('needs the name typed again, and then leaves no name, template, chip or photo bytes on disk', async () => {
    const name = 'Zebulon Quixote-Marchetti';
    const zeb = await enroll(name, ['George_W_Bush_0001.jpg', 'George_W_Bush_0002.jpg'], 1, {
      externalId: 'ZQM-4711',
      notes: 'Night shift, prefers Zebulon',
    });
    const other = await enroll('Al Gore', ['Al_Gore_0001.jpg']);
    punch(zeb, clock - 3_600_000);
    punch(zeb, clock - 60_000, 'out');
    const db = t.app.store.db;
    const blobs = [
      ...(
        db.prepare('SELECT embedding, chip FROM face_templates WHERE person_id = ?').all(zeb) as {
          embedding: Buffer;
          chip: Buffer | null;
        }[]
      ).flatMap((r) => [r.embedding, ...(r.chip ? [r.chip] : [])]),
      (db.prepare('SELECT thumbnail FROM people WHERE id = ?').get(zeb) as { thumbnail: Buffer }).thumbnail,
    ];
    expect(blobs.length).toBeGreaterThanOrEqual(4);
    const needles = [name, 'ZQM-4711', 'prefers Zebulon'].map((s) => new TextEncoder().encode(s));
    // Statistics as PRAGMA optimize gathers them: sqlite_stat4 then holds sample keys of the indexes.
    db.exec('ANALYZE');
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_stat4 WHERE tbl = 'people'").get()).not.toEqual({ n: 0 });
    // The check can fail: before erasure, the name and the blobs are on disk.
    expect(filesHolding(t.databasePath, needles[0]!)).not.toEqual([]);

    await expect(call('people.erase', { id: zeb, confirmName: 'Zebulon' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(t.app.people.get(zeb).templateCount).toBe(2);

    const r = await call('people.erase', { id: zeb, confirmName: '  zebulon   quixote-marchetti ' });
    expect(r).toMatchObject({ erased: true, attendance: 'kept', attendanceRows: 2, label: /^Erased [0-9A-F]{8}$/ });
    expect(t.app.index.size).toBe(1);
    // Payroll still adds up, under the label.
    const kept = t.app.attendance.list({ from: '2026-11-30', to: '2026-11-30' });
    expect(kept.map((e) => [e.personName, e.externalId])).toEqual([
      [(r as { label: string }).label, null],
      [(r as { label: string }).label, null],
    ]);
    expect(t.app.store.audit.list({ limit: 1 })[0]).toMatchObject({
      action: 'person.erase',
      details: { templatesErased: 2, attendance: 'keep', attendanceKept: 2, attendanceDeleted: 0 },
    });

    for (const needle of [...needles, ...blobs]) expect(filesHolding(t.databasePath, needle)).toEqual([]);
    // Erased, not broken: the other person and the audit chain are untouched.
    expect(t.app.people.get(other).templateCount).toBe(1);
    expect(t.app.store.audit.verify().ok).toBe(true);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('deletes the attendance too when Settings say so, and then keeps no tombstone', async () => {
    t.app.updateSettings({ erasedAttendance: 'delete' }, 'admin');
    const ada = await enroll('Ada', ['George_W_Bush_0001.jpg']);
    punch(ada, clock - 60_000);
    const r = await call('people.erase', { id: ada, confirmName: 'Ada' });
    expect(r).toMatchObject({ attendance: 'deleted', attendanceRows: 1 });
    expect(t.app.store.people.listWithTombstones()).toEqual([]);
    expect(t.app.attendance.list({ from: '2026-01-01', to: '2026-12-31' })).toEqual([]);
  });
});

describe('subject access export', () => {
  it("is one ZIP with the person's record, consent history, attendance, photo and face images", async () => {
    const ada = await enroll('Zoë Ada', ['George_W_Bush_0001.jpg', 'George_W_Bush_0002.jpg'], 1, {
      externalId: 'E-7',
    });
    punch(ada, clock - 3_600_000);
    const file = (await call('people.export', { id: ada })) as { filename: string; mime: string; bytes: Uint8Array };
    expect(file.mime).toBe('application/zip');
    expect(file.filename).toMatch(/^presence-data-Zoe-Ada-2026-11-30\.zip$/);
    const zip = unzipSync(file.bytes);
    expect(Object.keys(zip).sort()).toEqual([
      'README.txt',
      'faces/face-01.jpg',
      'faces/face-02.jpg',
      'person.json',
      'photo.jpg',
    ]);
    for (const jpeg of ['photo.jpg', 'faces/face-01.jpg']) expect([...zip[jpeg]!.slice(0, 2)]).toEqual([0xff, 0xd8]);
    const record = JSON.parse(strFromU8(zip['person.json']!)) as Record<string, unknown>;
    expect(record).toMatchObject({
      person: { id: ada, name: 'Zoë Ada', externalId: 'E-7', photo: 'photo.jpg' },
      consent: [{ kind: 'given', recordedBy: 'Front desk', method: 'import', textVersion: 1 }],
      attendance: [{ kind: 'in', station: 'Door', source: 'kiosk' }],
      faceTemplates: [{ image: 'faces/face-01.jpg' }, { image: 'faces/face-02.jpg' }],
      auditLog: { ok: true, head: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(strFromU8(zip['README.txt']!)).toMatch(/您在 Presence 中的数据/);
    expect(t.app.store.audit.list({ limit: 1 })[0]).toMatchObject({ action: 'person.export', subjectId: ada });
  });
});

describe('retention', () => {
  it('runs on a clock moved forward: face data of people not seen goes, old attendance is anonymised', async () => {
    const start = clock;
    const seen = await enroll('Seen Often', ['George_W_Bush_0001.jpg']);
    const gone = await enroll('Long Gone', ['Al_Gore_0001.jpg']);
    punch(gone, start - 400 * DAY);
    punch(gone, start - 400 * DAY + 8 * 3_600_000, 'out');
    t.app.updateSettings({ faceDataRetentionDays: 30, attendanceRetentionMonths: 12 }, 'admin');

    // 40 days on; Seen Often checked in yesterday.
    clock = start + 40 * DAY;
    punch(seen, clock - DAY);
    const preview = await call('privacy.overview', undefined);
    expect(preview).toMatchObject({
      retention: {
        faceData: { people: 1, templates: 1, thumbnails: 1 },
        attendance: { anonymised: 2, deleted: 0 },
        lastRunAt: null,
      },
    });
    expect(t.app.retention.runIfDue()).toMatchObject({
      faceData: { people: 1, templates: 1 },
      attendance: { anonymised: 2 },
    });
    expect(t.app.people.get(gone)).toMatchObject({ templateCount: 0, hasThumbnail: false, name: 'Long Gone' });
    expect(t.app.people.get(seen).templateCount).toBe(1);
    expect(t.app.index.size).toBe(1);
    // The old day's hours still add up, under an anonymous label that names nobody.
    const oldDay = new Date(start - 400 * DAY).toISOString().slice(0, 10);
    const anonymised = t.app.attendance.list({ from: oldDay, to: oldDay });
    expect(anonymised).toHaveLength(2);
    expect(new Set(anonymised.map((e) => e.personName)).size).toBe(1);
    expect(anonymised[0]!.personName).toMatch(/^Anonymous [0-9A-F]{8}$/);
    expect(anonymised.every((e) => e.personId !== gone && e.distance === null)).toBe(true);
    const run = t.app.store.audit.list({ limit: 1 })[0]!;
    expect(run).toMatchObject({ action: 'retention.run', actor: 'system' });
    expect(JSON.stringify(run.details)).not.toMatch(/Long Gone/);

    // Daily: not again within a day; a day later it runs (and finds nothing more).
    clock += 3_600_000;
    expect(t.app.retention.runIfDue()).toBeNull();
    clock += DAY;
    expect(t.app.retention.runIfDue()).toMatchObject({ faceData: { people: 0 }, attendance: { anonymised: 0 } });
  });

  it('deletes old attendance when told to, and does nothing while the rules are off', async () => {
    const ada = await enroll('Ada', ['George_W_Bush_0001.jpg']);
    punch(ada, clock - 800 * DAY);
    expect(t.app.retention.runIfDue()).toBeNull();
    t.app.updateSettings({ attendanceRetentionMonths: 24, oldAttendance: 'delete' }, 'admin');
    expect(t.app.retention.preview()).toMatchObject({ attendance: { anonymised: 0, deleted: 1 } });
    expect(await call('privacy.runRetention', undefined)).toMatchObject({ attendance: { deleted: 1 } });
    expect(t.app.store.db.prepare('SELECT count(*) AS n FROM attendance_events').get()).toEqual({ n: 0 });
    expect(t.app.people.get(ada).templateCount).toBe(1);
  });
});

// Last: each CLI run builds and stops an engine of its own in this process, which the shared one cannot
// outlive.
describe('the command line', () => {
  it('presence people export writes the ZIP', async () => {
    await enroll('Ada', ['George_W_Bush_0001.jpg']);
    const out = path.join(t.dir, 'ada.zip');
    const r = await runPresence(t.databasePath, ['people', 'export', 'Ada', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(Object.keys(unzipSync(new Uint8Array(fs.readFileSync(out))))).toContain('person.json');
    if (process.platform !== 'win32') expect(fs.statSync(out).mode & 0o777).toBe(0o600);
  }, 60_000);

  it('the CLI import records consent only with --consent-recorded-by', async () => {
    const dir = path.join(t.dir, 'photos', 'Al_Gore');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(FACES, 'Al_Gore_0001.jpg'), path.join(dir, 'a.jpg'));
    const refused = await runPresence(t.databasePath, ['import', path.dirname(dir)]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/--consent-recorded-by/);
    expect(t.app.store.people.list()).toEqual([]);
    const done = await runPresence(t.databasePath, [
      'import',
      path.dirname(dir),
      '--consent-recorded-by',
      'Dana at HR',
    ]);
    expect(done.code, done.err).toBe(0);
    const gore = t.app.store.people.list()[0]!;
    expect(t.app.store.consent.history(gore.id)).toMatchObject([
      { kind: 'given', recordedBy: 'Dana at HR', method: 'cli', textVersion: 1 },
    ]);
  }, 60_000);
});
