// The head's training loop on a constructed embedding set with a known structure: 8 identities whose
// unit vectors are drowned by a large nuisance in a fixed random 16-D subspace (think pose and light), so
// the nearest neighbour in raw space is mostly the wrong person, while a linear map (projecting the
// nuisance away, which the residual head y = x + xW + b can represent) separates them.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyHead, identityHead, type HeadWeights } from '../../src/main/training/head';
import { Rng } from '../../src/main/training/rng';
import { trainHead, type TrainConfig, type TrainSet } from '../../src/main/training/trainer';
import { readCheckpoint } from '../../src/main/training/checkpoint';

const D = 128;
const IDENTITIES = 8;

function unit(v: Float64Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  return Float32Array.from(v, (x) => x / Math.sqrt(s));
}

/** Orthonormal directions (Gram-Schmidt on seeded normal vectors). */
function orthonormal(rng: Rng, k: number): Float64Array[] {
  const out: Float64Array[] = [];
  while (out.length < k) {
    const v = Float64Array.from({ length: D }, () => rng.normal());
    for (const q of out) {
      let dot = 0;
      for (let j = 0; j < D; j++) dot += v[j]! * q[j]!;
      for (let j = 0; j < D; j++) v[j]! -= dot * q[j]!;
    }
    let s = 0;
    for (const x of v) s += x * x;
    out.push(v.map((x) => x / Math.sqrt(s)));
  }
  return out;
}

const world = (() => {
  const rng = new Rng(42);
  const basis = orthonormal(rng, IDENTITIES + 16);
  return { centres: basis.slice(0, IDENTITIES), nuisance: basis.slice(IDENTITIES) };
})();

function makeSet(perIdentity: number, seed: number): TrainSet {
  const rng = new Rng(seed);
  const embeddings: Float32Array[] = [];
  const labels: number[] = [];
  for (let k = 0; k < IDENTITIES; k++)
    for (let i = 0; i < perIdentity; i++) {
      const v = Float64Array.from(world.centres[k]!);
      for (const q of world.nuisance) {
        const g = rng.normal() * 1.0;
        for (let j = 0; j < D; j++) v[j]! += g * q[j]!;
      }
      for (let j = 0; j < D; j++) v[j]! += rng.normal() * 0.03;
      embeddings.push(unit(v));
      labels.push(k);
    }
  return { embeddings, labels };
}

/** Leave-one-out nearest-neighbour accuracy of the embeddings through the head. */
function nnAccuracy(set: TrainSet, w: HeadWeights): number {
  const y = set.embeddings.map((e) => applyHead(w, e));
  let right = 0;
  for (let i = 0; i < y.length; i++) {
    let best = -1;
    let bestSim = -Infinity;
    for (let j = 0; j < y.length; j++) {
      if (j === i) continue;
      let s = 0;
      for (let d = 0; d < D; d++) s += y[i]![d]! * y[j]![d]!;
      if (s > bestSim) {
        bestSim = s;
        best = j;
      }
    }
    if (set.labels[best] === set.labels[i]) right++;
  }
  return right / y.length;
}

const train = makeSet(20, 1);
const heldOut = makeSet(10, 2);
const config: TrainConfig = {
  epochs: 6,
  batchPeople: 8,
  batchPhotos: 4,
  margin: 0.2,
  miner: 'semi-hard',
  auxWeight: 0,
  learningRate: 1e-2,
  seed: 7,
};
const dir = mkdtempSync(path.join(os.tmpdir(), 'presence-train-head-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training the head', () => {
  it('separates the identities the untrained head mixes, and the loss and active share fall', async () => {
    const before = tf.memory().numTensors;
    const r = await trainHead({ config, data: train });
    expect(tf.memory().numTensors).toBe(before);
    const raw = nnAccuracy(heldOut, identityHead(D));
    const trained = nnAccuracy(heldOut, r.weights);
    expect(raw).toBeLessThan(0.6);
    expect(trained).toBeGreaterThan(raw + 0.3);
    const first = r.history[0]!;
    const last = r.history.at(-1)!;
    expect(last.loss).toBeLessThan(first.loss * 0.5);
    expect(last.activeShare).toBeLessThan(first.activeShare);
    expect(last.meanNegativeSq - last.meanPositiveSq).toBeGreaterThan(first.meanNegativeSq - first.meanPositiveSq);
  });
});

const same = (a: HeadWeights, b: HeadWeights) =>
  a.w.length === b.w.length && a.w.every((v, i) => Object.is(v, b.w[i])) && a.b.every((v, i) => Object.is(v, b.b[i]));

describe('a seeded run', () => {
  const short: TrainConfig = { ...config, epochs: 4, auxWeight: 0.5 };

  it('gives identical weights twice, and other weights with another seed', async () => {
    const a = await trainHead({ config: short, data: train });
    const b = await trainHead({ config: short, data: train });
    const c = await trainHead({ config: { ...short, seed: 8 }, data: train });
    expect(same(a.weights, b.weights)).toBe(true);
    expect(same(a.weights, c.weights)).toBe(false);
    expect(a.history).toEqual(b.history);
  });

  it('resumed after an epoch or in the middle of one ends with the weights of the uninterrupted run', async () => {
    const before = tf.memory().numTensors;
    const whole = await trainHead({ config: short, data: train, checkpoint: path.join(dir, 'whole.json') });

    const atEpoch = path.join(dir, 'at-epoch.json');
    const stop1 = new AbortController();
    const first = await trainHead({
      config: short,
      data: train,
      checkpoint: atEpoch,
      signal: stop1.signal,
      onEpoch: (r) => r.epoch === 2 && stop1.abort(),
    });
    expect(first.finished).toBe(false);
    expect(first.epochsDone).toBe(2);
    expect(readCheckpoint(atEpoch)).toMatchObject({ epoch: 2, step: 0 });
    const resumed = await trainHead({ config: short, data: train, checkpoint: atEpoch, resume: true });
    expect(resumed.finished).toBe(true);
    expect(same(resumed.weights, whole.weights)).toBe(true);
    expect(resumed.history).toEqual(whole.history);

    const midEpoch = path.join(dir, 'mid-epoch.json');
    const stop2 = new AbortController();
    const cut = await trainHead({
      config: short,
      data: train,
      checkpoint: midEpoch,
      signal: stop2.signal,
      onStep: (s) => s.epoch === 3 && s.step === 2 && stop2.abort(),
    });
    expect(cut).toMatchObject({ finished: false, epochsDone: 2, step: 2 });
    const again = await trainHead({ config: short, data: train, checkpoint: midEpoch, resume: true });
    expect(same(again.weights, whole.weights)).toBe(true);
    expect(again.history).toEqual(whole.history);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an abort writes a checkpoint that a resume with other settings refuses', async () => {
    const file = path.join(dir, 'aborted.json');
    const stop = new AbortController();
    stop.abort();
    const r = await trainHead({ config: short, data: train, checkpoint: file, signal: stop.signal });
    expect(r.finished).toBe(false);
    expect(existsSync(file)).toBe(true);
    expect(readCheckpoint(file)).toMatchObject({ epoch: 0, step: 0, config: short });
    await expect(
      trainHead({ config: { ...short, margin: 0.3 }, data: train, checkpoint: file, resume: true }),
    ).rejects.toThrow(/other settings \(margin 0.2, not 0.3\)/);
  });
});
