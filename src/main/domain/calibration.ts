// Chooses the matcher's alpha from data, stated as a target false-accept rate (DESIGN.md, "Matching and
// decisions": alpha is not a magic number).
//
// A face is accepted when its distance is <= alpha, so at threshold t:
//   FAR(t) = share of impostor distances (different people) <= t   - strangers let in
//   FRR(t) = share of genuine distances (same person)        >  t   - enrolled people turned away
// alpha is the largest threshold whose FAR does not exceed the target. Only impostors decide it; genuine
// pairs are there to show the price in FRR on the curve.
//
// Where the distances come from, in order of preference:
//   'evaluation' - a labelled evaluation set the caller measured (independent of the gallery);
//   'enrolled'   - the enrolled templates scored as the matcher scores a probe (against a person's
//                  centroid): genuine within a person, impostor across people;
//   'default'    - fewer than two people enrolled, so no impostor pair exists: the caller's default
//                  (the encoder's published threshold) is returned unchanged.

import { AppError } from '../../shared/errors';
import type { CalibrationResult } from '../../shared/types';
import { MIN_CENTROID_NORM } from './matcher';
import { mulberry32 } from './prng';

export interface EnrolledPerson {
  personId: string;
  embeddings: readonly Float32Array[];
}

export interface LabelledDistance {
  distance: number;
  /** true: both faces are the same person. */
  genuine: boolean;
}

export interface CalibrationOptions {
  /** Target false-accept rate, 0 < targetFar < 1. Default 0.001. */
  targetFar?: number;
  /**
   * The encoder's measured threshold: the answer when the data cannot give one, and always the cap. A
   * gallery of very different faces can put the target's threshold far out (1.2 and more); accepting
   * strangers that far away because the people enrolled so far happen not to resemble each other would
   * let in the first visitor who resembles one of them.
   */
  defaultAlpha: number;
  /** Labelled distances measured by the caller; preferred over the enrolled pairs when it holds impostors. */
  evaluation?: readonly LabelledDistance[];
  /** At most this many genuine and this many impostor pairs (deterministic sample beyond). Default 200,000. */
  maxPairs?: number;
  /** Seed of the sampling PRNG. Default 1. */
  seed?: number;
  /** Spacing of the curve's thresholds over 0..2. Default 0.01. */
  gridStep?: number;
}

// The result's shape is part of the contract (engine.calibrate); it is declared once, in src/shared.
export type { CalibrationPoint, CalibrationResult } from '../../shared/types';
export type CalibrationSource = CalibrationResult['source'];

export interface AlphaChoice {
  alpha: number;
  /** FAR observed at alpha on the given impostor distances. */
  far: number;
  /** false when there are too few impostor pairs to observe a FAR as small as the target (1/n > target). */
  verifiable: boolean;
}

export const DEFAULT_TARGET_FAR = 0.001;
export const DEFAULT_MAX_PAIRS = 200_000;
const MAX_DISTANCE = 2; // between unit vectors
/**
 * alpha is placed this far below the first impostor distance that must be rejected. Distances are
 * computed in float64 from float32 embeddings, so 1e-6 is well above rounding and far below any
 * difference that matters for faces.
 */
export const BELOW_EPSILON = 1e-6;

/** FAR and FRR at threshold t (accept when distance <= t). Rates are null when there are no pairs of that kind. */
export function farFrrAt(
  genuine: ArrayLike<number>,
  impostor: ArrayLike<number>,
  t: number,
): { far: number | null; frr: number | null } {
  let accepted = 0;
  for (let i = 0; i < impostor.length; i++) if (impostor[i]! <= t) accepted++;
  let rejected = 0;
  for (let i = 0; i < genuine.length; i++) if (genuine[i]! > t) rejected++;
  return {
    far: impostor.length > 0 ? accepted / impostor.length : null,
    frr: genuine.length > 0 ? rejected / genuine.length : null,
  };
}

/**
 * The largest threshold whose FAR on `impostor` is <= targetFar. With n impostor distances sorted
 * ascending, at most k = floor(targetFar * n) of them may be accepted, so alpha sits just below the
 * (k+1)-th smallest. When k = 0 although targetFar > 0 (1/n > targetFar), the target cannot be
 * observed with this many pairs: alpha goes just below the smallest impostor (FAR 0 observed) and is
 * capped at `capAlpha`, because a few impostors say only where alpha must not be, not where it should be.
 */
export function chooseAlpha(
  impostor: ArrayLike<number>,
  targetFar: number,
  capAlpha: number = MAX_DISTANCE,
): AlphaChoice {
  checkTargetFar(targetFar);
  const sorted = Float64Array.from(impostor).sort();
  const n = sorted.length;
  if (n === 0) return { alpha: capAlpha, far: 0, verifiable: false };
  // The small epsilon keeps e.g. 0.01 * 100 from flooring to 0 through rounding.
  const k = Math.floor(targetFar * n + 1e-9);
  const verifiable = k >= 1;
  let alpha = k >= n ? MAX_DISTANCE : Math.max(0, sorted[k]! - BELOW_EPSILON);
  if (!verifiable) alpha = Math.min(alpha, capAlpha);
  const far = countAtMost(sorted, alpha) / n;
  return { alpha, far, verifiable };
}

/**
 * Distances as the matcher measures them (matcher.ts scores a person by the centroid of their unit
 * templates), each enrolled template standing in for a probe:
 * - genuine:  a template to the centroid of its person's OTHER templates (leave-one-out, so a template is
 *             never compared with itself; people with one template give none);
 * - impostor: a template to the centroid of every other person.
 * Each kind is sampled deterministically down to `maxPairs`.
 */
export function enrolledPairDistances(
  people: readonly EnrolledPerson[],
  maxPairs: number = DEFAULT_MAX_PAIRS,
  seed = 1,
): { genuine: Float64Array; impostor: Float64Array; genuineTotal: number; impostorTotal: number } {
  const groups = groupByPerson(people);
  const units = groups.map((g) => g.map(toUnit));
  const sums = units.map(sumOf);
  // As the matcher does: a person whose templates cancel out is represented by one of them.
  const centroidOf = (sum: Float64Array, members: readonly Float64Array[], fallback: Float64Array): Float64Array =>
    norm(sum) > MIN_CENTROID_NORM * members.length ? normalised(sum) : fallback;
  const centroids = sums.map((s, p) => centroidOf(s, units[p]!, units[p]![0]!));
  const rand = mulberry32(seed);

  // Every (person, template) that has a leave-one-out centroid.
  const genuineCases = units.flatMap((u, p) => (u.length >= 2 ? u.map((_, i) => ({ p, i })) : []));
  const genuineTotal = genuineCases.length;
  const leaveOneOut = (p: number, i: number): number => {
    const u = units[p]!;
    const t = u[i]!;
    const rest = Float64Array.from(sums[p]!, (x, j) => x - t[j]!);
    const others = u.filter((_, k) => k !== i);
    return distance(t, centroidOf(rest, others, others[0]!));
  };
  let genuine: Float64Array;
  if (genuineTotal <= maxPairs) {
    genuine = Float64Array.from(genuineCases, ({ p, i }) => leaveOneOut(p, i));
  } else {
    genuine = new Float64Array(maxPairs);
    for (let n = 0; n < maxPairs; n++) {
      const { p, i } = genuineCases[Math.floor(rand() * genuineTotal)]!;
      genuine[n] = leaveOneOut(p, i);
    }
  }

  const flat = units.flatMap((u, p) => u.map((e) => ({ p, e })));
  const impostorTotal = flat.length * (units.length - 1);
  let impostor: Float64Array;
  if (impostorTotal <= maxPairs) {
    impostor = new Float64Array(impostorTotal);
    let n = 0;
    for (const { p, e } of flat)
      for (let q = 0; q < centroids.length; q++) if (q !== p) impostor[n++] = distance(e, centroids[q]!);
  } else {
    // A template and a person drawn uniformly; its own person is redrawn, so every pair is equally likely.
    impostor = new Float64Array(maxPairs);
    for (let n = 0; n < maxPairs;) {
      const { p, e } = flat[Math.floor(rand() * flat.length)]!;
      const q = Math.floor(rand() * centroids.length);
      if (q === p) continue;
      impostor[n++] = distance(e, centroids[q]!);
    }
  }
  return { genuine, impostor, genuineTotal, impostorTotal };
}

export function calibrate(people: readonly EnrolledPerson[], options: CalibrationOptions): CalibrationResult {
  const targetFar = options.targetFar ?? DEFAULT_TARGET_FAR;
  checkTargetFar(targetFar);
  const defaultAlpha = options.defaultAlpha;
  if (!(defaultAlpha > 0 && defaultAlpha <= MAX_DISTANCE))
    throw new AppError('INVALID_INPUT', `defaultAlpha must be in (0, 2], got ${defaultAlpha}.`);
  const maxPairs = options.maxPairs ?? DEFAULT_MAX_PAIRS;
  const gridStep = options.gridStep ?? 0.01;

  const evaluation = options.evaluation ?? [];
  const evaluationImpostors = evaluation.filter((d) => !d.genuine).length;
  const notes: string[] = [];
  let source: CalibrationSource;
  let genuine: Float64Array;
  let impostor: Float64Array;

  if (evaluationImpostors > 0) {
    source = 'evaluation';
    genuine = Float64Array.from(evaluation.filter((d) => d.genuine).map((d) => d.distance));
    impostor = Float64Array.from(evaluation.filter((d) => !d.genuine).map((d) => d.distance));
    notes.push(`From the evaluation set: ${genuine.length} genuine and ${impostor.length} impostor distances.`);
  } else {
    if (evaluation.length > 0) notes.push('The evaluation set has no impostor distances, so it was not used.');
    const pairs = enrolledPairDistances(people, maxPairs, options.seed ?? 1);
    genuine = pairs.genuine;
    impostor = pairs.impostor;
    source = impostor.length > 0 ? 'enrolled' : 'default';
    if (source === 'enrolled') {
      notes.push(`From the enrolled templates: ${genuine.length} genuine and ${impostor.length} impostor pairs.`);
      if (pairs.genuineTotal > genuine.length || pairs.impostorTotal > impostor.length) {
        notes.push(
          `Pairs were sampled (seeded) from ${pairs.genuineTotal} genuine and ${pairs.impostorTotal} impostor pairs.`,
        );
      }
    }
  }

  genuine.sort();
  impostor.sort();

  let alpha: number;
  if (source === 'default') {
    alpha = defaultAlpha;
    notes.push(
      `Fewer than two people are enrolled, so there are no impostor pairs to measure a false-accept rate: using the encoder's default threshold ${formatNumber(defaultAlpha)}.`,
    );
  } else {
    const choice = chooseAlpha(impostor, targetFar, defaultAlpha);
    alpha = Math.min(choice.alpha, defaultAlpha);
    if (!choice.verifiable) {
      notes.push(
        `A false-accept rate of ${targetFar} cannot be verified with ${impostor.length} impostor pairs (the smallest observable non-zero rate is ${formatNumber(1 / impostor.length)}): ` +
          `alpha is just below the nearest impostor (none accepted), capped at the encoder's default ${formatNumber(defaultAlpha)}.`,
      );
    } else if (choice.alpha > defaultAlpha) {
      notes.push(
        `The target false-accept rate ${targetFar} would allow alpha ${formatNumber(choice.alpha)} on these pairs; it is capped at the encoder's default ${formatNumber(defaultAlpha)}, never looser.`,
      );
    } else {
      notes.push(
        `alpha ${formatNumber(alpha)} is the largest threshold with false-accept rate <= ${targetFar} (observed ${formatNumber(choice.far)}).`,
      );
    }
    if (genuine.length === 0) {
      notes.push(
        'No person has two templates, so the false-reject rate is unknown; alpha comes from impostor pairs alone.',
      );
    }
  }

  const eer = equalErrorRate(genuine, impostor);
  const thresholds = new Set<number>();
  const steps = Math.round(MAX_DISTANCE / gridStep);
  for (let i = 0; i <= steps; i++) thresholds.add(roundTo(i * gridStep, 10));
  thresholds.add(alpha);
  if (eer) thresholds.add(eer.threshold);
  const curve = [...thresholds]
    .sort((a, b) => a - b)
    .map((threshold) => ({
      threshold,
      far: impostor.length > 0 ? countAtMost(impostor, threshold) / impostor.length : null,
      frr: genuine.length > 0 ? (genuine.length - countAtMost(genuine, threshold)) / genuine.length : null,
    }));

  return {
    curve,
    alpha,
    targetFar,
    genuinePairs: genuine.length,
    impostorPairs: impostor.length,
    eer: eer ? eer.rate : null,
    eerThreshold: eer ? eer.threshold : null,
    source,
    note: notes.join(' '),
  };
}

/**
 * The threshold, among all observed distances, where FAR and FRR are closest, and their mean there.
 * Both inputs sorted ascending. null unless both kinds of pairs exist.
 */
export function equalErrorRate(
  genuine: Float64Array,
  impostor: Float64Array,
): { rate: number; threshold: number } | null {
  if (genuine.length === 0 || impostor.length === 0) return null;
  let best: { rate: number; threshold: number; gap: number } | null = null;
  // Sweep the merged distances: past each value, FAR only rises and FRR only falls.
  let gi = 0;
  let ii = 0;
  while (gi < genuine.length || ii < impostor.length) {
    const t = Math.min(gi < genuine.length ? genuine[gi]! : Infinity, ii < impostor.length ? impostor[ii]! : Infinity);
    while (gi < genuine.length && genuine[gi]! <= t) gi++;
    while (ii < impostor.length && impostor[ii]! <= t) ii++;
    const far = ii / impostor.length;
    const frr = (genuine.length - gi) / genuine.length;
    const gap = Math.abs(far - frr);
    if (!best || gap < best.gap) best = { rate: (far + frr) / 2, threshold: t, gap };
  }
  return best && { rate: best.rate, threshold: best.threshold };
}

// --- helpers -------------------------------------------------------------------------------------

function checkTargetFar(targetFar: number): void {
  if (!(targetFar > 0 && targetFar < 1))
    throw new AppError('INVALID_INPUT', `targetFar must be between 0 and 1, got ${targetFar}.`);
}

/** Number of values <= t in an ascending array (upper bound by binary search). */
function countAtMost(sorted: Float64Array, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function groupByPerson(people: readonly EnrolledPerson[]): Float32Array[][] {
  const byId = new Map<string, Float32Array[]>();
  for (const { personId, embeddings } of people) {
    const list = byId.get(personId) ?? [];
    list.push(...embeddings);
    byId.set(personId, list);
  }
  return [...byId.values()].filter((list) => list.length > 0);
}

function toUnit(e: Float32Array): Float64Array {
  let s = 0;
  for (let i = 0; i < e.length; i++) s += e[i]! * e[i]!;
  if (!(s > 0) || !Number.isFinite(s))
    throw new AppError('INVALID_INPUT', 'An enrolled embedding is zero or not finite.');
  const inv = 1 / Math.sqrt(s);
  return Float64Array.from(e, (x) => x * inv);
}

function sumOf(vectors: readonly Float64Array[]): Float64Array {
  const s = new Float64Array(vectors[0]!.length);
  for (const v of vectors) for (let j = 0; j < s.length; j++) s[j]! += v[j]!;
  return s;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j]! * v[j]!;
  return Math.sqrt(s);
}

/** v / |v|, for a v known not to be near zero. */
function normalised(v: Float64Array): Float64Array {
  const n = norm(v);
  return v.map((x) => x / n);
}

function distance(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length)
    throw new AppError('INVALID_INPUT', `Embeddings of different lengths (${a.length} and ${b.length}).`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function formatNumber(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
