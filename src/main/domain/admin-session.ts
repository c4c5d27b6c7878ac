// The admin session of one window or browser connection: unlocked by the PIN, locked again by the
// admin or by itself after a while without use, so a kiosk left behind does not stay open.
import { AppError } from '../../shared/errors';

export const ADMIN_IDLE_TIMEOUT_MS = 5 * 60_000;

export class AdminSession {
  private unlockedUntil = 0;

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
