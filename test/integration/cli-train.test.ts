// `presence train` end to end on a tiny labelled folder of real LFW photos from the fixtures: the engine's
// own detection and alignment, training, the model folder, the --json line, and the bad-input sentences.
// Its own file: these runs start an in-process engine.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  readdirSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPresence } from '../helpers/cli';
import { readTrainedModel, applyHead as engineApplyHead } from '../../src/main/engine/trained-head';
import { applyHead } from '../../src/main/training/head';

const fixtures = path.resolve(__dirname, '../fixtures');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'presence-cli-train-'));
const db = path.join(tmp, 'unused.db');
const train = path.join(tmp, 'train');
const val = path.join(tmp, 'val');
const cache = path.join(tmp, 'embeddings.json');
const out = path.join(tmp, 'model');

function put(dir: string, person: string, from: string, name = path.basename(from)) {
  mkdirSync(path.join(dir, person), { recursive: true });
  copyFileSync(from, path.join(dir, person, name));
}
const e2e = (f: string) => path.join(fixtures, 'e2e', f);

beforeAll(() => {
  for (const n of [1, 2, 3, 4]) put(train, 'Ahmed_Chalabi', e2e(`Ahmed_Chalabi_000${n}.jpg`));
  for (const n of [1, 2, 3]) put(train, 'Ai_Sugiyama', e2e(`Ai_Sugiyama_000${n}.jpg`));
  for (const n of [1, 2, 3]) put(train, 'Al_Sharpton', e2e(`Al_Sharpton_000${n}.jpg`));
  put(train, 'Al_Sharpton', path.join(fixtures, 'images/no-face-gradient.jpg'), 'no-face.jpg');
  put(train, 'Ai_Sugiyama', path.join(fixtures, 'images/two-faces.jpg'), 'two-faces.jpg');
  // Validation: other people, LFW layout, a 2-fold pairs file.
  for (const n of [1, 2, 3]) put(val, 'Alastair_Campbell', e2e(`Alastair_Campbell_000${n}.jpg`));
  for (const n of [1, 2]) put(val, 'Al_Gore', e2e(`Al_Gore_000${n}.jpg`));
  for (const n of ['0001', '0004', '0007']) put(val, 'Alejandro_Toledo', e2e(`Alejandro_Toledo_${n}.jpg`));
  writeFileSync(
    path.join(tmp, 'pairs.txt'),
    [
      '2\t2',
      'Alastair_Campbell\t1\t2',
      'Al_Gore\t1\t2',
      'Alastair_Campbell\t1\tAl_Gore\t1',
      'Alejandro_Toledo\t1\tAl_Gore\t2',
      'Alastair_Campbell\t2\t3',
      'Alejandro_Toledo\t1\t4',
      'Alastair_Campbell\t3\tAlejandro_Toledo\t4',
      'Al_Gore\t1\tAlejandro_Toledo\t7',
    ].join('\n'),
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const common = [
  '--batch-people',
  '3',
  '--batch-photos',
  '2',
  '--lr',
  '1e-2',
  '--margin',
  '1',
  '--aux-weight',
  '0.1',
  '--cache',
  cache,
];
const lastJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe('presence train', () => {
  it('writes the model folder and prints the JSON line, listing the photo without a face as skipped', async () => {
    const r = await runPresence(db, [
      'train',
      train,
      '--out',
      out,
      '--epochs',
      '3',
      ...common,
      '--val-pairs',
      path.join(tmp, 'pairs.txt'),
      '--val-images',
      val,
      '--json',
    ]);
    expect(r.err).not.toMatch(/presence:/);
    expect(r.code).toBe(0);
    const j = lastJson(r.out);
    expect(j).toMatchObject({ epochs: 3, people: 3, photos: 10, skipped: 2, out });
    expect(j.skippedPhotos).toEqual([
      { photo: 'Ai_Sugiyama/two-faces.jpg', reason: expect.stringMatching(/^2 faces: a second one is at least half/) },
      { photo: 'Al_Sharpton/no-face.jpg', reason: 'no face found' },
    ]);
    for (const k of ['valBefore', 'valAfter'])
      expect(Object.keys(j[k] as object).sort()).toEqual(['accuracy', 'auc', 'tarAtFar1e3']);
    expect(r.err).toMatch(/skipped Al_Sharpton\/no-face.jpg: no face found/);
    expect(r.err).toMatch(/epoch 3\/3 {2}loss \d/);

    const bin = readFileSync(path.join(out, 'head.bin'));
    expect(bin.length).toBe((128 * 128 + 128) * 4);
    const sha = createHash('sha256').update(bin).digest('hex');
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      format: 'presence-head/1',
      id: `mfn-foamliu+head-${sha.slice(0, 8)}`,
      baseEncoder: 'mfn-foamliu',
      embeddingSize: 128,
      weightsFile: 'head.bin',
      weightsSha256: sha,
      training: { mode: 'head', epochs: 3, people: 3, photos: 10, skipped: 2, miner: 'semi-hard', seed: 1 },
      validation: { pairs: 8 },
    });
    expect(manifest.dataHash).toMatch(/^[0-9a-f]{64}$/);
    expect(j.id).toBe(manifest.id);
    // The head learned something: it is not the zero (identity) head any more.
    expect(new Float32Array(bin.buffer, bin.byteOffset, bin.length / 4).some((v) => v !== 0)).toBe(true);
    const table = JSON.parse(readFileSync(path.join(out, 'distances.json'), 'utf8'));
    expect(table.encoderId).toBe(manifest.id);
    expect(table.measuredOn).toMatch(/validation photos/);
    expect(table.genuine).toHaveLength(201);
    expect(table.impostorPairs).toBeGreaterThan(0);
    expect(existsSync(path.join(`${out}.work`, 'checkpoint.json'))).toBe(true);
    // The model folder holds the model only: the training people's embeddings stay in the work folder.
    expect(readdirSync(out).sort()).toEqual(['distances.json', 'head.bin', 'manifest.json']);

    // The engine's reader accepts the folder, and its head gives the embedding the trainer's does.
    const model = readTrainedModel(out);
    expect(model.manifest.id).toBe(manifest.id);
    const x = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i + 1) / 8);
    const head = model.head!;
    expect(model.tail).toBeUndefined();
    const mine = applyHead({ size: 128, w: head.w, b: head.b }, x);
    const theirs = engineApplyHead(head, x);
    for (let i = 0; i < 128; i++) expect(theirs[i]).toBeCloseTo(mine[i]!, 6);
  });

  it('--resume trains on from the checkpoint with the cached embeddings', async () => {
    const first = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    const r = await runPresence(db, ['train', train, '--out', out, '--epochs', '4', ...common, '--resume', '--json']);
    expect(r.code).toBe(0);
    const j = lastJson(r.out);
    expect(j).toMatchObject({ epochs: 4, valBefore: null, valAfter: null });
    expect((j.history as unknown[]).length).toBe(4);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.id).not.toBe(first.id);
    expect(JSON.parse(readFileSync(path.join(out, 'distances.json'), 'utf8')).measuredOn).toMatch(/training photos/);
  });

  it('leaves out, by name, the people with fewer than 2 usable photos, and refuses when 2 people are not left', async () => {
    const dir = path.join(tmp, 'short');
    for (const n of [1, 2]) put(dir, 'Ahmed_Chalabi', e2e(`Ahmed_Chalabi_000${n}.jpg`));
    put(dir, 'Ai_Sugiyama', e2e('Ai_Sugiyama_0001.jpg'));
    put(dir, 'Ai_Sugiyama', path.join(fixtures, 'images/no-face-gradient.jpg'), 'no-face.jpg');
    const refused = await runPresence(db, ['train', dir, '--out', path.join(tmp, 'short-model'), ...common]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /at least 2 people with 2 usable photos each .* only 1 person has them\. Too few usable photos: Ai_Sugiyama \(1 of 2 usable\)/,
    );

    for (const n of [1, 2]) put(dir, 'Al_Gore', e2e(`Al_Gore_000${n}.jpg`));
    const r = await runPresence(db, ['train', dir, '--out', path.join(tmp, 'short-model'), ...common, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/left out Ai_Sugiyama: 1 of 2 photos usable, 2 needed/);
    expect(lastJson(r.out)).toMatchObject({ people: 2, photos: 4 });
  });
});

describe('presence train refuses bad input with a sentence', () => {
  it('an empty folder, one person, --val-pairs without --val-images, --out a file', async () => {
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    let r = await runPresence(db, ['train', empty, '--out', path.join(tmp, 'm1')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/holds no photos in sub-folders: put one sub-folder of photos per person/);

    const one = path.join(tmp, 'one');
    put(one, 'Ai_Sugiyama', e2e('Ai_Sugiyama_0001.jpg'));
    put(one, 'Ai_Sugiyama', e2e('Ai_Sugiyama_0002.jpg'));
    r = await runPresence(db, ['train', one, '--out', path.join(tmp, 'm2')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/photos of one person only \(Ai_Sugiyama\): training needs at least 2 people/);

    r = await runPresence(db, [
      'train',
      train,
      '--out',
      path.join(tmp, 'm3'),
      '--val-pairs',
      path.join(tmp, 'pairs.txt'),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--val-pairs needs --val-images/);

    const file = path.join(tmp, 'a-file');
    writeFileSync(file, 'x');
    r = await runPresence(db, ['train', train, '--out', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--out .* is a file: give a folder/);
    expect(statSync(file).size).toBe(1);

    r = await runPresence(db, ['train', train, '--out', path.join(tmp, 'm5'), '--resume']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no checkpoint .* to resume from/);
  });
});
