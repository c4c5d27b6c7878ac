import type { Migration } from './types';

/**
 * Keeps each template's aligned face chip (AES-256-GCM, AAD `chip:<template id>`), so that a new encoder
 * can embed everyone again without re-capturing them. Templates enrolled before have none (NULL).
 */
export const migration003TemplateChip: Migration = {
  version: 3,
  name: 'template chip',
  up(db) {
    db.exec('ALTER TABLE face_templates ADD COLUMN chip BLOB;');
  },
};
