import type { Migration } from './types';

/**
 * Remembers which photo file a template came from (SHA-256 of its bytes), so importing the same folder
 * again adds nothing twice. Camera shots have no source file and keep NULL.
 */
export const migration002TemplateSourceRef: Migration = {
  version: 2,
  name: 'template source ref',
  up(db) {
    db.exec(`
      ALTER TABLE face_templates ADD COLUMN source_ref TEXT;
      CREATE UNIQUE INDEX face_templates_person_source_ref ON face_templates (person_id, source_ref) WHERE source_ref IS NOT NULL;
    `);
  },
};
