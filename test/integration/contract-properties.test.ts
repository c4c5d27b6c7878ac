// Property tests of the whole contract through the real dispatcher, on a real app: a real SQLite file,
// the real engine (WASM) on real photos. For every channel, generated input, well-formed or hostile,
// gets a typed result: `{ ok: true, value }` or a known error code with a sentence, never INTERNAL and
// never a throw; and every admin channel refuses a locked session whatever it is sent.
//
// Runs are bounded so the normal suite stays fast (PRESENCE_PROPERTY_RUNS raises them for a deeper
// probe, e.g. 500). A failure prints fast-check's seed and the shrunk input that broke the property.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminSession } from '../../src/main/domain/admin-session';
import { createDispatcher, type Dispatch } from '../../src/main/transport/dispatch';
import { CHANNELS, contract, type ChannelName } from '../../src/shared/contract';
import { ERROR_CODES } from '../../src/shared/errors';
import { decodeMessage, encodeMessage } from '../../src/shared/wire';
import { frameOf } from '../helpers/camera-frame';
import { tempApp, type TempApp } from '../helpers/temp-app';

const RUNS = Number(process.env.PRESENCE_PROPERTY_RUNS ?? 20);
const fixtures = path.join(__dirname, '..', 'fixtures');
const read = (p: string) => new Uint8Array(fs.readFileSync(path.join(fixtures, p)));

const PIN = '246810';
let t: TempApp;
let dispatch: Dispatch;
const logged: string[] = [];
let personId = '';
let faceFrame: { width: number; height: number; rgba: Uint8Array };
let tensorsBefore = 0;

beforeAll(async () => {
  t = tempApp();
  dispatch = createDispatcher(t.app.handlers(), { error: (m, e) => logged.push(`${m}: ${String(e)}`) });
  await t.app.startEngine();
  const admin = { session: new AdminSession() };
  expect(await dispatch('admin.setPin', { newPin: PIN }, admin)).toMatchObject({ ok: true });
  const imported = await dispatch(
    'enroll.importPhotos',
    {
      newPerson: { name: 'Al Gore' },
      photos: [{ name: 'Al_Gore_0001.jpg', bytes: read('faces/Al_Gore_0001.jpg') }],
      consent: { given: true, by: 'property test', textVersion: 1 },
    },
    admin,
  );
  expect(imported).toMatchObject({ ok: true });
  personId = (imported as { ok: true; value: { person: { id: string } } }).value.person.id;
  faceFrame = await frameOf(path.join(fixtures, 'faces', 'Al_Gore_0001.jpg'));
  for (const photo of ['George_W_Bush_0001.jpg', 'George_W_Bush_0002.jpg', 'Aaron_Peirsol_0001.jpg']) {
    const shot = await dispatch('enroll.capture', { frame: await frameOf(path.join(fixtures, 'faces', photo)) }, admin);
    const id = shot.ok ? (shot.value as { shotId: string | null }).shotId : null;
    if (id) shotIds.push(id);
  }
  expect(shotIds.length).toBeGreaterThan(0);
  for (const time of ['08:00', '12:00', '17:00']) {
    const added = await dispatch(
      'attendance.add',
      { personId, kind: 'in', when: { day: '2026-12-01', time }, reason: 'property test' },
      admin,
    );
    if (added.ok) eventIds.push((added.value as { id: string }).id);
  }
  expect(eventIds.length).toBe(3);
  tensorsBefore = t.app.engine.status().tensors ?? -1;
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
});

// --- building blocks ------------------------------------------------------------------------------------

/** Pieces that have broken text handling before: NUL, bidi overrides, zero-width, lone surrogates, paths. */
const nastyPiece = fc.constantFrom(
  '\u0000',
  '\u202E',
  '\u2066',
  '\u200B',
  '\uFEFF',
  '\uD800',
  '\uDFFF',
  '\u0085',
  '%',
  '%E0%A4%A',
  '../../etc/passwd',
  '"; DROP TABLE people; --',
  '<script>alert(1)</script>',
  '=HYPERLINK("x")',
  ' ',
  'é',
  '李',
  '🙂',
);
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.oneof(nastyPiece, fc.string({ maxLength: 5 })), { maxLength: 8 }).map((a) => a.join('')),
  fc.integer({ min: 0, max: 5000 }).map((n) => 'x'.repeat(n)),
);
/** What Electron's structured clone can carry: maps, sets, dates, bigints, typed arrays, sparse arrays. */
const anyValue = fc.anything({
  maxDepth: 3,
  maxKeys: 6,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withSparseArray: true,
  withNullPrototype: true,
  withBoxedValues: true,
});
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -1, 1e-7, 1e-4, 0.5, 1, 2, 1e308, Number.NaN, Number.POSITIVE_INFINITY),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** Mostly the valid form, sometimes anything: a field-by-field mix still reaches the handlers often. */
const mostly = <T>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<unknown> = hostileString) =>
  fc.oneof({ arbitrary: valid, weight: 10 }, { arbitrary: other, weight: 1 });
/** Text a person would type, sometimes hostile. */
const text = mostly(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((x) => x.trim() !== ''));
/** A consent text: long enough to be one (the contract wants 20 characters), with hostile text inside. */
const consentText = mostly(
  fc.string({ unit: 'grapheme', minLength: 20, maxLength: 200 }).filter((x) => x.trim().length >= 20),
);
/** The enrolled person's id, another record's, or not an id at all. */
const uuid = mostly(
  fc.oneof(
    fc.constant('').map(() => personId),
    fc.uuid(),
  ),
);
const day = mostly(
  fc.oneof(
    fc.constantFrom('2026-12-02', '1970-01-01', '9999-12-31'),
    fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(2e12) }).map((d) => d.toISOString().slice(0, 10)),
  ),
  fc.oneof(fc.constantFrom('2026-02-30', '2026-13-01', '20261202'), hostileString),
);
const pin = fc.oneof(fc.stringMatching(/^\d{4,12}$/), fc.constant(PIN), hostileString);
const station = mostly(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/));
/** Kept shots of real faces (beforeAll), so that a commit can reach the store. */
const shotIds: string[] = [];
const shotId = mostly(
  fc.integer({ min: 0, max: 3 }).map((i) => shotIds[i] ?? ''),
  fc.oneof(fc.uuid(), hostileString),
);

const punchKind = mostly(fc.constantFrom('in', 'out', 'break'), fc.constantFrom('lunch', '', 'IN'));
/** A day and a clock time; now and then an impossible one (24:00, 8:5). */
const wallTime = fc.record({
  day,
  time: mostly(
    fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
    fc.constantFrom('24:00', '8:5', '12:60', ''),
  ),
});
/** Punches recorded in beforeAll, or ids of nothing. */
const eventIds: string[] = [];
const eventId = mostly(
  fc.integer({ min: 0, max: 3 }).map((i) => eventIds[i] ?? ''),
  fc.oneof(fc.uuid(), hostileString),
);
/** Kiosk choice and undo tokens: random ones are unknown, which must be refused with a sentence. */
const kioskToken = mostly(fc.uuid());

const pngHeader = (width: number, height: number) => {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  b.set([8, 6, 0, 0, 0], 24);
  return b;
};
const photoBytes = fc.oneof(
  fc.constantFrom(
    read('faces/Al_Gore_0001.jpg'),
    read('faces/George_W_Bush_0001.jpg'),
    read('images/two-faces.jpg'),
    read('images/no-face-gradient.jpg'),
    read('images/corrupt-truncated.jpg'),
    read('images/not-an-image.jpg'),
    read('images/face.png'),
    pngHeader(100_000, 100_000),
    new Uint8Array(0),
  ),
  fc.uint8Array({ maxLength: 2000 }),
);
const frame = fc.oneof(
  fc.constant(null).map(() => faceFrame),
  fc
    .record({ width: fc.integer({ min: 16, max: 48 }), height: fc.integer({ min: 16, max: 48 }) })
    .chain(({ width, height }) =>
      fc.record({
        width: fc.constant(width),
        height: fc.constant(height),
        rgba: fc.uint8Array({ minLength: width * height * 4, maxLength: width * height * 4 }),
      }),
    ),
  fc.record({
    width: fc.oneof(number, fc.integer({ min: 4097, max: 100_000 })),
    height: number,
    rgba: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.array(fc.integer(), { maxLength: 8 }), anyValue),
  }),
);
const person = fc.record(
  { name: text, externalId: fc.oneof(text, fc.constant(null)), notes: fc.oneof(text, fc.constant(null)) },
  { requiredKeys: ['name'] },
);
const consent = fc.record({
  given: mostly(fc.constant(true), anyValue),
  by: text,
  textVersion: mostly(fc.constant(1), anyValue),
});
/** Whose face: an existing person or a new one, and now and then both or neither (refused). */
const target = mostly(
  fc.oneof(fc.record({ personId: uuid }), fc.record({ newPerson: person })),
  fc.oneof(fc.record({ personId: uuid, newPerson: person }), fc.constant({})),
);
/** A set of photos (groups.*): random ids name no open set. */
const groupSession = mostly(fc.uuid());
const groupFaceIds = mostly(
  fc.array(
    fc.integer({ min: 0, max: 20 }).map((i) => `f${i}`),
    { minLength: 1, maxLength: 4 },
  ),
  fc.oneof(fc.constant([]), fc.array(hostileString, { maxLength: 3 })),
);
const noInput = fc.oneof(fc.constant(undefined), fc.constant({}), anyValue);
/** Two days, in order more often than not (the schema refuses a range that ends before it starts). */
const days = fc
  .tuple(day, day, fc.integer({ min: 0, max: 3 }))
  .map(([a, b, swap]) => (swap > 0 && typeof a === 'string' && typeof b === 'string' && a > b ? [b, a] : [a, b]));
const dateRange = fc
  .tuple(days, maybe(uuid))
  .map(([[from, to], personId]) => (personId === undefined ? { from, to } : { from, to, personId }));

/** A settings patch; `field` decides whether each field is always valid or mostly valid. */
function settingsPatch(field: <T>(valid: fc.Arbitrary<T>, other?: fc.Arbitrary<unknown>) => fc.Arbitrary<unknown>) {
  return fc.record(
    {
      cameraId: field(fc.oneof(fc.string({ maxLength: 512 }), fc.constant(null))),
      threshold: field(fc.oneof(fc.double({ min: 0.05, max: 2, noNaN: true }), fc.constant(null)), number),
      margin: field(fc.double({ min: 0, max: 1, noNaN: true }), number),
      targetFar: field(fc.double({ min: 1e-6, max: 0.1, noNaN: true }), number),
      cooldownMinutes: field(fc.integer({ min: 0, max: 24 * 60 }), number),
      syncIntervalSeconds: field(fc.integer({ min: 2, max: 3600 }), number),
      attendanceMode: field(fc.constantFrom('alternate', 'check_in_only', 'explicit'), fc.constantFrom('both', '')),
      minInOutMinutes: field(fc.integer({ min: 0, max: 12 * 60 }), number),
      dayStartsAt: field(fc.constantFrom('00:00', '04:00', '23:59'), fc.constantFrom('24:00', '4:00', '')),
      autoCheckOut: field(fc.constantFrom('23:00', '03:30', null), fc.constantFrom('25:00', 'noon')),
      livenessRequired: field(fc.boolean(), anyValue),
      stationName: field(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((x) => x.trim() !== '')),
      kiosk: fc.record(
        {
          greetingSeconds: field(fc.double({ min: 1, max: 30, noNaN: true }), number),
          sound: field(fc.boolean(), anyValue),
          mirror: field(fc.boolean(), anyValue),
        },
        { requiredKeys: [] },
      ),
      locale: field(fc.constantFrom('en', 'zh-CN'), fc.constantFrom('fr', '', 'EN')),
      timeZone: field(
        fc.constantFrom('Europe/Berlin', 'Asia/Shanghai', 'UTC', null),
        fc.oneof(fc.constant('Mars/Olympus'), hostileString),
      ),
      // Only null is sure to be taken: a folder must hold a trained model (models.inspect below).
      trainedModel: field(
        fc.constant(null),
        fc.oneof(fc.constantFrom('/tmp', '/nonexistent/model', '.'), hostileString),
      ),
    },
    { requiredKeys: [] },
  );
}

/** Input shaped like each channel's schema, with hostile values inside; the type makes it "every channel". */
const shaped: { [C in ChannelName]: fc.Arbitrary<unknown> } = {
  'app.info': noInput,
  'settings.get': noInput,
  'settings.set': fc.oneof(
    settingsPatch((valid) => valid),
    settingsPatch(mostly),
  ),
  'admin.status': noInput,
  'admin.unlock': fc.record({ pin }),
  'admin.lock': noInput,
  'admin.setPin': fc.record({ currentPin: maybe(pin), newPin: pin }, { requiredKeys: ['newPin'] }),
  'people.list': fc.oneof(noInput, fc.record({ query: maybe(text) })),
  'people.get': fc.record({ id: uuid }),
  'people.create': person,
  'people.update': fc.record(
    { id: uuid, name: text, externalId: fc.oneof(text, fc.constant(null)), notes: text },
    { requiredKeys: ['id'] },
  ),
  'people.erase': fc.record({ id: fc.oneof(fc.uuid(), hostileString), confirmName: text }),
  'people.export': fc.record({ id: uuid }),
  'people.consentHistory': fc.record({ id: uuid }),
  'people.withdrawConsent': fc.record({ id: uuid, recordedBy: text }),
  'people.thumbnail': fc.record({ id: uuid }),
  'people.templates': fc.record({ id: uuid }),
  'people.templateChip': fc.record({ templateId: mostly(fc.uuid()) }),
  'people.deleteTemplate': fc.record({ templateId: mostly(fc.uuid()) }),
  'attendance.list': dateRange,
  'attendance.report': dateRange,
  'attendance.export': fc
    .tuple(
      dateRange,
      mostly(fc.constantFrom('csv', 'xlsx'), fc.constantFrom('pdf', '', null)),
      maybe(mostly(fc.constantFrom('timesheet', 'events'))),
    )
    .map(([range, format, sheet]) => (sheet === undefined ? { ...range, format } : { ...range, format, sheet })),
  'attendance.add': fc.record({ personId: uuid, kind: punchKind, when: wallTime, reason: text }),
  'attendance.update': fc.record(
    { id: eventId, kind: maybe(punchKind), when: maybe(wallTime), reason: text },
    { requiredKeys: ['id', 'reason'] },
  ),
  'attendance.delete': fc.record({ id: eventId, reason: text }),
  'privacy.overview': noInput,
  'privacy.consentText': noInput,
  'privacy.setConsentText': fc.record({ en: consentText, 'zh-CN': consentText }),
  'privacy.runRetention': noInput,
  'privacy.verifyAudit': noInput,
  'engine.status': noInput,
  'models.inspect': fc.record({ dir: mostly(fc.constantFrom('/tmp', '/nonexistent/model', '.', '/etc/passwd')) }),
  'engine.calibrate': fc.oneof(fc.constant(undefined), fc.record({ targetFar: maybe(number) })),
  'kiosk.frame': fc.record(
    { frame, station, stationName: maybe(hostileString) },
    { requiredKeys: ['frame', 'station'] },
  ),
  'kiosk.reset': fc.record({ station }),
  'kiosk.punch': fc.record({ station, token: kioskToken, kind: punchKind }),
  'kiosk.undo': fc.record({ station, token: kioskToken }),
  'enroll.capture': fc.record(
    { frame, personId: maybe(uuid), session: maybe(fc.oneof(fc.uuid(), hostileString)) },
    { requiredKeys: ['frame'] },
  ),
  'enroll.commit': fc
    .tuple(target, fc.array(shotId, { minLength: 1, maxLength: 3 }), consent, maybe(mostly(fc.boolean(), anyValue)))
    .map(([who, shotIds, c, replace]) =>
      replace === undefined
        ? { ...(who as object), shotIds, consent: c }
        : { ...(who as object), shotIds, consent: c, replace },
    ),
  'enroll.discard': fc.record({ shotIds: fc.array(shotId, { maxLength: 60 }) }),
  'enroll.importPhotos': fc
    .tuple(
      target,
      mostly(fc.array(fc.record({ name: text, bytes: photoBytes }), { minLength: 1, maxLength: 3 }), fc.constant([])),
      consent,
      maybe(fc.oneof(fc.boolean(), anyValue)),
    )
    .map(([who, photos, c, acceptDuplicates]) => ({ ...(who as object), photos, consent: c, acceptDuplicates })),
  // Each run has its own admin session, so a set of photos is always another session's: these reach the
  // handlers as EXPIRED (test/integration/photo-grouping.test.ts drives a real set).
  'groups.open': noInput,
  'groups.addPhotos': fc.record({
    session: groupSession,
    photos: mostly(
      fc.array(fc.record({ name: text, bytes: photoBytes }), { minLength: 1, maxLength: 3 }),
      fc.constant([]),
    ),
  }),
  'groups.cluster': fc.record({ session: groupSession }),
  'groups.match': fc.record({ session: groupSession, faceIds: groupFaceIds }),
  'groups.enroll': fc
    .tuple(target, groupSession, groupFaceIds, consent, maybe(fc.oneof(fc.boolean(), anyValue)))
    .map(([who, session, faceIds, c, acceptDuplicates]) => ({
      ...(who as object),
      session,
      faceIds,
      consent: c,
      acceptDuplicates,
    })),
  'groups.close': fc.record({ session: groupSession }),
  'backup.status': noInput,
  'backup.configure': fc.oneof(
    fc.constant({ off: true }),
    fc.record(
      {
        // A real folder beside the test's database (made when first asked for), or one that is not there.
        folder: mostly(
          fc.constantFrom('backups', 'missing').map((name) => {
            const folder = path.join(t.dir, name);
            if (name === 'backups') fs.mkdirSync(folder, { recursive: true });
            return folder;
          }),
          fc.oneof(hostileString, fc.constant('relative/folder')),
        ),
        everyDays: mostly(fc.integer({ min: 1, max: 365 }), number),
        keep: mostly(fc.integer({ min: 1, max: 365 }), number),
        passphrase: maybe(mostly(fc.string({ minLength: 10, maxLength: 40 }))),
      },
      { requiredKeys: ['folder', 'everyDays', 'keep'] },
    ),
  ),
  'backup.now': noInput,
  // This app has joined no hub: status says so, a round is refused (SYNC_NOT_JOINED). A join is given
  // only addresses on this machine (port 1: refused at once) or text that is no address, and codes that
  // are no join code: nothing here may reach a network.
  'sync.status': noInput,
  'sync.now': noInput,
  'sync.join': fc.record({
    url: mostly(fc.constantFrom('postgres://127.0.0.1:1/presence', 'postgresql://localhost:1/hub'), hostileString),
    code: mostly(
      fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => `PJ1-${Buffer.from(b).toString('base64url')}`),
      hostileString,
    ),
  }),
};

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/** 'ok' or the error code of one result. */
function outcome(r: unknown): string {
  const result = r as { ok?: unknown; error?: { code?: unknown } };
  return result.ok === true ? 'ok' : String(result.error?.code);
}

/** A result the transports can carry and the screens can show: typed, and never the catch-all. */
function expectTyped(r: unknown): void {
  expect(r).toBeTypeOf('object');
  const result = r as { ok: unknown; value?: unknown; error?: { code: unknown; message: unknown } };
  if (result.ok === true) {
    expect(result).toHaveProperty('value');
  } else {
    expect(result.ok).toBe(false);
    expect(KNOWN_CODES.has(String(result.error?.code)), `unknown code ${String(result.error?.code)}`).toBe(true);
    expect(result.error?.code, String(result.error?.message)).not.toBe('INTERNAL');
    expect(typeof result.error?.message === 'string' && result.error.message.length > 0).toBe(true);
  }
  // The WebSocket transport must be able to frame it: no functions, bigints or cycles in a result.
  expect(() => decodeMessage(encodeMessage({ id: 1, result: r }))).not.toThrow();
}

function unlockedAdmin() {
  const session = new AdminSession();
  session.unlock();
  return { session };
}

// --- the properties ---------------------------------------------------------------------------------------

describe('every channel, through the real dispatcher', () => {
  it('has an input generator for every channel of the contract', () => {
    expect(Object.keys(shaped).sort()).toEqual([...CHANNELS].sort());
  });

  for (const channel of CHANNELS) {
    it(`${channel}: any input gives a typed result, never INTERNAL, never a throw`, async () => {
      const outcomes = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ arbitrary: shaped[channel], weight: 4 }, { arbitrary: anyValue, weight: 1 }),
          async (input) => {
            // A fresh unlocked session each run: one run's lock or wrong PIN must not decide the next one's path.
            const r = await dispatch(channel, input, unlockedAdmin());
            expectTyped(r);
            outcomes.set(outcome(r), (outcomes.get(outcome(r)) ?? 0) + 1);
          },
        ),
        { numRuns: RUNS },
      );
      // Not a vacuous pass: some inputs got past the schema into the handler. When the random runs all
      // happened to be refused by it (a channel with several fields that must all be right), more shaped
      // inputs are tried, as a property run would with a larger budget.
      if (![...outcomes.keys()].some((o) => o !== 'INVALID_INPUT'))
        for (const input of fc.sample(shaped[channel], 200)) {
          const r = await dispatch(channel, input, unlockedAdmin());
          expectTyped(r);
          outcomes.set(outcome(r), (outcomes.get(outcome(r)) ?? 0) + 1);
          if (outcome(r) !== 'INVALID_INPUT') break;
        }
      expect(logged).toEqual([]);
      expect(
        [...outcomes.keys()].some((o) => o !== 'INVALID_INPUT'),
        JSON.stringify([...outcomes]),
      ).toBe(true);
      if (process.env.PRESENCE_PROPERTY_VERBOSE)
        process.stderr.write(`${channel} ${JSON.stringify(Object.fromEntries(outcomes))}\n`);
    }, 120_000);
  }

  const adminChannels = CHANNELS.filter((c) => contract[c].access === 'admin');
  it('admin channels refuse a locked session, whatever they are sent, and change nothing', async () => {
    const before = JSON.stringify([
      await dispatch('people.list', undefined, unlockedAdmin()),
      await dispatch('settings.get', undefined, unlockedAdmin()),
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...adminChannels).chain((c) => fc.tuple(fc.constant(c), fc.oneof(shaped[c], anyValue))),
        async ([channel, input]) => {
          const r = await dispatch(channel, input, { session: new AdminSession() });
          expect(r).toMatchObject({ ok: false, error: { code: 'ADMIN_LOCKED' } });
        },
      ),
      { numRuns: RUNS * 5 },
    );
    const after = JSON.stringify([
      await dispatch('people.list', undefined, unlockedAdmin()),
      await dispatch('settings.get', undefined, unlockedAdmin()),
    ]);
    expect(after).toBe(before);
  }, 120_000);

  it('an unknown channel name is UNKNOWN_CHANNEL', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          // The names an `in` or a plain property lookup would find on any object, which no channel is.
          .oneof(
            fc.constantFrom('toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'),
            hostileString,
            anyValue,
          )
          .filter((c) => !(typeof c === 'string' && Object.prototype.hasOwnProperty.call(contract, c))),
        anyValue,
        async (channel, input) => {
          const r = await dispatch(channel, input, unlockedAdmin());
          expect(r).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
          expectTyped(r);
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });

  it('leaves no tensor behind and the database whole', async () => {
    expect(t.app.engine.status().tensors).toBe(tensorsBefore);
    const db = t.app.store.db;
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
