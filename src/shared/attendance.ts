// The vocabulary of attendance that the contract, main and the screens share: the kinds of punch, the
// flags a day's record can carry, and the recording modes. Values, no logic.
import type { AttendanceFlag, AttendanceKind, AttendanceSource } from './types';

export const ATTENDANCE_KINDS = ['in', 'out', 'break'] as const satisfies readonly AttendanceKind[];
export const ATTENDANCE_SOURCES = ['kiosk', 'manual', 'auto'] as const satisfies readonly AttendanceSource[];
export const ATTENDANCE_FLAGS = [
  'manual',
  'corrected',
  'automatic',
  'missing_out',
] as const satisfies readonly AttendanceFlag[];

/**
 * alternate: in, out, in, ... through the day; check_in_only: only the first of the day is recorded;
 * explicit: the person taps In, Out or Break after being recognised.
 */
export const ATTENDANCE_MODES = ['alternate', 'check_in_only', 'explicit'] as const;
export type AttendanceMode = (typeof ATTENDANCE_MODES)[number];

/** Longest a correction's reason may be. */
export const REASON_MAX = 500;
