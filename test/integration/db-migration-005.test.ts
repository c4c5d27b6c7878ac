// Migration 005 (attendance corrections) on a real database file created at schema 4 by the migrations of
// the time: the table is rebuilt (SQLite cannot change a CHECK), so every row and index must survive it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, latestSchemaVersion, migrate, openStore, schemaVersion, type Store } from '../../src/main/db';
import { FileKeyProvider, keyFilePathFor } from '../../src/main/security/key-provider';

let dir: string;
let file: string;
let store: Store | null = null;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-m005-'));
  file = path.join(dir, 'presence.db');
});
afterEach(() => {
  store?.close();
  store = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const personId = '6f1c2d9e-0000-4000-8000-000000000001';
const at = '2026-11-30T08:00:00.000Z';

function schema4Database(): void {
  const db = new Database(file);
  migrate(db, MIGRATIONS.slice(0, 4));
  expect(schemaVersion(db)).toBe(4);
  db.prepare('INSERT INTO people (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run(personId, 'Ada', at, at);
  const insert = db.prepare(
    'INSERT INTO attendance_events (id, person_id, kind, at, local_day, station, distance, liveness, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  insert.run('e1', personId, 'in', at, '2026-11-30', 'Front door', 0.31, 0.9, at, at, null);
  insert.run('e2', personId, 'out', '2026-11-30T16:00:00.000Z', '2026-11-30', 'Back door', 0.33, null, at, at, null);
  insert.run('e3', personId, 'in', at, '2026-11-29', 'Front door', null, null, at, at, at);
  db.close();
}

describe('migration 005: attendance corrections', () => {
  it('keeps every event, marks old ones as kiosk punches, and adds break, source, reason and sweeps', () => {
    schema4Database();
    store = openStore(file, new FileKeyProvider(keyFilePathFor(file)));
    expect(schemaVersion(store.db)).toBe(latestSchemaVersion());
    const rows = store.db
      .prepare(
        'SELECT id, kind, local_day, station, distance, liveness, deleted_at, source, corrected_at, reason FROM attendance_events ORDER BY id',
      )
      .all();
    expect(rows).toEqual([
      {
        id: 'e1',
        kind: 'in',
        local_day: '2026-11-30',
        station: 'Front door',
        distance: 0.31,
        liveness: 0.9,
        deleted_at: null,
        source: 'kiosk',
        corrected_at: null,
        reason: null,
      },
      {
        id: 'e2',
        kind: 'out',
        local_day: '2026-11-30',
        station: 'Back door',
        distance: 0.33,
        liveness: null,
        deleted_at: null,
        source: 'kiosk',
        corrected_at: null,
        reason: null,
      },
      {
        id: 'e3',
        kind: 'in',
        local_day: '2026-11-29',
        station: 'Front door',
        distance: null,
        liveness: null,
        deleted_at: at,
        source: 'kiosk',
        corrected_at: null,
        reason: null,
      },
    ]);
    const indexes = store.db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'attendance_events' AND sql IS NOT NULL ORDER BY name",
      )
      .all();
    expect(indexes).toEqual([{ name: 'attendance_events_day' }, { name: 'attendance_events_person_day' }]);
    expect(store.attendance.list({ from: '2026-11-29', to: '2026-11-30' }).map((e) => e.id)).toEqual(['e1', 'e2']);
    // The new kind and the foreign key hold.
    store.db
      .prepare(
        "INSERT INTO attendance_events (id, person_id, kind, at, local_day, station, created_at, updated_at) VALUES ('e4', ?, 'break', ?, '2026-11-30', 'x', ?, ?)",
      )
      .run(personId, at, at, at);
    expect(() =>
      store!.db
        .prepare(
          "INSERT INTO attendance_events (id, person_id, kind, at, local_day, station, created_at, updated_at) VALUES ('e5', 'nobody', 'in', ?, '2026-11-30', 'x', ?, ?)",
        )
        .run(at, at, at),
    ).toThrow(/FOREIGN KEY/);
    expect(() => store!.db.prepare("UPDATE attendance_events SET kind = 'lunch' WHERE id = 'e1'").run()).toThrow(
      /CHECK/,
    );
  });
});
