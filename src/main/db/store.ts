// One object the services hold: the connection, every repository, and the template cipher.

import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import { TemplateCipher, templateAad, thumbnailAad } from '../security/template-cipher';
import type { KeyProvider } from '../security/key-provider';
import { AdminAuthRepo } from './admin-auth-repo';
import { AttendanceRepo } from './attendance-repo';
import { AuditRepo } from './audit-repo';
import { BackupRepo } from './backup-repo';
import { ConsentRepo } from './consent-repo';
import { systemClock, type Clock } from './clock';
import { compact, openDatabase, type OpenDatabaseOptions } from './open';
import { PeopleRepo } from './people-repo';
import { RetentionRepo } from './retention-repo';
import { SettingsRepo } from './settings-repo';
import { HubAdminRepo, SyncRepo } from './sync-repo';
import { TemplatesRepo, wellFormedCiphertext } from './templates-repo';

export interface StoreOptions {
  /** Source of "now" for created/updated times and audit entries; tests pin it. */
  clock?: Clock;
}

export class Store {
  readonly db: Database.Database;
  readonly cipher: TemplateCipher;
  readonly people: PeopleRepo;
  readonly templates: TemplatesRepo;
  readonly attendance: AttendanceRepo;
  readonly audit: AuditRepo;
  readonly consent: ConsentRepo;
  readonly retention: RetentionRepo;
  readonly settings: SettingsRepo;
  readonly adminAuth: AdminAuthRepo;
  readonly backups: BackupRepo;
  readonly sync: SyncRepo;
  readonly hubAdmin: HubAdminRepo;

  /** SQLite's count of commits by other connections, as each observer last saw it (changedElsewhere). */
  readonly #seenVersions = new Map<string, number>();
  readonly #openedAtVersion: number;

  constructor(db: Database.Database, cipher: TemplateCipher, opts: StoreOptions = {}) {
    const clock = opts.clock ?? systemClock;
    this.db = db;
    this.#openedAtVersion = this.#readDataVersion();
    this.cipher = cipher;
    this.audit = new AuditRepo(db, clock);
    this.people = new PeopleRepo(db, cipher, this.audit, clock);
    this.templates = new TemplatesRepo(db, cipher, this.audit, clock);
    this.attendance = new AttendanceRepo(db, this.audit, clock);
    this.consent = new ConsentRepo(db, this.audit, clock);
    this.retention = new RetentionRepo(db, this.people, this.audit, clock);
    this.settings = new SettingsRepo(db, this.audit, clock);
    this.adminAuth = new AdminAuthRepo(db, clock);
    this.backups = new BackupRepo(db, cipher, this.audit, clock);
    this.sync = new SyncRepo(db, cipher);
    this.hubAdmin = new HubAdminRepo(db, cipher);
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction; repository calls inside it join it (as savepoints), so a
   * service can combine several writes atomically. `fn` must be synchronous.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * True once per `observer` after another connection committed to the database since that observer
   * last asked (or since the store opened): `presence import` run while the app or `serve` is open, say.
   * Each cache names itself (the gallery, the settings), so one asking does not hide a change from the
   * other. Costs one PRAGMA, so it can be asked on every frame.
   */
  changedElsewhere(observer: string): boolean {
    const version = this.#readDataVersion();
    const seen = this.#seenVersions.get(observer) ?? this.#openedAtVersion;
    if (version === seen) return false;
    this.#seenVersions.set(observer, version);
    return true;
  }

  #readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Stored values set aside because they cannot be read (engine.status / app.info report them). */
  unreadable(): { templates: number; thumbnails: number; settings: number } {
    return {
      templates: this.templates.unreadable(),
      thumbnails: this.people.unreadableThumbnails(),
      settings: this.settings.unreadable(),
    };
  }

  /**
   * After an erasure: rewrites the file and empties the WAL so the removed bytes are gone from disk, not
   * only from the tables (open.ts compact). Best effort; false when another connection held part back.
   */
  compact(): boolean {
    return compact(this.db);
  }

  /** Closes the connection; safe to call twice. */
  close(): void {
    if (!this.db.open) return;
    // Lets SQLite refresh query-planner statistics it found stale during this session; cheap.
    if (!this.db.readonly) this.db.pragma('optimize');
    this.db.close();
  }
}

/** Opens (creating and migrating as needed) the database and builds a Store with the provider's key. */
export function openStore(file: string, keys: KeyProvider, opts: OpenDatabaseOptions & StoreOptions = {}): Store {
  const db = openDatabase(file, opts);
  try {
    const samples = encryptedSamples(db);
    const cipher = TemplateCipher.fromProvider(keys, { mayCreate: samples.length === 0 });
    checkKeyOpens(cipher, samples, keys.describe());
    return new Store(db, cipher, opts);
  } catch (e) {
    db.close();
    throw e;
  }
}

interface EncryptedSample {
  blob: Buffer;
  aad: string;
}

/**
 * A few encrypted values already stored (templates, then thumbnails); none in a new database. Only
 * well-formed ones that are not set aside: a zeroed or cut-short value says nothing about the key, and
 * must not make a database whose only template is damaged look like one opened with the wrong key.
 */
function encryptedSamples(db: Database.Database): EncryptedSample[] {
  const templates = db
    .prepare('SELECT id, embedding FROM face_templates WHERE damaged_at IS NULL ORDER BY rowid LIMIT 20')
    .all() as { id: string; embedding: Buffer }[];
  const thumbnails = db
    .prepare(
      'SELECT id, thumbnail FROM people WHERE thumbnail IS NOT NULL AND thumbnail_damaged_at IS NULL ORDER BY rowid LIMIT 20',
    )
    .all() as { id: string; thumbnail: Buffer }[];
  return [
    ...templates.map((t) => ({ blob: t.embedding, aad: templateAad(t.id) })),
    ...thumbnails.map((p) => ({ blob: p.thumbnail, aad: thumbnailAad(p.id) })),
  ]
    .filter((s) => wellFormedCiphertext(s.blob))
    .slice(0, 3);
}

/**
 * Refuses a key that opens none of the stored values (a key file from another database, or one made
 * anew after the real one was lost): used, it would fail every template, and encrypt new ones so that
 * the database needs two keys. One damaged value is not a wrong key, so any one that opens will do.
 */
function checkKeyOpens(cipher: TemplateCipher, samples: readonly EncryptedSample[], where: string): void {
  if (samples.length === 0) return;
  for (const s of samples) {
    try {
      cipher.decryptBytes(s.blob, s.aad);
      return;
    } catch {
      // try the next one
    }
  }
  throw new AppError(
    'KEY_WRONG',
    `The template key (${where}) does not open the face templates stored in this database: it belongs to another database or was made anew. Restore the key saved together with this database.`,
  );
}
