// Migration 003 (face chips) on a real database file created at schema 2 by the migrations of the time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, latestSchemaVersion, migrate, openStore, schemaVersion, type Store } from '../../src/main/db';
import { FileKeyProvider, keyFilePathFor } from '../../src/main/security/key-provider';
import { TemplateCipher, chipAad, templateAad, thumbnailAad } from '../../src/main/security/template-cipher';

let dir: string;
let file: string;
let store: Store | null = null;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-m003-'));
  file = path.join(dir, 'presence.db');
});
afterEach(() => {
  store?.close();
  store = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

const EMBEDDING = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) / 8);

/** A schema-2 database with one person and two templates, written as Presence 2 wrote them. */
function schema2Database(): { personId: string; templateIds: string[] } {
  const keys = new FileKeyProvider(keyFilePathFor(file));
  const cipher = new TemplateCipher(keys.getKey({ mayCreate: true }));
  const db = new Database(file);
  migrate(db, MIGRATIONS.slice(0, 2));
  expect(schemaVersion(db)).toBe(2);
  const at = '2026-01-05T09:00:00.000Z';
  const personId = '6f1c2d9e-0000-4000-8000-000000000001';
  db.prepare('INSERT INTO people (id, name, thumbnail, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(
    personId,
    'Ada Lovelace',
    cipher.encryptBytes(new Uint8Array([0xff, 0xd8, 1]), thumbnailAad(personId)),
    at,
    at,
  );
  const templateIds = ['6f1c2d9e-0000-4000-8000-00000000000a', '6f1c2d9e-0000-4000-8000-00000000000b'];
  for (const [i, id] of templateIds.entries())
    db.prepare(
      'INSERT INTO face_templates (id, person_id, model_id, dim, embedding, quality, source, pose, source_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      id,
      personId,
      'dlib128-a51-flip',
      128,
      cipher.encryptEmbedding(EMBEDDING, templateAad(id)),
      0.8 + i / 10,
      'import',
      'front',
      `sha-${i}`,
      at,
    );
  db.close();
  return { personId, templateIds };
}

describe('migration 003: template chips', () => {
  it('adds the chip column to a schema-2 database and keeps every row as it was', () => {
    const { personId, templateIds } = schema2Database();
    store = openStore(file, new FileKeyProvider(keyFilePathFor(file)));
    expect(schemaVersion(store.db)).toBe(latestSchemaVersion());
    const columns = (
      store.db.prepare('SELECT name, type FROM pragma_table_info(?)').all('face_templates') as {
        name: string;
        type: string;
      }[]
    ).map((c) => `${c.name} ${c.type}`);
    expect(columns).toContain('chip BLOB');
    const rows = store.db
      .prepare('SELECT id, quality, source, pose, source_ref, chip FROM face_templates ORDER BY id')
      .all();
    expect(rows).toEqual([
      { id: templateIds[0], quality: 0.8, source: 'import', pose: 'front', source_ref: 'sha-0', chip: null },
      { id: templateIds[1], quality: 0.9, source: 'import', pose: 'front', source_ref: 'sha-1', chip: null },
    ]);
    const loaded = store.templates.loadAll('dlib128-a51-flip');
    expect(loaded.map((t) => t.templateId)).toEqual(templateIds);
    expect(loaded[0]!.embedding).toEqual(EMBEDDING);
    expect(store.people.get(personId)).toMatchObject({ name: 'Ada Lovelace', templateCount: 2, hasThumbnail: true });
    expect(store.templates.encoderCensus()).toEqual([
      { personId, modelId: 'dlib128-a51-flip', templates: 2, withChip: 0 },
    ]);
    expect(store.templates.chip(templateIds[0]!)).toBeNull();
  });

  it('stores a new template with its chip encrypted under chip:<id>, and gives it back', () => {
    const { personId } = schema2Database();
    store = openStore(file, new FileKeyProvider(keyFilePathFor(file)));
    const chip = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251);
    const meta = store.templates.add(
      { personId, modelId: 'mfn-foamliu', embedding: EMBEDDING, source: 'cli', chip },
      'cli',
    );
    const raw = (store.db.prepare('SELECT chip FROM face_templates WHERE id = ?').get(meta.id) as { chip: Buffer })
      .chip;
    expect(raw.includes(Buffer.from(chip.subarray(1000, 1032)))).toBe(false);
    expect(store.templates.chip(meta.id)).toEqual(Buffer.from(chip));
    expect(store.cipher.decryptBytes(raw, chipAad(meta.id))).toEqual(Buffer.from(chip));
    expect(() => store!.cipher.decryptBytes(raw, templateAad(meta.id))).toThrow(/could not be decrypted/);
  });
});
