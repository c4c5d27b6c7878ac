// The backup schedule and the outcome of the last backup (migration 008). The passphrase-derived key is
// kept encrypted under the template key; the passphrase itself never reaches this layer.

import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import type { PassphraseKey, ScryptParams } from '../security/backup-file';
import type { TemplateCipher } from '../security/template-cipher';
import type { AuditRepo } from './audit-repo';
import { isoNow, systemClock, type Clock } from './clock';
import type { Actor } from './types';

const SEALED_KEY_AAD = 'backup-key';

export interface BackupScheduleRow {
  folder: string;
  everyDays: number;
  keep: number;
  /** When the schedule (and its passphrase) was last set: the first backup is due then. */
  configuredAt: string;
}

export interface BackupRunState {
  lastBackupAt: string | null;
  lastFile: string | null;
  lastBytes: number | null;
  lastAttemptAt: string | null;
  /** The sentence of the last failure; cleared by the next backup that succeeds. */
  lastError: string | null;
}

interface ScheduleDbRow {
  folder: string;
  every_days: number;
  keep: number;
  kdf: string;
  salt: Buffer;
  sealed_key: Buffer;
  configured_at: string;
}

interface StatusDbRow {
  last_backup_at: string | null;
  last_file: string | null;
  last_bytes: number | null;
  last_attempt_at: string | null;
  last_error: string | null;
}

const NO_RUNS: BackupRunState = {
  lastBackupAt: null,
  lastFile: null,
  lastBytes: null,
  lastAttemptAt: null,
  lastError: null,
};

export class BackupRepo {
  readonly #db: Database.Database;
  readonly #cipher: TemplateCipher;
  readonly #audit: AuditRepo;
  readonly #clock: Clock;

  constructor(db: Database.Database, cipher: TemplateCipher, audit: AuditRepo, clock: Clock = systemClock) {
    this.#db = db;
    this.#cipher = cipher;
    this.#audit = audit;
    this.#clock = clock;
  }

  #row(): ScheduleDbRow | undefined {
    return this.#db
      .prepare(
        'SELECT folder, every_days, keep, kdf, salt, sealed_key, configured_at FROM backup_schedule WHERE id = 1',
      )
      .get() as ScheduleDbRow | undefined;
  }

  schedule(): BackupScheduleRow | null {
    const r = this.#row();
    return r ? { folder: r.folder, everyDays: r.every_days, keep: r.keep, configuredAt: r.configured_at } : null;
  }

  /** The key scheduled backups are encrypted with; null when no schedule is set. */
  passphraseKey(): PassphraseKey | null {
    const r = this.#row();
    if (!r) return null;
    try {
      const params = JSON.parse(r.kdf) as ScryptParams;
      return { params, salt: Buffer.from(r.salt), key: this.#cipher.decryptBytes(r.sealed_key, SEALED_KEY_AAD) };
    } catch {
      throw new AppError(
        'BACKUP_FAILED',
        'The stored key of the scheduled backups cannot be read (it was not written with this template key). Set the backup passphrase again.',
      );
    }
  }

  configure(schedule: Omit<BackupScheduleRow, 'configuredAt'>, key: PassphraseKey, actor: Actor): BackupScheduleRow {
    const configuredAt = isoNow(this.#clock);
    const sealed = this.#cipher.encryptBytes(key.key, SEALED_KEY_AAD);
    this.#db
      .transaction(() => {
        this.#db
          .prepare(
            `INSERT INTO backup_schedule (id, folder, every_days, keep, kdf, salt, sealed_key, configured_at)
             VALUES (1, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET folder = excluded.folder, every_days = excluded.every_days,
               keep = excluded.keep, kdf = excluded.kdf, salt = excluded.salt, sealed_key = excluded.sealed_key,
               configured_at = excluded.configured_at`,
          )
          .run(
            schedule.folder,
            schedule.everyDays,
            schedule.keep,
            JSON.stringify(key.params),
            key.salt,
            sealed,
            configuredAt,
          );
        // Where the backups go is a path on this computer; the audit log says what was decided, not where.
        this.#audit.append({
          actor,
          action: 'backup.configure',
          details: { everyDays: schedule.everyDays, keep: schedule.keep },
        });
      })
      .immediate();
    return { ...schedule, configuredAt };
  }

  turnOff(actor: Actor): void {
    this.#db
      .transaction(() => {
        const removed = this.#db.prepare('DELETE FROM backup_schedule WHERE id = 1').run().changes;
        if (removed > 0) this.#audit.append({ actor, action: 'backup.off' });
      })
      .immediate();
  }

  state(): BackupRunState {
    const r = this.#db
      .prepare(
        'SELECT last_backup_at, last_file, last_bytes, last_attempt_at, last_error FROM backup_status WHERE id = 1',
      )
      .get() as StatusDbRow | undefined;
    if (!r) return { ...NO_RUNS };
    return {
      lastBackupAt: r.last_backup_at,
      lastFile: r.last_file,
      lastBytes: r.last_bytes,
      lastAttemptAt: r.last_attempt_at,
      lastError: r.last_error,
    };
  }

  /**
   * A backup was written: its audit entry (its size and whether the schedule made it; not its file name,
   * which the administrator chose and may say anything) and,
   * for one into the schedule's folder, the status the schedule counts from.
   */
  recordBackup(
    backup: { at: string; file: string; bytes: number; scheduled: boolean; toScheduleFolder: boolean },
    actor: Actor,
  ): void {
    this.#db
      .transaction(() => {
        if (backup.toScheduleFolder)
          this.#upsertStatus({
            last_backup_at: backup.at,
            last_file: backup.file,
            last_bytes: backup.bytes,
            last_attempt_at: backup.at,
            last_error: null,
          });
        this.#audit.append({
          actor,
          action: 'backup.create',
          details: { bytes: backup.bytes, scheduled: backup.scheduled },
        });
      })
      .immediate();
  }

  recordFailure(at: string, message: string): void {
    const before = this.state();
    this.#upsertStatus({
      last_backup_at: before.lastBackupAt,
      last_file: before.lastFile,
      last_bytes: before.lastBytes,
      last_attempt_at: at,
      last_error: message,
    });
  }

  #upsertStatus(s: StatusDbRow): void {
    this.#db
      .prepare(
        `INSERT INTO backup_status (id, last_backup_at, last_file, last_bytes, last_attempt_at, last_error, updated_at)
         VALUES (1, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_backup_at = excluded.last_backup_at, last_file = excluded.last_file,
           last_bytes = excluded.last_bytes, last_attempt_at = excluded.last_attempt_at,
           last_error = excluded.last_error, updated_at = excluded.updated_at`,
      )
      .run(s.last_backup_at, s.last_file, s.last_bytes, s.last_attempt_at, s.last_error, isoNow(this.#clock));
  }
}
