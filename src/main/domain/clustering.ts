// Grouping unlabelled faces into people: hierarchical agglomerative clustering with average linkage
// (UPGMA), cut at a distance threshold. Pure: embeddings in, index lists out; no engine, no database.
//
// Why average linkage: two groups merge only when their faces are close ON AVERAGE, so one look-alike
// pair cannot chain two people together (single linkage and chinese whispers on the threshold graph
// can), and a person's one odd photo still joins them when it is close to most of their photos (complete
// linkage would leave it out). bench/cluster-quality.ts measures it against chinese whispers and DBSCAN
// on the LFW dev photos (bench/RESULTS.md, "Clustering").
//
// Why our own code: npm's ml-hclust 4.0 (`agnes`) finds each merge by scanning the whole matrix and
// copies it into a new one, O(n^3) time with an n x n matrix reallocated per merge: far too slow for
// 5,000 faces. (DBSCAN, which npm's density-clustering offers, and chinese whispers group worse: see
// the bench.) This is the nearest-neighbour-chain algorithm (Murtagh 1983; Müllner 2011, "Modern
// hierarchical, agglomerative clustering algorithms") on a condensed distance matrix with the
// Lance-Williams update: O(n^2) time and n(n-1)/2 doubles. It is exact for average linkage, which is
// reducible, and its dendrogram has no inversions, so cutting it at the threshold is the same as merging
// while the closest pair is within it (test/unit/clustering.test.ts checks it against that brute-force
// rule).
import { AppError } from '../../shared/errors';
import { distanceAtFar, type DistanceTable } from '../../shared/distance-table';

export interface ClusterOptions {
  /**
   * Euclidean distance between unit vectors (the scale of alpha): groups merge while their faces are at
   * most this far apart on average.
   */
  threshold: number;
  /** A group with fewer faces goes to `unclustered`; default 2. */
  minClusterSize?: number;
}

export interface Clustering {
  /**
   * Index lists into the input, largest group first (of equal sizes, the one whose first face comes
   * first); members in input order.
   */
  clusters: number[][];
  /** Faces in no group of at least minClusterSize, in input order. */
  unclustered: number[];
}

/**
 * The per-comparison false-accept rate of the encoder's distance table at which the default clustering
 * threshold is read. The table measures a photo against a person's centroid, while average linkage
 * averages photo-to-photo distances, which run larger, and one wrong merge costs a whole group. The rate
 * is the best of a sweep of the table's rates on half of the LFW deep-funneled dev people (BCubed F1
 * 0.989), measured on the other half (0.988) and on all (0.986; at 1e-3 it would be 0.919):
 * bench/cluster-quality.ts, bench/RESULTS.md "Clustering".
 */
export const CLUSTER_FAR = 5e-5;

/** The default clustering threshold for an encoder: its table's distance at CLUSTER_FAR. */
export function defaultClusterThreshold(table: DistanceTable): number {
  return distanceAtFar(table, CLUSTER_FAR).distance;
}

/**
 * The most faces one clustering takes: the distance matrix holds n(n-1)/2 doubles, 400 MB at 10,000
 * faces, and it grows with the square. A larger folder is grouped in parts.
 */
export const MAX_CLUSTER_FACES = 10_000;

export function clusterFaces(embeddings: readonly Float32Array[], options: ClusterOptions): Clustering {
  if (embeddings.length > MAX_CLUSTER_FACES)
    throw new AppError(
      'INVALID_INPUT',
      `${embeddings.length} faces are more than the ${MAX_CLUSTER_FACES.toLocaleString('en')} one grouping takes: group the photos in parts.`,
    );
  const { threshold } = options;
  const minClusterSize = options.minClusterSize ?? 2;
  if (!Number.isFinite(threshold) || threshold < 0)
    throw new RangeError(`threshold must be a distance >= 0, not ${threshold}`);
  if (!Number.isInteger(minClusterSize) || minClusterSize < 1)
    throw new RangeError(`minClusterSize must be a whole number >= 1, not ${minClusterSize}`);
  const n = embeddings.length;
  if (n === 0) return { clusters: [], unclustered: [] };

  const dist = condensedDistances(embeddings);
  const merges = nearestNeighbourChain(dist, n);

  // The dendrogram is monotone, so the groups at the cut are what the merges within the threshold join.
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (const m of merges) if (m.height <= threshold) parent[find(m.a)] = find(m.b);

  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    const g = groups.get(root);
    if (g) g.push(i);
    else groups.set(root, [i]);
  }
  const clusters: number[][] = [];
  const unclustered: number[] = [];
  for (const g of groups.values()) {
    if (g.length >= minClusterSize) clusters.push(g);
    else unclustered.push(...g);
  }
  clusters.sort((x, y) => y.length - x.length || x[0] - y[0]);
  unclustered.sort((x, y) => x - y);
  return { clusters, unclustered };
}

/** Index of the pair (i, j), i < j, in a condensed matrix of n points. */
function pairIndex(i: number, j: number, n: number): number {
  return i * n - (i * (i + 1)) / 2 + j - i - 1;
}

/** Euclidean distances between unit vectors, from their dot products: sqrt(2 - 2 a.b). */
function condensedDistances(embeddings: readonly Float32Array[]): Float64Array {
  const n = embeddings.length;
  const dim = embeddings[0].length;
  for (const e of embeddings) {
    if (e.length !== dim) throw new RangeError(`embeddings of different lengths (${dim} and ${e.length})`);
    // A NaN distance is never the nearest: it would stall the chain, so it is refused here.
    if (!e.every(Number.isFinite)) throw new RangeError('an embedding holds a value that is not a finite number');
  }
  // One contiguous matrix, read in order.
  const m = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) m.set(embeddings[i], i * dim);
  const out = new Float64Array((n * (n - 1)) / 2);
  const toDistance = (dot: number) => Math.sqrt(Math.max(0, 2 - 2 * dot));
  const dot = (i: number, j: number) => {
    let s = 0;
    for (let d = 0, a = i * dim, b = j * dim; d < dim; d++) s += m[a + d] * m[b + d];
    return s;
  };
  // Eight rows at a time against each later row: every value of that row is loaded once for eight dot
  // products. This loop is most of the clustering's time; blocked, it takes about half as long as one row
  // at a time (on this 2-core machine, for 5,000 faces of 128-D: 1.1-1.5 s instead of 2.6 s).
  const B = 8;
  const a = new Int32Array(B);
  const r = new Float64Array(B);
  let i = 0;
  for (; i + B <= n; i += B) {
    for (let p = i; p < i + B; p++) for (let q = p + 1; q < i + B; q++) out[pairIndex(p, q, n)] = toDistance(dot(p, q));
    for (let k = 0; k < B; k++) {
      a[k] = (i + k) * dim;
      r[k] = pairIndex(i + k, 0, n);
    }
    const [a0, a1, a2, a3, a4, a5, a6, a7] = a;
    for (let j = i + B; j < n; j++) {
      const b = j * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      let s6 = 0;
      let s7 = 0;
      for (let d = 0; d < dim; d++) {
        const x = m[b + d];
        s0 += m[a0 + d] * x;
        s1 += m[a1 + d] * x;
        s2 += m[a2 + d] * x;
        s3 += m[a3 + d] * x;
        s4 += m[a4 + d] * x;
        s5 += m[a5 + d] * x;
        s6 += m[a6 + d] * x;
        s7 += m[a7 + d] * x;
      }
      out[r[0] + j] = toDistance(s0);
      out[r[1] + j] = toDistance(s1);
      out[r[2] + j] = toDistance(s2);
      out[r[3] + j] = toDistance(s3);
      out[r[4] + j] = toDistance(s4);
      out[r[5] + j] = toDistance(s5);
      out[r[6] + j] = toDistance(s6);
      out[r[7] + j] = toDistance(s7);
    }
  }
  for (; i < n; i++) for (let j = i + 1; j < n; j++) out[pairIndex(i, j, n)] = toDistance(dot(i, j));
  return out;
}

interface Merge {
  a: number;
  b: number;
  height: number;
}

/**
 * Every merge of average-linkage clustering (n - 1 of them, not in height order). The merged group
 * keeps the slot of one of its two halves; the distance matrix is updated in place by Lance-Williams:
 * d(k, i+j) = (|i| d(k, i) + |j| d(k, j)) / (|i| + |j|).
 */
function nearestNeighbourChain(dist: Float64Array, n: number): Merge[] {
  const size = new Float64Array(n).fill(1);
  // The active slots, kept dense so that a nearest-neighbour scan touches only live groups.
  const active = new Int32Array(n);
  let live = n;
  const position = new Int32Array(n);
  for (let i = 0; i < n; i++) active[i] = position[i] = i;
  // The pair (i, j), i < j, is at rowStart[i] + j: one addition in the inner loops instead of pairIndex.
  const rowStart = new Float64Array(n);
  for (let i = 0; i < n; i++) rowStart[i] = pairIndex(i, 0, n);
  const at = (i: number, j: number) => (i < j ? rowStart[i] + j : rowStart[j] + i);

  const merges: Merge[] = [];
  const chain: number[] = [];
  while (live > 1) {
    if (chain.length === 0) chain.push(active[0]);
    for (;;) {
      const top = chain[chain.length - 1];
      const prev = chain.length > 1 ? chain[chain.length - 2] : -1;
      // Ties go to the previous link of the chain, which is what keeps the chain from cycling.
      let best = prev;
      let bestD = prev >= 0 ? dist[at(top, prev)] : Infinity;
      const row = rowStart[top];
      for (let q = 0; q < live; q++) {
        const k = active[q];
        if (k === top) continue;
        const dk = dist[k < top ? rowStart[k] + top : row + k];
        if (dk < bestD) {
          bestD = dk;
          best = k;
        }
      }
      if (best === prev) {
        chain.pop();
        chain.pop();
        merges.push({ a: top, b: prev, height: bestD });
        merge(top, prev);
        break;
      }
      chain.push(best);
    }
  }
  return merges;

  /** Folds slot `gone` into slot `kept`. */
  function merge(kept: number, gone: number): void {
    const si = size[kept];
    const sj = size[gone];
    const total = si + sj;
    const wi = si / total;
    const wj = sj / total;
    for (let q = 0; q < live; q++) {
      const k = active[q];
      if (k === kept || k === gone) continue;
      const ik = at(kept, k);
      dist[ik] = wi * dist[ik] + wj * dist[at(gone, k)];
    }
    size[kept] = total;
    const slot = position[gone];
    const last = active[--live];
    active[slot] = last;
    position[last] = slot;
  }
}
