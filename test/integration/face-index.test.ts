// The live gallery on a real SQLite file, with constructed 4-D embeddings whose distances are known.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { openStore } from '../../src/main/db/store';
import { FileKeyProvider, keyFilePathFor } from '../../src/main/security/key-provider';
import { tempApp, type TempApp } from '../helpers/temp-app';

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
  t.app.index.use({ encoderId: 'test-4d', embeddingSize: 4, defaultThreshold: 0.5 });
});

afterEach(async () => {
  await t.cleanup();
});

describe('the threshold in force', () => {
  it("is the encoder's default while fewer than two people are enrolled", () => {
    expect(t.app.index.threshold(DEFAULT_SETTINGS)).toBe(0.5);
    enroll('Ada', unit(1, 0, 0, 0));
    expect(t.app.index.threshold(DEFAULT_SETTINGS)).toBe(0.5);
  });

  it('tightens at once when two enrolled people look alike, so neither is taken for the other', () => {
    enroll('Ada', unit(1, 0, 0, 0), unit(1, 0.05, 0, 0));
    enroll('Bea', unit(1, 0.3, 0, 0), unit(1, 0.32, 0, 0));
    // The matcher scores people by their centroid: Ada's nearer shot is this far from Bea's.
    const beaCentroid = unit(...unit(1, 0.3, 0, 0).map((x, i) => x + unit(1, 0.32, 0, 0)[i]!));
    const lookalike = Math.hypot(...unit(1, 0.05, 0, 0).map((x, i) => x - beaCentroid[i]!));
    const alpha = t.app.index.threshold(DEFAULT_SETTINGS);
    expect(alpha).toBeLessThan(lookalike);
    expect(alpha).toBeLessThan(0.5);
    // Bea's own face, between her templates, still matches her.
    expect(t.app.index.identify(unit(1, 0.31, 0, 0), { ...DEFAULT_SETTINGS, margin: 0 })).toMatchObject({
      accepted: true,
    });
  });

  it("is the administrator's value when one is set", () => {
    enroll('Ada', unit(1, 0, 0, 0));
    enroll('Bea', unit(1, 0.3, 0, 0));
    expect(t.app.index.threshold({ ...DEFAULT_SETTINGS, threshold: 0.7 })).toBe(0.7);
  });

  it('is recalibrated after a person is deleted', () => {
    enroll('Ada', unit(1, 0, 0, 0));
    const bea = enroll('Bea', unit(1, 0.3, 0, 0));
    const tight = t.app.index.threshold(DEFAULT_SETTINGS);
    t.app.people.delete(bea, 'admin');
    expect(t.app.index.threshold(DEFAULT_SETTINGS)).toBe(0.5);
    expect(tight).toBeLessThan(0.5);
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
      cli.people.softDelete(id, 'cli');
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
