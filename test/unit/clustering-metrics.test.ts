// Pairwise and BCubed precision, recall and F1 (evaluation/clustering-metrics.ts) on examples small
// enough to count by hand; each expected value is worked out in the comment above it.
import { describe, expect, it } from 'vitest';
import { clusteringQuality } from '../../src/main/evaluation/clustering-metrics';

describe('clusteringQuality', () => {
  it('scores a mixed-up clustering as counted by hand', () => {
    // Faces 0..5 are A A A B B C; clusters {0,1,3} and {2,4}; face 5 is left alone.
    // Pairs put together: 3 + 1 = 4, of which one person: {0,1} = 1; pairs of one person: 3 (A) + 1 (B) = 4.
    // BCubed precision per face: 2/3 2/3 1/2 1/3 1/2 1 -> 11/18; recall: 2/3 2/3 1/3 1/2 1/2 1 -> 11/18.
    const q = clusteringQuality(
      [
        [0, 1, 3],
        [2, 4],
      ],
      ['A', 'A', 'A', 'B', 'B', 'C'],
    );
    expect(q.pairwise).toEqual({ precision: 0.25, recall: 0.25, f1: 0.25 });
    expect(q.bcubed.precision).toBeCloseTo(11 / 18, 12);
    expect(q.bcubed.recall).toBeCloseTo(11 / 18, 12);
    expect(q.bcubed.f1).toBeCloseTo(11 / 18, 12);
    expect(q).toMatchObject({ faces: 6, people: 3 });
  });

  it('scores everyone in one cluster: all recall, little precision', () => {
    // A A B together. Pairwise: 3 pairs put together, 1 of them one person: P 1/3, R 1/1, F1 1/2.
    // BCubed precision: 2/3 2/3 1/3 -> 5/9; recall 1; F1 = 2 (5/9) / (14/9) = 5/7.
    const q = clusteringQuality([[0, 1, 2]], ['A', 'A', 'B']);
    expect(q.pairwise.precision).toBeCloseTo(1 / 3, 12);
    expect(q.pairwise.recall).toBe(1);
    expect(q.pairwise.f1).toBeCloseTo(0.5, 12);
    expect(q.bcubed.precision).toBeCloseTo(5 / 9, 12);
    expect(q.bcubed.recall).toBe(1);
    expect(q.bcubed.f1).toBeCloseTo(5 / 7, 12);
  });

  it('counts unclustered faces as singletons: they cost recall, not precision', () => {
    // A A B, nothing clustered. Pairwise: nothing put together (P 1), the A pair missed (R 0, F1 0).
    // BCubed recall: 1/2 1/2 1 -> 2/3; precision 1; F1 = 2 (2/3) / (5/3) = 0.8.
    const q = clusteringQuality([], ['A', 'A', 'B']);
    expect(q.pairwise).toEqual({ precision: 1, recall: 0, f1: 0 });
    expect(q.bcubed.precision).toBe(1);
    expect(q.bcubed.recall).toBeCloseTo(2 / 3, 12);
    expect(q.bcubed.f1).toBeCloseTo(0.8, 12);
  });

  it('gives 1 everywhere for the right answer, with identities of any type', () => {
    const q = clusteringQuality(
      [
        [2, 0],
        [1, 4],
      ],
      [7, 8, 7, 9, 8],
    );
    expect(q.pairwise).toEqual({ precision: 1, recall: 1, f1: 1 });
    expect(q.bcubed).toEqual({ precision: 1, recall: 1, f1: 1 });
    expect(q).toMatchObject({ faces: 5, people: 3 });
  });

  it('refuses a face in two clusters or a face that does not exist', () => {
    expect(() => clusteringQuality([[0, 1], [1]], ['A', 'A'])).toThrow(RangeError);
    expect(() => clusteringQuality([[0, 2]], ['A', 'A'])).toThrow(RangeError);
  });
});
