import { describe, expect, it } from 'vitest';
import {
  BELOW_EPSILON,
  calibrate,
  chooseAlpha,
  enrolledPairDistances,
  equalErrorRate,
  farFrrAt,
  type EnrolledPerson,
  type LabelledDistance,
} from '../../src/main/domain/calibration';

// Scores built from integers so every expected value is exact.
const impostors100 = Array.from({ length: 100 }, (_, i) => (50 + i) / 100); // 0.50 .. 1.49
const genuine50 = Array.from({ length: 50 }, (_, i) => (10 + i) / 100); // 0.10 .. 0.59

function labelled(genuine: number[], impostor: number[]): LabelledDistance[] {
  return [
    ...genuine.map((distance) => ({ distance, genuine: true })),
    ...impostor.map((distance) => ({ distance, genuine: false })),
  ];
}

/** Unit vector in the plane (e_i, e_j) at `angle` radians from e_i. */
function inPlane(dim: number, i: number, j: number, angle: number): Float32Array {
  const v = new Float32Array(dim);
  v[i] = Math.cos(angle);
  v[j] = Math.sin(angle);
  return v;
}

/** Angle between unit vectors whose Euclidean distance is d. */
const angleFor = (d: number): number => 2 * Math.asin(d / 2);

describe('farFrrAt', () => {
  it('counts impostors accepted (<= t) and genuine rejected (> t)', () => {
    expect(farFrrAt([0.1, 0.2, 0.3, 0.4], [0.3, 0.5, 0.6, 0.7], 0.3)).toEqual({ far: 0.25, frr: 0.25 });
    expect(farFrrAt([0.1], [0.5], 0.49)).toEqual({ far: 0, frr: 0 });
    expect(farFrrAt([], [0.5], 1)).toEqual({ far: 1, frr: null });
  });
});

describe('chooseAlpha', () => {
  it('picks the largest threshold with FAR <= target on a known distribution', () => {
    // FAR 0.01 of 100 impostors allows one accepted impostor: alpha sits just below the second smallest.
    const c = chooseAlpha(impostors100, 0.01);
    expect(c.alpha).toBeCloseTo(0.51 - BELOW_EPSILON, 12);
    expect(c.far).toBe(0.01);
    expect(c.verifiable).toBe(true);
    expect(farFrrAt([], impostors100, c.alpha + 2 * BELOW_EPSILON).far).toBeGreaterThan(0.01);

    const c5 = chooseAlpha(impostors100, 0.05);
    expect(c5.alpha).toBeCloseTo(0.55 - BELOW_EPSILON, 12);
    expect(c5.far).toBe(0.05);
  });

  it('does not count on ties: three impostors at the same distance are all accepted or none', () => {
    const c = chooseAlpha([0.5, 0.5, 0.5, ...Array.from({ length: 97 }, () => 0.9)], 0.01);
    expect(c.alpha).toBeLessThan(0.5);
    expect(c.far).toBe(0);
  });

  it('with too few impostors for the target, goes just below the nearest impostor, capped at the default', () => {
    const few = [0.8, 0.9, 1.1];
    expect(chooseAlpha(few, 0.001, 1.0)).toEqual({ alpha: 0.8 - BELOW_EPSILON, far: 0, verifiable: false });
    expect(chooseAlpha(few, 0.001, 0.6)).toEqual({ alpha: 0.6, far: 0, verifiable: false });
  });
});

describe('equalErrorRate', () => {
  it('finds where FAR and FRR meet', () => {
    const eer = equalErrorRate(Float64Array.from([0.1, 0.2, 0.3, 0.4]), Float64Array.from([0.35, 0.5, 0.6, 0.7]));
    expect(eer).toEqual({ rate: 0.25, threshold: 0.35 });
    expect(equalErrorRate(new Float64Array(0), Float64Array.from([1]))).toBeNull();
  });
});

describe('calibrate', () => {
  it('never returns an alpha looser than the encoder default, even where the target would allow it', () => {
    // People so unlike each other that FAR 0.01 would allow alpha 0.51 - but the encoder's own threshold is 0.4.
    const r = calibrate([], { targetFar: 0.01, defaultAlpha: 0.4, evaluation: labelled(genuine50, impostors100) });
    expect(r.alpha).toBe(0.4);
    expect(r.note).toMatch(/capped at the encoder's default 0\.4/);
    expect(r.curve.find((p) => p.threshold === 0.4)?.far).toBe(0);
  });

  it('uses an evaluation set when given: alpha for FAR 0.01 and the curve', () => {
    const r = calibrate([], { targetFar: 0.01, defaultAlpha: 1.0, evaluation: labelled(genuine50, impostors100) });
    expect(r.source).toBe('evaluation');
    expect(r.alpha).toBeCloseTo(0.51 - BELOW_EPSILON, 12);
    expect(r.targetFar).toBe(0.01);
    expect(r.genuinePairs).toBe(50);
    expect(r.impostorPairs).toBe(100);
    const atAlpha = r.curve.find((p) => p.threshold === r.alpha)!;
    expect(atAlpha.far).toBe(0.01);
    expect(atAlpha.frr).toBeCloseTo(9 / 50, 12); // genuine 0.51 .. 0.59 are rejected
    // grid 0..2 step 0.01, ascending, monotone
    expect(r.curve[0]).toEqual({ threshold: 0, far: 0, frr: 1 });
    expect(r.curve.at(-1)).toEqual({ threshold: 2, far: 1, frr: 0 });
    expect(r.curve.some((p) => p.threshold === 1.23)).toBe(true);
    for (let i = 1; i < r.curve.length; i++) {
      expect(r.curve[i]!.threshold).toBeGreaterThan(r.curve[i - 1]!.threshold);
      expect(r.curve[i]!.far!).toBeGreaterThanOrEqual(r.curve[i - 1]!.far!);
      expect(r.curve[i]!.frr!).toBeLessThanOrEqual(r.curve[i - 1]!.frr!);
    }
    expect(r.eer).not.toBeNull();
    expect(r.eer!).toBeGreaterThan(0);
    expect(r.eer!).toBeLessThan(0.1);
  });

  it('measures enrolled templates against centroids, as the matcher scores a probe', () => {
    // Two people, two templates each: own templates 0.2 apart, the nearest other person's template 0.9 away.
    // Genuine: each template against its person's other template (leave-one-out centroid): 0.2.
    // Impostor: each template against the other person's centroid, which lies halfway between their two.
    const people: EnrolledPerson[] = [
      { personId: 'a', embeddings: [inPlane(8, 0, 1, 0), inPlane(8, 0, 1, angleFor(0.2))] },
      {
        personId: 'b',
        embeddings: [
          inPlane(8, 0, 1, angleFor(0.9) + angleFor(0.2)),
          inPlane(8, 0, 1, angleFor(0.9) + 2 * angleFor(0.2)),
        ],
      },
    ];
    const chord = (angle: number): number => 2 * Math.sin(angle / 2);
    const nearest = chord(angleFor(0.9) + angleFor(0.2) / 2); // a's second template to b's centroid
    const pairs = enrolledPairDistances(people);
    expect(pairs.genuineTotal).toBe(4);
    expect(pairs.impostorTotal).toBe(4);
    expect(Array.from(pairs.genuine)).toEqual(Array(4).fill(expect.closeTo(0.2, 6)));
    expect(Math.min(...pairs.impostor)).toBeCloseTo(nearest, 6);
    expect(Math.max(...pairs.impostor)).toBeCloseTo(chord(angleFor(0.9) + (3 * angleFor(0.2)) / 2), 6);

    const r = calibrate(people, { defaultAlpha: 1.2 });
    expect(r.source).toBe('enrolled');
    expect(r.genuinePairs).toBe(4);
    expect(r.impostorPairs).toBe(4);
    // 4 impostor pairs cannot show a FAR of 0.001: just below the nearest impostor, and the note says so
    expect(r.alpha).toBeCloseTo(nearest - BELOW_EPSILON, 5);
    expect(r.alpha).toBeLessThan(nearest);
    expect(r.note).toMatch(/cannot be verified with 4 impostor pairs/);
  });

  it('represents a person whose templates cancel out by one of them, as the matcher does', () => {
    const people: EnrolledPerson[] = [
      { personId: 'a', embeddings: [inPlane(4, 0, 1, 0), inPlane(4, 0, 1, Math.PI)] }, // e0 and -e0
      { personId: 'b', embeddings: [inPlane(4, 2, 3, 0)] }, // e2
    ];
    const pairs = enrolledPairDistances(people);
    // b against a's stand-in template e0: sqrt(2), not the distance to a zero vector (1)
    expect(Array.from(pairs.impostor).sort()).toEqual([
      expect.closeTo(Math.SQRT2, 9),
      expect.closeTo(Math.SQRT2, 9),
      expect.closeTo(Math.SQRT2, 9),
    ]);
    expect(Array.from(pairs.genuine)).toEqual([expect.closeTo(2, 9), expect.closeTo(2, 9)]);
  });

  it('still chooses alpha when every person has a single template, from impostors alone', () => {
    const people: EnrolledPerson[] = [0, 1, 2].map((k) => ({
      personId: `p${k}`,
      embeddings: [inPlane(4, 0, 1, k * angleFor(0.7))],
    }));
    const r = calibrate(people, { defaultAlpha: 1.1 });
    expect(r.source).toBe('enrolled');
    expect(r.genuinePairs).toBe(0);
    expect(r.impostorPairs).toBe(6); // each template against the two other people
    expect(r.alpha).toBeCloseTo(0.7 - BELOW_EPSILON, 5);
    expect(r.eer).toBeNull();
    expect(r.curve.every((p) => p.frr === null)).toBe(true);
    expect(r.note).toMatch(/impostor pairs alone/);
  });

  it('caps alpha at the default when the few impostors are far apart', () => {
    const people: EnrolledPerson[] = [
      { personId: 'a', embeddings: [inPlane(4, 0, 1, 0)] },
      { personId: 'b', embeddings: [inPlane(4, 0, 1, Math.PI / 2)] }, // sqrt(2) apart
    ];
    const r = calibrate(people, { defaultAlpha: 0.9 });
    expect(r.alpha).toBe(0.9);
    expect(r.source).toBe('enrolled');
  });

  it('falls back to the default alpha with fewer than two people', () => {
    const one: EnrolledPerson[] = [
      { personId: 'a', embeddings: [inPlane(4, 0, 1, 0), inPlane(4, 0, 1, 0.1), inPlane(4, 0, 1, 0.3)] },
    ];
    const r = calibrate(one, { defaultAlpha: 1.05, targetFar: 0.01 });
    expect(r).toMatchObject({
      source: 'default',
      alpha: 1.05,
      targetFar: 0.01,
      genuinePairs: 3,
      impostorPairs: 0,
      eer: null,
    });
    expect(r.note).toMatch(/Fewer than two people/);
    expect(r.curve.every((p) => p.far === null && p.frr !== null)).toBe(true);

    expect(calibrate([], { defaultAlpha: 1.05 })).toMatchObject({
      source: 'default',
      alpha: 1.05,
      genuinePairs: 0,
      impostorPairs: 0,
    });
  });

  it('samples large galleries deterministically, without bias', () => {
    // 30 people x 12 templates: 360 genuine (each template against its person's 11 others) and 10,440
    // impostor pairs (each template against the 29 other people's centroids).
    let seed = 99;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const people: EnrolledPerson[] = Array.from({ length: 30 }, (_, p) => ({
      personId: `p${p}`,
      embeddings: Array.from({ length: 12 }, () =>
        Float32Array.from({ length: 32 }, (_, j) => (j === p ? 3 : 0) + rand() - 0.5),
      ),
    }));
    const full = enrolledPairDistances(people, 1_000_000);
    expect(full.genuine.length).toBe(360);
    expect(full.impostor.length).toBe(10440);

    const a = enrolledPairDistances(people, 300, 7);
    const b = enrolledPairDistances(people, 300, 7);
    const c = enrolledPairDistances(people, 300, 8);
    expect(a.impostor.length).toBe(300);
    expect(a.genuine.length).toBe(300);
    expect(a.impostorTotal).toBe(10440);
    expect(a.genuineTotal).toBe(360);
    expect(Array.from(a.impostor)).toEqual(Array.from(b.impostor));
    expect(Array.from(a.impostor)).not.toEqual(Array.from(c.impostor));

    // every sampled distance is one of the real pairs of its kind (no same-template or same-person "impostor" pair)
    const range = (x: Float64Array): [number, number] => [Math.min(...x), Math.max(...x)];
    const [gMin, gMax] = range(full.genuine);
    const [iMin, iMax] = range(full.impostor);
    expect(gMax).toBeLessThan(iMin); // the constructed people are well separated, so the kinds cannot mix
    for (const d of a.genuine) expect(d >= gMin && d <= gMax).toBe(true);
    for (const d of a.impostor) expect(d >= iMin && d <= iMax).toBe(true);

    const mean = (x: Float64Array): number => x.reduce((s, v) => s + v, 0) / x.length;
    expect(mean(a.impostor)).toBeCloseTo(mean(full.impostor), 1);
    expect(mean(a.genuine)).toBeCloseTo(mean(full.genuine), 1);

    const r = calibrate(people, { defaultAlpha: 1, maxPairs: 300, seed: 7 });
    expect(r.impostorPairs).toBe(300);
    expect(r.note).toMatch(/sampled/);
  });

  it('refuses a target FAR outside (0, 1)', () => {
    expect(() => calibrate([], { defaultAlpha: 1, targetFar: 0 })).toThrow(/targetFar/);
    expect(() => chooseAlpha([0.5], 1)).toThrow(/targetFar/);
  });
});
