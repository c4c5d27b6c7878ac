// FaceNet's triplet loss, max(||a-p||^2 - ||a-n||^2 + margin, 0), with the triplets mined online inside a
// P x K batch. The selection is a pure function of a plain distance matrix, so it can be checked by hand;
// the loss is then gathered from the tensor distance matrix, so gradients flow through the chosen entries
// only (the choice itself is not differentiated, as in FaceNet).
import * as tf from '@tensorflow/tfjs-core';

export type Miner = 'semi-hard' | 'batch-hard' | 'batch-all';
export const MINERS: readonly Miner[] = ['semi-hard', 'batch-hard', 'batch-all'];

/** Squared distances, n x n: rows of arrays, or a flat row-major Float32Array of n * n values. */
export type DistanceMatrix = readonly (readonly number[])[] | Float32Array;

export interface Triplets {
  anchor: Int32Array;
  positive: Int32Array;
  negative: Int32Array;
}

export interface TripletStats {
  /** The triplet term as optimised: mean over mined triplets (batch-all: over the active ones). */
  loss: number;
  triplets: number;
  /** Share of the mined triplets with a loss above zero. */
  activeShare: number;
  /** Mean squared distance over every same-person pair of the batch (the loss's own space). */
  meanPositiveSq: number;
  /** Mean squared distance over every different-person pair of the batch. */
  meanNegativeSq: number;
}

interface Flat {
  n: number;
  at: (i: number, j: number) => number;
}

function flat(d: DistanceMatrix): Flat {
  if (d instanceof Float32Array) {
    const n = Math.round(Math.sqrt(d.length));
    if (n * n !== d.length) throw new Error(`a distance matrix of ${d.length} values is not square`);
    return { n, at: (i, j) => d[i * n + j]! };
  }
  const n = d.length;
  for (const row of d) if (row.length !== n) throw new Error('the distance matrix is not square');
  return { n, at: (i, j) => d[i]![j]! };
}

/**
 * Chooses the triplets of one batch.
 * - semi-hard (FaceNet): every anchor-positive pair, with the nearest negative that is farther than the
 *   positive. When that negative lies within the margin it is a semi-hard one (of the candidates, the
 *   hardest); when it lies beyond, the triplet is kept and counts as inactive, so the active share says how
 *   much of the batch still teaches something. When no negative is farther than the positive, the farthest
 *   negative is taken (as TensorFlow's triplet_semihard_loss does): the pair still pulls, without the
 *   hardest negatives that FaceNet found to collapse the embedding early in training.
 * - batch-hard: per anchor, its farthest positive and nearest negative.
 * - batch-all: every valid triplet.
 * Anchors without a positive or without a negative in the batch give no triplet.
 */
export function mineTriplets(d: DistanceMatrix, labels: readonly number[], miner: Miner): Triplets {
  const m = flat(d);
  if (labels.length !== m.n) throw new Error(`${labels.length} labels for a ${m.n} x ${m.n} distance matrix`);
  const A: number[] = [];
  const P: number[] = [];
  const N: number[] = [];
  const push = (a: number, p: number, n: number) => {
    A.push(a);
    P.push(p);
    N.push(n);
  };
  for (let a = 0; a < m.n; a++) {
    const positives: number[] = [];
    const negatives: number[] = [];
    for (let j = 0; j < m.n; j++) {
      if (j === a) continue;
      (labels[j] === labels[a] ? positives : negatives).push(j);
    }
    if (!positives.length || !negatives.length) continue;
    if (miner === 'batch-hard') {
      const p = argBest(
        positives,
        (j) => m.at(a, j),
        (x, y) => x > y,
      );
      const n = argBest(
        negatives,
        (j) => m.at(a, j),
        (x, y) => x < y,
      );
      push(a, p, n);
      continue;
    }
    for (const p of positives) {
      if (miner === 'batch-all') {
        for (const n of negatives) push(a, p, n);
        continue;
      }
      const dap = m.at(a, p);
      const farther = negatives.filter((j) => m.at(a, j) > dap);
      const n = farther.length
        ? argBest(
            farther,
            (j) => m.at(a, j),
            (x, y) => x < y,
          )
        : argBest(
            negatives,
            (j) => m.at(a, j),
            (x, y) => x > y,
          );
      push(a, p, n);
    }
  }
  return { anchor: Int32Array.from(A), positive: Int32Array.from(P), negative: Int32Array.from(N) };
}

/** The first index whose value beats every other one's (ties keep the earliest: deterministic). */
function argBest(ids: readonly number[], value: (j: number) => number, better: (x: number, y: number) => boolean) {
  let best = ids[0]!;
  let bv = value(best);
  for (const j of ids) {
    const v = value(j);
    if (better(v, bv)) {
      best = j;
      bv = v;
    }
  }
  return best;
}

/** The per-triplet losses, the reduced loss, the active share and the batch's mean distances, in plain JS. */
export function tripletStats(
  d: DistanceMatrix,
  labels: readonly number[],
  t: Triplets,
  margin: number,
  miner: Miner,
): TripletStats {
  const m = flat(d);
  let sum = 0;
  let active = 0;
  for (let i = 0; i < t.anchor.length; i++) {
    const l = m.at(t.anchor[i]!, t.positive[i]!) - m.at(t.anchor[i]!, t.negative[i]!) + margin;
    if (l > 0) {
      sum += l;
      active++;
    }
  }
  let pos = 0;
  let nPos = 0;
  let neg = 0;
  let nNeg = 0;
  for (let i = 0; i < m.n; i++)
    for (let j = 0; j < m.n; j++) {
      if (i === j) continue;
      if (labels[i] === labels[j]) {
        pos += m.at(i, j);
        nPos++;
      } else {
        neg += m.at(i, j);
        nNeg++;
      }
    }
  const count = t.anchor.length;
  const denominator = miner === 'batch-all' ? active : count;
  return {
    loss: denominator ? sum / denominator : 0,
    triplets: count,
    activeShare: count ? active / count : 0,
    meanPositiveSq: nPos ? pos / nPos : 0,
    meanNegativeSq: nNeg ? neg / nNeg : 0,
  };
}

/** Squared Euclidean distances between the rows of y (n x d): ||a||^2 + ||b||^2 - 2 a.b, clipped at 0. */
export function pairwiseSquaredDistances(y: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const sq = tf.sum(tf.square(y), 1);
    const dot = tf.matMul(y, y, false, true);
    return tf.relu(tf.sub(tf.add(tf.reshape(sq, [-1, 1]), tf.reshape(sq, [1, -1])), tf.mul(dot, 2))) as tf.Tensor2D;
  });
}

/**
 * The triplet term of the chosen triplets, gathered from the n x n squared distance tensor: the mean of
 * max(d(a,p) - d(a,n) + margin, 0) over the triplets, or for batch-all over the `active` ones (those above
 * zero, counted by tripletStats), so that easy triplets do not dilute the gradient.
 */
export function tripletLoss(d: tf.Tensor2D, t: Triplets, margin: number, miner: Miner, active: number): tf.Scalar {
  return tf.tidy(() => {
    if (!t.anchor.length) return tf.scalar(0);
    const n = d.shape[0];
    const flatD = tf.reshape(d, [-1]);
    const ap = tf.gather(
      flatD,
      tf.tensor1d(
        t.anchor.map((a, i) => a * n + t.positive[i]!),
        'int32',
      ),
    );
    const an = tf.gather(
      flatD,
      tf.tensor1d(
        t.anchor.map((a, i) => a * n + t.negative[i]!),
        'int32',
      ),
    );
    const losses = tf.relu(tf.add(tf.sub(ap, an), margin));
    const denominator = miner === 'batch-all' ? Math.max(1, active) : t.anchor.length;
    return tf.mul(tf.sum(losses), 1 / denominator) as tf.Scalar;
  });
}
