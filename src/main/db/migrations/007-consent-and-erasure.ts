import { randomUUID } from 'node:crypto';
import { DEFAULT_CONSENT_TEXTS } from '../consent-texts';
import { erasedLabel } from '../names';
import type { Migration } from './types';

/**
 * Consent becomes a history (GDPR Art. 7(1): the controller must be able to show consent was given, and
 * under which text): one row per event, given or withdrawn, with the version of the text shown; the texts
 * are stored, in both languages. The one consent_at/consent_by pair each person had becomes their first
 * event (its text unknown: NULL), and the columns go.
 *
 * Deleting a person becomes erasure: the tombstones left by the old delete kept the name, external ID and
 * notes in clear; they get a random label and nothing else. Secure delete (open.ts) and the VACUUM after
 * this step (vacuumAfter) keep the removed text out of free pages.
 */
export const migration007ConsentAndErasure: Migration = {
  version: 7,
  name: 'consent history and erasure',
  vacuumAfter: true,
  up(db) {
    db.exec(`
      CREATE TABLE consent_texts (
        version    INTEGER PRIMARY KEY NOT NULL CHECK (version > 0),
        text_en    TEXT NOT NULL CHECK (length(trim(text_en)) > 0),
        text_zh    TEXT NOT NULL CHECK (length(trim(text_zh)) > 0),
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE consent_events (
        id           TEXT PRIMARY KEY NOT NULL,
        person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        kind         TEXT NOT NULL CHECK (kind IN ('given', 'withdrawn')),
        scope        TEXT NOT NULL CHECK (scope IN ('face-recognition')),
        recorded_by  TEXT NOT NULL CHECK (length(trim(recorded_by)) > 0),
        method       TEXT NOT NULL CHECK (method IN ('screen', 'import', 'cli')),
        at           TEXT NOT NULL,
        text_version INTEGER REFERENCES consent_texts (version)
      ) STRICT;

      CREATE INDEX consent_events_person ON consent_events (person_id, at);
    `);
    const now = new Date().toISOString();
    db.prepare('INSERT INTO consent_texts (version, text_en, text_zh, created_at) VALUES (1, ?, ?, ?)').run(
      DEFAULT_CONSENT_TEXTS.en,
      DEFAULT_CONSENT_TEXTS['zh-CN'],
      now,
    );

    // The consent each live person had, as their first event; how it was recorded, from their templates.
    const live = db
      .prepare(
        `SELECT id, consent_at, consent_by,
           CASE WHEN EXISTS (SELECT 1 FROM face_templates t WHERE t.person_id = p.id AND t.source = 'cli') THEN 'cli'
                WHEN EXISTS (SELECT 1 FROM face_templates t WHERE t.person_id = p.id AND t.source = 'import') THEN 'import'
                ELSE 'screen' END AS method
         FROM people p WHERE deleted_at IS NULL AND consent_at IS NOT NULL AND consent_by IS NOT NULL`,
      )
      .all() as { id: string; consent_at: string; consent_by: string; method: string }[];
    const insert = db.prepare(
      `INSERT INTO consent_events (id, person_id, kind, scope, recorded_by, method, at, text_version)
       VALUES (?, ?, 'given', 'face-recognition', ?, ?, ?, NULL)`,
    );
    for (const p of live) insert.run(randomUUID(), p.id, p.consent_by, p.method, p.consent_at);

    // Old tombstones: nothing of the person but a random label (their attendance stays, as it did).
    const tombstones = db.prepare('SELECT id FROM people WHERE deleted_at IS NOT NULL').all() as { id: string }[];
    const scrub = db.prepare(
      `UPDATE people SET name = ?, external_id = NULL, notes = NULL, thumbnail = NULL, thumbnail_damaged_at = NULL
       WHERE id = ?`,
    );
    for (const t of tombstones) scrub.run(erasedLabel(), t.id);
    db.exec(`
      DELETE FROM face_templates WHERE person_id IN (SELECT id FROM people WHERE deleted_at IS NOT NULL);
      ALTER TABLE people DROP COLUMN consent_at;
      ALTER TABLE people DROP COLUMN consent_by;
    `);
  },
};
