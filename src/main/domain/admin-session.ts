// The admin session of one window or browser connection: unlocked by the PIN, locked again by the
// admin or by itself after a while without use, so a kiosk left behind does not stay open.
import { AppError } from '../../shared/errors';

export const ADMIN_IDLE_TIMEOUT_MS = 5 * 60_000;

/** This session's own wrong PINs; AdminService (`checkPin`) applies the rule, this only keeps the count. */
export interface SessionPinGuesses {
  /** Wrong PINs since this session's last right one. */
  failedAttempts: number;
  /** Until when (ms since the epoch) this session may not guess; 0 when it may. */
  lockedUntilMs: number;
  /** Locked out at least once since its last right PIN: its guesses no longer count for the whole station. */
  wasLockedOut: boolean;
}

export class AdminSession {
  private unlockedUntil = 0;
  /** Lives as long as the session, i.e. the window or the connection: a new connection starts afresh. */
  readonly pinGuesses: SessionPinGuesses = { failedAttempts: 0, lockedUntilMs: 0, wasLockedOut: false };

  constructor(
    readonly idleTimeoutMs = ADMIN_IDLE_TIMEOUT_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get unlocked(): boolean {
    return this.now() < this.unlockedUntil;
  }

  unlock(): void {
    this.unlockedUntil = this.now() + this.idleTimeoutMs;
  }

  lock(): void {
    this.unlockedUntil = 0;
  }

  /** Any call keeps an unlocked session alive; it never unlocks a locked one. */
  touch(): void {
    if (this.unlocked) this.unlockedUntil = this.now() + this.idleTimeoutMs;
  }

  require(): void {
    if (!this.unlocked) {
      throw new AppError('ADMIN_LOCKED', 'This needs the administrator: unlock with the admin PIN first.');
    }
  }
}
