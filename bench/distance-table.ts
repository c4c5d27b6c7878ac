// Builds an encoder's distance table (src/shared/distance-table.ts), the source of the threshold in force:
// every photo of an LFW-layout folder is embedded by the shipped engine (PRESENCE_ENCODER picks another
// config), then every photo is compared with the centroid of every OTHER person's gallery (up to 3 of
// their photos, as a person is enrolled), and each person's remaining photos with their own gallery.
// Distances only are written: no embedding, name or photo of anyone.
// LFW files a few people under two names (Sepp and Joseph Blatter, Doc and Glenn Rivers); such pairs are
// one person, not impostors, and `--same A=B` (repeatable) keeps them out of both distributions. Real
// look-alikes (the Olsen twins) stay in: the table must know them.
// Usage (after bench/build.mjs):
//   node bench/.build/distance-table.mjs IMAGES_DIR --cache CACHE.json [--gallery 3] [--same A=B]... [--out FILE]
// Writes models/<encoderId>.distances.json (or --out) and its entry (bytes, sha256) in models/models.json.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InProcessEngine } from '../src/main/engine/engine';
import { resolveModelsDir } from '../src/main/engine/paths';
import { distanceTableRows, type DistanceTable } from '../src/shared/distance-table';
import { cachedEmbeddings } from './embedding-cache';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const imagesDir = args[0];
const cacheFile = opt('--cache');
if (!imagesDir || !cacheFile) {
  console.error('usage: distance-table.mjs IMAGES_DIR --cache CACHE.json [--gallery 3] [--out FILE]');
  process.exit(2);
}
const galleryMax = Number(opt('--gallery') ?? 3);
const aliases = args.flatMap((a, i) => (a === '--same' && args[i + 1] ? [args[i + 1]!.split('=')] : []));
const sameKey = (a: string, b: string) => [a, b].sort().join('\n');
const same = new Set(aliases.map(([a, b]) => sameKey(a!, b!)));

const status = await new InProcessEngine({}).start();
const encoderId = status.encoderId!;
const modelsDir = resolveModelsDir()!;
const out = opt('--out') ?? path.join(modelsDir, `${encoderId}.distances.json`);

const people = readdirSync(imagesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => ({
    name: d.name,
    photos: readdirSync(path.join(imagesDir, d.name))
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()
      .map((f) => path.join(imagesDir, d.name, f)),
  }))
  .filter((p) => p.photos.length > 0)
  .sort((a, b) => a.name.localeCompare(b.name));
const all = people.flatMap((p) => p.photos);
console.log(`# ${new Date().toISOString()} ${os.cpus()[0]?.model} x${os.cpus().length} node ${process.version}`);
console.log(`# ${encoderId}: ${all.length} photos of ${people.length} people in ${imagesDir}`);
const emb = await cachedEmbeddings(all, cacheFile);
const dim = status.embeddingSize!;

function centroid(photos: string[]): Float32Array | null {
  const c = new Float64Array(dim);
  let n = 0;
  for (const p of photos) {
    const e = emb.get(p);
    if (!e) continue;
    for (let j = 0; j < dim; j++) c[j]! += e[j]!;
    n++;
  }
  if (!n) return null;
  let s = 0;
  for (let j = 0; j < dim; j++) s += c[j]! * c[j]!;
  const inv = 1 / Math.sqrt(s);
  return Float32Array.from(c, (x) => x * inv);
}
const dist = (a: Float32Array, b: Float32Array) => {
  let d = 0;
  for (let j = 0; j < dim; j++) d += a[j]! * b[j]!;
  return Math.sqrt(Math.max(0, 2 - 2 * d));
};

// Impostor: every photo against every other person's gallery centroid.
const galleries = people.map((p) => centroid(p.photos.slice(0, galleryMax)));
const owner = people.flatMap((p, i) => p.photos.map(() => i));
const probes = all.map((p) => emb.get(p) ?? null);
const impostor = new Float32Array(all.length * people.length);
let n = 0;
for (let x = 0; x < all.length; x++) {
  const e = probes[x];
  if (!e) continue;
  for (let g = 0; g < people.length; g++) {
    const c = galleries[g];
    if (g === owner[x] || !c || same.has(sameKey(people[g]!.name, people[owner[x]!]!.name))) continue;
    impostor[n++] = dist(e, c);
  }
}
const imp = impostor.subarray(0, n).sort();
console.log(`# impostor comparisons: ${n}`);

// Genuine: a person's photos beyond their gallery against it (people with two photos or more).
const genuine: number[] = [];
for (const p of people) {
  if (p.photos.length < 2) continue;
  const k = Math.min(galleryMax, p.photos.length - 1);
  const c = centroid(p.photos.slice(0, k));
  if (!c) continue;
  for (const ph of p.photos.slice(k)) {
    const e = emb.get(ph);
    if (e) genuine.push(dist(e, c));
  }
}
genuine.sort((a, b) => a - b);
console.log(`# genuine comparisons: ${genuine.length}`);

const table: DistanceTable = {
  encoderId,
  measuredOn: `LFW deep-funneled development photos: ${all.length} photos of ${people.length} people; a photo against the centroid of up to ${galleryMax} photos of a person (the matcher's rule)`,
  command: `node bench/build.mjs && node bench/.build/distance-table.mjs ${imagesDir} --cache CACHE.json${galleryMax !== 3 ? ` --gallery ${galleryMax}` : ''}${aliases.map(([a, b]) => ` --same ${a}=${b}`).join('')}`,
  ...distanceTableRows(imp, genuine),
};
writeFileSync(out, JSON.stringify(table, null, 1) + '\n');
for (const r of table.impostor) console.log(`far ${r.far.toExponential(0)}  distance ${r.distance.toFixed(4)}`);
console.log(`# wrote ${out}`);

if (path.dirname(path.resolve(out)) === path.resolve(modelsDir)) {
  const bytes = readFileSync(out);
  const manifestPath = path.join(modelsDir, 'models.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: { id: string }[] };
  const id = `${encoderId}.distances`;
  manifest.models = manifest.models.filter((m) => m.id !== id);
  manifest.models.push({
    id,
    role: 'distances',
    format: 'json',
    files: [
      { file: path.basename(out), bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
    ],
    input: [],
    outputs: [`impostor and genuine distance quantiles of ${encoderId}`],
    source: { measuredBy: 'bench/distance-table.ts', data: 'LFW development set (distances only)' },
    licence: 'Apache-2.0',
    origin: table.measuredOn,
  } as { id: string });
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`# updated ${manifestPath}`);
}
process.exit(0);
