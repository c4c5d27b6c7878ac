// The repositories on a real SQLite file: encryption at rest, deletes, rollback, audit, attendance.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, Store } from '../../src/main/db/store';
import { openDatabase } from '../../src/main/db/open';
import type { TemplateInput } from '../../src/main/db/templates-repo';
import { FileKeyProvider, keyFilePathFor } from '../../src/main/security/key-provider';
import { contract } from '../../src/shared/contract';
import { NAME_MAX, NOTES_MAX } from '../../src/shared/limits';
import { serializeEmbedding, TemplateCipher, templateAad } from '../../src/main/security/template-cipher';
import { AppError } from '../../src/shared/errors';

let dir: string;
let file: string;
let store: Store;

function vector(seed: number, dim = 128): Float32Array {
  return Float32Array.from({ length: dim }, (_, i) => Math.cos(seed * 31 + i) * 0.25);
}

function auditActions(s: Store): string[] {
  return s.audit
    .list({ limit: 1000 })
    .map((e) => e.action)
    .reverse();
}

function count(table: string): number {
  return (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-repo-'));
  file = path.join(dir, 'presence.db');
  store = openStore(file, new FileKeyProvider(keyFilePathFor(file)));
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('people', () => {
  it('holds a person to the same field lengths as the screens, so one made from the CLI stays editable there', () => {
    const long = 'x'.repeat(NAME_MAX + 1);
    expect(() => store.people.create({ name: long }, 'cli')).toThrow(/too long .* keep it to 120/);
    const ok = store.people.create({ name: 'x'.repeat(NAME_MAX), notes: 'n'.repeat(NOTES_MAX) }, 'cli');
    // What the screens send for an edit passes the contract as the stored values are.
    expect(contract['people.update'].input.safeParse({ id: ok.id, name: ok.name, notes: ok.notes }).success).toBe(true);
  });

  it('creates, lists (case-insensitive order, search, counts), gets and updates', () => {
    const zoe = store.people.create({ name: '  Zoë Quinn ', externalId: 'E-7' }, 'admin');
    const adam = store.people.create({ name: 'adam Smith', notes: 'night shift' }, 'admin');
    const bea = store.people.create({ name: 'Bea 100%' }, 'cli');
    expect(zoe).toMatchObject({
      name: 'Zoë Quinn',
      externalId: 'E-7',
      notes: null,
      templateCount: 0,
      hasThumbnail: false,
    });
    // The contract's Person, mapped once from SQL: nothing of the row's own bookkeeping.
    expect(zoe).not.toHaveProperty('deletedAt');
    expect(zoe.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(zoe.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const zed = store.people.create({ name: 'Zed' });
    const emile = store.people.create({ name: 'Émile' });
    expect(store.people.list().map((p) => p.name)).toEqual(['adam Smith', 'Bea 100%', 'Émile', 'Zed', 'Zoë Quinn']);
    expect(store.people.list({ query: 'zoe' }).map((p) => p.id)).toEqual([zoe.id]);
    expect(store.people.list({ query: 'ÉMI' }).map((p) => p.id)).toEqual([emile.id]);
    store.people.purge(zed.id);
    store.people.purge(emile.id);
    expect(store.people.list({ query: 'SMITH' }).map((p) => p.id)).toEqual([adam.id]);
    expect(store.people.list({ query: 'e-7' }).map((p) => p.id)).toEqual([zoe.id]);
    expect(store.people.list({ query: '%' }).map((p) => p.id)).toEqual([bea.id]); // literal, not a wildcard

    const updated = store.people.update(adam.id, { name: 'Adam Smith', notes: null }, 'admin');
    expect(updated).toMatchObject({ name: 'Adam Smith', notes: null, externalId: null });
    expect(store.people.get(adam.id)).toEqual(updated);
    expect(store.people.get('no-such-id')).toBeUndefined();
    expect(() => store.people.update('no-such-id', { name: 'X' })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(() => store.people.create({ name: '   ' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));

    const audit = store.audit.list();
    expect(audit[0]).toMatchObject({
      actor: 'admin',
      action: 'person.update',
      subjectId: adam.id,
      details: { fields: ['name', 'notes'] },
    });
    expect(auditActions(store)).toEqual([
      'person.create',
      'person.create',
      'person.create',
      'person.create',
      'person.create',
      'person.purge',
      'person.purge',
      'person.update',
    ]);
    expect(JSON.stringify(store.audit.list({ limit: 1000 }))).not.toContain('E-7');
  });

  it('refuses a duplicate external id among live people with CONFLICT, and frees it on delete', () => {
    const a = store.people.create({ name: 'Ann', externalId: 'S-1' });
    const b = store.people.create({ name: 'Ben', externalId: 'S-2' });
    let err: unknown;
    try {
      store.people.create({ name: 'Another Ann', externalId: 'S-1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFLICT');
    expect((err as AppError).message).toMatch(/Ann already has the ID number "S-1"/);
    expect(() => store.people.update(b.id, { externalId: 'S-1' })).toThrow(
      expect.objectContaining({ code: 'CONFLICT' }),
    );
    expect(count('people')).toBe(2);
    expect(auditActions(store)).toEqual(['person.create', 'person.create']);

    store.people.erase(a.id, { attendance: 'keep' });
    expect(store.people.create({ name: 'New Ann', externalId: 'S-1' }).externalId).toBe('S-1');
  });

  it('stores consent and an encrypted thumbnail', () => {
    const p = store.people.create({ name: 'Cleo' });
    store.consent.record(p.id, { kind: 'given', recordedBy: 'Front desk', method: 'screen', textVersion: 1 }, 'admin');
    expect(store.people.get(p.id)).toMatchObject({ consentBy: 'Front desk', consentAt: expect.any(String) });

    const jpeg = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      Buffer.from('JFIF-pretend-image-bytes'.repeat(4)),
    ]);
    store.people.setThumbnail(p.id, jpeg, 'admin');
    expect(store.people.get(p.id)!.hasThumbnail).toBe(true);
    expect(Buffer.from(store.people.getThumbnail(p.id)!).equals(jpeg)).toBe(true);
    const raw = store.db.prepare('SELECT thumbnail FROM people WHERE id = ?').get(p.id) as { thumbnail: Buffer };
    expect(raw.thumbnail.includes(Buffer.from('JFIF-pretend'))).toBe(false);

    store.people.setThumbnail(p.id, null, 'admin');
    expect(store.people.getThumbnail(p.id)).toBeNull();
    expect(auditActions(store)).toEqual([
      'person.create',
      'person.consent',
      'person.thumbnail_set',
      'person.thumbnail_remove',
    ]);
  });

  it('erase keeps a nameless tombstone for kept attendance, removes templates and thumbnail, audits — all at once', () => {
    const p = store.people.create({ name: 'Dana', externalId: 'D-1' });
    const other = store.people.create({ name: 'Eli' });
    store.people.setThumbnail(p.id, Buffer.from('thumb'));
    store.templates.addMany([
      { personId: p.id, modelId: 'm1', embedding: vector(1), source: 'camera' },
      { personId: p.id, modelId: 'm1', embedding: vector(2), source: 'camera' },
      { personId: other.id, modelId: 'm1', embedding: vector(3), source: 'import' },
    ]);
    store.attendance.record({
      personId: p.id,
      kind: 'in',
      at: '2026-03-02T08:00:00Z',
      localDay: '2026-03-02',
      station: 'door',
    });

    store.people.erase(p.id, { attendance: 'keep' }, 'admin');

    expect(store.people.get(p.id)).toBeUndefined();
    expect(store.people.list().map((x) => x.id)).toEqual([other.id]);
    const tomb = store.people.listWithTombstones().find((x) => x.id === p.id)!;
    expect(tomb).toMatchObject({ hasThumbnail: false, templateCount: 0, externalId: null, notes: null });
    expect(tomb.name).toMatch(/^Erased [0-9A-F]{8}$/);
    expect(tomb.deletedAt).not.toBeNull();
    expect(tomb.updatedAt).toBe(tomb.deletedAt);
    expect(store.templates.listMeta(p.id)).toEqual([]);
    expect(store.templates.loadAll('m1').map((t) => t.personId)).toEqual([other.id]);
    expect(store.people.getThumbnail(p.id)).toBeNull();
    expect(store.attendance.list({ from: '2026-03-02', to: '2026-03-02' })).toHaveLength(1);
    expect(store.audit.list()[0]).toMatchObject({
      actor: 'admin',
      action: 'person.erase',
      subjectId: p.id,
      details: { templatesErased: 2, attendance: 'keep', attendanceKept: 1, attendanceDeleted: 0 },
    });

    expect(() => store.people.erase(p.id, { attendance: 'keep' })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(() =>
      store.templates.add({ personId: p.id, modelId: 'm1', embedding: vector(4), source: 'camera' }),
    ).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() =>
      store.attendance.record({
        personId: p.id,
        kind: 'out',
        at: '2026-03-02T17:00:00Z',
        localDay: '2026-03-02',
        station: 'door',
      }),
    ).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('purge hard-deletes the person and cascades to templates and attendance', () => {
    const p = store.people.create({ name: 'Finn' });
    store.templates.add({ personId: p.id, modelId: 'm1', embedding: vector(1), source: 'cli' });
    store.attendance.record({
      personId: p.id,
      kind: 'in',
      at: '2026-03-02T08:00:00Z',
      localDay: '2026-03-02',
      station: 'door',
    });
    store.people.purge(p.id, 'cli');
    expect(count('people')).toBe(0);
    expect(count('face_templates')).toBe(0);
    expect(count('attendance_events')).toBe(0);
    expect(store.audit.list()[0]).toMatchObject({
      actor: 'cli',
      action: 'person.purge',
      subjectId: p.id,
      details: { templatesDeleted: 1 },
    });
    expect(() => store.people.purge(p.id)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});

describe('templates', () => {
  it('round-trips an embedding, and the stored BLOB contains none of the plaintext float bytes', () => {
    const p = store.people.create({ name: 'Gus' });
    const emb = vector(7, 512);
    const meta = store.templates.add(
      { personId: p.id, modelId: 'facenet-512', embedding: emb, quality: 0.9, source: 'camera', pose: 'frontal' },
      'admin',
    );
    expect(meta).toMatchObject({
      personId: p.id,
      modelId: 'facenet-512',
      dim: 512,
      quality: 0.9,
      source: 'camera',
      pose: 'frontal',
    });
    expect(store.templates.listMeta(p.id)).toEqual([meta]);
    expect(store.people.get(p.id)!.templateCount).toBe(1);
    expect(store.templates.countByPerson()).toEqual(new Map([[p.id, 1]]));

    const [loaded] = store.templates.loadAll('facenet-512');
    expect(loaded!.templateId).toBe(meta.id);
    expect(Array.from(loaded!.embedding)).toEqual(Array.from(emb));
    expect(store.templates.loadAll('other-model')).toEqual([]);

    const raw = (
      store.db.prepare('SELECT embedding FROM face_templates WHERE id = ?').get(meta.id) as { embedding: Buffer }
    ).embedding;
    const plain = serializeEmbedding(emb);
    expect(raw.length).toBe(1 + 12 + 16 + plain.length);
    for (let off = 0; off + 8 <= plain.length; off += 4) {
      expect(raw.includes(plain.subarray(off, off + 8)), `plaintext bytes at ${off} appear in the BLOB`).toBe(false);
    }
  });

  it('a template BLOB copied to another row does not decrypt (AAD binds it to its id)', () => {
    const p = store.people.create({ name: 'Hal' });
    const [a, b] = store.templates.addMany([
      { personId: p.id, modelId: 'm', embedding: vector(1), source: 'camera' },
      { personId: p.id, modelId: 'm', embedding: vector(2), source: 'camera' },
    ]);
    const blobA = (
      store.db.prepare('SELECT embedding FROM face_templates WHERE id = ?').get(a!.id) as { embedding: Buffer }
    ).embedding;
    store.db.prepare('UPDATE face_templates SET embedding = ? WHERE id = ?').run(blobA, b!.id);
    expect(() => store.cipher.decryptEmbedding(blobA, templateAad(b!.id))).toThrow(/could not be decrypted/);
    // The gallery loads without it (set aside as unreadable: test/integration/unreadable-values.test.ts).
    expect(store.templates.loadAll('m').map((t) => t.templateId)).toEqual([a!.id]);
  });

  it('the wrong key cannot read templates', () => {
    const p = store.people.create({ name: 'Ivy' });
    store.templates.add({ personId: p.id, modelId: 'm', embedding: vector(1), source: 'camera' });
    const otherKey = new Store(openDatabase(file), new TemplateCipher(randomBytes(32)));
    try {
      expect(() => otherKey.templates.loadAll('m')).toThrow(
        expect.objectContaining({ code: 'INTERNAL', message: expect.stringMatching(/key/) }),
      );
    } finally {
      otherKey.close();
    }
  });

  it('addMany with one bad template stores nothing and audits nothing', () => {
    const p = store.people.create({ name: 'Jo' });
    const before = store.audit.list({ limit: 1000 }).length;
    const list: TemplateInput[] = [
      { personId: p.id, modelId: 'm', embedding: vector(1), source: 'camera' },
      { personId: p.id, modelId: 'm', embedding: vector(2), source: 'camera' },
      { personId: 'missing-person', modelId: 'm', embedding: vector(3), source: 'camera' },
    ];
    expect(() => store.templates.addMany(list, 'admin')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(count('face_templates')).toBe(0);
    expect(store.audit.list({ limit: 1000 }).length).toBe(before);

    const nan = Float32Array.of(1, Number.NaN);
    expect(() => store.templates.addMany([list[0]!, { ...list[1]!, embedding: nan }])).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(count('face_templates')).toBe(0);
  });

  it('Store.transaction rolls back several repositories together', () => {
    const p = store.people.create({ name: 'Kai' });
    const auditBefore = count('audit_log');
    expect(() =>
      store.transaction(() => {
        store.templates.add({ personId: p.id, modelId: 'm', embedding: vector(1), source: 'camera' });
        store.settings.setMany({ threshold: 0.4 });
        throw new Error('service failed halfway');
      }),
    ).toThrow('service failed halfway');
    expect(count('face_templates')).toBe(0);
    expect(store.settings.getAll()).toEqual({});
    expect(count('audit_log')).toBe(auditBefore);
  });

  it('deletes one template or all of a person, with audit entries', () => {
    const p = store.people.create({ name: 'Lou' });
    const [a] = store.templates.addMany([
      { personId: p.id, modelId: 'm', embedding: vector(1), source: 'camera' },
      { personId: p.id, modelId: 'm', embedding: vector(2), source: 'camera' },
      { personId: p.id, modelId: 'm', embedding: vector(3), source: 'camera' },
    ]);
    expect(store.templates.delete(a!.id, 'admin')).toBe(true);
    expect(store.templates.delete(a!.id, 'admin')).toBe(false);
    expect(store.templates.deleteForPerson(p.id, 'admin')).toBe(2);
    expect(store.templates.deleteForPerson(p.id, 'admin')).toBe(0);
    expect(auditActions(store)).toEqual([
      'person.create',
      'template.add',
      'template.add',
      'template.add',
      'template.delete',
      'template.delete',
    ]);
    expect(store.audit.list()[0]!.details).toEqual({ count: 2 });
  });
});

describe('audit log', () => {
  it('is append-only: UPDATE and DELETE are refused by the database itself', () => {
    store.people.create({ name: 'Max' }, 'admin');
    expect(() => store.db.prepare("UPDATE audit_log SET actor = 'system'").run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(count('audit_log')).toBe(1);
  });

  it('lists newest first with limit and since, and never accepts binary details', () => {
    let t = Date.parse('2026-01-01T00:00:00.000Z');
    const clocked = new Store(openDatabase(file), store.cipher, { clock: () => new Date((t += 1000)) });
    try {
      for (const action of ['a.one', 'a.two', 'a.three'])
        clocked.audit.append({ actor: 'system', action, details: { n: 1 } });
      expect(clocked.audit.list({ limit: 2 }).map((e) => e.action)).toEqual(['a.three', 'a.two']);
      expect(clocked.audit.list({ since: '2026-01-01T00:00:02.000Z' }).map((e) => e.action)).toEqual([
        'a.three',
        'a.two',
      ]);
      expect(() =>
        clocked.audit.append({ actor: 'system', action: 'x', details: { embedding: new Float32Array(4) } }),
      ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
      expect(() => clocked.audit.append({ actor: 'robot' as never, action: 'x' })).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    } finally {
      clocked.close();
    }
  });
});

describe('settings', () => {
  it('setMany writes all keys in one transaction with one audit entry', () => {
    store.settings.setMany({ threshold: 0.42, kiosk: { fullscreen: true }, locale: 'de' }, 'admin');
    expect(store.settings.getAll()).toEqual({ kiosk: { fullscreen: true }, locale: 'de', threshold: 0.42 });
    store.settings.setMany({ threshold: 0.5 }, 'admin');
    expect(store.settings.get('threshold')).toBe(0.5);
    expect(store.audit.list()[0]).toMatchObject({ action: 'settings.update', details: { keys: ['threshold'] } });
    expect(() => store.settings.setMany({ locale: 'fr', broken: undefined })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(store.settings.get('locale')).toBe('de');
  });
});

describe('attendance', () => {
  it('records events, finds the last of a day, lists a range with names, and summarises a day', () => {
    const ann = store.people.create({ name: 'ann' });
    const bob = store.people.create({ name: 'Bob' });
    const cat = store.people.create({ name: 'Cat' });
    const rec = (personId: string, kind: 'in' | 'out', at: string, localDay = at.slice(0, 10)) =>
      store.attendance.record(
        { personId, kind, at, localDay, station: 'front', distance: 0.31, liveness: 0.97 },
        'kiosk',
      );

    rec(bob.id, 'in', '2026-03-02T08:05:00Z');
    rec(ann.id, 'in', '2026-03-02T07:55:00Z');
    rec(ann.id, 'out', '2026-03-02T12:00:00Z');
    rec(ann.id, 'in', '2026-03-02T13:00:00Z');
    rec(bob.id, 'out', '2026-03-02T17:00:00Z');
    rec(cat.id, 'in', '2026-03-01T23:30:00Z', '2026-03-02'); // station east of UTC: still 2 March there
    rec(cat.id, 'in', '2026-03-03T08:00:00Z');

    expect(store.attendance.lastForPersonOnDay(ann.id, '2026-03-02')).toMatchObject({
      kind: 'in',
      at: '2026-03-02T13:00:00.000Z',
      personName: 'ann',
    });
    expect(store.attendance.lastForPersonOnDay(ann.id, '2026-03-03')).toBeUndefined();

    const day = store.attendance.list({ from: '2026-03-02', to: '2026-03-02' });
    expect(day.map((e) => [e.personName, e.kind, e.at])).toEqual([
      ['Cat', 'in', '2026-03-01T23:30:00.000Z'],
      ['ann', 'in', '2026-03-02T07:55:00.000Z'],
      ['Bob', 'in', '2026-03-02T08:05:00.000Z'],
      ['ann', 'out', '2026-03-02T12:00:00.000Z'],
      ['ann', 'in', '2026-03-02T13:00:00.000Z'],
      ['Bob', 'out', '2026-03-02T17:00:00.000Z'],
    ]);
    expect(day[0]).toMatchObject({ station: 'front', distance: 0.31, liveness: 0.97, localDay: '2026-03-02' });
    expect(store.attendance.list({ from: '2026-03-01', to: '2026-03-03', personId: cat.id })).toHaveLength(2);
    expect(() => store.attendance.list({ from: '2026-03-03', to: '2026-03-01' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );

    expect(store.attendance.daySummary('2026-03-02')).toEqual([
      {
        personId: ann.id,
        name: 'ann',
        firstIn: '2026-03-02T07:55:00.000Z',
        lastOut: '2026-03-02T12:00:00.000Z',
        events: 3,
        present: true,
      },
      {
        personId: bob.id,
        name: 'Bob',
        firstIn: '2026-03-02T08:05:00.000Z',
        lastOut: '2026-03-02T17:00:00.000Z',
        events: 2,
        present: false,
      },
      { personId: cat.id, name: 'Cat', firstIn: '2026-03-01T23:30:00.000Z', lastOut: null, events: 1, present: true },
    ]);
    expect(store.attendance.daySummary('2026-02-01')).toEqual([]);
    expect(store.audit.list()[0]).toMatchObject({ actor: 'kiosk', action: 'attendance.record', subjectId: cat.id });
  });

  it('refuses bad input and leaves no row', () => {
    const p = store.people.create({ name: 'Dee' });
    const ok = {
      personId: p.id,
      kind: 'in' as const,
      at: '2026-03-02T08:00:00Z',
      localDay: '2026-03-02',
      station: 'front',
    };
    expect(() => store.attendance.record({ ...ok, kind: 'maybe' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => store.attendance.record({ ...ok, localDay: '2/3/2026' })).toThrow(/YYYY-MM-DD/);
    expect(() => store.attendance.record({ ...ok, at: 'yesterday' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => store.attendance.record({ ...ok, distance: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(count('attendance_events')).toBe(0);
  });
});

describe('admin auth', () => {
  it('keeps the PIN hash and the failure counter with back-off, reset on success', () => {
    expect(store.adminAuth.get()).toEqual({ pinHash: null, failedAttempts: 0, lockedUntil: null });
    store.adminAuth.setPinHash('scrypt$32768$8$1$c2FsdA==$aGFzaA==');
    expect(store.adminAuth.get().pinHash).toBe('scrypt$32768$8$1$c2FsdA==$aGFzaA==');

    const now = Date.parse('2026-03-02T10:00:00.000Z');
    const results = Array.from({ length: 6 }, () => store.adminAuth.recordFailure(now));
    expect(results.map((r) => r.failedAttempts)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(results.slice(0, 4).every((r) => r.lockedUntil === null)).toBe(true);
    expect(results[4]!.lockedUntil).toBe('2026-03-02T10:00:30.000Z');
    expect(results[5]!.lockedUntil).toBe('2026-03-02T10:01:00.000Z');
    expect(store.adminAuth.get()).toMatchObject({ failedAttempts: 6, lockedUntil: '2026-03-02T10:01:00.000Z' });

    store.adminAuth.recordSuccess();
    expect(store.adminAuth.get()).toMatchObject({ failedAttempts: 0, lockedUntil: null });

    // The counter survives a restart: closing the app does not reset a lock-out.
    store.adminAuth.recordFailure(now);
    store.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT failed_attempts FROM admin_auth').get()).toEqual({ failed_attempts: 1 });
    db.close();
    store = openStore(file, new FileKeyProvider(keyFilePathFor(file)));
    expect(store.adminAuth.get().failedAttempts).toBe(1);
  });

  it('opens a database that holds encrypted data only with its own key, and never makes a new one for it', () => {
    const p = store.people.create({ name: 'Key Holder' }, 'admin');
    store.people.setThumbnail(p.id, Buffer.from('a face'), 'admin');
    store.close();
    const keyFile = keyFilePathFor(file);
    const saved = fs.readFileSync(keyFile);
    fs.rmSync(keyFile);
    expect(() => openStore(file, new FileKeyProvider(keyFile))).toThrow(
      expect.objectContaining({ code: 'KEY_MISSING' }),
    );
    expect(fs.existsSync(keyFile), 'a new key would leave the thumbnails unreadable').toBe(false);
    // Another database's key is refused, not used.
    const other = path.join(path.dirname(file), 'other.key');
    fs.writeFileSync(other, Buffer.alloc(32, 9), { mode: 0o600 });
    expect(() => openStore(file, new FileKeyProvider(other))).toThrow(expect.objectContaining({ code: 'KEY_WRONG' }));
    fs.writeFileSync(keyFile, saved, { mode: 0o600 });
    store = openStore(file, new FileKeyProvider(keyFile));
    expect(Buffer.from(store.people.getThumbnail(p.id)!).toString()).toBe('a face');
  });
});
