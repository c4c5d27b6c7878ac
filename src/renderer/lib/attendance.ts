// How the Attendance screen names punches and durations: one rule, used by the report, the punch list and
// the missed-punch list.
import type { AttendanceEvent, AttendanceFlag, AttendanceKind } from '../../shared/types';

/** A correction being made: a punch added for a person and day, or an existing punch edited or deleted. */
export type PunchEdit =
  | { mode: 'add'; personId: string; personName: string; kind: AttendanceKind; day: string; time?: string }
  | { mode: 'edit' | 'delete'; event: AttendanceEvent };

export const KIND_KEYS: Record<AttendanceKind, string> = {
  in: 'attendance.kind_in',
  out: 'attendance.kind_out',
  break: 'attendance.kind_break',
};

/** The marks of one punch, as the report's flags name them (attendance-report.ts marks the days). */
export function eventMarks(e: AttendanceEvent): AttendanceFlag[] {
  const marks: AttendanceFlag[] = [];
  if (e.source === 'manual') marks.push('manual');
  if (e.source === 'auto') marks.push('automatic');
  if (e.correctedAt !== null) marks.push('corrected');
  return marks;
}

/**
 * Minutes as H:MM, the form a timesheet is read in. Rounded to the minute first, so that the screen and
 * the export (decimal hours of the same minutes) never disagree by a rounding step.
 */
export function hoursAndMinutes(minutes: number): string {
  const total = Math.round(minutes);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}
