// Does asking more of people with look-alikes lower FNIR on people it was not tuned on?
// Each enrolled person is scored by the centroid of their templates (the app's matcher) minus a share `a`
// of their "crowding": the mean of the k highest similarities of their centroid to
//   - gallery: other enrolled people's templates (the customer's own data), or
//   - cohort: a fixed set of faces of people in neither the gallery nor the impostors (here the pairs
//     file's people who are not in the ident list).
// Printed for the whole ident list, then for random halves of its enrolled people (each half's gallery,
// its probes and all impostors), which is what tells a real gain from one tuned to this set.
//   node bench/build.mjs
//   node bench/.build/ident-crowding.mjs LIST_FILE PAIRS_FILE IMAGES_DIR CACHE.json
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cachedEmbeddings } from './embedding-cache';
import { parseIdentList, parsePairs } from '../src/main/evaluation/pairs';
import { fnirAtFpir, rank1, type ProbeOutcome } from '../src/main/evaluation/metrics';
import { mulberry32 } from '../src/main/domain/prng';

const [listFile, pairsFile, imagesDir, cacheFile] = process.argv.slice(2);
if (!listFile || !pairsFile || !imagesDir || !cacheFile) {
  console.error('usage: ident-crowding.mjs LIST_FILE PAIRS_FILE IMAGES_DIR CACHE.json');
  process.exit(2);
}
const rows = parseIdentList(readFileSync(listFile, 'utf8'), imagesDir);
const listed = new Set(rows.map((r) => r.identity));
const personOf = (photo: string) => path.basename(path.dirname(photo));
const cohortPhotos = [
  ...new Set(parsePairs(readFileSync(pairsFile, 'utf8'), imagesDir).pairs.flatMap((p) => [p.a, p.b])),
].filter((p) => !listed.has(personOf(p)));
const emb = await cachedEmbeddings([...rows.map((r) => r.image), ...cohortPhotos], cacheFile);

const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
};
const unit = (v: Float32Array) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const topMean = (scores: number[], k: number) =>
  scores
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((s, x) => s + x, 0) / Math.min(k, scores.length);

const cohort = cohortPhotos.map((p) => emb.get(p)).filter((v): v is Float32Array => !!v);
const enroll = rows.filter((r) => r.role === 'enroll' && emb.get(r.image));
const everyone = [...new Set(enroll.map((r) => r.identity))];
const templates = new Map(
  everyone.map((p) => [p, enroll.filter((r) => r.identity === p).map((r) => emb.get(r.image)!)]),
);
const centroid = new Map(
  everyone.map((p) => {
    const c = new Float32Array(templates.get(p)![0]!.length);
    for (const t of templates.get(p)!) for (let k = 0; k < c.length; k++) c[k]! += t[k]!;
    return [p, unit(c)];
  }),
);
const K = 3;
const cohortCrowding = new Map(
  everyone.map((p) => [
    p,
    topMean(
      cohort.map((f) => dot(centroid.get(p)!, f)),
      K,
    ),
  ]),
);
console.log(`# ${everyone.length} enrolled, cohort of ${cohort.length} photos of people outside the list, k = ${K}`);

type Penalty = (person: string) => number;
function evaluate(gallery: readonly string[], penalty: Penalty) {
  const inGallery = new Set(gallery);
  const probes: ProbeOutcome[] = [];
  const impostors: number[] = [];
  for (const r of rows) {
    if (r.role === 'enroll' || (r.role === 'probe' && !inGallery.has(r.identity))) continue;
    const q = emb.get(r.image);
    let best = -Infinity;
    let who: string | null = null;
    if (q)
      for (const p of gallery) {
        const s = dot(q, centroid.get(p)!) - penalty(p);
        if (s > best) [best, who] = [s, p];
      }
    if (r.role === 'probe') probes.push({ correct: who === r.identity, score: best });
    else impostors.push(best);
  }
  return {
    rank1: rank1(probes),
    fnir2: fnirAtFpir(probes, impostors, 1e-2),
    fnir3: fnirAtFpir(probes, impostors, 1e-3),
  };
}
/** Crowding among the gallery's own people: the mean of the K best scores against other people's templates. */
function galleryCrowding(gallery: readonly string[]): Map<string, number> {
  return new Map(
    gallery.map((p) => [
      p,
      topMean(
        gallery.filter((o) => o !== p).flatMap((o) => templates.get(o)!.map((t) => dot(centroid.get(p)!, t))),
        K,
      ),
    ]),
  );
}
const variants = (gallery: readonly string[]) => {
  const g = galleryCrowding(gallery);
  return {
    centroid: evaluate(gallery, () => 0),
    'gallery a=0.2': evaluate(gallery, (p) => 0.2 * g.get(p)!),
    'cohort a=0.3': evaluate(gallery, (p) => 0.3 * cohortCrowding.get(p)!),
  };
};
const fmt = (r: ReturnType<typeof evaluate>) =>
  `${r.fnir2.toFixed(4)} (rank-1 ${r.rank1.toFixed(4)}, 1e-3 ${r.fnir3.toFixed(4)})`;
console.log('all enrolled people: FNIR@FPIR 1e-2');
for (const [name, r] of Object.entries(variants(everyone))) console.log(`  ${name.padEnd(14)} ${fmt(r)}`);

const random = mulberry32(7);
const sums: Record<string, number> = {};
const SPLITS = 5;
console.log(`random halves of the enrolled people (${SPLITS} splits x 2 halves): FNIR@FPIR 1e-2`);
for (let s = 0; s < SPLITS; s++) {
  const order = everyone
    .map((p) => [random(), p] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, p]) => p);
  for (const half of [order.slice(0, order.length >> 1), order.slice(order.length >> 1)]) {
    const line = Object.entries(variants(half)).map(([name, r]) => {
      sums[name] = (sums[name] ?? 0) + r.fnir2;
      return `${name} ${r.fnir2.toFixed(4)}`;
    });
    console.log(`  ${line.join('   ')}`);
  }
}
console.log(
  `  mean: ${Object.entries(sums)
    .map(([n, v]) => `${n} ${(v / (2 * SPLITS)).toFixed(4)}`)
    .join('   ')}`,
);
