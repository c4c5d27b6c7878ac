// A person's centroid outside the matcher (which keeps its own running sums, matcher.ts): for a handful of
// faces held in memory, as photo import and Group photos judge them before anything is stored.

/** The renormalised mean of unit embeddings, as the matcher scores a person; null for none or cancelling ones. */
export function unitCentroid(embeddings: readonly Float32Array[]): Float64Array | null {
  const first = embeddings[0];
  if (!first) return null;
  const sum = new Float64Array(first.length);
  for (const e of embeddings) for (let i = 0; i < sum.length; i++) sum[i]! += e[i]!;
  const norm = Math.hypot(...sum);
  if (!(norm > 1e-6)) return null;
  for (let i = 0; i < sum.length; i++) sum[i]! /= norm;
  return sum;
}

/** Euclidean distance between a unit embedding and a unit centroid. */
export function distanceToCentroid(embedding: Float32Array, centroid: Float64Array): number {
  let squared = 0;
  for (let i = 0; i < centroid.length; i++) squared += (embedding[i]! - centroid[i]!) ** 2;
  return Math.sqrt(squared);
}
