import type { Migration } from './types';

/**
 * Attendance for payroll:
 * - kind 'break' (a break starts; the time until the next 'in' is not worked);
 * - source: 'kiosk' (recognised), 'manual' (a missed punch the administrator added), 'auto' (the automatic
 *   check-out of people still in at the set time);
 * - corrected_at and reason: an administrator's change, and why (before and after are in the audit log);
 * - attendance_sweeps: the work days the automatic check-out has run for, so each runs once and a
 *   correction of its result is not undone by the next run.
 * SQLite cannot change a CHECK constraint, so the table is rebuilt with its rows and indexes.
 */
export const migration005AttendanceCorrections: Migration = {
  version: 5,
  name: 'attendance corrections',
  up(db) {
    db.exec(`
      CREATE TABLE attendance_events_new (
        id           TEXT PRIMARY KEY NOT NULL,
        person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        kind         TEXT NOT NULL CHECK (kind IN ('in', 'out', 'break')),
        at           TEXT NOT NULL,
        local_day    TEXT NOT NULL,
        station      TEXT NOT NULL,
        distance     REAL,
        liveness     REAL,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        deleted_at   TEXT,
        source       TEXT NOT NULL DEFAULT 'kiosk' CHECK (source IN ('kiosk', 'manual', 'auto')),
        corrected_at TEXT,
        reason       TEXT
      ) STRICT;

      INSERT INTO attendance_events_new
        (id, person_id, kind, at, local_day, station, distance, liveness, created_at, updated_at, deleted_at)
      SELECT id, person_id, kind, at, local_day, station, distance, liveness, created_at, updated_at, deleted_at
      FROM attendance_events;

      DROP TABLE attendance_events;
      ALTER TABLE attendance_events_new RENAME TO attendance_events;

      CREATE INDEX attendance_events_person_day ON attendance_events (person_id, local_day);
      CREATE INDEX attendance_events_day ON attendance_events (local_day);

      CREATE TABLE attendance_sweeps (
        local_day TEXT PRIMARY KEY NOT NULL,
        swept_at  TEXT NOT NULL,
        checked_out INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
