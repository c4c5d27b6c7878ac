// Open-set identification under different per-person scorings, on cached embeddings.
// The photos are embedded once through the shipped engine (cached to CACHE.json, so the scorings can be
// compared in seconds), then every `probe` and `impostor` row is scored against the `enroll` rows.
//   node bench/build.mjs
//   node bench/.build/ident-scoring.mjs LIST_FILE IMAGES_DIR CACHE.json
import { readFileSync } from 'node:fs';
import { cachedEmbeddings } from './embedding-cache';
import { parseIdentList } from '../src/main/evaluation/pairs';
import { fnirAtFpir, rank1, type ProbeOutcome } from '../src/main/evaluation/metrics';
import { Matcher } from '../src/main/domain/matcher';

const [listFile, imagesDir, cacheFile] = process.argv.slice(2);
if (!listFile || !imagesDir || !cacheFile) {
  console.error('usage: ident-scoring.mjs LIST_FILE IMAGES_DIR CACHE.json');
  process.exit(2);
}
const rows = parseIdentList(readFileSync(listFile, 'utf8'), imagesDir);
const embeddings = await cachedEmbeddings(
  rows.map((r) => r.image),
  cacheFile,
);
console.log(`# ${rows.length} rows, ${[...embeddings.values()].filter(Boolean).length} embedded`);

// --- scorings ------------------------------------------------------------------------------------------
const vec = (p: string) => embeddings.get(p) ?? null;
const enroll = rows.filter((r) => r.role === 'enroll' && vec(r.image));
const people = [...new Set(enroll.map((r) => r.identity))];
const templatesOf = new Map(people.map((p) => [p, enroll.filter((r) => r.identity === p).map((r) => vec(r.image)!)]));
const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
};
type PersonScore = (q: Float32Array, person: string) => number;
// The app's own Matcher: each person scored by the centroid of their templates.
const APP = 'centroid (the app matcher)';
const matcher = new Matcher(enroll.length ? vec(enroll[0]!.image)!.length : 1);
matcher.load(enroll.map((r, t) => ({ templateId: String(t), personId: r.identity, embedding: vec(r.image)! })));
const scorings: Record<string, PersonScore> = {
  [APP]: (q, p) => {
    const d = matcher.verify(q, p, { alpha: 2 }).distance;
    return 1 - (d * d) / 2;
  },
  nearest: (q, p) => Math.max(...templatesOf.get(p)!.map((t) => dot(q, t))),
  'mean-of-templates': (q, p) => {
    const ts = templatesOf.get(p)!;
    return ts.reduce((s, t) => s + dot(q, t), 0) / ts.length;
  },
  'half nearest + half centroid': (q, p) => 0.5 * scorings.nearest!(q, p) + 0.5 * scorings[APP]!(q, p),
};
// A crowded neighbourhood asks for more: each person's centroid score minus a share of how close their
// nearest look-alikes in the gallery are (the mean of the 3 highest scores of their centroid against
// other people's templates). Uses the gallery alone, nothing of the probes.
const centroidOf = (p: string) => {
  const c = new Float32Array(templatesOf.get(p)![0]!.length);
  for (const t of templatesOf.get(p)!) for (let k = 0; k < c.length; k++) c[k]! += t[k]!;
  const n = Math.hypot(...c);
  return c.map((x) => x / n);
};
const crowding = new Map(
  people.map((p) => {
    const c = centroidOf(p);
    const others = enroll.filter((r) => r.identity !== p).map((r) => dot(c, vec(r.image)!));
    others.sort((a, b) => b - a);
    return [p, (others[0]! + others[1]! + others[2]!) / 3];
  }),
);
for (const a of [0.2, 0.3])
  scorings[`centroid - ${a} x look-alikes`] = (q, p) => scorings[APP]!(q, p) - a * crowding.get(p)!;
const probesRows = rows.filter((r) => r.role !== 'enroll');
for (const [name, score] of Object.entries(scorings)) {
  for (const gapWeight of [0, 0.5, 1]) {
    const probes: ProbeOutcome[] = [];
    const impostors: number[] = [];
    for (const r of probesRows) {
      const q = vec(r.image);
      let best = -Infinity;
      let second = -Infinity;
      let who: string | null = null;
      if (q)
        for (const p of people) {
          const s = score(q, p);
          if (s > best) {
            second = best;
            best = s;
            who = p;
          } else if (s > second) second = s;
        }
      // Optional: reward a clear winner (score minus a share of the runner-up's).
      const decision = best - gapWeight * (second === -Infinity ? 0 : second) + gapWeight;
      if (r.role === 'probe') probes.push({ correct: who === r.identity, score: decision });
      else impostors.push(decision);
    }
    console.log(
      `${name.padEnd(30)} gap ${gapWeight}: rank-1 ${rank1(probes).toFixed(4)}  FNIR@FPIR1e-2 ${fnirAtFpir(probes, impostors, 1e-2).toFixed(4)}  FNIR@FPIR1e-3 ${fnirAtFpir(probes, impostors, 1e-3).toFixed(4)}`,
    );
  }
}
