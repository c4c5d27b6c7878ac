// The single admin_auth row: PIN hash and the wrong-PIN counter behind the lock-out.
// Hashing and the back-off policy are in security/pin; this only keeps the state.

import type Database from 'better-sqlite3';
import { lockoutDurationMs } from '../security/pin';
import { isoNow, systemClock, type Clock } from './clock';
import type { AdminAuthState } from './types';

interface AdminAuthDbRow {
  pin_hash: string | null;
  failed_attempts: number;
  locked_until: string | null;
}

export class AdminAuthRepo {
  readonly #db: Database.Database;
  readonly #clock: Clock;
  readonly #get: Database.Statement<[], AdminAuthDbRow>;
  readonly #ensureRow: Database.Statement<[]>;
  readonly #setPinHash: Database.Statement<[string, string]>;
  readonly #setCounter: Database.Statement<[number, string | null, string]>;
  readonly #clearPin: Database.Statement<[string]>;

  constructor(db: Database.Database, clock: Clock = systemClock) {
    this.#db = db;
    this.#clock = clock;
    this.#get = db.prepare('SELECT pin_hash, failed_attempts, locked_until FROM admin_auth WHERE id = 1');
    // Migration 1 inserts the row; this guards against a hand-edited database without it.
    this.#ensureRow = db.prepare('INSERT OR IGNORE INTO admin_auth (id, failed_attempts) VALUES (1, 0)');
    this.#setPinHash = db.prepare(
      'UPDATE admin_auth SET pin_hash = ?, failed_attempts = 0, locked_until = NULL, updated_at = ? WHERE id = 1',
    );
    this.#setCounter = db.prepare(
      'UPDATE admin_auth SET failed_attempts = ?, locked_until = ?, updated_at = ? WHERE id = 1',
    );
    this.#clearPin = db.prepare(
      'UPDATE admin_auth SET pin_hash = NULL, failed_attempts = 0, locked_until = NULL, updated_at = ? WHERE id = 1',
    );
  }

  get(): AdminAuthState {
    const r = this.#get.get();
    return r
      ? { pinHash: r.pin_hash, failedAttempts: r.failed_attempts, lockedUntil: r.locked_until }
      : { pinHash: null, failedAttempts: 0, lockedUntil: null };
  }

  /** Stores a new PIN hash (from security/pin `hashPin`) and clears any lock-out. */
  setPinHash(hash: string): void {
    this.#db
      .transaction(() => {
        this.#ensureRow.run();
        this.#setPinHash.run(hash, isoNow(this.#clock));
      })
      .immediate();
  }

  /** No PIN and no lock-out, as on first use: the next start asks for a new PIN (`presence admin reset-pin`). */
  clearPin(): void {
    this.#db
      .transaction(() => {
        this.#ensureRow.run();
        this.#clearPin.run(isoNow(this.#clock));
      })
      .immediate();
  }

  /** Counts one wrong PIN and starts a lock-out when `policy` (failures -> milliseconds) says so. */
  recordFailure(
    nowMs: number,
    policy: (failedAttempts: number) => number = lockoutDurationMs,
  ): { failedAttempts: number; lockedUntil: string | null } {
    return this.#db
      .transaction(() => {
        this.#ensureRow.run();
        const failedAttempts = this.get().failedAttempts + 1;
        const lockMs = policy(failedAttempts);
        const lockedUntil = lockMs > 0 ? new Date(nowMs + lockMs).toISOString() : null;
        this.#setCounter.run(failedAttempts, lockedUntil, isoNow(this.#clock));
        return { failedAttempts, lockedUntil };
      })
      .immediate();
  }

  /** A correct PIN resets the counter and any lock-out. */
  recordSuccess(): void {
    this.#db
      .transaction(() => {
        this.#ensureRow.run();
        this.#setCounter.run(0, null, isoNow(this.#clock));
      })
      .immediate();
  }
}
