// What a kiosk screen may still do about a recognition it was just answered: tap In, Out or Break
// (explicit mode), or "Not you?" to void the event it recorded. Each is a single-use random token, bound to
// the screen it was given to and short-lived, so no other screen, and nobody later, can act on it.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/errors';
import type { AttendanceKind } from '../../shared/types';

/** How long "Not you?" can void a check-in after the greeting. */
export const UNDO_WINDOW_MS = 15_000;
/** How long the screen shows In / Out / Break before it records the suggestion. */
export const CHOICE_TIMEOUT_MS = 6_000;
/** The screen's choice may arrive this much after its time-out (a slow network, a busy engine). */
const CHOICE_GRACE_MS = 10_000;
/** More pending tokens than this (screens that never answer) drop the oldest. */
const MAX_TOKENS = 256;

export interface PendingChoice {
  type: 'choice';
  personId: string;
  stationName: string;
  distance: number;
  liveness: number | null;
  options: AttendanceKind[];
  /** The person's last punch of the day when the choice was offered: if it changed, nothing is recorded. */
  lastEventId: string | null;
}

export interface PendingUndo {
  type: 'undo';
  eventId: string;
  personId: string;
  /** An automatic check-out the voided event replaced: it is put back. */
  replacedId: string | null;
}

type Pending = (PendingChoice | PendingUndo) & { station: string; expiresMs: number };

export class KioskTokens {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly now: () => number) {}

  issueChoice(station: string, choice: Omit<PendingChoice, 'type'>): { token: string; expiresMs: number } {
    return this.issue({
      ...choice,
      type: 'choice',
      station,
      expiresMs: this.now() + CHOICE_TIMEOUT_MS + CHOICE_GRACE_MS,
    });
  }

  issueUndo(station: string, undo: Omit<PendingUndo, 'type'>): { token: string; expiresMs: number } {
    return this.issue({ ...undo, type: 'undo', station, expiresMs: this.now() + UNDO_WINDOW_MS });
  }

  /** The pending action of this token for this screen, used up; a stated error when there is none. */
  take<T extends Pending['type']>(token: string, station: string, type: T): Extract<Pending, { type: T }> {
    this.expire();
    const p = this.pending.get(token);
    if (!p || p.station !== station || p.type !== type) {
      throw new AppError(
        'EXPIRED',
        type === 'undo'
          ? 'Too late to undo this check-in here. Ask an administrator to correct the record.'
          : 'This choice has timed out. Look at the camera again.',
      );
    }
    this.pending.delete(token);
    return p as Extract<Pending, { type: T }>;
  }

  /** A screen that was reset leaves nothing pending behind. */
  dropStation(station: string): void {
    for (const [token, p] of this.pending) if (p.station === station) this.pending.delete(token);
  }

  private issue(p: Pending): { token: string; expiresMs: number } {
    this.expire();
    while (this.pending.size >= MAX_TOKENS) this.pending.delete(this.pending.keys().next().value!);
    const token = randomUUID();
    this.pending.set(token, p);
    return { token, expiresMs: p.expiresMs };
  }

  private expire(): void {
    const now = this.now();
    for (const [token, p] of this.pending) if (p.expiresMs <= now) this.pending.delete(token);
  }
}
