// How well `presence cluster` groups unlabelled photos into people, on an LFW-layout folder (person =
// folder name), each photo taken as its face nearest the centre (`--main-face`; the cache of
// bench/embedding-cache.ts holds exactly that embedding). Prints, then one JSON line at the end:
//   - the default threshold (domain/clustering.ts defaultClusterThreshold) and its pairwise and BCubed
//     precision, recall and F1 on every photo;
//   - a sweep over thresholds (the encoder table's distance at a range of per-comparison rates);
//   - the algorithms compared, each at its best threshold: average linkage (what ships), single linkage,
//     chinese whispers on the threshold graph (dlib's), DBSCAN;
//   - the rate chosen on half of the people and measured on the other half (people never seen);
//   - clustering time for random seeded subsets of photos, and of photos of people with >= 2 photos.
// LFW files a few people under two names: `--same A=B` (repeatable) scores them as one person.
// Usage (after bench/build.mjs):
//   node bench/.build/cluster-quality.mjs IMAGES_DIR --cache CACHE.json [--photos 1000,5000] [--same A=B]...
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InProcessEngine } from '../src/main/engine/engine';
import { clusterFaces, CLUSTER_FAR, defaultClusterThreshold } from '../src/main/domain/clustering';
import { mulberry32 } from '../src/main/domain/prng';
import { clusteringQuality, type ClusteringQuality } from '../src/main/evaluation/clustering-metrics';
import { distanceAtFar } from '../src/shared/distance-table';
import { cachedEmbeddings } from './embedding-cache';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (!args[0] || !opt('--cache')) {
  console.error('usage: cluster-quality.mjs IMAGES_DIR --cache CACHE.json [--photos 1000,5000] [--same A=B]...');
  process.exit(2);
}
// Absolute, as the cache's keys are the paths it was given.
const imagesDir = path.resolve(args[0]);
const cacheFile = opt('--cache')!;
const subsetSizes = (opt('--photos') ?? '1000,5000').split(',').map(Number);
const aliases = args.flatMap((a, i) => (a === '--same' && args[i + 1] ? [args[i + 1]!.split('=')] : []));
const canonical = new Map(aliases.map(([a, b]) => [b!, a!]));
const SEED = 20261204;

const engine = new InProcessEngine({});
const status = await engine.start();
await engine.stop();
const table = status.distances;
if (!table) throw new Error(`${status.encoderId} has no distance table: nothing to take the threshold from`);

const photos = readdirSync(imagesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .sort((a, b) => a.name.localeCompare(b.name))
  .flatMap((d) =>
    readdirSync(path.join(imagesDir, d.name))
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()
      .map((f) => ({ path: path.join(imagesDir, d.name, f), folder: d.name })),
  );
console.log(`# ${new Date().toISOString()} ${os.cpus()[0]?.model} x${os.cpus().length} node ${process.version}`);
const emb = await cachedEmbeddings(
  photos.map((p) => p.path),
  cacheFile,
);
const usable = photos.filter((p) => emb.get(p.path));
const E = usable.map((p) => emb.get(p.path)!);
const byFolder = usable.map((p) => p.folder);
const truth = usable.map((p) => canonical.get(p.folder) ?? p.folder);
const people = new Set(truth).size;
console.log(
  `# ${status.encoderId}: ${usable.length} photos (${photos.length - usable.length} without an embedding) of ${people} people in ${imagesDir}`,
);

// ---- the algorithms -------------------------------------------------------------------------------
type Clusterer = (idx: readonly number[], threshold: number) => number[][];

/** Distances between the photos `idx`, condensed, for the graph-based algorithms. */
function graph(idx: readonly number[], threshold: number): number[][] {
  const adj: number[][] = idx.map(() => []);
  const dim = E[0]!.length;
  for (let a = 0; a < idx.length; a++) {
    const x = E[idx[a]!]!;
    for (let b = a + 1; b < idx.length; b++) {
      const y = E[idx[b]!]!;
      let s = 0;
      for (let d = 0; d < dim; d++) s += x[d]! * y[d]!;
      if (Math.sqrt(Math.max(0, 2 - 2 * s)) <= threshold) {
        adj[a]!.push(b);
        adj[b]!.push(a);
      }
    }
  }
  return adj;
}

const average: Clusterer = (idx, threshold) =>
  clusterFaces(
    idx.map((i) => E[i]!),
    { threshold },
  ).clusters;

/** Connected parts of the threshold graph: one close pair is enough to join two people. */
const single: Clusterer = (idx, threshold) => {
  const adj = graph(idx, threshold);
  const label = new Int32Array(idx.length).fill(-1);
  const out: number[][] = [];
  for (let s = 0; s < idx.length; s++) {
    if (label[s] !== -1) continue;
    const part = [s];
    label[s] = out.length;
    for (let q = 0; q < part.length; q++)
      for (const t of adj[part[q]!]!)
        if (label[t] === -1) {
          label[t] = out.length;
          part.push(t);
        }
    out.push(part.sort((a, b) => a - b));
  }
  return out.filter((c) => c.length >= 2);
};

/**
 * dlib's chinese_whispers as its face-clustering example calls it: an edge (weight 1) between faces within
 * the threshold, each face with an edge to itself; 100 passes, each face in random order taking the
 * label that weighs most among its neighbours.
 */
const whispers: Clusterer = (idx, threshold) => {
  const adj = graph(idx, threshold);
  const label = Int32Array.from(idx, (_, i) => i);
  const rnd = mulberry32(SEED);
  const order = idx.map((_, i) => i);
  const weight = new Map<number, number>();
  for (let pass = 0; pass < 100; pass++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const v of order) {
      weight.clear();
      weight.set(label[v]!, 1);
      for (const u of adj[v]!) weight.set(label[u]!, (weight.get(label[u]!) ?? 0) + 1);
      // A tie goes to the smallest label, as dlib's std::map iteration gives it.
      let best = label[v]!;
      let bestW = 0;
      for (const [l, w] of weight)
        if (w > bestW || (w === bestW && l < best)) {
          best = l;
          bestW = w;
        }
      label[v] = best;
    }
  }
  const groups = new Map<number, number[]>();
  label.forEach((l, i) => groups.set(l, [...(groups.get(l) ?? []), i]));
  return [...groups.values()].filter((c) => c.length >= 2);
};

/** DBSCAN, eps = the threshold, a core face has at least 2 others within it; noise is unclustered. */
const dbscan: Clusterer = (idx, threshold) => {
  const adj = graph(idx, threshold);
  const MIN_NEIGHBOURS = 2;
  const label = new Int32Array(idx.length).fill(-1);
  const out: number[][] = [];
  for (let s = 0; s < idx.length; s++) {
    if (label[s] !== -1 || adj[s]!.length < MIN_NEIGHBOURS) continue;
    const c = out.length;
    const part = [s];
    label[s] = c;
    for (let q = 0; q < part.length; q++) {
      const v = part[q]!;
      if (adj[v]!.length < MIN_NEIGHBOURS) continue; // a border face: in the cluster, but does not extend it
      for (const t of adj[v]!)
        if (label[t] === -1) {
          label[t] = c;
          part.push(t);
        }
    }
    out.push(part.sort((a, b) => a - b));
  }
  return out;
};

const algorithms: Record<string, Clusterer> = {
  'average linkage (shipped)': average,
  'single linkage': single,
  'chinese whispers (dlib)': whispers,
  'DBSCAN (minPts 3)': dbscan,
};

// ---- scoring ----------------------------------------------------------------------------------------
const f3 = (x: number) => x.toFixed(3);
function score(clusters: number[][], idx: readonly number[], labels: readonly string[] = truth): ClusteringQuality {
  return clusteringQuality(
    clusters,
    idx.map((i) => labels[i]!),
  );
}
const row = (q: ClusteringQuality) =>
  `${f3(q.pairwise.precision)} | ${f3(q.pairwise.recall)} | ${f3(q.pairwise.f1)} | ${f3(q.bcubed.precision)} | ${f3(q.bcubed.recall)} | ${f3(q.bcubed.f1)}`;
const HEAD = 'pair P | pair R | pair F1 | BCubed P | BCubed R | BCubed F1';
const all = usable.map((_, i) => i);

const defaultThreshold = defaultClusterThreshold(table);
const t0 = performance.now();
const atDefault = average(all, defaultThreshold);
const defaultMs = performance.now() - t0;
const qDefault = score(atDefault, all);
const qDefaultFolders = score(atDefault, all, byFolder);
console.log(
  `\n## Default threshold ${f3(defaultThreshold)} (the table's distance at ${CLUSTER_FAR}), all ${all.length} photos, ${Math.round(defaultMs)} ms`,
);
console.log(`| scored as | clusters | unclustered | ${HEAD} |\n| --- | --- | --- | ${'--- | '.repeat(6)}`);
const unclusteredOf = (c: number[][], n: number) => n - c.reduce((s, x) => s + x.length, 0);
console.log(
  `| --same names as one person | ${atDefault.length} | ${unclusteredOf(atDefault, all.length)} | ${row(qDefault)} |`,
);
console.log(
  `| folder names as LFW files them | ${atDefault.length} | ${unclusteredOf(atDefault, all.length)} | ${row(qDefaultFolders)} |`,
);

// ---- the sweep -------------------------------------------------------------------------------------
const RATES = [1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2];
const sweep = RATES.map((far) => {
  const threshold = distanceAtFar(table, far).distance;
  const c = average(all, threshold);
  return { far, threshold, clusters: c.length, unclustered: unclusteredOf(c, all.length), q: score(c, all) };
});
console.log(`\n## Average linkage: threshold sweep, all ${all.length} photos\n`);
console.log(
  `| table rate | threshold | clusters | unclustered | ${HEAD} |\n| --- | --- | --- | --- | ${'--- | '.repeat(6)}`,
);
for (const s of sweep)
  console.log(`| ${s.far} | ${f3(s.threshold)} | ${s.clusters} | ${s.unclustered} | ${row(s.q)} |`);

// ---- held-out people: choose the rate on one half, measure it on the other -------------------------
const names = [...new Set(truth)].sort();
const rnd = mulberry32(SEED);
const half = new Set(names.filter(() => rnd() < 0.5));
const partA = all.filter((i) => half.has(truth[i]!));
const partB = all.filter((i) => !half.has(truth[i]!));
const onA = RATES.map((far) => ({ far, q: score(average(partA, distanceAtFar(table, far).distance), partA) }));
const chosen = onA.reduce((b, x) => (x.q.bcubed.f1 > b.q.bcubed.f1 ? x : b));
const qB = score(average(partB, distanceAtFar(table, chosen.far).distance), partB);
const qBDefault = score(average(partB, defaultThreshold), partB);
console.log(
  `\n## Held-out people: half A (${partA.length} photos) chooses the rate, half B (${partB.length} photos, the other people) is measured\n`,
);
console.log(`| | rate | ${HEAD} |\n| --- | --- | ${'--- | '.repeat(6)}`);
console.log(`| A, best rate | ${chosen.far} | ${row(chosen.q)} |`);
console.log(`| B at A's best rate | ${chosen.far} | ${row(qB)} |`);
console.log(`| B at the default (${CLUSTER_FAR}) | ${CLUSTER_FAR} | ${row(qBDefault)} |`);

// ---- the algorithms compared, each at its own best rate (chosen on A, measured on B) ----------------
console.log(`\n## Algorithms, each at its best table rate on half A, measured on half B (${partB.length} photos)\n`);
console.log(`| algorithm | rate (A) | threshold | ${HEAD} | ms (B) |\n| --- | --- | --- | ${'--- | '.repeat(7)}`);
const compared: Record<string, { far: number; bcubedF1: number; pairwiseF1: number; ms: number }> = {};
for (const [name, algo] of Object.entries(algorithms)) {
  const best = RATES.map((far) => ({ far, q: score(algo(partA, distanceAtFar(table, far).distance), partA) })).reduce(
    (b, x) => (x.q.bcubed.f1 > b.q.bcubed.f1 ? x : b),
  );
  const threshold = distanceAtFar(table, best.far).distance;
  const s = performance.now();
  const c = algo(partB, threshold);
  const ms = performance.now() - s;
  const q = score(c, partB);
  compared[name] = { far: best.far, bcubedF1: q.bcubed.f1, pairwiseF1: q.pairwise.f1, ms: Math.round(ms) };
  console.log(`| ${name} | ${best.far} | ${f3(threshold)} | ${row(q)} | ${Math.round(ms)} |`);
}

// ---- time and quality on subsets -------------------------------------------------------------------
const photosOf = new Map<string, number>();
for (const t of truth) photosOf.set(t, (photosOf.get(t) ?? 0) + 1);
const repeated = all.filter((i) => photosOf.get(truth[i]!)! >= 2);
function sample(from: readonly number[], n: number, seed: number): number[] {
  const r = mulberry32(seed);
  const a = [...from];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, Math.min(n, a.length)).sort((x, y) => x - y);
}
console.log(
  `\n## Subsets (seed ${SEED}), average linkage at the default threshold; clustering time only (embedding excluded), best of 3\n`,
);
console.log(`| photos drawn from | photos | people | ms | ${HEAD} |\n| --- | --- | --- | --- | ${'--- | '.repeat(6)}`);
const subsets: Array<{
  from: string;
  photos: number;
  people: number;
  ms: number;
  bcubedF1: number;
  pairwiseF1: number;
}> = [];
for (const [from, pool] of [
  ['all photos', all],
  ['people with >= 2 photos', repeated],
] as const)
  for (const size of subsetSizes) {
    const idx = sample(pool, size, SEED + size);
    let ms = Infinity;
    let c: number[][] = [];
    for (let k = 0; k < 3; k++) {
      const s = performance.now();
      c = average(idx, defaultThreshold);
      ms = Math.min(ms, performance.now() - s);
    }
    const q = score(c, idx);
    subsets.push({
      from,
      photos: idx.length,
      people: q.people,
      ms: Math.round(ms),
      bcubedF1: q.bcubed.f1,
      pairwiseF1: q.pairwise.f1,
    });
    console.log(`| ${from} | ${idx.length} | ${q.people} | ${Math.round(ms)} | ${row(q)} |`);
  }
console.log(
  `\n# load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);

const round = (q: ClusteringQuality) => ({
  pairwise: { precision: +f3(q.pairwise.precision), recall: +f3(q.pairwise.recall), f1: +f3(q.pairwise.f1) },
  bcubed: { precision: +f3(q.bcubed.precision), recall: +f3(q.bcubed.recall), f1: +f3(q.bcubed.f1) },
});
console.log(
  JSON.stringify({
    encoderId: status.encoderId,
    photos: all.length,
    people,
    threshold: +defaultThreshold.toFixed(4),
    clusterFar: CLUSTER_FAR,
    atDefault: { ...round(qDefault), clusters: atDefault.length, ms: Math.round(defaultMs) },
    atDefaultFolderNames: round(qDefaultFolders),
    sweep: sweep.map((s) => ({
      far: s.far,
      threshold: +s.threshold.toFixed(4),
      bcubedF1: +f3(s.q.bcubed.f1),
      pairwiseF1: +f3(s.q.pairwise.f1),
    })),
    heldOut: { chosenFar: chosen.far, onA: round(chosen.q), onB: round(qB), onBAtDefault: round(qBDefault) },
    algorithms: compared,
    subsets,
    targetBcubedF1: 0.95,
    targetMet: qDefault.bcubed.f1 >= 0.95,
  }),
);
