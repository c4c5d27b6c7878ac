// Migration 007 (consent history and erasure) on a real database file created at schema 6 by the
// migrations of the time: each person's one consent record becomes the first event of their history,
// and the tombstones the old delete left (name, external ID and notes in clear) keep a random label and
// nothing else — in the tables and in the file's bytes, since the step is followed by a VACUUM.
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
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-m007-'));
  file = path.join(dir, 'presence.db');
});
afterEach(() => {
  store?.close();
  store = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const live = '6f1c2d9e-0000-4000-8000-000000000001';
const gone = '6f1c2d9e-0000-4000-8000-000000000002';
const at = '2026-11-30T08:00:00.000Z';

function schema6Database(): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrate(db, MIGRATIONS.slice(0, 6));
  expect(schemaVersion(db)).toBe(6);
  const person = db.prepare(
    `INSERT INTO people (id, name, external_id, notes, consent_at, consent_by, created_at, updated_at, deleted_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  person.run(live, 'Ada Lovelace', 'E-1', null, at, 'Front desk', at, at, null);
  person.run(gone, 'Bartholomew Quince', 'BQ-90210', 'left in March', at, 'Night porter', at, at, at);
  db.prepare(
    `INSERT INTO attendance_events (id, person_id, kind, at, local_day, station, created_at, updated_at, source)
     VALUES ('e1', ?, 'in', ?, '2026-11-30', 'Door', ?, ?, 'kiosk')`,
  ).run(gone, at, at, at);
  db.close();
}

const onDisk = (text: string) =>
  [file, `${file}-wal`].filter((f) => fs.existsSync(f) && fs.readFileSync(f).includes(Buffer.from(text)));

describe('migration 007: consent history and erasure', () => {
  it("turns each consent into a first event and leaves nothing of the old tombstones' data", () => {
    schema6Database();
    expect(onDisk('Bartholomew Quince')).not.toEqual([]);
    store = openStore(file, new FileKeyProvider(keyFilePathFor(file)));
    expect(schemaVersion(store.db)).toBe(latestSchemaVersion());
    expect(store.db.pragma('secure_delete', { simple: true })).toBe(1);

    expect(store.consent.history(live)).toMatchObject([
      { kind: 'given', recordedBy: 'Front desk', method: 'screen', at, textVersion: null },
    ]);
    expect(store.people.get(live)).toMatchObject({ consentAt: at, consentBy: 'Front desk', externalId: 'E-1' });
    expect(store.consent.textInForce()).toMatchObject({ version: 1 });

    const tomb = store.people.listWithTombstones().find((p) => p.id === gone)!;
    expect(tomb).toMatchObject({ externalId: null, notes: null, consentBy: null });
    expect(tomb.name).toMatch(/^Erased [0-9A-F]{8}$/);
    // Their attendance stays, under the label.
    expect(store.attendance.list({ from: '2026-11-30', to: '2026-11-30' }).map((e) => e.personName)).toEqual([
      tomb.name,
    ]);
    store.close();
    store = null;
    for (const text of ['Bartholomew Quince', 'BQ-90210', 'left in March', 'Night porter'])
      expect(onDisk(text), text).toEqual([]);
  });
});
