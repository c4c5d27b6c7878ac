// The threshold in force (alpha): the one place that says how it is made.
//
// 1. The administrator's fixed value (settings.threshold), when set, is used as it is.
// 2. Otherwise alpha comes from the encoder's distance table (models/<encoder>.distances.json, measured
//    offline on millions of impostor comparisons), read at the rate the administrator set: the chance
//    that a stranger is accepted as ANYONE enrolled at this station (settings.targetFar). With N people
//    enrolled that is a 1:N rate, so the table is read at the per-comparison rate
//    p = 1 - (1 - targetFar)^(1/N)  (about targetFar / N), assuming a stranger's distances to different
//    people are independent. bench:stranger measures what that gives at the kiosk.
// 3. The station's own enrolled people may TIGHTEN alpha when two of them are real look-alikes: when a
//    template of one comes within alpha of another's centroid, alpha goes just below that distance, so
//    neither is accepted as the other. It never goes below the floor, the table's distance at p / 10
//    (at most ten times stricter than asked), and never above the table's value. Probable duplicates
//    (one face enrolled under two names) are left out of this: they are shown to the administrator,
//    not allowed to move alpha for everyone (gallery-review.ts).
// 4. Without a table (an encoder measured for evaluation only) the encoder's default distance is used.
//
// A "strong" match, which lets the kiosk confirm on two frames instead of three, is one within the
// table's distance at p / 100. The table is never read below MIN_RELIABLE_PAIRS pairs' worth of rate:
// a stricter target is met with its strictest reliable row (and says so), and a strong match must then
// be closer than that row, or there is no two-frame shortcut.
import {
  distanceAtFar,
  farAtDistance,
  frrAtDistance,
  perComparisonFar,
  stationFarOf,
  type DistanceTable,
} from '../../shared/distance-table';
import type { ThresholdSource } from '../../shared/types';

/** The station may tighten alpha to at most this many times stricter than the target asks. */
export const TIGHTEN_FACTOR = 10;
/** A match within the table's distance at p / STRONG_FACTOR is strong. */
export const STRONG_FACTOR = 100;
/**
 * Two enrolled people whose centroids are closer than the table's distance at this per-comparison rate
 * are probably one face enrolled twice: a photo comes that close to a different person's centroid about
 * once in a million comparisons (and centroids, being averages, come close even more rarely), while
 * most photos of one person do (for mfn-foamliu: 0.974, where 95 % of genuine comparisons fall).
 */
export const DUPLICATE_FAR = 1e-6;
/** The table is not read at rates that fewer impostor pairs than this stand behind. */
export const MIN_RELIABLE_PAIRS = 10;
/** Used only when an encoder ships no distance table and reports no default of its own. */
export const FALLBACK_ALPHA = 0.9;

export interface ThresholdInputs {
  settings: { threshold: number | null; targetFar: number };
  table: DistanceTable | null;
  /** The encoder's measured default (best LFW accuracy), for encoders without a table. */
  encoderDefault: number | null;
  /** People enrolled (in the gallery) at this station. */
  people: number;
  /**
   * The closest a template of one enrolled person came to another's centroid, probable duplicates left
   * out (gallery-review.ts); null when there is no such pair yet.
   */
  closestLookAlike: number | null;
}

export interface ThresholdInForce {
  alpha: number;
  source: ThresholdSource;
  targetFar: number;
  people: number;
  /** The per-comparison rate the table is read at. */
  perComparisonFar: number;
  /** The table's alpha before the station's look-alikes are considered; null without a table. */
  tableAlpha: number | null;
  /** The lowest alpha the station may tighten to; null without a table. */
  floorAlpha: number | null;
  /** A match within this distance is strong (two frames confirm). */
  strongAlpha: number;
  /** At alpha, per the table: the chance a stranger is accepted as anyone enrolled here; null without a table. */
  expectedFar: number | null;
  /** At alpha, per the table: the share of an enrolled person's frames that are not accepted. */
  expectedFrr: number | null;
  /** The target is below what the table measured: alpha is the table's strictest row. */
  extrapolated: boolean;
}

export function thresholdInForce(inp: ThresholdInputs): ThresholdInForce {
  const { settings, table } = inp;
  const people = Math.max(1, inp.people);
  const p = perComparisonFar(settings.targetFar, people);
  const base = {
    targetFar: settings.targetFar,
    people: inp.people,
    perComparisonFar: p,
  };
  const rates = (alpha: number) =>
    table
      ? { expectedFar: stationFarOf(farAtDistance(table, alpha), people), expectedFrr: frrAtDistance(table, alpha) }
      : { expectedFar: null, expectedFrr: null };

  if (!table) {
    const alpha = settings.threshold ?? inp.encoderDefault ?? FALLBACK_ALPHA;
    return {
      ...base,
      alpha,
      source: settings.threshold !== null ? 'administrator' : 'encoder-default',
      tableAlpha: null,
      floorAlpha: null,
      strongAlpha: alpha * 0.85,
      expectedFar: null,
      expectedFrr: null,
      extrapolated: false,
    };
  }
  // The table's strictest rows rest on a handful of impostor pairs (its 1e-7 row is the one closest pair
  // of 13.8 million): it is read no stricter than MIN_RELIABLE_PAIRS pairs' worth.
  const reliable = MIN_RELIABLE_PAIRS / table.impostorPairs;
  const fromTable = distanceAtFar(table, Math.max(p, reliable));
  const floor = distanceAtFar(table, Math.max(p / TIGHTEN_FACTOR, reliable)).distance;
  // "Far inside alpha", read no stricter than the reliable rows either; no shortcut when that is not inside.
  const strong = distanceAtFar(table, Math.max(p / STRONG_FACTOR, reliable)).distance;
  const common = {
    ...base,
    tableAlpha: fromTable.distance,
    floorAlpha: floor,
    extrapolated: fromTable.extrapolated || p < reliable,
  };

  if (settings.threshold !== null) {
    const alpha = settings.threshold;
    return { ...common, alpha, source: 'administrator', strongAlpha: strong < alpha ? strong : 0, ...rates(alpha) };
  }
  let alpha = fromTable.distance;
  let source: ThresholdSource = 'table';
  if (inp.closestLookAlike !== null && inp.closestLookAlike <= alpha) {
    // Just below the look-alike pair, within the floor.
    alpha = Math.max(floor, inp.closestLookAlike - 1e-6);
    source = 'station';
  }
  return { ...common, alpha, source, strongAlpha: strong < alpha ? strong : 0, ...rates(alpha) };
}

/** The distance below which two enrolled people are probably one face enrolled twice; null without a table. */
export function duplicateDistance(table: DistanceTable | null): number | null {
  return table ? distanceAtFar(table, DUPLICATE_FAR).distance : null;
}
