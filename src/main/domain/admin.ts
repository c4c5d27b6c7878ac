// The admin PIN: first-run setup, unlock with lock-out after repeated wrong PINs, change.
// The PIN state lives in the database (one PIN for the station); sessions are per window or connection.
import { AppError } from '../../shared/errors';
import type { AdminStatus } from '../../shared/types';
import type { Store } from '../db';
import { hashPin, verifyPin } from '../security/pin';
import type { AdminSession } from './admin-session';

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
      retryAfterMs: this.retryAfterMs(auth.lockedUntil),
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
    const wait = this.retryAfterMs(auth.lockedUntil);
    if (wait > 0) throw this.lockedOut(wait);
    if (!(await verifyPin(pin, auth.pinHash))) {
      const after = this.store.transaction(() => {
        const state = this.store.adminAuth.recordFailure(this.now());
        this.store.audit.append({
          actor: 'admin',
          action: 'admin.unlock_failed',
          details: { failedAttempts: state.failedAttempts },
        });
        return state;
      });
      session.lock();
      const waitNow = this.retryAfterMs(after.lockedUntil);
      if (waitNow > 0) throw this.lockedOut(waitNow);
      throw new AppError('PIN_WRONG', 'That PIN is not right. Try again.', { failedAttempts: after.failedAttempts });
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
      if (!(await verifyPin(input.currentPin, auth.pinHash))) {
        throw new AppError('PIN_WRONG', 'The current PIN is not right, so the PIN was not changed.');
      }
    }
    const hash = await hashPin(input.newPin);
    this.store.transaction(() => {
      this.store.adminAuth.setPinHash(hash);
      this.store.audit.append({ actor: 'admin', action: 'admin.pin_set' });
    });
    session.unlock();
    return this.status(session);
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

  private retryAfterMs(lockedUntil: string | null): number {
    if (!lockedUntil) return 0;
    return Math.max(0, Date.parse(lockedUntil) - this.now());
  }

  private lockedOut(waitMs: number): AppError {
    const seconds = Math.ceil(waitMs / 1000);
    return new AppError('PIN_LOCKED_OUT', `Too many wrong PINs. Try again in ${seconds} seconds.`, {
      retryAfterMs: waitMs,
    });
  }
}
