// `presence train --mode finetune` end to end on real LFW photos from the fixtures, and the engine's side
// of it: the frozen trunk's features, the retrained last stage (training/tail.ts) against the engine's own
// convolutions, and a fine-tuned model folder run by the engine. Its own file: the CLI runs start and stop
// an in-process engine, whose weights are module state shared with the engine this file starts after them.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPresence } from '../helpers/cli';
import { createInProcessEngine, type InProcessEngine } from '../../src/main/engine/engine';
import { readTrainedModel } from '../../src/main/engine/trained-head';
import { TAIL_FLOATS, tailToFloats, type MobileFaceNetTail } from '../../src/main/engine';
import { embedThroughTail } from '../../src/main/training/tail';
import { writeModelFolder } from '../../src/main/training/model-folder';

const fixtures = path.resolve(__dirname, '../fixtures');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'presence-cli-finetune-'));
const db = path.join(tmp, 'unused.db');
const train = path.join(tmp, 'train');
const val = path.join(tmp, 'val');
const out = path.join(tmp, 'model');
const e2e = (f: string) => path.join(fixtures, 'e2e', f);

function put(dir: string, person: string, from: string) {
  mkdirSync(path.join(dir, person), { recursive: true });
  copyFileSync(from, path.join(dir, person, path.basename(from)));
}
const lastJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, unknown>;
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

beforeAll(() => {
  for (const n of [1, 2, 3, 4]) put(train, 'Ahmed_Chalabi', e2e(`Ahmed_Chalabi_000${n}.jpg`));
  for (const n of [1, 2, 3]) put(train, 'Ai_Sugiyama', e2e(`Ai_Sugiyama_000${n}.jpg`));
  for (const n of [1, 2, 3]) put(train, 'Al_Sharpton', e2e(`Al_Sharpton_000${n}.jpg`));
  for (const n of [1, 2, 3]) put(val, 'Alastair_Campbell', e2e(`Alastair_Campbell_000${n}.jpg`));
  for (const n of [1, 2]) put(val, 'Al_Gore', e2e(`Al_Gore_000${n}.jpg`));
  writeFileSync(
    path.join(tmp, 'pairs.txt'),
    [
      '1\t2',
      'Alastair_Campbell\t1\t2',
      'Al_Gore\t1\t2',
      'Alastair_Campbell\t1\tAl_Gore\t1',
      'Alastair_Campbell\t3\tAl_Gore\t2',
    ].join('\n'),
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The shipped network already separates these three people by far more than a margin of 1: batch-all
// with a wide margin and the softmax term keep triplets active, so the weights do move.
const args = [
  '--mode',
  'finetune',
  '--batch-people',
  '3',
  '--batch-photos',
  '2',
  '--lr',
  '1e-3',
  '--miner',
  'batch-all',
  '--margin',
  '2',
  '--aux-weight',
  '0.1',
];

describe('presence train --mode finetune', () => {
  it("retrains the MobileFaceNet's last stage and writes a presence-finetune/1 folder", async () => {
    const r = await runPresence(db, [
      'train',
      train,
      '--out',
      out,
      '--epochs',
      '3',
      ...args,
      '--val-pairs',
      path.join(tmp, 'pairs.txt'),
      '--val-images',
      val,
      '--json',
    ]);
    expect(r.err).not.toMatch(/presence:/);
    expect(r.code).toBe(0);
    const j = lastJson(r.out);
    expect(j).toMatchObject({ mode: 'finetune', epochs: 3, people: 3, photos: 10, skipped: 0, out });
    for (const k of ['valBefore', 'valAfter'])
      expect(Object.keys(j[k] as object).sort()).toEqual(['accuracy', 'auc', 'tarAtFar1e3']);
    expect(r.err).toMatch(/training the MobileFaceNet's last stage on 10 photos of 3 people/);
    expect(r.err).toMatch(/epoch 3\/3 {2}loss \d/);
    const history = j.history as { loss: number; activeShare: number }[];
    expect(history[0]!.activeShare).toBeGreaterThan(0);
    // The checkpoint is the fine-tune's own: a head's run cannot resume it.
    expect(readdirSync(`${out}.work`)).toContain('checkpoint-finetune.json');
    expect(readdirSync(out).sort()).toEqual(['distances.json', 'manifest.json', 'tail.bin']);

    const bin = readFileSync(path.join(out, 'tail.bin'));
    expect(bin.length).toBe(TAIL_FLOATS * 4);
    const sha = createHash('sha256').update(bin).digest('hex');
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      format: 'presence-finetune/1',
      id: `mfn-foamliu+ft-${sha.slice(0, 8)}`,
      baseEncoder: 'mfn-foamliu',
      embeddingSize: 128,
      weightsFile: 'tail.bin',
      training: { mode: 'finetune', epochs: 3, people: 3, photos: 10 },
    });
    const model = readTrainedModel(out);
    expect(model.head).toBeUndefined();
    expect(model.tail?.conv2.filter).toHaveLength(128 * 512);

    // --resume with the same settings goes on from the fine-tune's checkpoint.
    const again = await runPresence(db, ['train', train, '--out', out, '--epochs', '4', ...args, '--resume', '--json']);
    expect(again.code).toBe(0);
    expect(lastJson(again.out)).toMatchObject({ mode: 'finetune', epochs: 4 });
    expect((lastJson(again.out).history as unknown[]).length).toBe(4);
  });

  it('eval lfw --model runs the fine-tuned model', async () => {
    const r = await runPresence(db, [
      'eval',
      'lfw',
      '--pairs',
      path.join(tmp, 'pairs.txt'),
      '--images',
      val,
      '--model',
      out,
      '--json',
    ]);
    expect(r.err).not.toMatch(/presence:/);
    expect(r.code).toBe(0);
    expect(lastJson(r.out)).toMatchObject({ pairs: 4, encoder: readTrainedModel(out).manifest.id });
  });
});

describe("the engine and the trained last stage (after the CLI runs: they share the encoder's module state)", () => {
  let engine: InProcessEngine;
  let chips: Uint8Array[];
  let base: Float32Array[];
  let shipped: MobileFaceNetTail;
  beforeAll(async () => {
    engine = createInProcessEngine();
    await engine.start({ encoderId: 'mfn-foamliu' });
    chips = [];
    for (const f of ['Al_Gore_0001.jpg', 'Ai_Sugiyama_0002.jpg', 'Ahmed_Chalabi_0003.jpg']) {
      const r = await engine.analyze({ kind: 'file', path: e2e(f) }, { embedFaces: 1, liveness: false, chip: true });
      chips.push(r.faces[0]!.chip!);
    }
    base = await engine.embedChips(chips);
    shipped = await engine.baseTail();
  }, 60_000);
  afterAll(() => engine.stop());

  it("the trainer's last stage on the trunk's features is the engine's network (cosine >= 0.99999), and frees its tensors", async () => {
    const features = await engine.encoderFeatures(chips);
    expect(features[0]).toHaveLength(49 * 128);
    const before = tf.memory().numTensors;
    const mine = embedThroughTail(shipped, features);
    expect(tf.memory().numTensors).toBe(before);
    mine.forEach((e, i) => expect(cosine(e, base[i]!)).toBeGreaterThanOrEqual(0.99999));
    // And three different faces are three different embeddings (the check is not vacuous).
    expect(cosine(mine[0]!, mine[1]!)).toBeLessThan(0.9);
  });

  it('a fine-tune folder with the shipped weights is the shipped encoder; the trained one differs and matches the trainer', async () => {
    const same = path.join(tmp, 'same');
    writeModelFolder(same, {
      weights: { tail: shipped },
      baseEncoder: 'mfn-foamliu',
      dataHash: 'x'.repeat(64),
      training: readTrainedModel(out).manifest.training as never,
      validation: { pairs: null, before: null, after: null },
      distances: readTrainedModel(out).distances,
    });
    await engine.start({ modelDir: same });
    (await engine.embedChips(chips)).forEach((e, i) => expect(cosine(e, base[i]!)).toBeGreaterThanOrEqual(0.99999));

    const trained = readTrainedModel(out);
    expect(tailToFloats(trained.tail!)).not.toEqual(tailToFloats(shipped));
    await engine.start({ modelDir: out });
    expect(engine.status().encoderId).toBe(trained.manifest.id);
    const theirs = await engine.embedChips(chips);
    const features = await engine.encoderFeatures(chips);
    const mine = embedThroughTail(trained.tail!, features);
    theirs.forEach((e, i) => {
      expect(cosine(e, mine[i]!)).toBeGreaterThanOrEqual(0.99999);
      expect(cosine(e, base[i]!)).toBeLessThan(0.999999);
    });

    // Back to the shipped encoder: its own last stage again, bit for bit.
    await engine.start({ encoderId: 'mfn-foamliu' });
    expect(await engine.embedChips(chips)).toEqual(base);
  });

  it('an encoder without a MobileFaceNet last stage is refused with a sentence', async () => {
    await engine.start({ encoderId: 'dlib128-a51-flip' });
    await expect(engine.baseTail()).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/no MobileFaceNet last stage to fine-tune: train with --mode head/),
    });
    await expect(engine.encoderFeatures(chips)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await engine.start({ encoderId: 'mfn-foamliu' });
  }, 60_000);
});
