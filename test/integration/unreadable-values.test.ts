// One stored value that cannot be read (a template, a thumbnail, a setting: zeroed, truncated, of an
// unknown format version, or altered) is set aside and reported; the station keeps working for everyone
// else. Real SQLite files, real encryption; the damage is done with plain SQL on the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/program';
import { PresenceApp } from '../../src/main/app';
import { Store } from '../../src/main/db/store';
import { createInProcessEngine } from '../../src/main/engine/engine';
import { TemplateCipher } from '../../src/main/security/template-cipher';
import { FileKeyProvider, keyFilePathFor } from '../../src/main/security/key-provider';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { syntheticTable } from '../helpers/distance-table';

const SPACE = { encoderId: 'test-4d', embeddingSize: 4, defaultThreshold: 0.5, distances: syntheticTable() };
const SETTINGS = { ...DEFAULT_SETTINGS, margin: 0, threshold: 0.3 };

let dir: string;
let file: string;
const apps: PresenceApp[] = [];

function openApp(): PresenceApp {
  const app = new PresenceApp({
    databasePath: file,
    keys: new FileKeyProvider(keyFilePathFor(file)),
    engine: createInProcessEngine(),
    transport: 'http',
    version: '0.0.0-test',
  });
  apps.push(app);
  return app;
}

async function closeAll(): Promise<void> {
  for (const app of apps.splice(0)) await app.close();
}

function axis(i: number): Float32Array {
  const v = new Float32Array(4);
  v[i] = 1;
  return v;
}

/** Plain SQL on the file, as a disk fault or a careless hand would change it. */
function sql(statement: string, ...params: unknown[]): void {
  const db = new Database(file);
  try {
    db.prepare(statement).run(...params);
  } finally {
    db.close();
  }
}

/** A template's stored bytes changed by `change`, written back with plain SQL. */
function alterTemplate(id: string, change: (blob: Buffer) => Buffer): void {
  const db = new Database(file);
  try {
    const { embedding } = db.prepare('SELECT embedding FROM face_templates WHERE id = ?').get(id) as {
      embedding: Buffer;
    };
    db.prepare('UPDATE face_templates SET embedding = ? WHERE id = ?').run(change(Buffer.from(embedding)), id);
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-unreadable-'));
  file = path.join(dir, 'presence.db');
});

afterEach(async () => {
  await closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Ada with two templates (the first to be damaged), Bea with one; the app closed again. */
async function station(): Promise<{ ada: string; bea: string; damaged: string }> {
  const app = openApp();
  app.index.use(SPACE);
  const ada = app.people.create({ name: 'Ada' }, 'admin').id;
  const bea = app.people.create({ name: 'Bea' }, 'admin').id;
  const [first] = app.store.templates.addMany(
    [
      { personId: ada, modelId: SPACE.encoderId, embedding: axis(0), source: 'cli' },
      { personId: ada, modelId: SPACE.encoderId, embedding: axis(1), source: 'cli' },
    ],
    'cli',
  );
  app.store.templates.add({ personId: bea, modelId: SPACE.encoderId, embedding: axis(2), source: 'cli' }, 'cli');
  await closeAll();
  return { ada, bea, damaged: first!.id };
}

function unreadableAudits(app: PresenceApp, action: string) {
  return app.store.audit.list({ limit: 10_000 }).filter((e) => e.action === action);
}

describe('a face template that cannot be read', () => {
  it.each([
    ['zeroed', (b: Buffer) => Buffer.alloc(b.length), 'damaged'],
    ['truncated', (b: Buffer) => b.subarray(0, 10), 'damaged'],
    ['of an unknown format version', (b: Buffer) => Buffer.concat([Buffer.from([7]), b.subarray(1)]), 'newer-format'],
    ['altered', (b: Buffer) => Buffer.concat([b.subarray(0, -1), Buffer.from([b.at(-1)! ^ 1])]), 'damaged'],
    ['cut to a few floats', (b: Buffer) => b.subarray(0, b.length - 4), 'damaged'],
  ])(
    '(%s) is set aside: everyone else is recognised, the person is flagged, audited once',
    async (_k, change, reason) => {
      const { ada, bea, damaged } = await station();
      alterTemplate(damaged, change);

      const app = openApp();
      expect(() => app.index.use(SPACE)).not.toThrow();
      expect(app.index.size).toBe(2);
      expect(app.index.identify(axis(2), SETTINGS)).toMatchObject({ accepted: true, personId: bea });
      expect(app.index.identify(axis(1), SETTINGS)).toMatchObject({ accepted: true, personId: ada });
      expect(app.index.identify(axis(0), SETTINGS).accepted).toBe(false);

      // Set aside, not deleted.
      expect(app.store.db.prepare('SELECT count(*) AS n FROM face_templates WHERE id = ?').get(damaged)).toEqual({
        n: 1,
      });
      const listed = app.people.list();
      expect(listed.find((p) => p.id === ada)?.unreadable).toEqual({ templates: 1, thumbnail: false });
      expect(listed.find((p) => p.id === bea)?.unreadable).toBeUndefined();
      expect(app.info().unreadable).toEqual({ templates: 1, thumbnails: 0, settings: 0 });

      const audits = unreadableAudits(app, 'template.unreadable');
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({ actor: 'system', subjectId: ada, details: { templateId: damaged, reason } });
      const message = String((audits[0]!.details as { message: string }).message);
      if (reason === 'newer-format') expect(message).toMatch(/newer version of Presence/);
      else expect(message).not.toMatch(/update presence|format version/i);
      await closeAll();

      // The next start does not audit it again, and still leaves it out.
      const again = openApp();
      again.index.use(SPACE);
      expect(again.index.size).toBe(2);
      expect(unreadableAudits(again, 'template.unreadable')).toHaveLength(1);
    },
  );

  it('stops flagging the person once they are enrolled again', async () => {
    const { ada, damaged } = await station();
    sql('UPDATE face_templates SET embedding = zeroblob(40) WHERE id = ?', damaged);
    const app = openApp();
    app.index.use(SPACE);
    expect(app.people.get(ada).unreadable?.templates).toBe(1);
    const meta = app.store.templates.add(
      { personId: ada, modelId: SPACE.encoderId, embedding: axis(0), source: 'camera' },
      'admin',
    );
    app.index.add(meta.id, ada, axis(0));
    expect(app.people.get(ada).unreadable).toBeUndefined();
    expect(app.info().unreadable).toEqual({ templates: 0, thumbnails: 0, settings: 0 });
    // Replaced, and audited as such.
    expect(app.store.db.prepare('SELECT count(*) AS n FROM face_templates WHERE id = ?').get(damaged)).toEqual({
      n: 0,
    });
    expect(unreadableAudits(app, 'template.delete')[0]).toMatchObject({
      subjectId: ada,
      details: { count: 1, unreadable: true },
    });
    expect(app.index.size).toBe(3);
  });

  it('does not make the key look wrong when it is the only template', async () => {
    const app = openApp();
    const ada = app.people.create({ name: 'Ada' }, 'admin').id;
    const meta = app.store.templates.add({
      personId: ada,
      modelId: SPACE.encoderId,
      embedding: axis(0),
      source: 'cli',
    });
    await closeAll();
    sql('UPDATE face_templates SET embedding = zeroblob(length(embedding)) WHERE id = ?', meta.id);
    const again = openApp();
    again.index.use(SPACE);
    expect(again.index.size).toBe(0);
    expect(again.people.get(ada).unreadable).toEqual({ templates: 1, thumbnail: false });
  });

  it('is not how a wrong key is treated: nothing is set aside, and loading fails saying so', async () => {
    await station();
    const raw = new Database(file);
    const wrong = new Store(raw, new TemplateCipher(randomBytes(32)));
    try {
      expect(() => wrong.templates.loadAll(SPACE.encoderId)).toThrow(
        expect.objectContaining({ message: expect.stringMatching(/key/) }),
      );
      expect(wrong.unreadable()).toEqual({ templates: 0, thumbnails: 0, settings: 0 });
      expect(wrong.audit.list({ limit: 10_000 }).filter((e) => e.action === 'template.unreadable')).toEqual([]);
    } finally {
      wrong.close();
    }
  });

  it('is flagged in `presence people list`', async () => {
    const { damaged } = await station();
    sql('UPDATE face_templates SET embedding = zeroblob(length(embedding)) WHERE id = ?', damaged);
    const app = openApp();
    app.index.use(SPACE);
    await closeAll();
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await main(['node', 'presence', '--db', file, 'people', 'list'])).toBe(0);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    const text = out.join('\n');
    expect(text).toMatch(/Ada.*\n\s+1 face template cannot be read: re-enroll/);
    expect(text).not.toMatch(/Bea.*\n\s+\d+ face templates? cannot be read/);
  }, 60_000);
});

describe('a thumbnail that cannot be read', () => {
  it('reads as none, flags the person, is audited once; the list still works', async () => {
    const app = openApp();
    const ada = app.people.create({ name: 'Ada' }, 'admin').id;
    const bea = app.people.create({ name: 'Bea' }, 'admin').id;
    app.store.people.setThumbnail(ada, new Uint8Array([0xff, 0xd8, 1, 2, 3]), 'admin');
    app.store.people.setThumbnail(bea, new Uint8Array([0xff, 0xd8, 4, 5, 6]), 'admin');
    await closeAll();
    sql('UPDATE people SET thumbnail = zeroblob(length(thumbnail)) WHERE id = ?', ada);

    const again = openApp();
    expect(again.people.list().map((p) => p.name)).toEqual(['Ada', 'Bea']);
    expect(again.people.thumbnail(ada)).toBeNull();
    expect(again.people.thumbnail(ada)).toBeNull();
    expect(again.people.thumbnail(bea)).toEqual(new Uint8Array([0xff, 0xd8, 4, 5, 6]));
    expect(again.people.get(ada)).toMatchObject({ hasThumbnail: false, unreadable: { templates: 0, thumbnail: true } });
    expect(again.people.get(bea).unreadable).toBeUndefined();
    expect(unreadableAudits(again, 'person.thumbnail_unreadable')).toHaveLength(1);
    expect(again.info().unreadable).toEqual({ templates: 0, thumbnails: 1, settings: 0 });
    // A new thumbnail replaces it.
    again.store.people.setThumbnail(ada, new Uint8Array([0xff, 0xd8, 9]), 'admin');
    expect(again.people.get(ada)).toMatchObject({ hasThumbnail: true });
    expect(again.people.get(ada).unreadable).toBeUndefined();
  });
});

describe('a setting that cannot be read', () => {
  it('gives way to its default without throwing, is audited once, and is cleared when saved again', async () => {
    const app = openApp();
    app.updateSettings({ cooldownMinutes: 7, stationName: 'Back door' }, 'admin');
    await closeAll();
    sql("UPDATE settings SET value = '{\"broken' WHERE key = 'cooldownMinutes'");

    const again = openApp();
    expect(() => again.store.settings.getAll()).not.toThrow();
    expect(again.store.settings.get('cooldownMinutes')).toBeUndefined();
    expect(again.settings()).toMatchObject({
      cooldownMinutes: DEFAULT_SETTINGS.cooldownMinutes,
      stationName: 'Back door',
    });
    again.store.settings.getAll();
    expect(unreadableAudits(again, 'settings.unreadable')).toEqual([
      expect.objectContaining({ actor: 'system', details: expect.objectContaining({ key: 'cooldownMinutes' }) }),
    ]);
    expect(again.info().unreadable).toEqual({ templates: 0, thumbnails: 0, settings: 1 });
    again.updateSettings({ cooldownMinutes: 4 }, 'admin');
    expect(again.store.settings.get('cooldownMinutes')).toBe(4);
    expect(again.info().unreadable).toEqual({ templates: 0, thumbnails: 0, settings: 0 });
  });
});
