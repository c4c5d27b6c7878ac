// Writes the data of the training study (bench/RESULTS.md, "Training a head"): an LFW-layout folder is
// split BY IDENTITY, so that nobody is in both the training part and the part that measures it.
//
//   OUT/train/<Name>/...       the training half: people with >= 2 photos (copies of the photos)
//   OUT/val-pairs.txt          LFW-format pairs ("N", N same then N different) of the other half only
//   OUT/val-ident.tsv          a 1:N list of the other half only: 3 photos enrolled of each person with
//                              >= 5, up to 9 probes each, one impostor photo of each other person there
//   OUT/site/train/<Name>/...  a site of --site people x 5 photos (people with >= 6 photos, from both
//                              halves: a site trains on its own staff), for the "own labelled data" case
//   OUT/site/ident.tsv         that site's people enrolled from 3 of their 5 training photos, probed with
//                              their other photos, against one photo of each person outside the site
//   OUT/site/val-pairs.txt     pairs of people outside the site, to watch training on
//
// Usage (after bench/build.mjs): node bench/.build/train-split.mjs IMAGES_DIR OUT_DIR [--seed 1] [--site 200]
// Paths in the lists are relative to IMAGES_DIR, so `presence eval ... --images IMAGES_DIR` reads them.
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mulberry32 } from '../src/main/domain/prng';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const [imagesDir, outDir] = args;
if (!imagesDir || !outDir || imagesDir.startsWith('--') || outDir.startsWith('--')) {
  console.error('usage: train-split.mjs IMAGES_DIR OUT_DIR [--seed 1] [--site 200]');
  process.exit(2);
}
const seed = Number(opt('--seed', '1'));
const siteSize = Number(opt('--site', '200'));
const rand = mulberry32(seed);
const shuffle = <T>(xs: readonly T[]): T[] => {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};

interface Person {
  name: string;
  /** Photo numbers (Name_NNNN.jpg), ascending. */
  photos: number[];
}
const people: Person[] = readdirSync(imagesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => ({
    name: d.name,
    photos: readdirSync(path.join(imagesDir, d.name))
      .map((f) => new RegExp(`^${d.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d{4})\\.jpg$`).exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b),
  }))
  .filter((p) => p.photos.length > 0)
  .sort((a, b) => a.name.localeCompare(b.name));
const file = (name: string, n: number) => `${name}/${name}_${String(n).padStart(4, '0')}.jpg`;

// Half the people (every photo count split alike: shuffled within each count, then alternated).
const byCount = new Map<number, Person[]>();
for (const p of people) byCount.set(p.photos.length, [...(byCount.get(p.photos.length) ?? []), p]);
const train: Person[] = [];
const val: Person[] = [];
for (const [, group] of [...byCount].sort((a, b) => a[0] - b[0]))
  shuffle(group).forEach((p, i) => (i % 2 === 0 ? train : val).push(p));

rmSync(outDir, { recursive: true, force: true });
function linkFolder(dir: string, who: readonly Person[], photosOf: (p: Person) => number[]): number {
  let n = 0;
  for (const p of who) {
    mkdirSync(path.join(dir, p.name), { recursive: true });
    for (const k of photosOf(p)) {
      copyFileSync(path.resolve(imagesDir, file(p.name, k)), path.join(dir, file(p.name, k)));
      n++;
    }
  }
  return n;
}

function pairsOf(who: readonly Person[]): string {
  const same: string[] = [];
  for (const p of who) {
    const all: [number, number][] = [];
    for (let i = 0; i < p.photos.length; i++)
      for (let j = i + 1; j < p.photos.length; j++) all.push([p.photos[i]!, p.photos[j]!]);
    // At most 5 pairs a person, so that a few people with many photos do not make up the set.
    for (const [a, b] of shuffle(all).slice(0, 5)) same.push(`${p.name}\t${a}\t${b}`);
  }
  const diff = new Set<string>();
  while (diff.size < same.length) {
    const a = who[Math.floor(rand() * who.length)]!;
    const b = who[Math.floor(rand() * who.length)]!;
    if (a === b) continue;
    const [x, y] = a.name < b.name ? [a, b] : [b, a];
    diff.add(
      `${x.name}\t${x.photos[Math.floor(rand() * x.photos.length)]}\t${y.name}\t${y.photos[Math.floor(rand() * y.photos.length)]}`,
    );
  }
  return [String(same.length), ...shuffle(same), ...shuffle([...diff])].join('\n') + '\n';
}

function identList(
  enrolled: readonly { p: Person; enroll: number[]; probes: number[] }[],
  impostors: readonly Person[],
) {
  const rows = ['role\tidentity\timage'];
  for (const e of enrolled) {
    for (const k of e.enroll) rows.push(`enroll\t${e.p.name}\t${file(e.p.name, k)}`);
    for (const k of e.probes) rows.push(`probe\t${e.p.name}\t${file(e.p.name, k)}`);
  }
  for (const p of impostors.slice(0, 600))
    rows.push(`impostor\t${p.name}\t${file(p.name, p.photos[Math.floor(rand() * p.photos.length)]!)}`);
  return rows.join('\n') + '\n';
}

const trainPeople = train.filter((p) => p.photos.length >= 2);
const trainPhotos = linkFolder(path.join(outDir, 'train'), trainPeople, (p) => p.photos);
const valPairs = pairsOf(val.filter((p) => p.photos.length >= 2));
writeFileSync(path.join(outDir, 'val-pairs.txt'), valPairs);
const valEnrolled = val
  .filter((p) => p.photos.length >= 5)
  .map((p) => {
    const order = shuffle(p.photos);
    return { p, enroll: order.slice(0, 3), probes: order.slice(3, 12) };
  });
const valImpostors = shuffle(val.filter((p) => p.photos.length < 5));
writeFileSync(path.join(outDir, 'val-ident.tsv'), identList(valEnrolled, valImpostors));

// The site: its own staff, 5 photos each to train on, probed with their other photos.
const staff = shuffle(people.filter((p) => p.photos.length >= 6)).slice(0, siteSize);
const staffSet = new Set(staff);
const chosen = new Map(staff.map((p) => [p, shuffle(p.photos)]));
const sitePhotos = linkFolder(path.join(outDir, 'site', 'train'), staff, (p) => chosen.get(p)!.slice(0, 5));
const outsiders = people.filter((p) => !staffSet.has(p));
writeFileSync(
  path.join(outDir, 'site', 'ident.tsv'),
  identList(
    staff.map((p) => ({ p, enroll: chosen.get(p)!.slice(0, 3), probes: chosen.get(p)!.slice(5, 14) })),
    shuffle(outsiders),
  ),
);
writeFileSync(path.join(outDir, 'site', 'val-pairs.txt'), pairsOf(outsiders.filter((p) => p.photos.length >= 2)));

console.log(
  JSON.stringify({
    bench: 'train-split',
    seed,
    people: people.length,
    train: { people: trainPeople.length, photos: trainPhotos },
    val: {
      people: val.length,
      pairs: 2 * Number(valPairs.split('\n')[0]),
      enrolled: valEnrolled.length,
      probes: valEnrolled.reduce((s, e) => s + e.probes.length, 0),
      impostors: Math.min(600, valImpostors.length),
    },
    site: { people: staff.length, photos: sitePhotos, outsiders: outsiders.length },
    out: outDir,
  }),
);
