// The gradients the trainer registers (src/main/training/gradients.ts, ported from tfjs-core) against
// central finite differences of the training loss itself: the head, the mined triplet term and the
// softmax term, on a small random batch.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingGradients } from '../../src/main/training/gradients';
import { HeadVariables, identityHead } from '../../src/main/training/head';
import { Rng } from '../../src/main/training/rng';
import { TailVariables, TRUNK_SIZE } from '../../src/main/training/tail';
import { batchLoss } from '../../src/main/training/trainer';
import { TAIL_LAYERS, TAIL_SHAPES, type MobileFaceNetTail } from '../../src/main/engine';
import type { Miner } from '../../src/main/training/triplet';

const D = 8;
const rng = new Rng(3);
const labels = [0, 0, 0, 1, 1, 1, 2, 2];
const rows = labels.map(() => {
  const v = Array.from({ length: D }, () => rng.normal());
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
});

/** (loss(v + eps at i) - loss(v - eps at i)) / 2 eps, with v put back as it was. */
function centralDifference(v: tf.Variable, i: number, eps: number, lossAt: () => number): number {
  const original = Float32Array.from(v.dataSync());
  const shifted = (delta: number) => {
    const copy = Float32Array.from(original);
    copy[i]! += delta;
    tf.tidy(() => v.assign(tf.tensor(copy, v.shape)));
    return lossAt();
  };
  const numeric = (shifted(eps) - shifted(-eps)) / (2 * eps);
  tf.tidy(() => v.assign(tf.tensor(original, v.shape)));
  return numeric;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingGradients();
});

describe('the training gradients', () => {
  it.each(['semi-hard', 'batch-hard', 'batch-all'] as Miner[])(
    'match finite differences of the loss (%s, with the softmax term)',
    (miner) => {
      const before = tf.memory().numTensors;
      const start = identityHead(D);
      start.w.forEach((_, i) => (start.w[i] = rng.normal() * 0.3));
      start.b.forEach((_, i) => (start.b[i] = rng.normal() * 0.1));
      const head = new HeadVariables(start);
      const classifier = tf.tidy(() => tf.variable(tf.randomNormal([D, 3], 0, 0.5, 'float32', 5)));
      const x = tf.tensor2d(rows);
      const config = { miner, margin: 0.5, auxWeight: 0.5 };
      const lossAt = () => tf.tidy(() => batchLoss(head.apply(x), labels, classifier, config).loss.dataSync()[0]!);
      const { grads, value } = tf.variableGrads(
        () => batchLoss(head.apply(x), labels, classifier, config).loss,
        [head.w, head.b, classifier],
      );
      expect(value.dataSync()[0]).toBeGreaterThan(0);
      const eps = 1e-3;
      let checked = 0;
      for (const v of [head.w, head.b, classifier]) {
        const analytic = grads[v.name]!.dataSync();
        for (const i of [0, 3, 7, v.size - 1]) {
          expect(analytic[i]).toBeCloseTo(centralDifference(v, i, eps, lossAt), 2);
          checked++;
        }
      }
      expect(checked).toBe(12);
      tf.dispose([value, ...Object.values(grads), x, classifier]);
      head.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it("match finite differences through the MobileFaceNet's last stage (ReLU6 on both sides of its clip)", () => {
    const before = tf.memory().numTensors;
    const r = new Rng(11);
    const random = (n: number, scale: number) => Float32Array.from({ length: n }, () => r.normal() * scale);
    const part = (l: (typeof TAIL_LAYERS)[number], scale: number) => ({
      filter: random(
        TAIL_SHAPES[l].filter.reduce((a, b) => a * b),
        scale,
      ),
      bias: random(TAIL_SHAPES[l].bias, 0.5),
    });
    const start: MobileFaceNetTail = {
      conv2: part('conv2', 0.3),
      gdconv: part('gdconv', 0.2),
      conv3: part('conv3', 0.1),
    };
    const tail = new TailVariables(start);
    const x = tf.tensor2d(random(labels.length * TRUNK_SIZE, 1), [labels.length, TRUNK_SIZE]);
    // Some pre-activations of conv2 below 0, some above 6: the gradient's mask is exercised at both ends.
    const pre = tf.tidy(() =>
      tf.matMul(tf.reshape(x, [-1, 128]), tf.tensor2d(start.conv2.filter, [128, 512])).dataSync(),
    );
    expect(pre.some((v) => v < 0) && pre.some((v) => v > 6)).toBe(true);
    const config = { miner: 'batch-all' as Miner, margin: 0.5, auxWeight: 0 };
    const lossAt = () => tf.tidy(() => batchLoss(tail.apply(x), labels, null, config).loss.dataSync()[0]!);
    const { grads, value } = tf.variableGrads(
      () => batchLoss(tail.apply(x), labels, null, config).loss,
      [...tail.variables],
    );
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    const eps = 1e-2;
    let checked = 0;
    for (const v of tail.variables) {
      const analytic = grads[v.name]!.dataSync();
      // The entries with the largest gradients: a finite difference of a float32 loss resolves those.
      const top = [...analytic.keys()].sort((a, b) => Math.abs(analytic[b]!) - Math.abs(analytic[a]!)).slice(0, 3);
      for (const i of top) {
        const numeric = centralDifference(v, i, eps, lossAt);
        expect(Math.abs(analytic[i]! - numeric)).toBeLessThan(0.02 * Math.abs(numeric) + 1e-3);
        checked++;
      }
    }
    expect(checked).toBe(18);
    tf.dispose([value, ...Object.values(grads), x]);
    tail.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
