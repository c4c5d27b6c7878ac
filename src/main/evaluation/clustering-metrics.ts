// How well a clustering of faces matches who they really are: pairwise and BCubed precision, recall and
// F1 (Amigó, Gonzalo, Artiles, Verdejo 2009, "A comparison of extrinsic clustering evaluation metrics").
// Pairwise counts pairs of faces, so it is dominated by the largest people (a person of n photos weighs
// n^2); BCubed averages over faces, so every face counts once. Faces in no cluster count as singletons:
// leaving a face out costs recall, never precision.

export interface PrecisionRecall {
  precision: number;
  recall: number;
  f1: number;
}

export interface ClusteringQuality {
  pairwise: PrecisionRecall;
  bcubed: PrecisionRecall;
  /** Faces scored, and the people they really belong to. */
  faces: number;
  people: number;
}

const f1 = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);
const pairs = (n: number) => (n * (n - 1)) / 2;

/**
 * `clusters`: index lists into `truth` (the face's real identity); an index in no list is a singleton.
 * A precision or recall with nothing to count (no pair put together, or no person with two faces) is 1:
 * nothing was got wrong.
 */
export function clusteringQuality(
  clusters: readonly (readonly number[])[],
  truth: readonly (string | number)[],
): ClusteringQuality {
  const n = truth.length;
  const clusterOf = new Int32Array(n).fill(-1);
  clusters.forEach((c, k) => {
    for (const i of c) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`face ${i} is not one of the ${n} faces`);
      if (clusterOf[i] !== -1) throw new RangeError(`face ${i} is in two clusters`);
      clusterOf[i] = k;
    }
  });
  const personOf = new Map<string | number, number>();
  const person = Int32Array.from(truth, (t) => {
    if (!personOf.has(t)) personOf.set(t, personOf.size);
    return personOf.get(t)!;
  });
  // The contingency table (cluster x person -> faces), keyed cluster * people + person, and its sums.
  const people = personOf.size;
  const cell = new Map<number, number>();
  const clusterSize = new Map<number, number>();
  const personSize = new Float64Array(people);
  let singletons = clusters.length;
  for (let i = 0; i < n; i++) {
    const k = clusterOf[i] === -1 ? singletons++ : clusterOf[i];
    const key = k * people + person[i];
    cell.set(key, (cell.get(key) ?? 0) + 1);
    clusterSize.set(k, (clusterSize.get(k) ?? 0) + 1);
    personSize[person[i]]++;
  }

  let together = 0; // pairs put together that are one person
  let bcubedP = 0;
  let bcubedR = 0;
  for (const [key, count] of cell) {
    const k = Math.floor(key / people);
    together += pairs(count);
    // Each of the `count` faces of this cell finds `count` of its own in its cluster and in its person.
    bcubedP += (count * count) / clusterSize.get(k)!;
    bcubedR += (count * count) / personSize[key - k * people];
  }
  let putTogether = 0;
  for (const s of clusterSize.values()) putTogether += pairs(s);
  let samePerson = 0;
  for (const s of personSize.values()) samePerson += pairs(s);

  const pp = putTogether ? together / putTogether : 1;
  const pr = samePerson ? together / samePerson : 1;
  const bp = n ? bcubedP / n : 1;
  const br = n ? bcubedR / n : 1;
  return {
    pairwise: { precision: pp, recall: pr, f1: f1(pp, pr) },
    bcubed: { precision: bp, recall: br, f1: f1(bp, br) },
    faces: n,
    people,
  };
}
