// What a confirmed recognition means for the record: whether it is recorded, as in or out, or whether the
// person is asked (explicit mode), and whether the optional liveness gate lets it through. Pure logic:
// callers pass the time and the person's last event of the work day (shared/local-day.ts) in.

import type { AttendanceMode } from '../../shared/attendance';
import type { AttendanceKind, AttendanceReason } from '../../shared/types';

export interface AttendanceRules {
  /** After an event, further recognitions within this time are greeted but not recorded. */
  cooldownMs: number;
  mode: AttendanceMode;
  /** Alternate mode: a pass within this time after a check-in does not check the person out. */
  minInOutMs: number;
}

export interface AttendanceDecision {
  /**
   * 'record': write `kind` now; 'choose': explicit mode, ask the person (suggesting `kind`);
   * 'none': greet only, with the last event's `kind`.
   */
  action: 'record' | 'choose' | 'none';
  kind: AttendanceKind;
  reason: AttendanceReason;
  /** Alternate mode, the person is (or will be) in: from when a pass checks them out. */
  nextOutAtMs: number | null;
}

/** The opposite of the last punch: out after an in, in after an out or a break (or first of the day). */
export function nextKind(last: AttendanceKind | null): AttendanceKind {
  return last === 'in' ? 'out' : 'in';
}

/**
 * What a confirmed recognition means for the record.
 * @param last the person's last recorded event on the same work day (workDayKey), or null.
 */
export function decideAttendance(
  last: { kind: AttendanceKind; atMs: number; automatic?: boolean } | null,
  nowMs: number,
  rules: AttendanceRules,
): AttendanceDecision {
  // From when a pass after a check-in at `inMs` counts as a check-out.
  const outFrom = (inMs: number) =>
    rules.mode === 'alternate' ? inMs + Math.max(rules.cooldownMs, rules.minInOutMs) : null;
  if (rules.mode === 'check_in_only') {
    return last
      ? { action: 'none', kind: 'in', reason: 'already_checked_in', nextOutAtMs: null }
      : { action: 'record', kind: 'in', reason: 'first_of_day', nextOutAtMs: null };
  }
  // A clock set back (now before last) also lands here: recording then could order events wrongly.
  // The cooldown follows the person's own passes, not the automatic check-out made in their absence.
  if (last && nowMs - last.atMs < rules.cooldownMs && (!last.automatic || nowMs < last.atMs)) {
    return {
      action: 'none',
      kind: last.kind,
      reason: 'within_cooldown',
      nextOutAtMs: last.kind === 'in' ? outFrom(last.atMs) : null,
    };
  }
  // After an automatic check-out (they had not checked out by the set time), a pass the same work day is
  // the person leaving late: their real check-out, not a new check-in.
  const lateOut = last?.kind === 'out' && last.automatic === true;
  if (rules.mode === 'explicit')
    return {
      action: 'choose',
      kind: lateOut ? 'out' : nextKind(last?.kind ?? null),
      reason: 'chosen',
      nextOutAtMs: null,
    };
  if (!last) return { action: 'record', kind: 'in', reason: 'first_of_day', nextOutAtMs: outFrom(nowMs) };
  if (lateOut) return { action: 'record', kind: 'out', reason: 'late_check_out', nextOutAtMs: null };
  if (last.kind === 'in' && nowMs - last.atMs < rules.minInOutMs) {
    // Walking past the kiosk again soon after coming in is not leaving.
    return { action: 'none', kind: 'in', reason: 'too_soon_to_check_out', nextOutAtMs: outFrom(last.atMs) };
  }
  const kind = nextKind(last.kind);
  return { action: 'record', kind, reason: 'toggled', nextOutAtMs: kind === 'in' ? outFrom(nowMs) : null };
}

/** Passive liveness at or above this counts as a live person in front of the camera. */
export const LIVENESS_THRESHOLD = 0.5;

/**
 * The liveness gate: passes when the setting does not require liveness, or when the lowest liveness of
 * the agreeing frames reaches the threshold. A missing score (model not run) cannot pass a required check.
 */
export function passesLiveness(minLiveness: number | null, required: boolean, threshold: number): boolean {
  if (!required) return true;
  return minLiveness !== null && minLiveness >= threshold;
}
