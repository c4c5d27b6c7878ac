// Changing the encoder on an existing database: people enrolled with the dlib encoder (each template with
// its face chip) are re-embedded with the MobileFaceNet on the first start, from their chips, and are
// recognised from fresh photos; a database whose templates have no chips keeps its encoder until the
// people are enrolled again. Real SQLite files, the real engine and models, real LFW photos.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresenceApp } from '../../src/main/app';
import { AdminSession } from '../../src/main/domain/admin-session';
import { ENCODER_CONFIGS } from '../../src/main/engine';
import { InProcessEngine } from '../../src/main/engine/engine';
import { canonicalPoints, similarityTo } from '../../src/main/engine/align';
import { decodeChip } from '../../src/main/engine/chip';
import { chipAad } from '../../src/main/security/template-cipher';
import { FileKeyProvider, keyFilePathFor } from '../../src/main/security/key-provider';
import { frameOf } from '../helpers/camera-frame';

const FACES = path.resolve(__dirname, '../fixtures/faces');
const OLD = 'dlib128-a51-flip';
const NEW = 'mfn-foamliu';
const consent = { given: true as const, by: 'test administrator', textVersion: 1 };
const photo = (name: string) => ({
  name,
  read: () => Promise.resolve(new Uint8Array(fs.readFileSync(path.join(FACES, name)))),
});
const photoFile = (name: string) => ({ kind: 'file' as const, path: path.join(FACES, name) });

let dir: string;
const open: PresenceApp[] = [];

function appOn(databasePath: string, encoder: string): PresenceApp {
  const app = new PresenceApp({
    databasePath,
    keys: new FileKeyProvider(keyFilePathFor(databasePath)),
    engine: new InProcessEngine({ encoder: ENCODER_CONFIGS[encoder] }),
    transport: 'http',
    version: '0.0.0-test',
  });
  open.push(app);
  return app;
}

async function closeAll(): Promise<void> {
  for (const app of open.splice(0)) await app.close();
}

interface Row {
  id: string;
  person_id: string;
  model_id: string;
  quality: number | null;
  source: string;
  pose: string | null;
  source_ref: string | null;
  created_at: string;
  chip: Buffer | null;
}
const rows = (app: PresenceApp): Row[] =>
  app.store.db
    .prepare(
      'SELECT id, person_id, model_id, quality, source, pose, source_ref, created_at, chip FROM face_templates ORDER BY person_id, created_at',
    )
    .all() as Row[];

/** Who the app recognises in a photo (null: nobody). */
async function whoIs(app: PresenceApp, name: string): Promise<string | null> {
  const r = await app.engine.analyze(photoFile(name), { maxFaces: 1 });
  const d = app.index.identify(r.faces[0]!.embedding, app.settings());
  return d.accepted ? (app.store.people.get(d.personId!)?.name ?? null) : null;
}

/** Enrolls Aaron Peirsol and George W Bush from photos and Al Gore from a camera shot, with encoder OLD. */
async function enrollThree(app: PresenceApp): Promise<void> {
  await app.startEngine();
  expect(app.engine.status().encoderId).toBe(OLD);
  for (const [name, file] of [
    ['Aaron Peirsol', 'Aaron_Peirsol_0001.jpg'],
    ['George W Bush', 'George_W_Bush_0001.jpg'],
  ] as const) {
    const r = await app.enrollment.importPhotos({
      target: { newPerson: { name } },
      photos: [photo(file)],
      consent,
      source: 'import',
      actor: 'admin',
    });
    expect(r.commit?.added, name).toBe(1);
  }
  const shot = await app.enrollment.capture(await frameOf(path.join(FACES, 'Al_Gore_0001.jpg')));
  expect(shot.accepted).toBe(true);
  app.enrollment.commit({ newPerson: { name: 'Al Gore' } }, [shot.shotId!], consent, 'admin');
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-reembed-'));
});
afterAll(async () => {
  await closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('face chips', () => {
  it('are stored with every template, encrypted, and decrypt to the aligned face with its landmarks', async () => {
    const db = path.join(dir, 'chips.db');
    const app = appOn(db, OLD);
    await enrollThree(app);
    const stored = rows(app);
    expect(stored).toHaveLength(3);
    expect(stored.map((r) => r.source).sort()).toEqual(['camera', 'import', 'import']);
    app.store.db.pragma('wal_checkpoint(TRUNCATE)');
    const file = Buffer.concat([db, `${db}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    for (const r of stored) {
      expect(r.chip, `template ${r.id} has a chip`).not.toBeNull();
      const chip = app.store.templates.chip(r.id)!;
      const { size, five, dlib51, jpeg } = decodeChip(chip);
      expect(size).toBe(224);
      expect(five).toHaveLength(5);
      expect(dlib51).toHaveLength(51);
      const meta = await sharp(jpeg).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['jpeg', 224, 224, 3]);
      // The chip was cut so that its five points fit the ArcFace template at 70 %: fitting them again
      // gives (nearly) the identity, whatever the photo or camera frame they came from.
      const [a, b, c, d, e, f] = similarityTo(canonicalPoints(224, 0.7), five);
      for (const [got, want] of [
        [a, 1],
        [b, 0],
        [d, 0],
        [e, 1],
      ])
        expect(got).toBeCloseTo(want, 3);
      expect(Math.abs(c) + Math.abs(f)).toBeLessThan(0.05);
      // Neither the chip nor any part of its JPEG is in the database file as it is.
      expect(file.includes(Buffer.from(chip.subarray(0, 64)))).toBe(false);
      expect(file.includes(Buffer.from(jpeg.subarray(jpeg.length >> 1, (jpeg.length >> 1) + 32)))).toBe(false);
      // Bound to its own row: under another template's name it does not decrypt.
      const other = stored.find((o) => o.id !== r.id)!;
      expect(() => app.store.cipher.decryptBytes(r.chip!, chipAad(other.id))).toThrow(/could not be decrypted/);
    }
    await closeAll();
  });
});

describe('changing the encoder of an existing database', () => {
  let db: string;
  let before: Row[];
  let chipsBefore: Map<string, string>;

  beforeAll(async () => {
    db = path.join(dir, 'move.db');
    const app = appOn(db, OLD);
    await enrollThree(app);
    expect(await whoIs(app, 'Aaron_Peirsol_0002.jpg')).toBe('Aaron Peirsol');
    before = rows(app);
    chipsBefore = new Map(before.map((r) => [r.id, Buffer.from(app.store.templates.chip(r.id)!).toString('hex')]));
    await closeAll();
  });

  it('re-embeds every template from its chip on the first start with the new encoder, without leaking tensors', async () => {
    const app = appOn(db, NEW);
    expect(app.gallery()).toBeNull();
    // The models first, so that the tensors counted around the re-embedding are the engine's calls alone.
    await app.engine.start({ encoderId: NEW });
    const tensors = tf.memory().numTensors;
    const progress: Array<[number, number]> = [];
    await app.startEngine((done, total) => progress.push([done, total]));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(progress[0]).toEqual([0, 3]);
    expect(progress.at(-1)).toEqual([3, 3]);
    expect(app.gallery()).toEqual({
      galleryEncoder: NEW,
      defaultEncoder: NEW,
      withoutChips: 0,
      reembedded: 3,
      trainedModel: null,
      trainedModelError: null,
    });
    expect(app.index.size).toBe(3);

    const after = rows(app);
    expect(after.map((r) => r.model_id)).toEqual([NEW, NEW, NEW]);
    expect(after.filter((r) => before.some((b) => b.id === r.id))).toEqual([]); // new rows
    const keep = (r: Row) => [r.person_id, r.quality, r.source, r.pose, r.source_ref, r.created_at];
    expect(after.map(keep).sort()).toEqual(before.map(keep).sort());
    const chips = after.map((r) => Buffer.from(app.store.templates.chip(r.id)!).toString('hex')).sort();
    expect(chips).toEqual([...chipsBefore.values()].sort()); // the same chips, under their new ids
    const embedding = app.store.templates.loadAll(NEW)[0]!.embedding;
    expect(embedding.length).toBe(app.engine.status().embeddingSize);

    // One audit entry per person, with nothing biometric in it.
    const audit = app.store.audit.list({ limit: 1000 }).filter((e) => e.action === 'template.reembed');
    expect(audit.map((e) => e.subjectId).sort()).toEqual([...new Set(before.map((r) => r.person_id))].sort());
    for (const e of audit) expect(e.details).toEqual({ toModelId: NEW, fromModelIds: [OLD], count: 1, dropped: 0 });

    const status = await app.handlers()['engine.status'](undefined, { session: new AdminSession() });
    expect(status).toMatchObject({ encoderId: NEW, gallery: { galleryEncoder: NEW, withoutChips: 0 } });
  });

  it('gives each template the embedding the new encoder gives the enrolled face itself', async () => {
    const app = open[0]!;
    const direct = async (input: Parameters<typeof app.engine.analyze>[0]) =>
      (await app.engine.analyze(input, { maxFaces: 1 })).faces[0]!.embedding;
    const sources = {
      'Aaron Peirsol': await direct(photoFile('Aaron_Peirsol_0001.jpg')),
      'George W Bush': await direct(photoFile('George_W_Bush_0001.jpg')),
      'Al Gore': await direct({ kind: 'rgba', frame: await frameOf(path.join(FACES, 'Al_Gore_0001.jpg')) }),
    };
    for (const t of app.store.templates.loadAll(NEW)) {
      const name = app.store.people.get(t.personId)!.name as keyof typeof sources;
      const dist = Math.hypot(...t.embedding.map((v, i) => v - sources[name][i]!));
      // Measured about 0.05 (the chip is a JPEG, resampled once more); people differ by more than 1.
      expect(dist, name).toBeLessThan(0.15);
    }
  });

  it('recognises the same people from fresh photos with the new encoder, and not a stranger', async () => {
    const app = open[0]!;
    expect(await whoIs(app, 'Aaron_Peirsol_0002.jpg')).toBe('Aaron Peirsol');
    expect(await whoIs(app, 'Al_Gore_0001.jpg')).toBe('Al Gore'); // enrolled from a camera frame
    expect(await whoIs(app, 'George_W_Bush_0002.jpg')).toBe('George W Bush');
    expect(await whoIs(app, 'Colin_Farrell_0003.jpg')).toBeNull();
    await closeAll();
  });

  it('does nothing more on the next start', async () => {
    const app = appOn(db, NEW);
    const ids = rows(app).map((r) => r.id);
    await app.startEngine();
    expect(app.gallery()).toMatchObject({ galleryEncoder: NEW, reembedded: 0 });
    expect(rows(app).map((r) => r.id)).toEqual(ids);
    await closeAll();
  });
});

describe('a database whose templates have no chips', () => {
  let db: string;

  beforeAll(async () => {
    db = path.join(dir, 'chipless.db');
    const app = appOn(db, OLD);
    await enrollThree(app);
    // As enrolled before chips were kept: Aaron Peirsol's template has none.
    const aaron = app.people.findByName('Aaron Peirsol')!.id;
    app.store.db.prepare('UPDATE face_templates SET chip = NULL WHERE person_id = ?').run(aaron);
    await closeAll();
  });

  it('keeps its encoder for the whole gallery and says how many people lack chips', async () => {
    const app = appOn(db, NEW);
    await app.startEngine();
    expect(app.engine.status().encoderId).toBe(OLD);
    expect(app.gallery()).toEqual({
      galleryEncoder: OLD,
      defaultEncoder: NEW,
      withoutChips: 1,
      reembedded: 0,
      trainedModel: null,
      trainedModelError: null,
    });
    expect(rows(app).map((r) => r.model_id)).toEqual([OLD, OLD, OLD]);
    expect(app.index.size).toBe(3);
    expect(await whoIs(app, 'Aaron_Peirsol_0002.jpg')).toBe('Aaron Peirsol');
    const status = await app.handlers()['engine.status'](undefined, { session: new AdminSession() });
    expect(status.gallery).toMatchObject({ galleryEncoder: OLD, withoutChips: 1 });

    // Re-enrolled (on the older encoder, with a chip), the person no longer holds the gallery back.
    const aaron = app.people.findByName('Aaron Peirsol')!.id;
    const again = await app.enrollment.importPhotos({
      target: { personId: aaron },
      photos: [photo('Aaron_Peirsol_0002.jpg')],
      consent,
      source: 'import',
      actor: 'admin',
    });
    expect(again.commit?.added).toBe(1);
    await closeAll();
  });

  it('moves to the new encoder once everyone has a chip, dropping the chipless templates of people who keep others', async () => {
    const app = appOn(db, NEW);
    await app.startEngine();
    expect(app.gallery()).toEqual({
      galleryEncoder: NEW,
      defaultEncoder: NEW,
      withoutChips: 0,
      reembedded: 3,
      trainedModel: null,
      trainedModelError: null,
    });
    const after = rows(app);
    expect(after.map((r) => r.model_id)).toEqual([NEW, NEW, NEW]);
    expect(after.every((r) => r.chip !== null)).toBe(true);
    const aaron = app.people.findByName('Aaron Peirsol')!.id;
    expect(app.people.get(aaron).templateCount).toBe(1);
    const audit = app.store.audit.list({ limit: 1000 }).filter((e) => e.action === 'template.reembed');
    expect(audit.find((e) => e.subjectId === aaron)?.details).toEqual({
      toModelId: NEW,
      fromModelIds: [OLD],
      count: 1,
      dropped: 1,
    });
    expect(await whoIs(app, 'Aaron_Peirsol_0001.jpg')).toBe('Aaron Peirsol');
    await closeAll();
  });
});

describe('a damaged face chip', () => {
  it('does not stop the start: the others move to the new encoder, its template stays as it was', async () => {
    const db = path.join(dir, 'damaged-chip.db');
    const old = appOn(db, OLD);
    await enrollThree(old);
    const [victim] = rows(old);
    // One chip's ciphertext altered on disk (a bad block, a hand edit): it no longer authenticates.
    const blob = Buffer.from(victim!.chip!);
    blob[blob.length - 1] = blob[blob.length - 1]! ^ 0xff;
    old.store.db.prepare('UPDATE face_templates SET chip = ? WHERE id = ?').run(blob, victim!.id);
    await closeAll();

    const app = appOn(db, NEW);
    await app.startEngine();
    expect(app.engine.status().encoderId).toBe(NEW);
    const after = rows(app);
    // Before the fix the start threw on that chip, on every retry.
    expect(after.find((r) => r.id === victim!.id)?.model_id).toBe(OLD);
    expect(after.filter((r) => r.id !== victim!.id).every((r) => r.model_id === NEW)).toBe(true);
    expect(after).toHaveLength(3);
    await closeAll();
  });
});
