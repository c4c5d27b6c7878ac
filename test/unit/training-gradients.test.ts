// The gradients the trainer registers (src/main/training/gradients.ts, ported from tfjs-core) against
// central finite differences of the training loss itself: the head, the mined triplet term and the
// softmax term, on a small random batch.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingGradients } from '../../src/main/training/gradients';
import { HeadVariables, identityHead } from '../../src/main/training/head';
import { Rng } from '../../src/main/training/rng';
import { batchLoss } from '../../src/main/training/trainer';
import type { Miner } from '../../src/main/training/triplet';

const D = 8;
const rng = new Rng(3);
const labels = [0, 0, 0, 1, 1, 1, 2, 2];
const rows = labels.map(() => {
  const v = Array.from({ length: D }, () => rng.normal());
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
});

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
        const original = Float32Array.from(v.dataSync());
        for (const i of [0, 3, 7, v.size - 1]) {
          const shifted = (delta: number) => {
            const copy = Float32Array.from(original);
            copy[i]! += delta;
            tf.tidy(() => v.assign(tf.tensor(copy, v.shape)));
            return lossAt();
          };
          const numeric = (shifted(eps) - shifted(-eps)) / (2 * eps);
          tf.tidy(() => v.assign(tf.tensor(original, v.shape)));
          expect(analytic[i]).toBeCloseTo(numeric, 2);
          checked++;
        }
      }
      expect(checked).toBe(12);
      tf.dispose([value, ...Object.values(grads), x, classifier]);
      head.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
