// Brings a database to the newest schema this code knows, one numbered migration per transaction.

import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import { MIGRATIONS, type Migration } from './migrations';

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function latestSchemaVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

function assertWellOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(
        `Migration "${m.name}" has version ${m.version}; expected ${i + 1}. Migrations must be numbered 1, 2, 3, … without gaps.`,
      );
  });
}

/** Refuses a database written by a newer Presence: running old code on it could lose data. */
export function assertNotNewer(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): void {
  const current = schemaVersion(db);
  const latest = latestSchemaVersion(migrations);
  if (current > latest) {
    throw new AppError(
      'CONFLICT',
      `The database ${db.name} was written by a newer version of Presence (schema ${current}; this version knows up to ${latest}). Update Presence, or choose a different database file.`,
      { schemaVersion: current, supportedVersion: latest },
    );
  }
}

/** Applies the missing migrations; returns the versions applied. Idempotent. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  assertWellOrdered(migrations);
  assertNotNewer(db, migrations);
  const applied: number[] = [];
  for (const migration of migrations) {
    // IMMEDIATE takes the write lock before reading user_version, so two processes opening the same
    // new file cannot both run the same step.
    const step = db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return false;
      migration.up(db);
      // PRAGMA does not take bound parameters; the version is a trusted integer.
      db.pragma(`user_version = ${Math.trunc(migration.version)}`);
      return true;
    });
    if (step.immediate()) applied.push(migration.version);
  }
  return applied;
}
