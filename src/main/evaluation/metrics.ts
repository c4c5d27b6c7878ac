// Pure metric math for face verification and open-set identification. Scores are similarities:
// higher means "more likely the same person" (cosine of L2-normalised embeddings).

export interface ThresholdChoice {
  threshold: number;
  accuracy: number;
}

/** The threshold (midpoint between neighbouring scores) that maximises accuracy on these pairs. */
export function bestThreshold(scores: ArrayLike<number>, same: ArrayLike<boolean>): ThresholdChoice {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  for (let i = 0; i < n; i++) if (same[i]) positives++;
  // Threshold below everything: all accepted.
  let correct = positives;
  let best = { threshold: n ? scores[idx[0]] - 1e-6 : 0, accuracy: n ? correct / n : 0 };
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    correct += same[i] ? -1 : 1; // this pair now falls below the threshold, i.e. rejected
    if (k + 1 < n && scores[idx[k + 1]] === scores[i]) continue;
    const thr = k + 1 < n ? (scores[i] + scores[idx[k + 1]]) / 2 : scores[i] + 1e-6;
    if (correct / n > best.accuracy) best = { threshold: thr, accuracy: correct / n };
  }
  return best;
}

export interface TenFoldResult {
  accuracy: number;
  std: number;
  foldAccuracies: number[];
  thresholds: number[];
}

/**
 * LFW's protocol: for each fold, the threshold that maximises accuracy on the other folds is applied to
 * it; accuracy is the mean over folds and std their (population) standard deviation.
 */
export function tenFold(
  scores: ArrayLike<number>,
  same: ArrayLike<boolean>,
  fold: ArrayLike<number>,
  folds = 10,
): TenFoldResult {
  const foldAccuracies: number[] = [];
  const thresholds: number[] = [];
  for (let f = 0; f < folds; f++) {
    const trS: number[] = [],
      trY: boolean[] = [];
    let right = 0,
      count = 0;
    for (let i = 0; i < scores.length; i++)
      if (fold[i] !== f) {
        trS.push(scores[i]);
        trY.push(same[i]);
      }
    const { threshold } = bestThreshold(trS, trY);
    for (let i = 0; i < scores.length; i++) {
      if (fold[i] !== f) continue;
      count++;
      if (scores[i] >= threshold === same[i]) right++;
    }
    thresholds.push(threshold);
    // A fold without pairs (tiny files) has no accuracy; it is left out of the mean, not counted as 0.
    foldAccuracies.push(count ? right / count : NaN);
  }
  const used = foldAccuracies.filter((a) => !Number.isNaN(a));
  const accuracy = used.reduce((a, b) => a + b, 0) / used.length;
  const std = Math.sqrt(used.reduce((a, b) => a + (b - accuracy) ** 2, 0) / used.length);
  return { accuracy, std, foldAccuracies, thresholds };
}

/** Area under the ROC curve (Mann-Whitney U, ties count half). */
export function auc(scores: ArrayLike<number>, same: ArrayLike<boolean>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0,
    pos = 0;
  for (let k = 0; k < n;) {
    let j = k;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[k]]) j++;
    const rank = (k + j) / 2 + 1;
    for (let t = k; t <= j; t++)
      if (same[idx[t]]) {
        rankSumPos += rank;
        pos++;
      }
    k = j + 1;
  }
  const neg = n - pos;
  if (!pos || !neg) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Threshold that lets through at most a share `rate` of the given negative scores (accept when score >= t).
 * With fewer negatives than 1/rate this admits none of them.
 */
export function thresholdAtRate(negatives: ArrayLike<number>, rate: number): number {
  const sorted = Array.from(negatives).sort((a, b) => b - a);
  const allowed = Math.floor(rate * sorted.length + 1e-9);
  if (sorted.length === 0) return -Infinity;
  // Accepting scores strictly above the (allowed)-th highest negative admits exactly `allowed` of them (ties excepted).
  const t = sorted[allowed] ?? -Infinity;
  return nextUp(t);
}

function nextUp(x: number): number {
  if (!Number.isFinite(x)) return x;
  return x + Math.max(Math.abs(x) * 1e-12, 1e-12);
}

/** True-accept rate at a false-accept rate (genuine pairs accepted with the threshold that admits <= far impostors). */
export function tarAtFar(scores: ArrayLike<number>, same: ArrayLike<boolean>, far: number): number {
  const neg: number[] = [],
    pos: number[] = [];
  for (let i = 0; i < scores.length; i++) (same[i] ? pos : neg).push(scores[i]);
  const t = thresholdAtRate(neg, far);
  return pos.length ? pos.filter((s) => s >= t).length / pos.length : NaN;
}

export interface ProbeOutcome {
  /** The best-scoring enrolled identity is the probe's true identity. */
  correct: boolean;
  /** Similarity to that best enrolled identity. */
  score: number;
}

export function rank1(probes: readonly ProbeOutcome[]): number {
  return probes.length ? probes.filter((p) => p.correct).length / probes.length : NaN;
}

/**
 * FNIR at FPIR x: with the threshold that lets through a share x of impostors (their best scores), the
 * share of probes not correctly identified (wrong top identity, or right one below the threshold).
 */
export function fnirAtFpir(
  probes: readonly ProbeOutcome[],
  impostorTopScores: ArrayLike<number>,
  fpir: number,
): number {
  const t = thresholdAtRate(impostorTopScores, fpir);
  return probes.length ? probes.filter((p) => !(p.correct && p.score >= t)).length / probes.length : NaN;
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
