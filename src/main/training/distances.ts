// The impostor and genuine distance table of a trained head (src/shared/distance-table.ts), in the row
// layout of the shipped encoders' tables (shared/distance-table.ts distanceTableRows). Impostor: a photo against the centroid of every
// other person's photos; genuine: a photo against the centroid of its person's other photos (people with
// 2 photos or more). Distances only: nothing of anyone's face leaves this function.
import { distanceTableRows, type DistanceTable } from '../../shared/distance-table';

export function measureDistanceTable(
  people: readonly (readonly Float32Array[])[],
  about: { encoderId: string; measuredOn: string; command: string },
): DistanceTable {
  const dim = people.find((p) => p.length)?.[0]?.length ?? 0;
  const centroid = (rows: readonly Float32Array[]): Float32Array | null => {
    if (!rows.length) return null;
    const c = new Float64Array(dim);
    for (const e of rows) for (let j = 0; j < dim; j++) c[j]! += e[j]!;
    let s = 0;
    for (let j = 0; j < dim; j++) s += c[j]! * c[j]!;
    if (!(s > 0)) return null;
    const inv = 1 / Math.sqrt(s);
    return Float32Array.from(c, (x) => x * inv);
  };
  const dist = (a: Float32Array, b: Float32Array) => {
    let d = 0;
    for (let j = 0; j < dim; j++) d += a[j]! * b[j]!;
    return Math.sqrt(Math.max(0, 2 - 2 * d));
  };

  const galleries = people.map(centroid);
  const total = people.reduce((s, p) => s + p.length, 0);
  const impostor = new Float32Array(total * Math.max(0, people.length - 1));
  let n = 0;
  people.forEach((photos, owner) => {
    for (const e of photos)
      galleries.forEach((g, i) => {
        if (i !== owner && g) impostor[n++] = dist(e, g);
      });
  });
  const imp = impostor.subarray(0, n).sort();

  const genuine: number[] = [];
  for (const photos of people) {
    if (photos.length < 2) continue;
    photos.forEach((e, i) => {
      const c = centroid(photos.filter((_, j) => j !== i));
      if (c) genuine.push(dist(e, c));
    });
  }
  genuine.sort((a, b) => a - b);
  if (!n || !genuine.length)
    throw new Error('a distance table needs at least 2 people and one person with 2 photos or more');

  return {
    encoderId: about.encoderId,
    measuredOn: about.measuredOn,
    command: about.command,
    ...distanceTableRows(imp, genuine),
  };
}
