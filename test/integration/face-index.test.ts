// The live gallery on a real SQLite file, with constructed 4-D embeddings whose distances are known, and
// a made-up distance table with round numbers (test/helpers/distance-table.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { openStore } from '../../src/main/db/store';
import { FileKeyProvider, keyFilePathFor } from '../../src/main/security/key-provider';
import { tempApp, type TempApp } from '../helpers/temp-app';
import { databaseGallery, FaceIndex } from '../../src/main/domain/face-index';
import { syntheticTable } from '../helpers/distance-table';

let t: TempApp;

function unit(...v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
}

function enroll(name: string, ...embeddings: Float32Array[]): string {
  const id = t.app.people.create({ name }, 'admin').id;
  for (const embedding of embeddings) {
    const meta = t.app.store.templates.add({ personId: id, modelId: 'test-4d', embedding, source: 'cli' });
    t.app.index.add(meta.id, id, embedding);
  }
  return id;
}

beforeEach(() => {
  t = tempApp();
  t.app.index.use({ encoderId: 'test-4d', embeddingSize: 4, defaultThreshold: 0.5, distances: syntheticTable() });
});

afterEach(async () => {
  await t.cleanup();
});

/** A unit vector at distance d from (1, 0, 0, 0), turned towards axis `axis`. */
function at(d: number, axis = 1): Float32Array {
  const cos = 1 - (d * d) / 2;
  const v = [cos, 0, 0, 0];
  v[axis] = Math.sqrt(1 - cos * cos);
  return Float32Array.from(v);
}

describe('the threshold in force', () => {
  // The made-up table's round numbers are read at 1e-3 (the shipped default is stricter).
  const AT_1E3 = { ...DEFAULT_SETTINGS, targetFar: 1e-3 };

  it('is read from the distance table at the target rate over the people enrolled, and follows the setting', () => {
    enroll('Ada', at(0));
    // One person: the table at 1e-3 itself.
    expect(t.app.index.threshold(AT_1E3)).toBeCloseTo(0.6, 6);
    for (let i = 0; i < 9; i++) enroll(`P${i}`, at(1.2, 1 + (i % 3)));
    // Ten people: each comparison ten times stricter.
    expect(t.app.index.threshold(AT_1E3)).toBeCloseTo(0.5, 3);
    // The administrator's slider (targetFar) moves alpha.
    t.app.updateSettings({ targetFar: 1e-2 }, 'admin');
    expect(t.app.index.threshold(t.app.settings())).toBeCloseTo(0.6, 3);
    t.app.updateSettings({ targetFar: 1e-4 }, 'admin');
    expect(t.app.index.threshold(t.app.settings())).toBeCloseTo(0.4, 3);
  });

  it('is tightened by two people who really look alike, once the review has run, never on a frame', async () => {
    enroll('Ada', at(0));
    await t.app.index.reviewed();
    const before = t.app.index.reviews;
    const loose = t.app.index.threshold(AT_1E3);
    // Bea's face is 0.55 from Ada's: closer than alpha (about 0.57 for two people) but not a duplicate.
    enroll('Bea', at(0.55));
    // Frames right after the change use the last review: no review runs inside them.
    for (let i = 0; i < 5; i++) t.app.index.identify(at(0.01), AT_1E3);
    expect(t.app.index.reviews).toBe(before);
    expect(t.app.index.inForce(AT_1E3).source).toBe('table');
    await t.app.index.reviewed();
    expect(t.app.index.reviews).toBe(before + 1);
    const tight = t.app.index.inForce(AT_1E3);
    expect(tight.source).toBe('station');
    expect(tight.alpha).toBeLessThan(0.55);
    expect(tight.alpha).toBeLessThan(loose);
    expect(tight.alpha).toBeGreaterThanOrEqual(tight.floorAlpha!);
  });

  it('leaves a probable duplicate out, and reports it, instead of tightening alpha for everyone', async () => {
    const ada = enroll('Ada', at(0), at(0.3, 2));
    enroll('Cy', at(1.3, 3));
    await t.app.index.reviewed();
    const alpha = t.app.index.threshold(AT_1E3);
    // The same face again under a second name.
    const copy = enroll('Ada L.', at(0.02), at(0.3, 2));
    await t.app.index.reviewed();
    const r = await t.app.index.calibrate(AT_1E3);
    expect(r.duplicates).toEqual([
      expect.objectContaining({ personId: expect.any(String), otherId: expect.any(String) }),
    ]);
    expect(new Set([r.duplicates[0]!.personId, r.duplicates[0]!.otherId])).toEqual(new Set([ada, copy]));
    expect(r.source).toBe('table');
    // Only the number of people moved it (three instead of two), as the table says.
    expect(r.alpha).toBeLessThan(alpha);
    expect(r.alpha).toBeGreaterThan(0.5);
    // The People list shows both records as probable duplicates of each other.
    const listed = t.app.people.list();
    expect(listed.find((p) => p.id === ada)?.probableDuplicates).toEqual([
      expect.objectContaining({ id: copy, name: 'Ada L.' }),
    ]);
    expect(listed.find((p) => p.id === copy)?.probableDuplicates?.[0]?.id).toBe(ada);
  });

  it('does not hang waiting for a review when a person is deleted before the engine has started', async () => {
    const fresh = new FaceIndex(databaseGallery(t.app.store));
    fresh.removePerson('nobody');
    await expect(
      Promise.race([fresh.reviewed().then(() => 'done'), new Promise((r) => setTimeout(() => r('hung'), 2000))]),
    ).resolves.toBe('done');
    // And the review still runs once the gallery is there.
    fresh.use({ encoderId: 'test-4d', embeddingSize: 4, defaultThreshold: 0.5, distances: syntheticTable() });
    await fresh.reviewed();
    expect(fresh.reviews).toBe(1);
  });

  it("is the administrator's value when one is set", () => {
    enroll('Ada', at(0));
    enroll('Bea', at(0.3));
    expect(t.app.index.threshold({ ...AT_1E3, threshold: 0.7 })).toBe(0.7);
  });

  it('is loosened again after a look-alike is deleted', async () => {
    enroll('Ada', at(0));
    const bea = enroll('Bea', at(0.55));
    await t.app.index.reviewed();
    const tight = t.app.index.threshold(AT_1E3);
    t.app.people.erase(bea, 'Bea', 'admin');
    await t.app.index.reviewed();
    expect(t.app.index.threshold(AT_1E3)).toBeCloseTo(0.6, 6);
    expect(tight).toBeLessThan(0.55);
  });
});

describe('another process writing to the same database', () => {
  it('is seen at the next recognition: people enrolled or removed from the command line while the app runs', () => {
    enroll('Ada', unit(1, 0, 0, 0));
    const settings = { ...DEFAULT_SETTINGS, margin: 0 };
    const cedric = unit(0, 0, 1, 0);
    expect(t.app.index.identify(cedric, settings).accepted).toBe(false);
    // `presence import` in a second process: its own connection to the same file and key.
    expect(t.app.settings().cooldownMinutes).toBe(DEFAULT_SETTINGS.cooldownMinutes); // now cached here
    const cli = openStore(t.databasePath, new FileKeyProvider(keyFilePathFor(t.databasePath)));
    try {
      const id = cli.people.create({ name: 'Cedric' }, 'cli').id;
      cli.templates.add({ personId: id, modelId: 'test-4d', embedding: cedric, source: 'cli' });
      expect(t.app.index.identify(cedric, settings)).toMatchObject({ accepted: true, personId: id });
      expect(t.app.index.size).toBe(2);
      cli.people.erase(id, { attendance: 'keep' }, 'cli');
      expect(t.app.index.identify(cedric, settings).accepted).toBe(false);
      // Other writes of that process (a person without a face yet, settings) cost no reload.
      const loads = vi.spyOn(t.app.store.templates, 'loadAll');
      cli.people.create({ name: 'Dora' }, 'cli');
      cli.settings.setMany({ cooldownMinutes: 3 }, 'cli');
      t.app.index.identify(cedric, settings);
      expect(loads).not.toHaveBeenCalled();
      loads.mockRestore();
      // ...but the settings it saved are the ones in force here too (the app caches them).
      expect(t.app.settings().cooldownMinutes).toBe(3);
    } finally {
      cli.close();
    }
  });
});
