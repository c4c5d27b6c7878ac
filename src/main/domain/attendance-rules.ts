// What a confirmed recognition means for the record: whether it is recorded, and as check-in or check-out,
// and whether the optional liveness gate lets it through. Pure logic: callers pass the time and the
// person's last event of the day (local-day.ts) in.

export type AttendanceKind = 'in' | 'out';

export interface AttendanceRules {
  /** After an event, further recognitions within this time are greeted but not recorded. */
  cooldownMs: number;
  /** 'alternate': in, out, in, ... through the day; 'check_in_only': only the first of the day. */
  mode: 'alternate' | 'check_in_only';
}

export type AttendanceReason = 'first_of_day' | 'after_cooldown' | 'within_cooldown' | 'already_checked_in';

export interface AttendanceDecision {
  record: boolean;
  /** The event to record, or, when nothing is recorded, the one to greet the person with. */
  kind: AttendanceKind;
  reason: AttendanceReason;
}

/**
 * What a confirmed recognition means for the record.
 * @param last the person's last recorded event on the same station-local day (see localDayKey), or null.
 */
export function decideAttendance(
  last: { kind: AttendanceKind; atMs: number } | null,
  nowMs: number,
  rules: AttendanceRules,
): AttendanceDecision {
  if (!last) return { record: true, kind: 'in', reason: 'first_of_day' };
  if (rules.mode === 'check_in_only') return { record: false, kind: 'in', reason: 'already_checked_in' };
  // A clock set back (now before last) also lands here: recording then could order events wrongly.
  if (nowMs - last.atMs < rules.cooldownMs) return { record: false, kind: last.kind, reason: 'within_cooldown' };
  return { record: true, kind: last.kind === 'in' ? 'out' : 'in', reason: 'after_cooldown' };
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
