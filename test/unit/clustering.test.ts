// Average-linkage clustering cut at a threshold (domain/clustering.ts), on constructed unit vectors whose
// answer is known, and against the brute-force rule (merge the two groups whose faces are closest on
// average, while that average is within the threshold) on small random inputs.
import { describe, expect, it } from 'vitest';
import { clusterFaces, defaultClusterThreshold, CLUSTER_FAR } from '../../src/main/domain/clustering';
import { mulberry32 } from '../../src/main/domain/prng';
import { distanceAtFar } from '../../src/shared/distance-table';
import { syntheticTable } from '../helpers/distance-table';

const unit = (v: number[]): Float32Array => {
  const norm = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / norm);
};
const dist = (a: Float32Array, b: Float32Array) => Math.hypot(...Array.from(a, (x, i) => x - b[i]));

/** A point on the unit circle (in 2-D), `angle` radians from the x axis. */
const onCircle = (angle: number) => unit([Math.cos(angle), Math.sin(angle)]);

/** Near basis direction `axis` of `dim`, jittered by up to `jitter` in every coordinate. */
function near(axis: number, dim: number, jitter: number, rnd: () => number): Float32Array {
  return unit(Array.from({ length: dim }, (_, i) => (i === axis ? 1 : 0) + (rnd() - 0.5) * 2 * jitter));
}

/** The brute-force rule, straight from the definition: O(n^3) and then some, for small inputs only. */
function reference(e: Float32Array[], threshold: number, minClusterSize = 2) {
  let groups = e.map((_, i) => [i]);
  for (;;) {
    let best: [number, number, number] | null = null;
    for (let a = 0; a < groups.length; a++)
      for (let b = a + 1; b < groups.length; b++) {
        let sum = 0;
        for (const i of groups[a]) for (const j of groups[b]) sum += dist(e[i], e[j]);
        const avg = sum / (groups[a].length * groups[b].length);
        if (!best || avg < best[2]) best = [a, b, avg];
      }
    if (!best || best[2] > threshold) break;
    const [a, b] = best;
    groups = [...groups.filter((_, k) => k !== a && k !== b), [...groups[a], ...groups[b]].sort((x, y) => x - y)];
  }
  const clusters = groups.filter((g) => g.length >= minClusterSize).sort((x, y) => y.length - x.length || x[0] - y[0]);
  const unclustered = groups
    .filter((g) => g.length < minClusterSize)
    .flat()
    .sort((x, y) => x - y);
  return { clusters, unclustered };
}

/** Single linkage at the same threshold: the connected parts of the graph of pairs within it. */
function singleLinkage(e: Float32Array[], threshold: number): number[][] {
  const label = e.map((_, i) => i);
  const find = (i: number): number => (label[i] === i ? i : (label[i] = find(label[i])));
  for (let i = 0; i < e.length; i++)
    for (let j = i + 1; j < e.length; j++) if (dist(e[i], e[j]) <= threshold) label[find(i)] = find(j);
  const parts = new Map<number, number[]>();
  e.forEach((_, i) => parts.set(find(i), [...(parts.get(find(i)) ?? []), i]));
  return [...parts.values()];
}

describe('clusterFaces', () => {
  it('finds well-separated people, largest first, members in input order, and leaves outliers unclustered', () => {
    const rnd = mulberry32(7);
    // Three people near three axes of 8-D (sizes 3, 5, 2), interleaved in the input; two strangers alone
    // on axes of their own (every other face is about sqrt(2) from them).
    const who = [0, 1, 0, 1, 3, 1, 2, 0, 1, 2, 4, 1];
    const e = who.map((axis) => near(axis, 8, 0.05, rnd));
    const { clusters, unclustered } = clusterFaces(e, { threshold: 0.5 });
    expect(clusters).toEqual([
      [1, 3, 5, 8, 11],
      [0, 2, 7],
      [6, 9],
    ]);
    expect(unclustered).toEqual([4, 10]);
  });

  it('sends groups smaller than minClusterSize to unclustered', () => {
    const rnd = mulberry32(8);
    const who = [0, 0, 0, 1, 1, 2];
    const e = who.map((axis) => near(axis, 4, 0.05, rnd));
    expect(clusterFaces(e, { threshold: 0.5, minClusterSize: 3 })).toEqual({
      clusters: [[0, 1, 2]],
      unclustered: [3, 4, 5],
    });
    expect(clusterFaces(e, { threshold: 0.5, minClusterSize: 1 })).toEqual({
      clusters: [[0, 1, 2], [3, 4], [5]],
      unclustered: [],
    });
  });

  it('does not let a chain of look-alikes join two people, as single linkage does', () => {
    // Person A: five faces at angle 0; person B: five at 1 rad; two faces in between at 0.3 and 0.7 rad.
    // Neighbours along the arc are at most 0.397 apart, so single linkage at 0.45 joins all twelve; on
    // average, each in-between face is close to one person only, and A and B are 0.96 apart.
    const e = [
      ...Array.from({ length: 5 }, (_, i) => onCircle(i * 1e-4)),
      onCircle(0.3),
      onCircle(0.7),
      ...Array.from({ length: 5 }, (_, i) => onCircle(1 + i * 1e-4)),
    ];
    expect(singleLinkage(e, 0.45)).toHaveLength(1);
    expect(clusterFaces(e, { threshold: 0.45 })).toEqual({
      clusters: [
        [0, 1, 2, 3, 4, 5],
        [6, 7, 8, 9, 10, 11],
      ],
      unclustered: [],
    });
  });

  it('orders groups of the same size by their first face', () => {
    const rnd = mulberry32(9);
    const e = [2, 1, 2, 1].map((axis) => near(axis, 3, 0.02, rnd));
    expect(clusterFaces(e, { threshold: 0.3 }).clusters).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });

  it('handles no faces and one face', () => {
    expect(clusterFaces([], { threshold: 1 })).toEqual({ clusters: [], unclustered: [] });
    expect(clusterFaces([unit([1, 2, 3])], { threshold: 1 })).toEqual({ clusters: [], unclustered: [0] });
    expect(clusterFaces([unit([1, 2, 3])], { threshold: 1, minClusterSize: 1 })).toEqual({
      clusters: [[0]],
      unclustered: [],
    });
  });

  it('puts identical faces together and, at threshold 0, nothing else', () => {
    const a = unit([1, 0, 0]);
    const b = unit([0.9, 0.1, 0]);
    expect(clusterFaces([a, b, a, a], { threshold: 0 })).toEqual({ clusters: [[0, 2, 3]], unclustered: [1] });
  });

  it('refuses a threshold or a minimum that means nothing, embeddings of different lengths, and NaN', () => {
    const e = [unit([1, 0]), unit([0, 1])];
    expect(() => clusterFaces(e, { threshold: Number.NaN })).toThrow(RangeError);
    expect(() => clusterFaces(e, { threshold: -0.1 })).toThrow(RangeError);
    expect(() => clusterFaces(e, { threshold: 1, minClusterSize: 0 })).toThrow(RangeError);
    expect(() => clusterFaces([unit([1, 0]), unit([0, 1, 0])], { threshold: 1 })).toThrow(RangeError);
    expect(() => clusterFaces([unit([1, 0]), Float32Array.of(Number.NaN, 0)], { threshold: 1 })).toThrow(RangeError);
  });

  it('agrees with the brute-force rule on small random inputs', () => {
    const rnd = mulberry32(2026);
    for (let trial = 0; trial < 150; trial++) {
      const n = 1 + Math.floor(rnd() * 30);
      const dim = 2 + Math.floor(rnd() * 6);
      // Some structure (a few centres with spread), so that the cut falls inside the dendrogram.
      const centres = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () =>
        Array.from({ length: dim }, () => rnd() - 0.5),
      );
      const spread = 0.05 + rnd() * 0.5;
      const e = Array.from({ length: n }, () =>
        unit(centres[Math.floor(rnd() * centres.length)].map((c) => c + (rnd() - 0.5) * spread)),
      );
      const threshold = rnd() * 1.5;
      const minClusterSize = 1 + Math.floor(rnd() * 3);
      expect(clusterFaces(e, { threshold, minClusterSize }), `trial ${trial}`).toEqual(
        reference(e, threshold, minClusterSize),
      );
    }
  });
});

describe('defaultClusterThreshold', () => {
  it("is the encoder table's distance at CLUSTER_FAR", () => {
    const table = syntheticTable();
    expect(defaultClusterThreshold(table)).toBe(distanceAtFar(table, CLUSTER_FAR).distance);
  });
});
