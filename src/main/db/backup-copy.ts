// A consistent copy of a database that is open and in use (SQLite's online backup API), and the
// integrity check a copy must pass before it is encrypted or restored.

import fs from 'node:fs';
import Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import { schemaVersion } from './migrate';

/** PRAGMA integrity_check: [] when the file is sound, else SQLite's first few complaints. */
export function integrityProblems(db: Database.Database): string[] {
  const rows = db.pragma('integrity_check(20)') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
}

/**
 * Copies `db` into `dest` (a new private file) with `db.backup`, which steps through the pages while the
 * app keeps working: a write on the same connection goes into the copy as well, one from another process
 * restarts it. The copy is then checked and made one self-contained file (no WAL beside it).
 */
export async function copyDatabase(db: Database.Database, dest: string): Promise<{ schemaVersion: number }> {
  fs.closeSync(fs.openSync(dest, 'wx', 0o600));
  await db.backup(dest);
  const copy = new Database(dest);
  try {
    const problems = integrityProblems(copy);
    if (problems.length > 0)
      throw new AppError(
        'BACKUP_FAILED',
        `The database failed its integrity check (${problems.slice(0, 3).join('; ')}), so no backup was written: a backup of a damaged file would pass the damage on. Restore the last good backup, or ask for help to repair the file.`,
      );
    copy.pragma('journal_mode = DELETE');
    return { schemaVersion: schemaVersion(copy) };
  } finally {
    copy.close();
  }
}

/** Checks a database file that is not in use (a backup just decrypted): its problems, and its schema. */
export function checkDatabaseFile(file: string): { problems: string[]; schemaVersion: number } {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    return { problems: [(e as Error).message], schemaVersion: 0 };
  }
  try {
    return { problems: integrityProblems(db), schemaVersion: schemaVersion(db) };
  } catch (e) {
    return { problems: [(e as Error).message], schemaVersion: 0 };
  } finally {
    db.close();
  }
}
