// Opens (and creates) the SQLite file with the pragmas Presence relies on, then migrates it.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import { assertNotNewer, latestSchemaVersion, migrate, schemaVersion } from './migrate';
import { MIGRATIONS } from './migrations';

export interface OpenDatabaseOptions {
  /** Open without writing: no folder creation, no migration (an outdated file is refused). */
  readonly?: boolean;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY. Default 5000 ms. */
  busyTimeoutMs?: number;
}

const IN_MEMORY = ':memory:';

/**
 * Creates a new database file readable only by its owner: it holds names and attendance in clear text.
 * SQLite gives the -wal and -shm files the same permissions. An empty file is a valid empty database.
 */
function createPrivateFile(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

export function openDatabase(file: string, opts: OpenDatabaseOptions = {}): Database.Database {
  const readonly = opts.readonly ?? false;
  if (file !== IN_MEMORY) {
    if (readonly && !fs.existsSync(file)) {
      throw new AppError(
        'NOT_FOUND',
        `There is no database at ${file}. Check the --db path, or run Presence once without read-only mode to create it.`,
      );
    }
    if (!readonly) {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      createPrivateFile(file);
    }
  }

  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly });
  } catch (e) {
    throw new AppError(
      'INTERNAL',
      `The database ${file} could not be opened: ${(e as Error).message}. Check that the path is a Presence database and that you may read and write it.`,
    );
  }

  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
    // 32 MB of page cache instead of SQLite's 2 MB: a station's file holds every template, chip and
    // event of the organisation once it syncs, and a sync page writes into indexes all over it.
    db.pragma('cache_size = -32768');
    if (!readonly) {
      // WAL lets the kiosk read while the admin writes; NORMAL sync is durable enough with WAL
      // (a power cut can lose the last commit, never corrupt the file).
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Deleted content is overwritten with zeros, not left in free pages: an erased person's name or
      // face template must not be readable from the file afterwards (domain/privacy.ts compacts too).
      db.pragma('secure_delete = ON');
      const applied = migrate(db);
      if (applied.some((v) => MIGRATIONS.find((m) => m.version === v)?.vacuumAfter)) compact(db);
    } else {
      assertNotNewer(db);
      const current = schemaVersion(db);
      if (current < latestSchemaVersion()) {
        throw new AppError(
          'CONFLICT',
          `The database ${file} uses an older schema (${current}) and cannot be upgraded in read-only mode. Open it once normally so Presence can upgrade it.`,
        );
      }
    }
  } catch (e) {
    db.close();
    if (e instanceof AppError) throw e;
    throw new AppError(
      'INTERNAL',
      `The database ${file} could not be prepared: ${(e as Error).message}. Check that the file is a Presence database and not damaged.`,
    );
  }
  return db;
}

/**
 * Rewrites the file without free pages and empties the WAL, so that what was deleted is gone from the
 * database, -wal and -shm files and not only from its tables. Best effort: another connection's open
 * read keeps part of the WAL; the next compaction finishes. Returns whether both steps completed.
 */
export function compact(db: Database.Database): boolean {
  try {
    // PRAGMA optimize may have run ANALYZE, and this SQLite has STAT4: sqlite_stat4 keeps sample index
    // keys (external IDs among them) until the statistics are gathered again.
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat4'").get()) db.exec('ANALYZE');
    db.exec('VACUUM');
    const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
    return r === undefined || r.busy === 0;
  } catch {
    return false;
  }
}
