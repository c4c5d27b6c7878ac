import type { Migration } from './types';

/**
 * A counter of gallery changes that only grows, for another process's kiosk to notice them
 * (TemplatesRepo.changeCounter): SQLite reuses rowids, so counting rows and summing rowids can come out
 * the same after a person is deleted and another enrolled with as many photos. AFTER triggers bump it
 * on every insert, update and delete of a template, and when a person is deleted or purged.
 *
 * Also marks values that cannot be read (decrypted or parsed) as set aside instead of deleting them:
 * a template so marked is left out of the gallery until the person is enrolled again; a thumbnail so
 * marked is shown as none; a setting so marked gives way to its default until it is saved again.
 */
export const migration004ChangeCounter: Migration = {
  version: 4,
  name: 'change counter',
  up(db) {
    db.exec(`
      CREATE TABLE gallery_version (
        id      INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        version INTEGER NOT NULL
      ) STRICT;
      INSERT INTO gallery_version (id, version) VALUES (1, 0);

      CREATE TRIGGER face_templates_bump_insert AFTER INSERT ON face_templates
      BEGIN
        UPDATE gallery_version SET version = version + 1 WHERE id = 1;
      END;
      CREATE TRIGGER face_templates_bump_update AFTER UPDATE ON face_templates
      BEGIN
        UPDATE gallery_version SET version = version + 1 WHERE id = 1;
      END;
      CREATE TRIGGER face_templates_bump_delete AFTER DELETE ON face_templates
      BEGIN
        UPDATE gallery_version SET version = version + 1 WHERE id = 1;
      END;
      CREATE TRIGGER people_bump_tombstone AFTER UPDATE OF deleted_at ON people
      BEGIN
        UPDATE gallery_version SET version = version + 1 WHERE id = 1;
      END;
      CREATE TRIGGER people_bump_purge AFTER DELETE ON people
      BEGIN
        UPDATE gallery_version SET version = version + 1 WHERE id = 1;
      END;

      ALTER TABLE face_templates ADD COLUMN damaged_at TEXT;
      ALTER TABLE people ADD COLUMN thumbnail_damaged_at TEXT;
      ALTER TABLE settings ADD COLUMN damaged_at TEXT;
    `);
  },
};
