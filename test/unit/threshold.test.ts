// The threshold in force from an encoder's distance table (domain/threshold.ts), on a made-up table whose
// rows are round numbers, so each expected alpha can be read off it by hand.
import { describe, expect, it } from 'vitest';
import {
  distanceAtFar,
  farAtDistance,
  frrAtDistance,
  perComparisonFar,
  stationFarOf,
} from '../../src/shared/distance-table';
import { duplicateDistance, thresholdInForce } from '../../src/main/domain/threshold';
import { syntheticTable } from '../helpers/distance-table';

const table = syntheticTable();
const settings = (targetFar: number, threshold: number | null = null) => ({ targetFar, threshold });
const inForce = (targetFar: number, people: number, closestLookAlike: number | null = null) =>
  thresholdInForce({ settings: settings(targetFar), table, encoderDefault: 0.9, people, closestLookAlike });

describe('the distance table', () => {
  it('is read at its rows and interpolated in log(rate) between them', () => {
    expect(distanceAtFar(table, 1e-3).distance).toBeCloseTo(0.6, 10);
    expect(distanceAtFar(table, Math.sqrt(1e-4 * 1e-3)).distance).toBeCloseTo(0.55, 10);
    expect(farAtDistance(table, 0.55)).toBeCloseTo(Math.sqrt(1e-4 * 1e-3), 10);
    expect(frrAtDistance(table, 0.6)).toBeCloseTo(0.4, 10);
  });

  it('says when a rate is stricter than it measured, and then gives its strictest row', () => {
    expect(distanceAtFar(table, 1e-9)).toEqual({ distance: 0.2, extrapolated: true });
    expect(distanceAtFar(table, 1e-7)).toEqual({ distance: 0.2, extrapolated: false });
  });

  it('turns a station-wide rate over N people into a per-comparison rate and back', () => {
    expect(perComparisonFar(1e-3, 1)).toBeCloseTo(1e-3, 12);
    expect(perComparisonFar(1e-3, 10)).toBeCloseTo(1e-4, 6);
    expect(stationFarOf(perComparisonFar(1e-3, 50), 50)).toBeCloseTo(1e-3, 12);
  });
});

describe('the threshold in force', () => {
  it('maps the target false-accept rate to alpha through the table, for the number of people enrolled', () => {
    expect(inForce(1e-3, 1)).toMatchObject({ source: 'table', alpha: expect.closeTo(0.6, 6) });
    // 10 people: a stranger has 10 chances, so each comparison must be 10 times stricter.
    expect(inForce(1e-3, 10).alpha).toBeCloseTo(0.5, 3);
    expect(inForce(1e-2, 1).alpha).toBeCloseTo(0.8, 6);
    // What the screen states: the station-wide rate comes back, and the genuine rejections at alpha.
    const t = inForce(1e-3, 10);
    expect(t.expectedFar).toBeCloseTo(1e-3, 5);
    expect(t.expectedFrr).toBeCloseTo(0.5, 3);
  });

  it('moves with the target: a stricter rate gives a smaller alpha', () => {
    const alphas = [1e-1, 1e-2, 1e-3, 1e-4].map((far) => inForce(far, 5).alpha);
    for (let i = 1; i < alphas.length; i++) expect(alphas[i]!).toBeLessThan(alphas[i - 1]!);
  });

  it('is tightened by a real look-alike pair, just below their distance, but never past the floor', () => {
    const base = inForce(1e-3, 1);
    expect(inForce(1e-3, 1, 0.58)).toMatchObject({ source: 'station', alpha: expect.closeTo(0.58, 5) });
    // The floor is the table at a ten times stricter rate: 1e-4 -> 0.5.
    expect(inForce(1e-3, 1, 0.3)).toMatchObject({ source: 'station', alpha: expect.closeTo(0.5, 6) });
    expect(base.floorAlpha).toBeCloseTo(0.5, 6);
    // A pair farther than alpha changes nothing, and nothing ever loosens alpha past the table.
    expect(inForce(1e-3, 1, 0.9)).toMatchObject({ source: 'table', alpha: base.alpha });
  });

  it("is the administrator's fixed value when set, and the encoder's default without a table", () => {
    const fixed = thresholdInForce({
      settings: settings(1e-3, 0.7),
      table,
      encoderDefault: 0.9,
      people: 3,
      closestLookAlike: 0.1,
    });
    expect(fixed).toMatchObject({ source: 'administrator', alpha: 0.7 });
    const none = thresholdInForce({
      settings: settings(1e-3),
      table: null,
      encoderDefault: 0.42,
      people: 3,
      closestLookAlike: 0.1,
    });
    expect(none).toMatchObject({ source: 'encoder-default', alpha: 0.42, expectedFar: null });
  });

  it('never reads the table where only a few impostor pairs stand behind a row', () => {
    // 10 million pairs: rows below 1e-6 rest on fewer than 10 of them.
    const t = inForce(1e-4, 1000);
    expect(t.perComparisonFar).toBeCloseTo(1e-7, 9);
    expect(t).toMatchObject({ extrapolated: true, alpha: expect.closeTo(0.3, 6), floorAlpha: expect.closeTo(0.3, 6) });
    // ...and no two-frame shortcut where nothing reliable lies inside alpha.
    expect(t.strongAlpha).toBe(0);
    // With fewer people the strong distance is the strictest reliable row, inside alpha.
    const few = inForce(1e-4, 10);
    expect(few.alpha).toBeCloseTo(0.4, 4);
    expect(few.strongAlpha).toBeCloseTo(0.3, 6);
  });

  it('calls a match strong only far inside alpha (the table at a hundred times stricter)', () => {
    expect(inForce(1e-3, 1).strongAlpha).toBeCloseTo(0.4, 6);
  });

  it('places the probable-duplicate distance where different people almost never come', () => {
    expect(duplicateDistance(table)).toBeCloseTo(0.3, 6);
    expect(duplicateDistance(null)).toBeNull();
  });
});
