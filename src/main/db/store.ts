// One object the services hold: the connection, every repository, and the template cipher.

import type Database from 'better-sqlite3';
import { TemplateCipher } from '../security/template-cipher';
import type { KeyProvider } from '../security/key-provider';
import { AdminAuthRepo } from './admin-auth-repo';
import { AttendanceRepo } from './attendance-repo';
import { AuditRepo } from './audit-repo';
import { systemClock, type Clock } from './clock';
import { openDatabase, type OpenDatabaseOptions } from './open';
import { PeopleRepo } from './people-repo';
import { SettingsRepo } from './settings-repo';
import { TemplatesRepo } from './templates-repo';

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
  readonly settings: SettingsRepo;
  readonly adminAuth: AdminAuthRepo;

  constructor(db: Database.Database, cipher: TemplateCipher, opts: StoreOptions = {}) {
    const clock = opts.clock ?? systemClock;
    this.db = db;
    this.cipher = cipher;
    this.audit = new AuditRepo(db, clock);
    this.people = new PeopleRepo(db, cipher, this.audit, clock);
    this.templates = new TemplatesRepo(db, cipher, this.audit, clock);
    this.attendance = new AttendanceRepo(db, this.audit, clock);
    this.settings = new SettingsRepo(db, this.audit, clock);
    this.adminAuth = new AdminAuthRepo(db, clock);
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction; repository calls inside it join it (as savepoints), so a
   * service can combine several writes atomically. `fn` must be synchronous.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
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
    return new Store(db, TemplateCipher.fromProvider(keys), opts);
  } catch (e) {
    db.close();
    throw e;
  }
}
