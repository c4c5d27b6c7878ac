// The triplet miners on a constructed distance matrix, and the loss against hand-computed values.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  mineTriplets,
  pairwiseSquaredDistances,
  tripletLoss,
  tripletStats,
  type Triplets,
} from '../../src/main/training/triplet';

const labels = [0, 0, 1, 1, 2, 2];
/** Squared distances, symmetric; margin 0.2. Each row's comment: its anchor-positive distance. */
const upper: Record<string, number> = {
  '0-1': 0.5,
  '0-2': 0.3,
  '0-3': 0.55,
  '0-4': 0.65,
  '0-5': 0.9,
  '1-2': 1.0,
  '1-3': 1.2,
  '1-4': 0.4,
  '1-5': 0.45,
  '2-3': 0.15,
  '2-4': 0.85,
  '2-5': 0.9,
  '3-4': 0.05,
  '3-5': 0.12,
  '4-5': 0.6,
};
const D: number[][] = Array.from({ length: 6 }, (_, i) =>
  Array.from({ length: 6 }, (_, j) => (i === j ? 0 : upper[`${Math.min(i, j)}-${Math.max(i, j)}`]!)),
);
const margin = 0.2;
const rows = (t: Triplets) => Array.from(t.anchor, (a, i) => [a, t.positive[i], t.negative[i]]);

/** The reference: the negatives of (a, p) that FaceNet calls semi-hard: farther than the positive, but within the margin. */
function semiHardCandidates(d: number[][], labels: readonly number[], a: number, p: number, margin: number): number[] {
  const dap = d[a]![p]!;
  const out: number[] = [];
  for (let n = 0; n < d.length; n++)
    if (labels[n] !== labels[a] && d[a]![n]! > dap && d[a]![n]! < dap + margin) out.push(n);
  return out;
}

/** The reference: the textbook form on explicit triplets of embeddings (rows): max(||a-p||^2 - ||a-n||^2 + margin, 0). */
function tripletLossOf(a: tf.Tensor2D, p: tf.Tensor2D, n: tf.Tensor2D, margin: number): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.relu(
        tf.add(tf.sub(tf.sum(tf.square(tf.sub(a, p)), 1), tf.sum(tf.square(tf.sub(a, n)), 1)), margin),
      ) as tf.Tensor1D,
  );
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('semi-hard mining', () => {
  it('names exactly the negatives farther than the positive and within the margin', () => {
    expect(semiHardCandidates(D, labels, 0, 1, margin)).toEqual([3, 4]); // 0.55, 0.65 in (0.5, 0.7); 2 is hard, 5 easy
    expect(semiHardCandidates(D, labels, 1, 0, margin)).toEqual([]); // 4, 5 are closer than 0.5; 2, 3 beyond 0.7
    expect(semiHardCandidates(D, labels, 4, 5, margin)).toEqual([0]); // 0.65 in (0.6, 0.8); 2 at 0.85 beyond
  });

  it('pairs every anchor-positive with the nearest negative farther than the positive', () => {
    const t = mineTriplets(D, labels, 'semi-hard');
    expect(rows(t)).toEqual([
      [0, 1, 3], // semi-hard (the nearer of 3 and 4)
      [1, 0, 2], // none in the band: the nearest farther one, 1.0, is beyond it (inactive)
      [2, 3, 0], // semi-hard: 0.3 in (0.15, 0.35)
      [3, 2, 0], // inactive: 0.55 beyond 0.35
      [4, 5, 0], // semi-hard
      [5, 4, 0], // inactive (0 and 2 tie at 0.9: the first)
    ]);
    // Where FaceNet's semi-hard band holds negatives, the one mined is the hardest of them.
    for (const [a, p, n] of rows(t)) {
      const band = semiHardCandidates(D, labels, a!, p!, margin);
      if (band.length) expect(n, `anchor ${a}`).toBe(band.sort((x, y) => D[a!]![x]! - D[a!]![y]!)[0]);
    }
    const s = tripletStats(D, labels, t, margin, 'semi-hard');
    expect(s.triplets).toBe(6);
    expect(s.activeShare).toBeCloseTo(3 / 6, 12);
    expect(s.loss).toBeCloseTo((0.15 + 0.05 + 0.15) / 6, 12);
    expect(s.meanPositiveSq).toBeCloseTo((0.5 + 0.15 + 0.6) / 3, 12);
  });

  it('takes the farthest negative when every negative is closer than the positive', () => {
    const d = [
      [0, 1.0, 0.2, 0.4],
      [1.0, 0, 0.3, 0.1],
      [0.2, 0.3, 0, 0.5],
      [0.4, 0.1, 0.5, 0],
    ];
    const t = mineTriplets(d, [0, 0, 1, 1], 'semi-hard');
    expect(rows(t)[0]).toEqual([0, 1, 3]);
    expect(tripletStats(d, [0, 0, 1, 1], t, margin, 'semi-hard').activeShare).toBe(1);
  });

  it('accepts a flat Float32Array as well', () => {
    const t = mineTriplets(Float32Array.from(D.flat()), labels, 'semi-hard');
    expect(rows(t)).toEqual(rows(mineTriplets(D, labels, 'semi-hard')));
  });
});

describe('batch-hard and batch-all', () => {
  it('batch-hard takes each anchor’s farthest positive and nearest negative', () => {
    const d = [
      [0, 0.2, 0.7, 0.5],
      [0.2, 0, 0.3, 0.9],
      [0.7, 0.3, 0, 0.6],
      [0.5, 0.9, 0.6, 0],
    ];
    expect(rows(mineTriplets(d, [0, 0, 0, 1], 'batch-hard'))).toEqual([
      [0, 2, 3],
      [1, 2, 3],
      [2, 0, 3],
    ]); // anchor 3 has no positive
    expect(rows(mineTriplets(D, labels, 'batch-hard')).map((r) => r[2])).toEqual([2, 4, 0, 4, 3, 3]);
    const s = tripletStats(D, labels, mineTriplets(D, labels, 'batch-hard'), margin, 'batch-hard');
    expect(s.loss).toBeCloseTo((0.4 + 0.3 + 0.05 + 0.3 + 0.75 + 0.68) / 6, 12);
  });

  it('batch-all takes every valid triplet and averages over the active ones', () => {
    const t = mineTriplets(D, labels, 'batch-all');
    expect(t.anchor.length).toBe(6 * 1 * 4);
    const s = tripletStats(D, labels, t, margin, 'batch-all');
    expect(s.activeShare).toBeCloseTo(13 / 24, 12);
    expect(s.loss).toBeCloseTo(4.06 / 13, 12);
  });
});

describe('the loss on tensors', () => {
  it('is max(||a-p||^2 - ||a-n||^2 + margin, 0), by hand', () => {
    const before = tf.memory().numTensors;
    const a = tf.tensor2d([
      [1, 0],
      [1, 0],
    ]);
    const p = tf.tensor2d([
      [0, 1],
      [0.8, 0.6],
    ]);
    const n = tf.tensor2d([
      [0.6, 0.8],
      [0, 1],
    ]);
    const l = tripletLossOf(a, p, n, 0.2);
    const values = Array.from(l.dataSync());
    expect(values[0]).toBeCloseTo(2 - 0.8 + 0.2, 6); // 1.4
    expect(values[1]).toBe(0); // 0.4 - 2 + 0.2 < 0
    tf.dispose([a, p, n, l]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gathered from the batch distances agrees with the plain computation', () => {
    const before = tf.memory().numTensors;
    const y = tf.tensor2d([
      [1, 0],
      [0.8, 0.6],
      [0, 1],
      [0.6, 0.8],
    ]);
    const d = pairwiseSquaredDistances(y);
    const values = d.dataSync() as Float32Array;
    expect(values[0 * 4 + 1]).toBeCloseTo(0.4, 6);
    expect(values[0 * 4 + 2]).toBeCloseTo(2, 6);
    expect(values[1 * 4 + 1]).toBe(0);
    const lab = [0, 0, 1, 1];
    for (const miner of ['semi-hard', 'batch-hard', 'batch-all'] as const) {
      const t = mineTriplets(values, lab, miner);
      const s = tripletStats(values, lab, t, 0.2, miner);
      const loss = tripletLoss(d, t, 0.2, miner, Math.round(s.activeShare * s.triplets));
      expect(loss.dataSync()[0]).toBeCloseTo(s.loss, 5);
      loss.dispose();
    }
    tf.dispose([y, d]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
