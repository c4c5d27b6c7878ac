// Encrypted backups on real SQLite files in temporary folders: made while the database is open and being
// written, restored to a new place with the same rows and templates; a wrong passphrase, a damaged or cut
// file and an occupied target are refused with a sentence and leave nothing behind; the schedule writes
// into its folder, keeps `keep` files and reports a failure instead of throwing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupService, restoreBackup } from '../../src/main/domain/backup';
import { openDatabase } from '../../src/main/db';
import { derivePassphraseKey, type PassphraseKey, type ScryptParams } from '../../src/main/security/backup-file';
import { FileKeyProvider, keyFilePathFor, SEALED_KEY_FILE } from '../../src/main/security/key-provider';
import { runPresence } from '../helpers/cli';
import { appOn, tempApp, type TempApp } from '../helpers/temp-app';

/** Cheap scrypt for the tests that call the domain directly; the CLI always uses the real cost. */
const FAST: ScryptParams = { log2N: 10, r: 8, p: 1 };
const PASSPHRASE = 'correct horse battery staple';
const MODEL = 'test-encoder';
const DAY = 24 * 60 * 60 * 1000;

let t: TempApp;
let clock: number;
let scratch: string;

beforeEach(() => {
  clock = Date.parse('2026-03-02T09:00:00.000Z');
  t = tempApp({ now: () => clock });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-backup-test-'));
});
afterEach(async () => {
  await t.cleanup();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function unitVector(seed: number): Float32Array {
  const v = new Float32Array(128).map((_, i) => Math.sin(seed * 31 + i * 7));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** People with templates (and a thumbnail), written through the store as the app writes them. */
function seed(): { names: string[]; embeddings: Map<string, Float32Array> } {
  const { store } = t.app;
  const names = ['Zoë Quinn', 'Adam Smith', '李小龙'];
  const embeddings = new Map<string, Float32Array>();
  names.forEach((name, i) => {
    const person = store.people.create({ name, externalId: `E-${i}`, notes: 'night shift' }, 'admin');
    store.people.setThumbnail(person.id, new Uint8Array([0xff, 0xd8, i, 0xff, 0xd9]), 'admin');
    for (let k = 0; k < 2; k++) {
      const embedding = unitVector(i * 10 + k);
      const meta = store.templates.add({ personId: person.id, modelId: MODEL, embedding, source: 'cli' }, 'admin');
      embeddings.set(meta.id, embedding);
    }
  });
  return { names, embeddings };
}

function fastKey(passphrase = PASSPHRASE): Promise<PassphraseKey> {
  return derivePassphraseKey(passphrase, FAST);
}

function serviceFor(app: TempApp): BackupService {
  return new BackupService({
    store: app.app.store,
    databasePath: app.databasePath,
    templateKey: () => new FileKeyProvider(keyFilePathFor(app.databasePath)).getKey(),
    now: () => clock,
    scrypt: FAST,
  });
}

async function expectRefused(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await expect(p).rejects.toMatchObject({ code });
  await expect(p).rejects.toThrow(message);
}

describe('a backup round trip', () => {
  it('copies the open database while it is written, and restores the same people and templates elsewhere', async () => {
    const { names, embeddings } = seed();
    const { store } = t.app;
    // Enough pages that the copy takes several steps, so the writes below land in the middle of it.
    const filler = store.people.create({ name: 'Filler' }, 'admin');
    store.transaction(() => {
      for (let i = 0; i < 3000; i++)
        store.attendance.record(
          {
            personId: filler.id,
            kind: i % 2 ? 'out' : 'in',
            at: new Date(clock - i * 60_000).toISOString(),
            localDay: '2026-03-01',
            station: 'S',
          },
          'kiosk',
        );
    });
    const before = store.people.list().length;

    // Writers while the copy runs: this connection, and another one (as `presence import` beside the app).
    const other = new Database(t.databasePath);
    let writing = true;
    let written = 0;
    const touch = other.prepare('UPDATE people SET updated_at = ? WHERE id = ?');
    const key = await fastKey();
    const writer = (async () => {
      while (writing) {
        store.people.create({ name: `Walk-in ${written}` }, 'admin');
        // The other connection's writes restart the copy: a few, as a short command beside the app makes.
        if (written < 5) touch.run(new Date(clock + written).toISOString(), filler.id);
        written++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const out = path.join(scratch, 'station.pbak');
    const made = await t.app.backups.backupToFile(out, key, 'cli');
    writing = false;
    await writer;
    expect(written, 'writes happened while the copy was made').toBeGreaterThan(5);
    other.close();

    expect(made.file).toBe(out);
    expect(made.bytes).toBe(fs.statSync(out).size);
    if (process.platform !== 'win32') expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    // Encrypted: no name, no notes in the file; no plain copy or partial file left anywhere.
    const bytes = fs.readFileSync(out);
    for (const text of [...names, 'night shift', 'Filler']) expect(bytes.includes(Buffer.from(text))).toBe(false);
    expect(fs.readdirSync(t.dir).filter((f) => f.includes('backup') || f.includes('partial'))).toEqual([]);
    expect(fs.readdirSync(scratch)).toEqual(['station.pbak']);
    const audit = store.audit.list({ limit: 5 }).find((e) => e.action === 'backup.create');
    expect(audit).toMatchObject({ actor: 'cli', details: { bytes: made.bytes, scheduled: false } });

    const target = path.join(scratch, 'restored', 'presence.db');
    const summary = await restoreBackup({ file: out, passphrase: PASSPHRASE, databasePath: target });
    expect(summary).toMatchObject({ databasePath: target, setAside: [], templates: 6, templatesReadable: 6 });
    expect(summary.auditLog.ok).toBe(true);
    expect(summary.people).toBeGreaterThanOrEqual(before);
    expect(summary.people).toBeLessThanOrEqual(before + written);
    if (process.platform !== 'win32') {
      expect(fs.statSync(target).mode & 0o777).toBe(0o600);
      expect(fs.statSync(keyFilePathFor(target)).mode & 0o777).toBe(0o600);
    }
    expect(fs.readdirSync(path.dirname(target)).sort()).toEqual(['presence.db', 'presence.db.key']);

    const restored = appOn(target);
    try {
      const restoredNames = restored.store.people.list().map((p) => p.name);
      for (const name of [...names, 'Filler']) expect(restoredNames).toContain(name);
      expect(restored.store.people.list().find((p) => p.name === 'Zoë Quinn')).toMatchObject({
        externalId: 'E-0',
        notes: 'night shift',
        hasThumbnail: true,
      });
      const loaded = restored.store.templates.loadAll(MODEL);
      expect(loaded).toHaveLength(6);
      for (const tpl of loaded) expect([...tpl.embedding]).toEqual([...embeddings.get(tpl.templateId)!]);
      expect(restored.store.db.prepare('SELECT count(*) AS n FROM attendance_events').get()).toEqual({ n: 3000 });
      expect(restored.store.audit.verify().ok).toBe(true);
      expect(restored.store.audit.list({ limit: 1 })[0]).toMatchObject({ action: 'backup.restore', actor: 'cli' });
    } finally {
      await restored.close();
    }
  });

  it('through the CLI: backup asks for a long enough passphrase, restore prints a summary', async () => {
    seed();
    await t.app.close();
    const pass = path.join(scratch, 'pass.txt');
    fs.writeFileSync(pass, 'too short\n', { mode: 0o600 });
    const out = path.join(scratch, 'cli.pbak');
    const short = await runPresence(t.databasePath, ['backup', '--out', out, '--passphrase-file', pass]);
    expect(short.code).toBe(1);
    expect(short.err).toMatch(/at least 10 characters \(this one has 9\)/);
    expect(fs.existsSync(out)).toBe(false);

    fs.writeFileSync(pass, `${PASSPHRASE}\n`, { mode: 0o600 });
    const made = await runPresence(t.databasePath, ['backup', '--out', out, '--passphrase-file', pass]);
    expect(made.err).toBe('');
    expect(made.code).toBe(0);
    expect(made.out).toMatch(/^Backup written: .*cli\.pbak/);
    const again = await runPresence(t.databasePath, ['backup', '--out', out, '--passphrase-file', pass]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already a file at .*a backup never replaces a file/);

    const target = path.join(scratch, 'elsewhere', 'presence.db');
    const restored = await runPresence(target, ['restore', out], { env: { PRESENCE_BACKUP_PASSPHRASE: PASSPHRASE } });
    expect(restored.err).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.out).toMatch(/Restored the backup made .* into .*presence\.db/);
    expect(restored.out).toMatch(/people: 3; face templates: 6 \(all open with the key from the backup\)/);
    expect(restored.out).toMatch(/Audit log OK/);
  }, 30_000);
});

describe('refusals', () => {
  let file: string;
  let target: string;
  beforeEach(async () => {
    seed();
    file = path.join(scratch, 'b.pbak');
    await t.app.backups.backupToFile(file, await fastKey(), 'cli');
    target = path.join(scratch, 'target', 'presence.db');
  });

  it('a wrong passphrase is refused with a sentence, and nothing is written', async () => {
    await expectRefused(
      restoreBackup({ file, passphrase: 'correct horse battery stapler', databasePath: target }),
      'BACKUP_PASSPHRASE',
      /^The passphrase does not open this backup \(.*b\.pbak\)\. Check it .*nothing was changed\.$/,
    );
    expect(fs.existsSync(path.dirname(target))).toBe(false);

    const cli = await runPresence(target, ['restore', file], {
      env: { PRESENCE_BACKUP_PASSPHRASE: 'not the passphrase' },
    });
    expect(cli.code).toBe(1);
    expect(cli.err).toMatch(/^presence: The passphrase does not open this backup/);
    expect(fs.existsSync(path.dirname(target))).toBe(false);
  });

  it('a cut-short, damaged or foreign file is refused, and nothing is written', async () => {
    const bytes = fs.readFileSync(file);
    const variant = (name: string, b: Buffer) => {
      const f = path.join(scratch, name);
      fs.writeFileSync(f, b);
      return f;
    };
    const cut = variant('cut.pbak', bytes.subarray(0, bytes.length - 1000));
    await expectRefused(
      restoreBackup({ file: cut, passphrase: PASSPHRASE, databasePath: target }),
      'BACKUP_INVALID',
      /is damaged \(it is cut short: \d+ bytes of the \d+ it should have/,
    );
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 5000]! ^= 0x01;
    await expectRefused(
      restoreBackup({ file: variant('flipped.pbak', flipped), passphrase: PASSPHRASE, databasePath: target }),
      'BACKUP_INVALID',
      /is damaged \(its contents do not match their authentication tag/,
    );
    const tag = Buffer.from(bytes);
    tag[tag.length - 1]! ^= 0x80;
    await expectRefused(
      restoreBackup({ file: variant('tag.pbak', tag), passphrase: PASSPHRASE, databasePath: target }),
      'BACKUP_INVALID',
      /authentication tag/,
    );
    // The header is authenticated: an edited salt (or key settings) does not open.
    const salt = Buffer.from(bytes);
    salt[25]! ^= 0x01;
    await expectRefused(
      restoreBackup({ file: variant('salt.pbak', salt), passphrase: PASSPHRASE, databasePath: target }),
      'BACKUP_PASSPHRASE',
      /does not open this backup/,
    );
    await expectRefused(
      restoreBackup({
        file: variant('notes.txt', Buffer.from('shopping list\n')),
        passphrase: PASSPHRASE,
        databasePath: target,
      }),
      'BACKUP_INVALID',
      /is not a Presence backup/,
    );
    await expectRefused(
      restoreBackup({ file: variant('empty.pbak', Buffer.alloc(0)), passphrase: PASSPHRASE, databasePath: target }),
      'BACKUP_INVALID',
      /is not a Presence backup/,
    );
    expect(fs.existsSync(path.dirname(target))).toBe(false);
  });

  it('an existing database is replaced only with --force, and is kept aside, still openable', async () => {
    const other = tempApp();
    other.app.store.people.create({ name: 'Only In The Old One' }, 'admin');
    other.app.store.templates.add(
      { personId: other.app.store.people.list()[0]!.id, modelId: MODEL, embedding: unitVector(99), source: 'cli' },
      'admin',
    );
    await other.app.close();
    const db = other.databasePath;
    try {
      const env = { PRESENCE_BACKUP_PASSPHRASE: PASSPHRASE };
      const refused = await runPresence(db, ['restore', file], { env });
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/already a Presence database at .*run the restore again with --force/);
      expect(fs.readdirSync(other.dir).sort()).toEqual(['presence.db', 'presence.db.key']);

      const forced = await runPresence(db, ['restore', file, '--force'], { env });
      expect(forced.err).toBe('');
      expect(forced.code).toBe(0);
      expect(forced.out).toMatch(/the database that was there is kept as: .*presence\.db\.before-restore-\d{8}T\d{6}Z/);
      const aside = fs.readdirSync(other.dir).find((f) => /^presence\.db\.before-restore-\d{8}T\d{6}Z$/.test(f))!;
      expect(fs.readdirSync(other.dir).sort()).toEqual(
        ['presence.db', 'presence.db.key', aside, `${aside}.key`].sort(),
      );

      const restored = appOn(db);
      expect(restored.store.people.list().map((p) => p.name)).not.toContain('Only In The Old One');
      expect(restored.store.people.list()).toHaveLength(3);
      await restored.close();
      // The old database opens under its new name, with its own key.
      const old = appOn(path.join(other.dir, aside));
      expect(old.store.people.list().map((p) => p.name)).toEqual(['Only In The Old One']);
      expect(old.store.templates.loadAll(MODEL)).toHaveLength(1);
      await old.close();
    } finally {
      fs.rmSync(other.dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('a database set up by the desktop app (sealed key) cannot be backed up from the CLI, and says where it can', async () => {
    const dir = path.join(scratch, 'desktop');
    const db = path.join(dir, 'presence.db');
    openDatabase(db).close();
    fs.writeFileSync(path.join(dir, SEALED_KEY_FILE), 'sealed by the OS');
    const pass = path.join(scratch, 'pass.txt');
    fs.writeFileSync(pass, PASSPHRASE, { mode: 0o600 });
    const r = await runPresence(db, ['backup', '--out', path.join(scratch, 'x.pbak'), '--passphrase-file', pass]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/set up by the Presence desktop app.*the command line cannot open.*from the desktop app/);
    expect(fs.existsSync(path.join(scratch, 'x.pbak'))).toBe(false);
  });
});

describe('scheduled backups', () => {
  it('back up into the folder when due, keep the newest `keep`, and report a failure without throwing', async () => {
    seed();
    const service = serviceFor(t);
    const folder = path.join(scratch, 'backups');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'holiday-photos.txt'), 'not ours');
    fs.writeFileSync(path.join(folder, 'presence-backup-2000-01-01T00-00-00.000Z.pbak'), 'named like one, but is not');

    expect(service.status()).toEqual({
      schedule: null,
      lastBackupAt: null,
      lastFile: null,
      lastError: null,
      nextAt: null,
    });
    await expectRefused(service.backupNow('admin'), 'NOT_FOUND', /set up the scheduled backups first/);
    await expectRefused(
      service.configure({ folder, everyDays: 1, keep: 2 }, 'admin'),
      'INVALID_INPUT',
      /Choose a passphrase/,
    );
    await expectRefused(
      service.configure({ folder: 'relative', everyDays: 1, keep: 2, passphrase: PASSPHRASE }, 'admin'),
      'INVALID_INPUT',
      /full path/,
    );
    await expectRefused(
      service.configure({ folder: t.dir, everyDays: 1, keep: 2, passphrase: PASSPHRASE }, 'admin'),
      'INVALID_INPUT',
      /folder of the database itself/,
    );

    const configured = await service.configure({ folder, everyDays: 1, keep: 2, passphrase: PASSPHRASE }, 'admin');
    expect(configured).toMatchObject({
      schedule: { folder, everyDays: 1, keep: 2 },
      nextAt: new Date(clock).toISOString(),
    });
    // The passphrase is nowhere in the database.
    const dbBytes = Buffer.concat([fs.readFileSync(t.databasePath), fs.readFileSync(`${t.databasePath}-wal`)]);
    expect(dbBytes.includes(Buffer.from(PASSPHRASE))).toBe(false);

    const first = await service.runIfDue();
    expect(first?.file).toMatch(/presence-backup-2026-03-02T09-00-00\.000Z\.pbak$/);
    expect(await service.runIfDue()).toBeNull();
    expect(service.status()).toMatchObject({
      lastBackupAt: '2026-03-02T09:00:00.000Z',
      lastFile: first!.file,
      lastError: null,
      nextAt: '2026-03-03T09:00:00.000Z',
    });
    for (let day = 1; day <= 3; day++) {
      clock += DAY;
      expect(await service.runIfDue()).not.toBeNull();
    }
    const ours = fs.readdirSync(folder).filter((f) => f.endsWith('.pbak') && !f.startsWith('presence-backup-2000'));
    expect(ours.sort()).toEqual([
      'presence-backup-2026-03-04T09-00-00.000Z.pbak',
      'presence-backup-2026-03-05T09-00-00.000Z.pbak',
    ]);
    expect(fs.existsSync(path.join(folder, 'holiday-photos.txt'))).toBe(true);
    expect(fs.existsSync(path.join(folder, 'presence-backup-2000-01-01T00-00-00.000Z.pbak'))).toBe(true);
    const created = t.app.store.audit.list({ limit: 50 }).filter((e) => e.action === 'backup.create');
    expect(created).toHaveLength(4);
    for (const e of created) expect(e).toMatchObject({ actor: 'system', details: { scheduled: true } });
    expect(JSON.stringify(created)).not.toMatch(/Zoë|Adam|backups/);

    // A scheduled backup restores with the passphrase (its key was derived once, at configure).
    const target = path.join(scratch, 'from-schedule', 'presence.db');
    const summary = await restoreBackup({
      file: path.join(folder, ours[1]!),
      passphrase: PASSPHRASE,
      databasePath: target,
    });
    expect(summary).toMatchObject({ people: 3, templates: 6, templatesReadable: 6 });

    // The folder goes away (a disconnected disk): the failure is kept, retried after an hour, not thrown.
    fs.rmSync(folder, { recursive: true });
    clock += DAY;
    expect(await service.runIfDue()).toBeNull();
    const failed = service.status();
    expect(failed.lastError).toMatch(/^The backup could not be written to .*backups: the folder does not exist/);
    expect(failed.lastBackupAt).toBe('2026-03-05T09:00:00.000Z');
    expect(failed.nextAt).toBe(new Date(clock + 60 * 60 * 1000).toISOString());
    clock += 30 * 60 * 1000;
    expect(await service.runIfDue()).toBeNull();
    fs.mkdirSync(folder);
    clock += 31 * 60 * 1000;
    expect(await service.runIfDue()).not.toBeNull();
    expect(service.status().lastError).toBeNull();

    // Changing how many to keep needs no passphrase again; turning off keeps the last outcome.
    expect((await service.configure({ folder, everyDays: 7, keep: 5 }, 'admin')).schedule).toEqual({
      folder,
      everyDays: 7,
      keep: 5,
    });
    const off = await service.configure({ off: true }, 'admin');
    expect(off).toMatchObject({ schedule: null, nextAt: null, lastError: null });
    expect(off.lastBackupAt).not.toBeNull();
  }, 30_000);

  it('runs from the app: backup.now through the handlers, after backup.configure', async () => {
    seed();
    const folder = path.join(scratch, 'now');
    fs.mkdirSync(folder);
    const h = t.app.handlers();
    const ctx = {} as Parameters<(typeof h)['backup.now']>[1];
    await h['backup.configure']({ folder, everyDays: 1, keep: 3, passphrase: PASSPHRASE }, ctx);
    const made = await h['backup.now'](undefined, ctx);
    expect(made).toMatchObject({ file: expect.stringContaining(folder), bytes: fs.statSync(made.file).size });
    expect(await h['backup.status'](undefined, ctx)).toMatchObject({ lastFile: made.file, lastError: null });
  }, 30_000);
});
