// The admin PIN: first-run setup, unlock with lock-out after repeated wrong PINs, change.
// The PIN state lives in the database (one PIN for the station); sessions are per window or connection.
import { AppError } from '../../shared/errors';
import type { AdminStatus } from '../../shared/types';
import type { Store } from '../db';
import {
  hashPin,
  lockedOutError,
  lockoutDurationMs,
  remainingLockoutMs,
  stationLockoutDurationMs,
  verifyPin,
} from '../security/pin';
import type { AdminSession } from './admin-session';

/** What a PIN check was for, as named in the audit log when the PIN was wrong. */
type PinCheck = 'admin.unlock_failed' | 'admin.pin_change_failed';

export class AdminService {
  /** PIN checks run one after another (see `oneAtATime`). */
  private pinChecks: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  status(session: AdminSession): AdminStatus {
    const auth = this.store.adminAuth.get();
    return {
      hasPin: auth.pinHash !== null,
      unlocked: session.unlocked,
      retryAfterMs: this.retryAfterMs(session, auth.lockedUntil),
      idleTimeoutMs: session.idleTimeoutMs,
    };
  }

  unlock(session: AdminSession, pin: string): Promise<AdminStatus> {
    return this.oneAtATime(() => this.unlockNow(session, pin));
  }

  private async unlockNow(session: AdminSession, pin: string): Promise<AdminStatus> {
    const auth = this.store.adminAuth.get();
    if (auth.pinHash === null) {
      throw new AppError('PIN_NOT_SET', 'No admin PIN has been set yet: choose one first.');
    }
    const failedAttempts = await this.checkPin(session, pin, auth.pinHash, auth.lockedUntil, 'admin.unlock_failed');
    if (failedAttempts > 0) {
      throw new AppError('PIN_WRONG', 'That PIN is not right. Try again.', { failedAttempts });
    }
    this.store.transaction(() => {
      this.store.adminAuth.recordSuccess();
      this.store.audit.append({ actor: 'admin', action: 'admin.unlock' });
    });
    session.unlock();
    return this.status(session);
  }

  lock(session: AdminSession): AdminStatus {
    session.lock();
    return this.status(session);
  }

  /** First run: anyone at the station may set the PIN. Afterwards: the unlocked admin, with the current PIN. */
  setPin(session: AdminSession, input: { currentPin?: string; newPin: string }): Promise<AdminStatus> {
    return this.oneAtATime(() => this.setPinNow(session, input));
  }

  private async setPinNow(session: AdminSession, input: { currentPin?: string; newPin: string }): Promise<AdminStatus> {
    const auth = this.store.adminAuth.get();
    if (auth.pinHash !== null) {
      session.require();
      if (input.currentPin === undefined) {
        throw new AppError('PIN_ALREADY_SET', 'An admin PIN is already set: enter the current PIN to change it.');
      }
      const failedAttempts = await this.checkPin(
        session,
        input.currentPin,
        auth.pinHash,
        auth.lockedUntil,
        'admin.pin_change_failed',
      );
      if (failedAttempts > 0) {
        throw new AppError('PIN_WRONG', 'The current PIN is not right, so the PIN was not changed.', {
          failedAttempts,
        });
      }
    }
    const hash = await hashPin(input.newPin);
    this.store.transaction(() => {
      // Clears the station's count of wrong PINs, as a right PIN at unlock does.
      this.store.adminAuth.setPinHash(hash);
      this.store.audit.append({ actor: 'admin', action: 'admin.pin_set' });
    });
    // On first use (or after `presence admin reset-pin`) whoever sets the PIN starts with a clean slate.
    forgetGuesses(session);
    session.unlock();
    return this.status(session);
  }

  /**
   * The one rule for every guess at the PIN (unlock, and the current PIN when changing it). Refuses while
   * this session or the whole station is locked out. A wrong PIN is audited, locks the session, and counts
   * twice: for this session (its own back-off, FREE_ATTEMPTS free) and for the station (STATION_FREE_ATTEMPTS
   * free), the latter only until this session has been locked out itself. So a session that keeps guessing
   * only lengthens its own lock-out, and the station-wide one, which stops guessing spread over many
   * connections, cannot be reached by one session alone.
   * Returns 0 for the right PIN, otherwise this session's count of wrong PINs (or throws PIN_LOCKED_OUT).
   */
  private async checkPin(
    session: AdminSession,
    pin: string,
    pinHash: string,
    stationLockedUntil: string | null,
    failedAction: PinCheck,
  ): Promise<number> {
    const wait = this.retryAfterMs(session, stationLockedUntil);
    if (wait > 0) throw lockedOutError(wait);
    const guesses = session.pinGuesses;
    if (await verifyPin(pin, pinHash)) {
      forgetGuesses(session);
      return 0;
    }
    const now = this.now();
    const countsForStation = !guesses.wasLockedOut;
    guesses.failedAttempts += 1;
    const sessionLockMs = lockoutDurationMs(guesses.failedAttempts);
    if (sessionLockMs > 0) {
      guesses.lockedUntilMs = now + sessionLockMs;
      guesses.wasLockedOut = true;
    }
    const station = this.store.transaction(() => {
      const state = countsForStation
        ? this.store.adminAuth.recordFailure(now, stationLockoutDurationMs)
        : this.store.adminAuth.get();
      this.store.audit.append({
        actor: 'admin',
        action: failedAction,
        details: {
          failedAttempts: guesses.failedAttempts,
          stationFailedAttempts: state.failedAttempts,
          countedForStation: countsForStation,
        },
      });
      return state;
    });
    session.lock();
    const waitNow = this.retryAfterMs(session, station.lockedUntil);
    if (waitNow > 0) throw lockedOutError(waitNow);
    return guesses.failedAttempts;
  }

  /**
   * Verifying a PIN takes a while (scrypt). Checked side by side, a burst of guesses would all read the
   * failure count before any of them added to it, and the lock-out would never start: each check waits
   * for the one before, so every guess sees the failures of those sent before it.
   */
  private oneAtATime<T>(check: () => Promise<T>): Promise<T> {
    const result = this.pinChecks.then(check, check);
    this.pinChecks = result.catch(() => undefined);
    return result;
  }

  /** How long until this session may guess again: its own lock-out or the station's, whichever ends later. */
  private retryAfterMs(session: AdminSession, stationLockedUntil: string | null): number {
    const now = this.now();
    return Math.max(remainingLockoutMs(stationLockedUntil, now), session.pinGuesses.lockedUntilMs - now, 0);
  }
}

function forgetGuesses(session: AdminSession): void {
  Object.assign(session.pinGuesses, { failedAttempts: 0, lockedUntilMs: 0, wasLockedOut: false });
}
