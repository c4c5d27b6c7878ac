import type { Migration } from './types';

/**
 * Scheduled backups (domain/backup.ts). The schedule row exists while the schedule is on. The passphrase
 * is never stored: only what scrypt needs to derive its key again (parameters and salt, so a backup can
 * say how it was made) and the derived key itself, encrypted under the template key (TemplateCipher), so
 * the station can make its backups unattended and nobody can read the passphrase back.
 * The status row keeps the last backup and the last failure, whether or not the schedule is still on.
 */
export const migration008BackupSchedule: Migration = {
  version: 8,
  name: 'backup schedule',
  up(db) {
    db.exec(`
      CREATE TABLE backup_schedule (
        id            INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        folder        TEXT NOT NULL CHECK (length(folder) > 0),
        every_days    INTEGER NOT NULL CHECK (every_days BETWEEN 1 AND 365),
        keep          INTEGER NOT NULL CHECK (keep BETWEEN 1 AND 365),
        kdf           TEXT NOT NULL,
        salt          BLOB NOT NULL,
        sealed_key    BLOB NOT NULL,
        configured_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE backup_status (
        id              INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        last_backup_at  TEXT,
        last_file       TEXT,
        last_bytes      INTEGER,
        last_attempt_at TEXT,
        last_error      TEXT,
        updated_at      TEXT NOT NULL
      ) STRICT;
    `);
  },
};
