// Choosing a trained model (presence train) for recognition, through the app's own channels, on a real
// SQLite file with the real engine and real LFW photos (test/fixtures/faces/SOURCE.md). The model folder
// is made up (test/helpers/trained-model.ts: a mild seeded head), so that the test does not wait for a
// training run; what is checked is the switch, not the model's quality.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminSession } from '../../src/main/domain/admin-session';
import { createDispatcher } from '../../src/main/transport/dispatch';
import { DEFAULT_ENCODER } from '../../src/main/engine';
import type { GalleryEncoderInfo } from '../../src/shared/face';
import { tempApp, appOn, type TempApp } from '../helpers/temp-app';
import { someHead, writeModelFolder } from '../helpers/trained-model';
import { frameOf } from '../helpers/camera-frame';

const FACES = path.resolve(__dirname, '../fixtures/faces');
const consent = { given: true as const, by: 'test administrator', textVersion: 1 };
const photo = (name: string) => ({
  name,
  read: () => Promise.resolve(new Uint8Array(fs.readFileSync(path.join(FACES, name)))),
});

let t: TempApp;
let model: { dir: string; id: string };

/** A channel call as a window makes it, with the admin session unlocked; errors are logged, not thrown. */
function call(app: TempApp['app'], channel: string, input?: unknown) {
  const session = new AdminSession();
  session.unlock();
  return createDispatcher(app.handlers(), { error: (m, e) => console.error(m, e) })(channel, input, { session });
}

const models = (app: TempApp['app']) =>
  (app.store.db.prepare('SELECT DISTINCT model_id AS m FROM face_templates ORDER BY m').all() as { m: string }[]).map(
    (r) => r.m,
  );

async function whoIs(app: TempApp['app'], name: string): Promise<string | null> {
  const r = await app.engine.analyze({ kind: 'file', path: path.join(FACES, name) }, { maxFaces: 1 });
  const d = app.index.identify(r.faces[0]!.embedding, app.settings());
  return d.accepted ? (app.store.people.get(d.personId!)?.name ?? null) : null;
}

beforeAll(async () => {
  t = tempApp();
  // Mild: the head moves every embedding but keeps people apart, so recognition still works after it.
  model = { dir: path.join(t.dir, 'model'), id: '' };
  model.id = writeModelFolder(model.dir, someHead(11, 0.02));
  await t.app.startEngine();
  for (const [name, files] of [
    ['Aaron Peirsol', ['Aaron_Peirsol_0001.jpg']],
    ['George W Bush', ['George_W_Bush_0001.jpg']],
  ] as const) {
    const r = await t.app.enrollment.importPhotos({
      target: { newPerson: { name } },
      photos: files.map(photo),
      consent,
      source: 'import',
      actor: 'admin',
    });
    expect(r.commit?.added).toBe(1);
  }
});
afterAll(async () => {
  await t?.cleanup();
});

describe('a trained model chosen in the settings', () => {
  it('is shown before it is chosen, with its validation figures beside the shipped encoder’s', async () => {
    const r = await call(t.app, 'models.inspect', { dir: model.dir });
    expect(r).toMatchObject({
      ok: true,
      value: {
        id: model.id,
        baseEncoder: DEFAULT_ENCODER.id,
        people: 40,
        photos: 200,
        validation: { pairs: 600, before: { accuracy: 0.99 }, after: { accuracy: 0.995 } },
      },
    });
    const missing = await call(t.app, 'models.inspect', { dir: path.join(t.dir, 'nothing') });
    expect(missing).toMatchObject({ ok: false, error: { code: 'MODEL_MISSING' } });
  });

  it('moves the gallery to its space from the stored chips, and back to the shipped encoder', async () => {
    expect(models(t.app)).toEqual([DEFAULT_ENCODER.id]);
    // A camera shot taken before the switch is of the old space: it must not be saved into the new one.
    const shot = await t.app.enrollment.capture(await frameOf(path.join(FACES, 'Al_Gore_0001.jpg')));
    expect(shot.accepted).toBe(true);
    const before = await t.app.engine.analyze({ kind: 'file', path: path.join(FACES, 'Al_Gore_0001.jpg') });
    const tensors = tf.memory().numTensors;
    const r = await call(t.app, 'settings.set', { trainedModel: model.dir });
    expect(r).toMatchObject({ ok: true, value: { trainedModel: model.dir } });
    expect(t.app.engine.status().encoderId).toBe(model.id);
    expect(models(t.app)).toEqual([model.id]);
    const gallery = (await call(t.app, 'engine.status')) as { ok: true; value: { gallery: GalleryEncoderInfo } };
    expect(gallery.value.gallery).toMatchObject({
      galleryEncoder: model.id,
      reembedded: 2,
      trainedModel: { id: model.id },
      trainedModelError: null,
    });
    expect(await whoIs(t.app, 'Aaron_Peirsol_0002.jpg')).toBe('Aaron Peirsol');
    expect(await whoIs(t.app, 'George_W_Bush_0002.jpg')).toBe('George W Bush');
    expect(() => t.app.enrollment.commit({ newPerson: { name: 'Al Gore' } }, [shot.shotId!], consent, 'admin')).toThrow(
      /face model changed while these faces were waiting/,
    );
    // A face of the old space is not scored against the new gallery (a frame in flight during a switch).
    expect(() => t.app.identify.requireSpace(before)).toThrow(/face model is changing/);
    // An enrollment while the model is in use is stored in its space.
    const more = await t.app.enrollment.importPhotos({
      target: { newPerson: { name: 'Al Gore' } },
      photos: [photo('Al_Gore_0001.jpg')],
      consent,
      source: 'import',
      actor: 'admin',
    });
    expect(more.commit?.added).toBe(1);
    expect(models(t.app)).toEqual([model.id]);

    const back = await call(t.app, 'settings.set', { trainedModel: null });
    expect(back).toMatchObject({ ok: true, value: { trainedModel: null } });
    expect(t.app.engine.status().encoderId).toBe(DEFAULT_ENCODER.id);
    expect(models(t.app)).toEqual([DEFAULT_ENCODER.id]);
    expect(await whoIs(t.app, 'Aaron_Peirsol_0002.jpg')).toBe('Aaron Peirsol');
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('is refused, with a sentence, while someone has no face chip to move, or when the folder is no model', async () => {
    const db = t.app.store.db;
    const saved = db.prepare('SELECT id, chip FROM face_templates').all() as { id: string; chip: Buffer | null }[];
    db.prepare(
      "UPDATE face_templates SET chip = NULL WHERE person_id = (SELECT id FROM people WHERE name = 'Al Gore')",
    ).run();
    try {
      const r = await call(t.app, 'settings.set', { trainedModel: model.dir });
      expect(r).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT', details: { path: 'trainedModel' } },
      });
      expect((r as { error: { message: string } }).error.message).toMatch(
        /1 enrolled person has no stored face chip.*enroll them again/,
      );
      expect(t.app.settings().trainedModel).toBeNull();
    } finally {
      const put = db.prepare('UPDATE face_templates SET chip = ? WHERE id = ?');
      for (const row of saved) put.run(row.chip, row.id);
    }
    const notModel = await call(t.app, 'settings.set', { trainedModel: FACES });
    expect(notModel).toMatchObject({ ok: false, error: { code: 'MODEL_MISSING', details: { path: 'trainedModel' } } });
  });

  it('that reads but cannot run leaves the shipped encoder running, and says why', async () => {
    // A 64-D head on a 128-D encoder: its folder is consistent, but it cannot be applied.
    const small = path.join(t.dir, 'small-model');
    const head = someHead(3, 0.02);
    writeModelFolder(small, { size: 64, w: head.w.subarray(0, 64 * 64), b: head.b.subarray(0, 64) });
    const r = await call(t.app, 'settings.set', { trainedModel: small });
    expect(r.ok).toBe(true);
    expect(t.app.engine.status().encoderId).toBe(DEFAULT_ENCODER.id);
    expect(t.app.gallery()).toMatchObject({
      galleryEncoder: DEFAULT_ENCODER.id,
      trainedModel: null,
      trainedModelError: expect.stringMatching(/64-D head.*shipped encoder/),
    });
    expect(await whoIs(t.app, 'Aaron_Peirsol_0002.jpg')).toBe('Aaron Peirsol');
    expect((await call(t.app, 'settings.set', { trainedModel: null })).ok).toBe(true);
  });

  it('that can no longer be read at the next start leaves the shipped encoder running, and says why', async () => {
    expect((await call(t.app, 'settings.set', { trainedModel: model.dir })).ok).toBe(true);
    await t.app.close();
    fs.rmSync(path.join(model.dir, 'head.bin'));
    const next = appOn(t.databasePath);
    try {
      await next.startEngine();
      expect(next.engine.status().encoderId).toBe(DEFAULT_ENCODER.id);
      expect(next.gallery()).toMatchObject({
        galleryEncoder: DEFAULT_ENCODER.id,
        trainedModel: null,
        trainedModelError: expect.stringMatching(/no head\.bin.*shipped encoder/),
      });
      expect(await whoIs(next, 'George_W_Bush_0002.jpg')).toBe('George W Bush');
    } finally {
      await next.close();
    }
    t = { ...t, app: appOn(t.databasePath) }; // cleanup closes this one
  });
});
