// Another process's change to the gallery is seen even when it leaves as many templates as before,
// with the same rowids (SQLite reuses them): two real connections to one file.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../../src/main/db';
import { openStore } from '../../src/main/db/store';
import { FileKeyProvider, keyFilePathFor } from '../../src/main/security/key-provider';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { syntheticTable } from '../helpers/distance-table';
import { tempApp, type TempApp } from '../helpers/temp-app';

let t: TempApp;
const SETTINGS = { ...DEFAULT_SETTINGS, margin: 0, threshold: 0.3 };

function axis(i: number): Float32Array {
  const v = new Float32Array(4);
  v[i] = 1;
  return v;
}

beforeEach(() => {
  t = tempApp();
  t.app.index.use({ encoderId: 'test-4d', embeddingSize: 4, defaultThreshold: 0.5, distances: syntheticTable() });
});
afterEach(async () => {
  await t.cleanup();
});

describe('the gallery-change check', () => {
  it('sees a person deleted and another enrolled with as many templates by another process', () => {
    const ada = t.app.people.create({ name: 'Ada' }, 'admin').id;
    const bea = t.app.people.create({ name: 'Bea' }, 'admin').id;
    for (const [who, e] of [
      [ada, axis(0)],
      [bea, axis(1)],
      [bea, axis(1)],
    ] as const) {
      const meta = t.app.store.templates.add({ personId: who, modelId: 'test-4d', embedding: e, source: 'cli' });
      t.app.index.add(meta.id, who, e);
    }
    expect(t.app.index.identify(axis(1), SETTINGS)).toMatchObject({ accepted: true, personId: bea });

    const cli = openStore(t.databasePath, new FileKeyProvider(keyFilePathFor(t.databasePath)));
    try {
      const rowids = () => cli.db.prepare('SELECT rowid AS r FROM face_templates ORDER BY rowid').pluck().all();
      const before = rowids();
      // Bea goes (her two templates are the highest rowids), Cy comes with two photos.
      cli.people.purge(bea, 'cli');
      const cy = cli.people.create({ name: 'Cy' }, 'cli').id;
      cli.templates.addMany(
        [
          { personId: cy, modelId: 'test-4d', embedding: axis(2), source: 'cli' },
          { personId: cy, modelId: 'test-4d', embedding: axis(2), source: 'cli' },
        ],
        'cli',
      );
      // The very situation: as many templates, with the same rowids.
      expect(rowids()).toEqual(before);

      expect(t.app.index.identify(axis(2), SETTINGS)).toMatchObject({ accepted: true, personId: cy });
      expect(t.app.index.identify(axis(1), SETTINGS).accepted).toBe(false);
    } finally {
      cli.close();
    }
  });
});

describe('migration 004', () => {
  it('counts every change of a template, and every deletion of a person, only ever upwards', () => {
    const db = new Database(':memory:');
    try {
      db.pragma('foreign_keys = ON');
      migrate(db, MIGRATIONS.slice(0, 3));
      const at = '2026-01-05T09:00:00.000Z';
      const person = db.prepare('INSERT INTO people (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)');
      const template = db.prepare(
        "INSERT INTO face_templates (id, person_id, model_id, dim, embedding, source, created_at) VALUES (?, ?, 'm', 1, x'00', 'cli', ?)",
      );
      person.run('p1', 'Ada', at, at);
      template.run('t1', 'p1', at);
      migrate(db);
      const version = () => db.prepare('SELECT version FROM gallery_version').pluck().get() as number;
      const seen = [version()];
      const step = (sql: string) => {
        db.exec(sql);
        seen.push(version());
      };
      step(`INSERT INTO face_templates (id, person_id, model_id, dim, embedding, source, created_at)
            VALUES ('t2', 'p1', 'm', 1, x'00', 'cli', '${at}')`);
      step("UPDATE face_templates SET damaged_at = 'x' WHERE id = 't2'");
      step("DELETE FROM face_templates WHERE id = 't2'");
      step("UPDATE people SET deleted_at = 'x' WHERE id = 'p1'");
      step("DELETE FROM people WHERE id = 'p1'");
      expect(seen[0]).toBe(0);
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
      expect(db.prepare('SELECT count(*) FROM face_templates').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });
});
