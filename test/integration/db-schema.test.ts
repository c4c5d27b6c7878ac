// Opening, pragmas and migrations on real SQLite files in a temporary folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/db/open';
import { latestSchemaVersion, migrate, schemaVersion } from '../../src/main/db/migrate';
import type { Migration } from '../../src/main/db/migrations';

let dir: string;
const opened: Database.Database[] = [];

function open(file: string, opts?: { readonly?: boolean }): Database.Database {
  const db = openDatabase(file, opts);
  opened.push(db);
  return db;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-db-'));
});
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const TABLES = [
  'admin_auth',
  'attendance_events',
  'attendance_sweeps',
  'audit_log',
  'backup_schedule',
  'backup_status',
  'consent_events',
  'consent_texts',
  'face_templates',
  'gallery_version',
  'hub_admin',
  'people',
  'settings',
  'sync_inbox',
  'sync_outbox',
  'sync_state',
  'sync_versions',
];

describe('openDatabase', () => {
  it('creates the folder and file, migrates from empty, and sets the pragmas', () => {
    const file = path.join(dir, 'nested', 'deeper', 'presence.db');
    const db = open(file);
    expect(fs.existsSync(file)).toBe(true);
    if (process.platform !== 'win32') {
      expect(fs.statSync(file).mode & 0o777, 'database file is private').toBe(0o600);
      expect(fs.statSync(`${file}-wal`).mode & 0o777, 'WAL file is private').toBe(0o600);
    }
    expect(schemaVersion(db)).toBe(latestSchemaVersion());
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(1);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);

    const tables = db
      .prepare(
        "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string; strict: number }[];
    expect(tables.map((t) => t.name)).toEqual(TABLES);
    for (const t of tables) expect(t.strict, `${t.name} is STRICT`).toBe(1);
  });

  it('STRICT tables refuse a wrong type instead of converting it', () => {
    const db = open(path.join(dir, 'p.db'));
    const now = new Date().toISOString();
    db.prepare('INSERT INTO people (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run('p1', 'Ada', now, now);
    expect(() =>
      db
        .prepare(
          "INSERT INTO face_templates (id, person_id, model_id, dim, embedding, source, created_at) VALUES ('t', 'p1', 'm', 'not a number', x'00', 'camera', ?)",
        )
        .run(now),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
    expect(() => db.prepare('UPDATE admin_auth SET failed_attempts = ? WHERE id = 1').run('many')).toThrow(
      /cannot store TEXT/,
    );
  });

  it('enforces foreign keys and CHECK constraints', () => {
    const db = open(path.join(dir, 'p.db'));
    const now = new Date().toISOString();
    expect(() =>
      db
        .prepare(
          "INSERT INTO attendance_events (id, person_id, kind, at, local_day, station, created_at, updated_at) VALUES ('e', 'nobody', 'in', ?, '2026-01-01', 's', ?, ?)",
        )
        .run(now, now, now),
    ).toThrow(/FOREIGN KEY constraint failed/);
    db.prepare('INSERT INTO people (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run('p1', 'Ada', now, now);
    expect(() =>
      db
        .prepare(
          "INSERT INTO attendance_events (id, person_id, kind, at, local_day, station, created_at, updated_at) VALUES ('e', 'p1', 'sideways', ?, '2026-01-01', 's', ?, ?)",
        )
        .run(now, now, now),
    ).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare('INSERT INTO admin_auth (id) VALUES (2)').run()).toThrow(/CHECK constraint failed/);
  });

  it('re-opening is idempotent and keeps the data', () => {
    const file = path.join(dir, 'presence.db');
    const first = open(file);
    const now = new Date().toISOString();
    first.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)').run('locale', '"de"', now);
    first.close();
    const again = open(file);
    expect(schemaVersion(again)).toBe(latestSchemaVersion());
    expect(migrate(again)).toEqual([]);
    expect(again.prepare('SELECT value FROM settings WHERE key = ?').get('locale')).toEqual({ value: '"de"' });
    expect(again.prepare('SELECT count(*) AS n FROM admin_auth').get()).toEqual({ n: 1 });
  });

  it('refuses a database written by a newer version, leaving it untouched', () => {
    const file = path.join(dir, 'future.db');
    open(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${latestSchemaVersion() + 1}`);
    raw.close();
    expect(() => openDatabase(file)).toThrow(/newer version of Presence/);
    expect(() => openDatabase(file, { readonly: true })).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(latestSchemaVersion() + 1);
    check.close();
  });

  it('read-only mode neither creates nor migrates', () => {
    expect(() => openDatabase(path.join(dir, 'missing.db'), { readonly: true })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(fs.existsSync(path.join(dir, 'missing.db'))).toBe(false);
    const old = path.join(dir, 'old.db');
    new Database(old).close();
    expect(() => openDatabase(old, { readonly: true })).toThrow(/older schema/);
    const file = path.join(dir, 'ok.db');
    open(file).close();
    const ro = open(file, { readonly: true });
    expect(() => ro.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('a', '1', 'x')").run()).toThrow(
      /readonly/,
    );
  });

  it('a file that is not a database gives a sentence, not a crash', () => {
    const file = path.join(dir, 'notes.txt');
    fs.writeFileSync(file, 'x'.repeat(4096));
    expect(() => openDatabase(file)).toThrow(/could not be (opened|prepared).*Presence database/);
  });
});

describe('migrate', () => {
  it('runs each step in a transaction: a failing step leaves the previous version and no partial tables', () => {
    const db = open(path.join(dir, 'm.db'));
    const base = latestSchemaVersion();
    const broken: Migration[] = [
      ...Array.from({ length: base }, (_, i) => ({ version: i + 1, name: 'already applied', up: () => {} })),
      {
        version: base + 1,
        name: 'half-done',
        up: (d) => {
          d.exec('CREATE TABLE half_done (x INTEGER) STRICT');
          throw new Error('boom');
        },
      },
    ];
    expect(() => migrate(db, broken)).toThrow('boom');
    expect(schemaVersion(db)).toBe(base);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get()).toEqual({ n: 0 });
  });

  it('refuses gaps in the numbering', () => {
    const db = open(path.join(dir, 'g.db'));
    expect(() => migrate(db, [{ version: 2, name: 'skips one', up: () => {} }])).toThrow(/without gaps/);
  });
});
