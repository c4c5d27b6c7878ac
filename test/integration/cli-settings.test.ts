// `presence settings` and `presence settings set`, run in-process on a real database; choosing a trained
// model folder (a made-up one, test/helpers/trained-model.ts) is checked as the Settings screen checks it,
// and `templates status` then names it as the model recognition moves to. Two people are enrolled from
// real LFW photos (test/fixtures/faces/SOURCE.md) through the CLI, so their templates keep face chips.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPresence } from '../helpers/cli';
import { someHead, writeModelFolder } from '../helpers/trained-model';

const FACES = path.resolve(__dirname, '../fixtures/faces');
let dir: string;
let db: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-cli-settings-'));
  db = path.join(dir, 'presence.db');
  const r = await runPresence(db, [
    'enroll',
    '--consent-recorded-by',
    'Test admin',
    '--name',
    'Al Gore',
    path.join(FACES, 'Al_Gore_0001.jpg'),
  ]);
  expect(r.code, r.err).toBe(0);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('presence settings', () => {
  it('prints every setting, and sets one by the name it prints', async () => {
    const shown = await runPresence(db, ['settings']);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain('targetFar = 0.0001');
    expect(shown.out).toContain('kiosk.sound = true');
    expect(shown.out).toContain('trainedModel = null');

    expect((await runPresence(db, ['settings', 'set', 'targetFar', '1e-3'])).out).toBe('targetFar = 0.001');
    expect((await runPresence(db, ['settings', 'set', 'kiosk.sound', 'false'])).code).toBe(0);
    const json = JSON.parse((await runPresence(db, ['settings', 'show', '--json'])).out);
    expect(json).toMatchObject({ targetFar: 0.001, kiosk: { sound: false, mirror: true } });
  });

  it('refuses an unknown setting or a value out of range with a sentence, and changes nothing', async () => {
    const unknown = await runPresence(db, ['settings', 'set', 'colour', 'blue']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/colour is not a setting: see presence settings/);
    const range = await runPresence(db, ['settings', 'set', 'targetFar', '5']);
    expect(range.code).toBe(1);
    expect(range.err).toMatch(/5 is not a valid value for targetFar/);
    expect(JSON.parse((await runPresence(db, ['settings', 'show', '--json'])).out).targetFar).toBe(0.001);
  });

  it('takes a trained model folder only when it is one, and templates status then moves to it', async () => {
    const notModel = await runPresence(db, ['settings', 'set', 'trainedModel', FACES]);
    expect(notModel.code).toBe(1);
    expect(notModel.err).toMatch(/holds no manifest\.json/);

    const modelDir = path.join(dir, 'model');
    const id = writeModelFolder(modelDir);
    const set = await runPresence(db, ['settings', 'set', 'trainedModel', modelDir]);
    expect(set.code, set.err).toBe(0);
    expect(set.out).toContain('Recognition moves to this trained model');
    const status = JSON.parse((await runPresence(db, ['templates', 'status', '--json'])).out);
    expect(status).toMatchObject({ defaultEncoder: id, galleryEncoder: id, toReembed: 1, trainedModelError: null });

    expect((await runPresence(db, ['settings', 'set', 'trainedModel', 'null'])).code).toBe(0);
    const back = JSON.parse((await runPresence(db, ['templates', 'status', '--json'])).out);
    expect(back).toMatchObject({ defaultEncoder: 'mfn-foamliu', toReembed: 0 });
  });

  it('identify --model tries a trained model on a gallery made in memory from the chips, and stores nothing', async () => {
    const modelDir = path.join(dir, 'mild');
    const id = writeModelFolder(modelDir, someHead(5, 0.02));
    const r = await runPresence(db, ['identify', '--model', modelDir, '--json', path.join(FACES, 'Al_Gore_0001.jpg')]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`Trying ${id} on 1 enrolled people.`);
    expect(JSON.parse(r.out)).toMatchObject({ name: 'Al Gore', accepted: true });
    const status = JSON.parse((await runPresence(db, ['templates', 'status', '--json'])).out);
    expect(status.models).toEqual([expect.objectContaining({ modelId: 'mfn-foamliu', templates: 1 })]);
  });
});
