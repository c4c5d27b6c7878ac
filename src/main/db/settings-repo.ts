// Key/value settings stored as JSON. Which keys exist and what they may hold is the contract's job
// (a validated settings object); this layer only stores and audits. A stored value that is not JSON
// (damaged on disk) reads as absent, so its default applies; it is set aside (marked, audited once) and
// cleared when the setting is saved again.

import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import type { AuditRepo } from './audit-repo';
import { isoNow, systemClock, type Clock } from './clock';
import type { Actor } from './types';
import { actor as checkActor } from './validate';

export class SettingsRepo {
  readonly #db: Database.Database;
  readonly #audit: AuditRepo;
  readonly #clock: Clock;
  readonly #all: Database.Statement<[], { key: string; value: string }>;
  readonly #get: Database.Statement<[string], { value: string }>;
  readonly #upsert: Database.Statement<[string, string, string]>;
  readonly #markDamaged: Database.Statement<[string, string, string]>;
  readonly #countDamaged: Database.Statement<[], { n: number }>;

  constructor(db: Database.Database, audit: AuditRepo, clock: Clock = systemClock) {
    this.#db = db;
    this.#audit = audit;
    this.#clock = clock;
    this.#all = db.prepare('SELECT key, value FROM settings ORDER BY key');
    this.#get = db.prepare('SELECT value FROM settings WHERE key = ?');
    this.#upsert = db.prepare(
      'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, damaged_at = NULL',
    );
    this.#markDamaged = db.prepare(
      'UPDATE settings SET damaged_at = ? WHERE key = ? AND value = ? AND damaged_at IS NULL',
    );
    this.#countDamaged = db.prepare('SELECT count(*) AS n FROM settings WHERE damaged_at IS NOT NULL');
  }

  /** Every stored setting that reads; one that does not is left out (its default applies). */
  getAll(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const r of this.#all.all()) {
      const value = this.#parse(r.key, r.value);
      if (value !== undefined) out[r.key] = value;
    }
    return out;
  }

  get(key: string): unknown {
    const row = this.#get.get(key);
    return row ? this.#parse(key, row.value) : undefined;
  }

  /** Settings set aside because their stored value cannot be read. */
  unreadable(): number {
    return this.#countDamaged.get()!.n;
  }

  #parse(key: string, json: string): unknown {
    try {
      return JSON.parse(json) as unknown;
    } catch {
      this.#setAside(key, json);
      return undefined;
    }
  }

  #setAside(key: string, json: string): void {
    try {
      this.#db
        .transaction(() => {
          if (this.#markDamaged.run(isoNow(this.#clock), key, json).changes === 0) return;
          // The key only: a setting's value may be personal, and this one is garbage anyway.
          this.#audit.append({
            actor: 'system',
            action: 'settings.unreadable',
            details: {
              key,
              message: `The stored value of the setting "${key}" is damaged: its default is used until it is saved again.`,
            },
          });
        })
        .immediate();
    } catch {
      // A read-only or busy database: the default still applies, and it is marked next time.
    }
  }

  /** Writes every key in one transaction with one audit entry naming the keys (values may be personal). */
  setMany(values: Record<string, unknown>, actor?: Actor): void {
    const who = checkActor(actor);
    const entries = Object.entries(values).map(([key, value]) => {
      if (key === '') throw new AppError('INVALID_INPUT', 'A setting needs a name.');
      const json = value === undefined ? undefined : JSON.stringify(value);
      if (json === undefined)
        throw new AppError(
          'INVALID_INPUT',
          `The setting "${key}" has no value that can be saved; give it a value or leave it out.`,
        );
      return [key, json] as const;
    });
    if (entries.length === 0) return;
    this.#db
      .transaction(() => {
        const now = isoNow(this.#clock);
        for (const [key, json] of entries) this.#upsert.run(key, json, now);
        this.#audit.append({ actor: who, action: 'settings.update', details: { keys: entries.map(([key]) => key) } });
      })
      .immediate();
  }
}
