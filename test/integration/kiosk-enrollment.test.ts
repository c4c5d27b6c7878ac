// Enrollment and check-in through the real services, the real engine and models, on real LFW photos
// placed in 640x480 camera-sized frames, with a real SQLite file. Each test has its own database, app
// and clock, so none depends on another having run; the engine (stateless towards people) is started
// once and shared, as loading the models for every test would take most of the suite's time.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RgbaFrame } from '../../src/shared/face';
import { attendanceCsv } from '../../src/main/domain/attendance-export';
import { AdminSession } from '../../src/main/domain/admin-session';
import { createInProcessEngine } from '../../src/main/engine/engine';
import type { FaceEngine } from '../../src/main/engine';
import { photoInMemory } from '../../src/main/domain/photo-import';
import { tempApp, type TempApp } from '../helpers/temp-app';
import { frameOf } from '../helpers/camera-frame';

const FACES = path.resolve(__dirname, '../fixtures/faces');
const IMAGES = path.resolve(__dirname, '../fixtures/images');
const readFileBytes = (file: string) => new Uint8Array(fs.readFileSync(file));
/** A photo file for the import service, read when the import reaches it (as the CLI gives them). */
const photoFile = (name: string, file: string) => ({ name, read: () => Promise.resolve(readFileBytes(file)) });
const consent = { given: true as const, by: 'test administrator', textVersion: 1 };

/** Al Gore large on the left and Aaron Peirsol at about 60 % of his size on the right, as a JPEG. */
async function groupPhoto(): Promise<Uint8Array> {
  const big = await sharp(path.join(FACES, 'Al_Gore_0001.jpg')).resize(340, 340).toBuffer();
  const small = await sharp(path.join(FACES, 'Aaron_Peirsol_0001.jpg')).resize(200, 200).toBuffer();
  const jpeg = await sharp({
    create: { width: 640, height: 480, channels: 3, background: { r: 128, g: 128, b: 128 } },
  })
    .composite([
      { input: big, left: 20, top: 70 },
      { input: small, left: 400, top: 140 },
    ])
    .jpeg()
    .toBuffer();
  return new Uint8Array(jpeg);
}

let engine: FaceEngine;
let gore: RgbaFrame;
let bushFrame: RgbaFrame;
let crowd: RgbaFrame;
const blank: RgbaFrame = { width: 640, height: 480, rgba: new Uint8Array(640 * 480 * 4).fill(200) };

// This test's station: its own app on a fresh database, its own clock, and George W Bush on file.
let t: TempApp;
let clock: number;
let bush: string;

beforeAll(async () => {
  engine = createInProcessEngine();
  await engine.start();
  bushFrame = await frameOf(path.join(FACES, 'George_W_Bush_0002.jpg'));
  gore = await frameOf(path.join(FACES, 'Al_Gore_0001.jpg'));
  crowd = await frameOf(path.join(IMAGES, 'two-faces.jpg'));
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
  t.app.updateSettings({ timeZone: 'UTC', stationName: 'Front door' }, 'admin');
  bush = t.app.people.create({ name: 'George W Bush' }, 'admin').id;
});

afterEach(async () => {
  await t.cleanup();
});

/** Enrolls Bush from one photo (another than the one his camera frames show). */
async function enrollBush(): Promise<void> {
  const r = await t.app.enrollment.importPhotos({
    target: { personId: bush },
    photos: [photoFile('bush-1.jpg', path.join(FACES, 'George_W_Bush_0001.jpg'))],
    consent,
    source: 'import',
    actor: 'admin',
  });
  expect(r.commit?.added).toBe(1);
}

/** Frames of `frame` 200 ms apart until the kiosk greets (at most 5); the greeting, or null. */
async function greet(frame: RgbaFrame, station?: string, stationName?: string) {
  for (let i = 0; i < 5; i++) {
    clock += 200;
    const r = await t.app.kiosk.frame(frame, station, stationName);
    if (r.greeting) return r.greeting;
  }
  return null;
}

describe('enrollment', () => {
  it('enrolls a photo with consent, a template and an encrypted thumbnail', async () => {
    const { results, commit } = await t.app.enrollment.importPhotos({
      target: { personId: bush },
      photos: [photoFile('bush-1.jpg', path.join(FACES, 'George_W_Bush_0001.jpg'))],
      consent,
      source: 'import',
      actor: 'admin',
    });
    expect(results).toEqual([{ name: 'bush-1.jpg', ok: true, alreadyEnrolled: false, error: null, duplicateOf: null }]);
    expect(commit?.added).toBe(1);
    const person = t.app.people.get(bush);
    expect(person).toMatchObject({ templateCount: 1, hasThumbnail: true, consentBy: 'test administrator' });
    const thumb = t.app.people.thumbnail(bush);
    expect(thumb?.subarray(0, 2)).toEqual(new Uint8Array([0xff, 0xd8])); // a JPEG
    expect(t.app.index.size).toBe(1);
  });

  it('holds back a photo of someone already enrolled unless the administrator confirms it', async () => {
    await enrollBush();
    // Fresh bytes for each call: the engine is handed them.
    const photo = () => [photoFile('gwb.jpg', path.join(FACES, 'George_W_Bush_0002.jpg'))];
    const target = { newPerson: { name: 'Not Bush' } };
    const request = { target, consent, source: 'import' as const, actor: 'admin' as const };
    const held = await t.app.enrollment.importPhotos({ ...request, photos: photo() });
    expect(held.commit).toBeNull();
    expect(held.results[0]).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT', message: expect.stringContaining('looks like George W Bush') },
      duplicateOf: { name: 'George W Bush' },
    });
    expect(t.app.people.findByName('Not Bush')).toBeUndefined(); // nothing saved, Bush still recognised alone
    const confirmed = await t.app.enrollment.importPhotos({ ...request, photos: photo(), acceptDuplicates: true });
    expect(confirmed.results[0]).toMatchObject({ ok: true, duplicateOf: { name: 'George W Bush' } });
  });

  it('says a file is not an image, for each copy of it in one batch from the screens', async () => {
    const importPhotos = t.app.handlers()['enroll.importPhotos'];
    const bytes = new TextEncoder().encode('not a photo at all, just text');
    const ctx = { session: new AdminSession() };
    const r = await importPhotos(
      {
        personId: bush,
        photos: [
          { name: 'notes.jpg', bytes },
          { name: 'notes-copy.jpg', bytes },
        ],
        consent,
      },
      ctx,
    );
    // The second copy used to be "already enrolled": the hash was compared before the image was read.
    expect(r.results.map((x) => x.error?.code)).toEqual(['IMAGE_UNSUPPORTED', 'IMAGE_UNSUPPORTED']);
  });

  it('does not enroll the same photo file twice for a person, from the screens as from the CLI', async () => {
    // Through the channel handler, as the import step sends it: the file's hash is its source.
    const importPhotos = t.app.handlers()['enroll.importPhotos'];
    const bytes = new Uint8Array(fs.readFileSync(path.join(FACES, 'George_W_Bush_0001.jpg')));
    const ctx = { session: new AdminSession() };
    const before = t.app.people.get(bush).templateCount;
    const once = await importPhotos(
      {
        personId: bush,
        photos: [
          { name: 'a.jpg', bytes },
          { name: 'copy.jpg', bytes },
        ],
        consent,
      },
      ctx,
    );
    expect(once.results.map((r) => [r.ok, r.error?.code ?? null])).toEqual([
      [true, null],
      [false, 'CONFLICT'],
    ]);
    // A re-run: the stored file is known to be an image, so it costs no analysis.
    const analyze = vi.spyOn(t.app.engine, 'analyze');
    const again = await importPhotos({ personId: bush, photos: [{ name: 'a.jpg', bytes }], consent }, ctx);
    expect(analyze).not.toHaveBeenCalled();
    analyze.mockRestore();
    expect(again.results[0]).toMatchObject({
      ok: false,
      alreadyEnrolled: true,
      error: { message: expect.stringContaining('already enrolled') },
    });
    expect(t.app.people.get(bush).templateCount).toBe(before + 1);
  });

  it('skips bad photos with their reason and keeps the good ones; a new person only with a good one', async () => {
    const bad = () => [
      photoFile('corrupt.jpg', path.join(IMAGES, 'corrupt-truncated.jpg')),
      photoFile('nobody.jpg', path.join(IMAGES, 'no-face-gradient.jpg')),
    ];
    const newPerson = { newPerson: { name: 'Aaron Peirsol', externalId: 'SW-8' } };
    const none = await t.app.enrollment.importPhotos({
      target: newPerson,
      photos: bad(),
      consent,
      source: 'import',
      actor: 'admin',
    });
    expect(none.commit).toBeNull();
    expect(none.results.map((r) => r.ok)).toEqual([false, false]);
    expect(t.app.people.findByName('Aaron Peirsol')).toBeUndefined(); // nothing left behind

    const { results, commit } = await t.app.enrollment.importPhotos({
      target: newPerson,
      photos: [
        photoFile('corrupt.jpg', path.join(IMAGES, 'corrupt-truncated.jpg')),
        photoFile('nobody.jpg', path.join(IMAGES, 'no-face-gradient.jpg')),
        photoFile('two.jpg', path.join(IMAGES, 'two-faces.jpg')),
        // A large face and, beside it, a smaller one (under half its area) still big enough to recognise:
        // either could be the person meant, so the photo is refused rather than enrolled from the larger.
        photoInMemory('group.jpg', await groupPhoto()),
        photoFile('aaron.jpg', path.join(FACES, 'Aaron_Peirsol_0001.jpg')),
      ],
      consent,
      source: 'import',
      actor: 'admin',
    });
    expect(results.map((r) => [r.name, r.ok, r.error?.code ?? null])).toEqual([
      ['corrupt.jpg', false, 'IMAGE_CORRUPT'],
      ['nobody.jpg', false, 'NO_FACE'],
      ['two.jpg', false, 'MULTIPLE_FACES'],
      ['group.jpg', false, 'MULTIPLE_FACES'],
      ['aaron.jpg', true, null],
    ]);
    expect(commit?.person).toMatchObject({ name: 'Aaron Peirsol', externalId: 'SW-8', templateCount: 1 });
    expect(t.app.people.findByName('Aaron Peirsol')?.id).toBe(commit?.person.id);

    // Another new person with his ID number is refused at once, before any photo is analysed.
    const analyze = vi.spyOn(t.app.engine, 'analyze');
    await expect(
      t.app.enrollment.importPhotos({
        target: { newPerson: { name: 'A Namesake', externalId: 'SW-8' } },
        photos: bad(),
        consent,
        source: 'import',
        actor: 'admin',
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('Aaron Peirsol already has') });
    expect(analyze).not.toHaveBeenCalled();
    analyze.mockRestore();
    expect(t.app.people.findByName('A Namesake')).toBeUndefined();
  });

  it('keeps a good camera shot, refuses a frame without a face, and warns about a face enrolled as someone else', async () => {
    await enrollBush();
    // A new person in the wizard: nothing is created until the shots are saved.
    const newcomer = undefined;
    const none = await t.app.enrollment.capture(blank, newcomer);
    expect(none).toMatchObject({ accepted: false, shotId: null, guidance: ['no_face'] });
    const shot = await t.app.enrollment.capture(await frameOf(path.join(FACES, 'George_W_Bush_0001.jpg')), newcomer);
    expect(shot.accepted).toBe(true);
    expect(['front', 'left', 'right', 'up', 'down']).toContain(shot.pose);
    expect(shot.duplicateOf).toMatchObject({ personId: bush, name: 'George W Bush' });
    // Not saved: the administrator cancels after the warning.
    expect(t.app.enrollment.discard([shot.shotId!])).toEqual({ discarded: 1 });
    expect(() =>
      t.app.enrollment.commit({ newPerson: { name: 'Impostor' } }, [shot.shotId!], consent, 'admin'),
    ).toThrow(/expired|already saved/);
    expect(t.app.people.findByName('Impostor')).toBeUndefined();
  });

  it('creates a new person with their templates in one step when the shots are saved', async () => {
    const shot = await t.app.enrollment.capture(gore);
    expect(shot).toMatchObject({ accepted: true, duplicateOf: null });
    const saved = t.app.enrollment.commit({ newPerson: { name: 'Al Gore' } }, [shot.shotId!], consent, 'admin');
    expect(saved).toMatchObject({ added: 1, person: { name: 'Al Gore', templateCount: 1, hasThumbnail: true } });
    expect(saved.person.consentBy).toBe('test administrator');
    // The live gallery has him at once.
    const again = await t.app.engine.analyze({ kind: 'rgba', frame: gore }, { liveness: false });
    expect(t.app.index.identify(again.faces[0]!.embedding, t.app.settings()).personId).toBe(saved.person.id);
  });

  it('re-enrollment that replaces removes the earlier templates in the same save, and the gallery follows', async () => {
    await enrollBush(); // one imported template
    const shot = await t.app.enrollment.capture(bushFrame, bush);
    expect(shot.accepted).toBe(true);
    const saved = t.app.enrollment.commit({ personId: bush }, [shot.shotId!], consent, 'admin', true);
    expect(saved).toMatchObject({ added: 1, replaced: 1, person: { templateCount: 1 } });
    expect(t.app.store.templates.listMeta(bush).map((m) => m.source)).toEqual(['camera']);
    expect(t.app.store.audit.list().filter((a) => a.action === 'template.delete')).toHaveLength(1);
    // Still recognised, from the new template alone.
    const again = await t.app.engine.analyze({ kind: 'rgba', frame: bushFrame }, { liveness: false });
    expect(t.app.index.identify(again.faces[0]!.embedding, t.app.settings()).personId).toBe(bush);
    expect(t.app.index.size).toBe(1);
  });

  it("lists a person's templates with their face chip, and deletes one; the gallery follows at once", async () => {
    await enrollBush();
    const shot = await t.app.enrollment.capture(bushFrame, bush);
    t.app.enrollment.commit({ personId: bush }, [shot.shotId!], consent, 'admin');
    const listed = t.app.people.templates(bush);
    expect(listed.map((x) => [x.source, x.inUse, x.hasChip, x.damaged])).toEqual([
      ['import', true, true, false],
      ['camera', true, true, false],
    ]);
    expect(listed[0]!.encoderId).toBe(t.app.index.encoder.encoderId);
    const chip = t.app.people.templateChip(listed[0]!.id)!;
    expect([chip[0], chip[1]]).toEqual([0xff, 0xd8]); // a JPEG
    expect(t.app.people.deleteTemplate(listed[0]!.id, 'admin')).toEqual({ templateId: listed[0]!.id, deleted: true });
    expect(t.app.people.templates(bush).map((x) => x.source)).toEqual(['camera']);
    expect(t.app.index.size).toBe(1);
    expect(() => t.app.people.deleteTemplate(listed[0]!.id, 'admin')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(t.app.store.audit.list().filter((a) => a.action === 'template.delete')).toHaveLength(1);
  });

  it('re-enrollment that adds keeps the earlier templates', async () => {
    await enrollBush();
    const shot = await t.app.enrollment.capture(bushFrame, bush);
    const saved = t.app.enrollment.commit({ personId: bush }, [shot.shotId!], consent, 'admin');
    expect(saved).toMatchObject({ added: 1, replaced: 0, person: { templateCount: 2 } });
  });
});

describe('kiosk check-in', () => {
  beforeEach(enrollBush);

  it('a pass after the automatic check-out is the real check-out, which replaces the automatic one', async () => {
    expect((await greet(bushFrame))?.kind).toBe('in'); // 08:00
    t.app.updateSettings({ autoCheckOut: '12:00' }, 'admin');
    clock = Date.parse('2026-11-30T13:00:00Z');
    expect(t.app.attendance.sweep()).toBe(1);
    t.app.kiosk.reset();
    const late = await greet(bushFrame);
    expect(late).toMatchObject({ kind: 'out', recorded: true, reason: 'late_check_out' });
    const day = t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' });
    expect(day.map((e) => [e.kind, e.source])).toEqual([
      ['in', 'kiosk'],
      ['out', 'kiosk'],
    ]);
    expect(t.app.store.audit.list().filter((a) => a.action === 'attendance.replace_auto')).toHaveLength(1);

    // "Not you?": the real check-out goes, and the automatic one it replaced comes back.
    t.app.kiosk.undo('local', late!.undo!.token);
    const after = t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' });
    expect(after.map((e) => [e.kind, e.source])).toEqual([
      ['in', 'kiosk'],
      ['out', 'auto'],
    ]);
    expect(t.app.store.audit.list().filter((a) => a.action === 'attendance.restore')).toHaveLength(1);
  });

  it('a pass after an automatic check-out that an administrator corrected does not overrule the correction', async () => {
    expect((await greet(bushFrame))?.kind).toBe('in');
    t.app.updateSettings({ autoCheckOut: '12:00' }, 'admin');
    clock = Date.parse('2026-11-30T13:00:00Z');
    t.app.attendance.sweep();
    const auto = t.app.store.attendance
      .list({ from: '2026-11-30', to: '2026-11-30' })
      .find((e) => e.source === 'auto')!;
    t.app.attendance.update(auto.id, { when: { day: '2026-11-30', time: '11:30' } }, 'He left at 11:30', 'admin');
    t.app.kiosk.reset();
    clock = Date.parse('2026-11-30T14:00:00Z');
    expect(await greet(bushFrame)).toMatchObject({ kind: 'in', reason: 'toggled' });
  });

  it('greets by name alone, and adds the external ID when someone else enrolled has the same name', async () => {
    t.app.people.update(bush, { externalId: 'GWB-43' }, 'admin');
    expect((await greet(bushFrame))?.externalId).toBeNull();
    t.app.kiosk.reset();
    clock += 60 * 60_000;
    t.app.people.create({ name: 'george  w. bush'.replace('.', ''), externalId: 'GWB-41' }, 'admin');
    const again = await greet(bushFrame);
    expect(again).toMatchObject({ name: 'George W Bush', externalId: 'GWB-43' });
  });

  it('stays idle without a face and records nothing', async () => {
    const r = await t.app.kiosk.frame(blank);
    expect(r).toMatchObject({ state: 'idle', face: null, guidance: ['no_face'], greeting: null });
  });

  it('greets an enrolled person after a few consistent frames and records one check-in', async () => {
    const states: string[] = [];
    let greeting = null;
    for (let i = 0; i < 5 && !greeting; i++) {
      clock += 200;
      const r = await t.app.kiosk.frame(bushFrame);
      states.push(r.state);
      greeting = r.greeting;
      expect(r.face?.box.width).toBeGreaterThan(80);
    }
    // Another photo of him than the enrolled one, yet a strong match (within the table's distance at a
    // hundred times stricter rate, threshold.ts), so two frames in a row suffice; a weaker match needs
    // three of five (recognition-smoother tests).
    expect(states).toEqual(['pending', 'recognised']);
    expect(greeting).toMatchObject({ name: 'George W Bush', kind: 'in', recorded: true });
    const events = t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ personId: bush, kind: 'in', station: 'Front door', localDay: '2026-11-30' });
    expect(events[0]!.distance).toBeLessThan(t.app.index.threshold(t.app.settings()));
  });

  it('does not greet again while the person stays, and records nothing new inside the cooldown', async () => {
    expect(await greet(bushFrame)).toMatchObject({ kind: 'in', recorded: true });
    for (let i = 0; i < 4; i++) {
      clock += 200;
      expect((await t.app.kiosk.frame(bushFrame)).greeting).toBeNull();
    }
    // The screen sends nothing while its greeting shows; he is still there when it looks again.
    clock += 5_000;
    const states: string[] = [];
    for (let i = 0; i < 6; i++) {
      clock += 200;
      const r = await t.app.kiosk.frame(bushFrame);
      expect(r.greeting, 'greeted again after the greeting pause').toBeNull();
      states.push(r.state);
    }
    expect(states.at(-1), 'told he is all set, not asked to hold still').toBe('greeted');
    // Someone steps beside him for a moment, then leaves him standing there: still one visit.
    clock += 200;
    expect((await t.app.kiosk.frame(crowd)).guidance).toEqual(['multiple_faces']);
    for (let i = 0; i < 4; i++) {
      clock += 200;
      expect((await t.app.kiosk.frame(bushFrame)).greeting, 'greeted again after a crowded frame').toBeNull();
    }
    // The person leaves and comes back a minute later: greeted, not recorded again.
    clock += 500;
    await t.app.kiosk.frame(blank);
    clock += 60_000;
    let greeting = null;
    for (let i = 0; i < 5 && !greeting; i++) {
      clock += 200;
      greeting = (await t.app.kiosk.frame(bushFrame)).greeting;
    }
    expect(greeting).toMatchObject({ name: 'George W Bush', kind: 'in', recorded: false });
    expect(t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' })).toHaveLength(1);
  });

  it('does not check out a quick second pass, and says from when a pass counts as a check-out', async () => {
    const first = await greet(bushFrame);
    // Default settings: a pass from 30 minutes after the check-in checks out.
    expect(first).toMatchObject({ kind: 'in', recorded: true, nextOutAt: '2026-11-30T08:30:00.400Z' });
    await t.app.kiosk.frame(blank);
    clock += 10 * 60_000;
    expect(await greet(bushFrame)).toMatchObject({
      kind: 'in',
      recorded: false,
      reason: 'too_soon_to_check_out',
      nextOutAt: '2026-11-30T08:30:00.400Z',
      undo: null,
    });
    expect(t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' })).toHaveLength(1);
  });

  it('checks the person out after the minimum time in, under the name of the screen he passes', async () => {
    expect(await greet(bushFrame)).toMatchObject({ kind: 'in', recorded: true });
    await t.app.kiosk.frame(blank);
    // He leaves by a second screen on the same server, which names its own door.
    await t.app.kiosk.frame(blank, 'back', 'Back door');
    clock += 31 * 60_000;
    let greeting = null;
    for (let i = 0; i < 5 && !greeting; i++) {
      clock += 200;
      greeting = (await t.app.kiosk.frame(bushFrame, 'back', 'Back door')).greeting;
    }
    expect(greeting).toMatchObject({ name: 'George W Bush', kind: 'out', recorded: true });
    const events = t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' });
    expect(events.map((e) => [e.kind, e.station])).toEqual([
      ['in', 'Front door'],
      ['out', 'Back door'],
    ]);
    t.app.kiosk.reset('back');
  });

  it('tells a stranger they are not recognised and never records them', async () => {
    await t.app.kiosk.frame(blank);
    const before = t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' }).length;
    const states: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock += 200;
      const r = await t.app.kiosk.frame(gore);
      states.push(r.state);
      expect(r.greeting).toBeNull();
    }
    expect(states).toContain('unknown');
    expect(t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' })).toHaveLength(before);
  });

  it('keeps two kiosk screens on one server apart: each has its own frames and votes', async () => {
    // Door A sees him while door B, on the same server, sees an empty corridor and sends frames twice as
    // often. With one shared run, B's empty frames would break A's votes and B would be answered with
    // A's face.
    let greeting = null;
    const seenAtB: (string | null)[] = [];
    for (let i = 0; i < 5 && !greeting; i++) {
      clock += 200;
      const [atA, ...atB] = await Promise.all([
        t.app.kiosk.frame(bushFrame, 'door-a'),
        t.app.kiosk.frame(blank, 'door-b'),
        t.app.kiosk.frame(blank, 'door-b'),
      ]);
      greeting = atA.greeting;
      for (const r of atB) seenAtB.push(r.face ? 'face' : r.state);
    }
    expect(greeting).toMatchObject({ name: 'George W Bush', kind: 'in', recorded: true });
    expect(seenAtB.length).toBeGreaterThan(0);
    expect(new Set(seenAtB)).toEqual(new Set(['idle']));
    t.app.kiosk.reset('door-a');
    t.app.kiosk.reset('door-b');
  });

  it('exports the day as CSV with the check-in and check-out', async () => {
    expect(await greet(bushFrame)).toMatchObject({ kind: 'in', recorded: true });
    await t.app.kiosk.frame(blank, 'back', 'Back door');
    clock += 31 * 60_000;
    expect(await greet(bushFrame, 'back', 'Back door')).toMatchObject({ kind: 'out', recorded: true });
    const csv = attendanceCsv(t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' }), 'UTC');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe(
      'date,time,time_utc,person,external_id,person_id,kind,station,distance,liveness,source,corrected,reason',
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(3, 8))).toEqual([
      ['George W Bush', '', bush, 'in', 'Front door'],
      ['George W Bush', '', bush, 'out', 'Back door'],
    ]);
  });

  it('"Not you?" voids the punch a greeting recorded, once, at that screen only, and audits it', async () => {
    const greeting = await greet(bushFrame);
    expect(greeting?.undo).not.toBeNull();
    const token = greeting!.undo!.token;
    expect(() => t.app.kiosk.undo('another-screen', token)).toThrow(expect.objectContaining({ code: 'EXPIRED' }));
    t.app.kiosk.undo('local', token);
    expect(t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' })).toHaveLength(0);
    expect(() => t.app.kiosk.undo('local', token)).toThrow(expect.objectContaining({ code: 'EXPIRED' }));
    const audit = t.app.store.audit.list().filter((a) => a.action === 'attendance.void');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'kiosk' });
  });

  it('"Not you?" expires a few seconds after the greeting', async () => {
    const greeting = await greet(bushFrame);
    clock += 16_000;
    expect(() => t.app.kiosk.undo('local', greeting!.undo!.token)).toThrow(
      expect.objectContaining({ code: 'EXPIRED' }),
    );
    expect(t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' })).toHaveLength(1);
  });

  it('in explicit mode asks In, Out or Break, and records what the person taps', async () => {
    t.app.updateSettings({ attendanceMode: 'explicit' }, 'admin');
    let choice = null;
    for (let i = 0; i < 5 && !choice; i++) {
      clock += 200;
      const r = await t.app.kiosk.frame(bushFrame);
      choice = r.choice;
      expect(r.greeting).toBeNull();
    }
    expect(choice).toMatchObject({ name: 'George W Bush', suggested: 'in' });
    expect(choice!.options).toEqual(['in', 'out', 'break']);
    expect(t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' })).toHaveLength(0);
    // A token is bound to its screen and used once.
    expect(() => t.app.kiosk.punch('another-screen', choice!.token, 'in')).toThrow(
      expect.objectContaining({ code: 'EXPIRED' }),
    );
    clock += 1500;
    const punched = t.app.kiosk.punch('local', choice!.token, 'break');
    expect(punched).toMatchObject({ name: 'George W Bush', kind: 'break', recorded: true });
    expect(punched.undo).not.toBeNull();
    expect(() => t.app.kiosk.punch('local', choice!.token, 'in')).toThrow(expect.objectContaining({ code: 'EXPIRED' }));
    const events = t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' });
    expect(events.map((e) => [e.kind, e.source])).toEqual([['break', 'kiosk']]);
  });

  it('in explicit mode records nothing when the record changed while the choice was on screen', async () => {
    t.app.updateSettings({ attendanceMode: 'explicit' }, 'admin');
    let choice = null;
    for (let i = 0; i < 5 && !choice; i++) {
      clock += 200;
      choice = (await t.app.kiosk.frame(bushFrame)).choice;
    }
    expect(choice).not.toBeNull();
    // Meanwhile an administrator enters his check-in by hand.
    t.app.attendance.add(
      { personId: bush, kind: 'in', when: { day: '2026-11-30', time: '07:30' }, reason: 'entered by hand' },
      'admin',
    );
    expect(() => t.app.kiosk.punch('local', choice!.token, 'in')).toThrow(expect.objectContaining({ code: 'EXPIRED' }));
    expect(t.app.store.attendance.list({ from: '2026-11-30', to: '2026-11-30' }).map((e) => e.source)).toEqual([
      'manual',
    ]);
  });

  it('forgets deleted people at once', async () => {
    t.app.people.erase(bush, 'George W Bush', 'admin');
    await t.app.kiosk.frame(blank);
    for (let i = 0; i < 5; i++) {
      clock += 200;
      expect((await t.app.kiosk.frame(bushFrame)).greeting).toBeNull();
    }
    expect(fs.existsSync(t.databasePath)).toBe(true);
    expect(t.app.store.templates.loadAll(t.app.index.encoder.encoderId).some((r) => r.personId === bush)).toBe(false);
  });
});
