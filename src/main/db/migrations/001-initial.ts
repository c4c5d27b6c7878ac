// Schema 1: people, encrypted face templates, attendance, append-only audit log, settings, admin PIN.
// Tables are STRICT so a wrong type is an error, not a silent conversion.
// People and attendance rows carry updated_at and a deleted_at tombstone so stations can sync later.

import type { Migration } from './types';

export const migration001Initial: Migration = {
  version: 1,
  name: 'initial schema',
  up(db) {
    db.exec(`
      CREATE TABLE people (
        id          TEXT PRIMARY KEY NOT NULL,
        name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
        external_id TEXT,
        notes       TEXT,
        consent_at  TEXT,
        consent_by  TEXT,
        thumbnail   BLOB, -- AES-256-GCM, AAD thumbnail:<id>
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        deleted_at  TEXT
      ) STRICT;

      -- An employee/student number identifies one living person; a deleted person's number can be reused.
      CREATE UNIQUE INDEX people_external_id_live ON people (external_id)
        WHERE deleted_at IS NULL AND external_id IS NOT NULL;

      CREATE TABLE face_templates (
        id         TEXT PRIMARY KEY NOT NULL,
        person_id  TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        model_id   TEXT NOT NULL,
        dim        INTEGER NOT NULL CHECK (dim > 0),
        embedding  BLOB NOT NULL, -- AES-256-GCM, AAD template:<id>
        quality    REAL,
        source     TEXT NOT NULL CHECK (source IN ('camera', 'import', 'cli')),
        pose       TEXT,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE INDEX face_templates_person ON face_templates (person_id);

      CREATE TABLE attendance_events (
        id         TEXT PRIMARY KEY NOT NULL,
        person_id  TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        kind       TEXT NOT NULL CHECK (kind IN ('in', 'out')),
        at         TEXT NOT NULL,
        local_day  TEXT NOT NULL,
        station    TEXT NOT NULL,
        distance   REAL,
        liveness   REAL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
      ) STRICT;

      CREATE INDEX attendance_events_person_day ON attendance_events (person_id, local_day);
      CREATE INDEX attendance_events_day ON attendance_events (local_day);

      CREATE TABLE audit_log (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        id         TEXT NOT NULL UNIQUE,
        at         TEXT NOT NULL,
        actor      TEXT NOT NULL CHECK (actor IN ('admin', 'kiosk', 'cli', 'system')),
        action     TEXT NOT NULL,
        subject_id TEXT,
        details    TEXT -- JSON; never biometric data
      ) STRICT;

      -- Append-only: history that can be edited is no history.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
      END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted');
      END;

      CREATE TABLE settings (
        key        TEXT PRIMARY KEY NOT NULL,
        value      TEXT NOT NULL, -- JSON
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE admin_auth (
        id              INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        pin_hash        TEXT,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until    TEXT,
        updated_at      TEXT
      ) STRICT;

      INSERT INTO admin_auth (id, failed_attempts) VALUES (1, 0);
    `);
  },
};
