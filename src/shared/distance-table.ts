// An encoder's measured distance table (models/<encoder>.distances.json): how far apart faces of
// different people (impostors) and of the same person (genuine) come, measured offline on a large
// population. Distances only: no face data of anyone. The threshold in force is read from it
// (src/main/domain/threshold.ts); the settings screen reads it to say what a setting means.
//
// Both distributions are measured the way the matcher scores a face: one photo against the centroid of
// another person's (impostor) or the same person's other (genuine) photos.

export interface DistanceTable {
  /** The embedding space (engine encoder config id) the distances were measured in. */
  encoderId: string;
  /** What was measured, on which photos, with which command; for the record. */
  measuredOn: string;
  command: string;
  impostorPairs: number;
  genuinePairs: number;
  /** Smallest impostor distance observed. */
  minImpostor: number;
  /**
   * Impostor quantiles, ascending in both: a share `far` of impostor distances is at most `distance`.
   * The smallest `far` is about 1 / impostorPairs; below it the table says nothing.
   */
  impostor: { far: number; distance: number }[];
  /** Genuine distances on a grid, ascending: the share `frr` of genuine distances above `distance`. */
  genuine: { distance: number; frr: number }[];
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/**
 * Why a table read from a file cannot be used for `encoderId` (null when it can): the threshold is read
 * from it, so rows that are missing, not numbers, out of order or of another space are refused.
 */
export function distanceTableProblem(table: unknown, encoderId: string): string | null {
  const t = table as Partial<DistanceTable> | null;
  if (!t || typeof t !== 'object') return 'it is not a table';
  if (t.encoderId !== encoderId) return `it was not measured for ${encoderId}`;
  const imp = Array.isArray(t.impostor) ? t.impostor : [];
  const gen = Array.isArray(t.genuine) ? t.genuine : [];
  if (!imp.length || !gen.length) return 'it has no impostor or no genuine rows';
  const finite = (xs: unknown[]) => xs.every((x) => typeof x === 'number' && Number.isFinite(x));
  const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || x >= xs[i - 1]!);
  const far = imp.map((r) => r?.far);
  const dist = imp.map((r) => r?.distance);
  if (!finite(far) || !finite(dist) || !finite(gen.map((r) => r?.distance)) || !finite(gen.map((r) => r?.frr)))
    return 'some of its rows are not numbers';
  if (!ascending(far as number[]) || !ascending(dist as number[])) return 'its impostor rows are out of order';
  if (typeof t.minImpostor !== 'number' || !Number.isFinite(t.minImpostor))
    return 'it has no smallest impostor distance';
  return null;
}

/**
 * The per-comparison false-accept rate that makes the chance of a stranger being accepted as ANY of
 * `people` enrolled people equal to `stationFar`, if the stranger's distances to different people are
 * independent: 1 - (1 - p)^N = stationFar. (For small rates, p is about stationFar / N.)
 */
export function perComparisonFar(stationFar: number, people: number): number {
  const n = Math.max(1, people);
  return -Math.expm1(Math.log1p(-stationFar) / n);
}

/** The inverse: the chance that a stranger is accepted as one of `people`, at per-comparison rate p. */
export function stationFarOf(p: number, people: number): number {
  return -Math.expm1(Math.max(1, people) * Math.log1p(-clamp01(p)));
}

/**
 * The largest distance whose impostor share is at most `far`, interpolated in log(far) between the
 * table's rows. `extrapolated` when `far` is below what the table measured: the distance is then its
 * smallest row's, which is stricter than needed only if the tail keeps falling (it does for unit vectors).
 */
export function distanceAtFar(table: DistanceTable, far: number): { distance: number; extrapolated: boolean } {
  const rows = table.impostor;
  const first = rows[0];
  if (far <= first.far) return { distance: Math.min(first.distance, table.minImpostor), extrapolated: far < first.far };
  for (let i = 1; i < rows.length; i++) {
    const hi = rows[i];
    if (far <= hi.far) {
      const lo = rows[i - 1];
      const t = (Math.log(far) - Math.log(lo.far)) / (Math.log(hi.far) - Math.log(lo.far));
      return { distance: lo.distance + t * (hi.distance - lo.distance), extrapolated: false };
    }
  }
  return { distance: rows[rows.length - 1].distance, extrapolated: false };
}

/** Share of impostor comparisons at most `distance` away (the per-comparison false-accept rate). */
export function farAtDistance(table: DistanceTable, distance: number): number {
  const rows = table.impostor;
  const first = rows[0];
  if (distance <= first.distance) return distance < table.minImpostor ? 0 : first.far;
  for (let i = 1; i < rows.length; i++) {
    const hi = rows[i];
    if (distance <= hi.distance) {
      const lo = rows[i - 1];
      const t = hi.distance > lo.distance ? (distance - lo.distance) / (hi.distance - lo.distance) : 1;
      return Math.exp(Math.log(lo.far) + t * (Math.log(hi.far) - Math.log(lo.far)));
    }
  }
  return rows[rows.length - 1].far;
}

/** Share of genuine comparisons farther than `distance` (turned away at that threshold), interpolated. */
export function frrAtDistance(table: DistanceTable, distance: number): number {
  const rows = table.genuine;
  if (distance <= rows[0].distance) return rows[0].frr;
  for (let i = 1; i < rows.length; i++) {
    const hi = rows[i];
    if (distance <= hi.distance) {
      const lo = rows[i - 1];
      const t = (distance - lo.distance) / (hi.distance - lo.distance);
      return clamp01(lo.frr + t * (hi.frr - lo.frr));
    }
  }
  return rows[rows.length - 1].frr;
}

/**
 * The rows of a table from measured distances, sorted ascending: impostor quantiles at 1, 2, 5 x 10^-9
 * .. 10^-1 and 0.3 (only the rates that at least one comparison stands behind; with too few comparisons
 * for any of them, the smallest distance at 1/n), genuine false-reject rates on a 0.00..2.00 grid. Every
 * table is laid out this way (bench/distance-table.ts for the shipped encoders, training/ for trained heads).
 */
export function distanceTableRows(
  impostorSorted: ArrayLike<number>,
  genuineSorted: ArrayLike<number>,
): Pick<DistanceTable, 'impostorPairs' | 'genuinePairs' | 'minImpostor' | 'impostor' | 'genuine'> {
  const n = impostorSorted.length;
  const g = genuineSorted.length;
  if (!n || !g) throw new Error('a distance table needs impostor and genuine distances');
  const rates: number[] = [];
  for (let e = -9; e <= -1; e++) for (const m of [1, 2, 5]) rates.push(Number((m * 10 ** e).toPrecision(3)));
  rates.push(0.3);
  rates.sort((a, b) => a - b);
  const impostor = rates
    .filter((far) => Math.floor(far * n + 1e-9) >= 1)
    .map((far) => ({ far, distance: +impostorSorted[Math.floor(far * n + 1e-9) - 1]!.toFixed(5) }));
  if (!impostor.length)
    impostor.push({ far: Number((1 / n).toPrecision(3)), distance: +impostorSorted[0]!.toFixed(5) });
  const genuine: DistanceTable['genuine'] = [];
  let above = g;
  let gi = 0;
  for (let s = 0; s <= 200; s++) {
    const d = s / 100;
    while (gi < g && genuineSorted[gi]! <= d) {
      gi++;
      above--;
    }
    genuine.push({ distance: d, frr: +(above / g).toPrecision(4) });
  }
  return { impostorPairs: n, genuinePairs: g, minImpostor: +impostorSorted[0]!.toFixed(5), impostor, genuine };
}
