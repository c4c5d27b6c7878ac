// A model folder as `presence train` writes it (engine/trained-head.ts), read and run by the real engine
// (real models, a real LFW photo, test/fixtures/faces/SOURCE.md): the head is applied to the base
// encoder's embedding, the model's own distance table is the one in force, and a folder that is not
// what its manifest says is refused with a sentence.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEngine } from '../../src/main/engine/engine';
import type { EvaluationEngine } from '../../src/main/engine/index';
import { applyHead, readTrainedModel } from '../../src/main/engine/trained-head';
import { DEFAULT_ENCODER } from '../../src/main/engine/encoder-configs';
import { isAppError } from '../../src/shared/errors';
import { syntheticTable } from '../helpers/distance-table';
import { HEAD_SIZE, someHead, writeModelFolder } from '../helpers/trained-model';

const photo = { kind: 'file' as const, path: path.resolve(__dirname, '../fixtures/faces/Al_Gore_0001.jpg') };
const SIZE = HEAD_SIZE;
let root: string;
let engine: EvaluationEngine;

function modelDir(name: string, head = someHead(), edit?: (m: Record<string, unknown>) => void) {
  const dir = path.join(root, name);
  return { dir, id: writeModelFolder(dir, head, edit) };
}

function refusal(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isAppError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'presence-model-'));
  engine = createInProcessEngine();
  await engine.start();
});
afterAll(async () => {
  await engine?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('a trained head', () => {
  it('with zero weights is the base encoder itself (training starts from it)', () => {
    const x = Float32Array.from({ length: SIZE }, (_, i) => Math.sin(i));
    const norm = Math.hypot(...x);
    const unit = x.map((v) => v / norm);
    const y = applyHead({ size: SIZE, w: new Float32Array(SIZE * SIZE), b: new Float32Array(SIZE) }, unit);
    for (let i = 0; i < SIZE; i++) expect(y[i]).toBeCloseTo(unit[i]!, 6);
  });

  it('is run by the engine on top of the base encoder, with its own table and id; the shipped one comes back', async () => {
    const head = someHead();
    const { dir, id } = modelDir('good', head);
    const base = (await engine.analyze(photo)).faces[0]!.embedding;
    const tensors = tf.memory().numTensors;

    const status = await engine.start({ modelDir: dir });
    expect(status.encoderId).toBe(id);
    expect(status.distances?.encoderId).toBe(id);
    const trained = (await engine.analyze(photo)).faces[0]!.embedding;
    const expected = applyHead(head, base);
    let dot = 0;
    for (let i = 0; i < SIZE; i++) dot += trained[i]! * expected[i]!;
    expect(dot).toBeGreaterThan(0.99999);
    let fromBase = 0;
    for (let i = 0; i < SIZE; i++) fromBase += trained[i]! * base[i]!;
    expect(fromBase).toBeLessThan(0.99);
    // Asked for by its id while it runs, it stays; the shipped encoder by its id replaces it.
    expect((await engine.start({ encoderId: id })).encoderId).toBe(id);
    const back = await engine.start({ encoderId: DEFAULT_ENCODER.id });
    expect(back.encoderId).toBe(DEFAULT_ENCODER.id);
    expect(back.distances?.encoderId).toBe(DEFAULT_ENCODER.id);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('refuses a folder whose weights, id, base encoder or table are not what its manifest says', () => {
    const tampered = modelDir('tampered');
    writeFileSync(path.join(tampered.dir, 'head.bin'), Buffer.alloc((SIZE * SIZE + SIZE) * 4));
    expect(refusal(() => readTrainedModel(tampered.dir))).toMatchObject({
      code: 'MODEL_CHECKSUM',
      message: expect.stringMatching(/sha256 differs.*presence train/),
    });
    const renamed = modelDir('renamed', someHead(), (m) => void (m.id = 'mfn-foamliu+head-00000000'));
    expect(refusal(() => readTrainedModel(renamed.dir)).message).toMatch(/does not follow from its weights/);
    const unknownBase = modelDir('base', someHead(), (m) => void (m.baseEncoder = 'resnet-9000'));
    expect(refusal(() => readTrainedModel(unknownBase.dir)).message).toMatch(/base encoder is not one this version/);
    // Nothing a folder's files say is repeated: they may be any folder's files.
    expect(refusal(() => readTrainedModel(unknownBase.dir)).message).not.toContain('resnet-9000');
    expect(refusal(() => readTrainedModel('relative/model'))).toMatchObject({ code: 'INVALID_INPUT' });
    const huge = modelDir('huge');
    writeFileSync(path.join(huge.dir, 'distances.json'), Buffer.alloc(2 * 1024 * 1024, 32));
    expect(refusal(() => readTrainedModel(huge.dir)).message).toMatch(/distances\.json is larger than a model's/);
    const broken = modelDir('broken-table');
    const table = syntheticTable(broken.id);
    table.impostor = [...table.impostor].reverse();
    writeFileSync(path.join(broken.dir, 'distances.json'), JSON.stringify(table));
    expect(refusal(() => readTrainedModel(broken.dir)).message).toMatch(/impostor rows are out of order/);
    const otherTable = modelDir('table');
    writeFileSync(path.join(otherTable.dir, 'distances.json'), JSON.stringify(syntheticTable('mfn-foamliu')));
    expect(refusal(() => readTrainedModel(otherTable.dir)).message).toMatch(/distance table/);
    expect(refusal(() => readTrainedModel(root))).toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringMatching(/no manifest\.json/),
    });
  });

  it('is refused by a start that names another encoder with it, and the running one is kept', async () => {
    const { dir } = modelDir('mismatch', someHead(3));
    await expect(engine.start({ modelDir: dir, encoderId: 'dlib128' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(engine.status().encoderId).toBe(DEFAULT_ENCODER.id);
  });
});
