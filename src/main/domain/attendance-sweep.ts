// The automatic check-out: at the set time of each work day (Settings, `autoCheckOut`), everyone still in
// (or on a break) gets an "out" at that time, marked automatic, so a forgotten check-out does not leave
// hours open. Each work day is swept once (attendance_sweeps): an administrator who then corrects or
// deletes an automatic check-out is not overruled by the next sweep. Without the setting nothing is
// recorded for them, and the report lists the day as a missed punch.
import type { Settings } from '../../shared/settings';
import { addCalendarDays, instantOfWallClock, minutesOfClock } from '../../shared/local-day';
import type { Store } from '../db';
import { workDayOf } from './check-in';

/**
 * Work days further back than this are not swept: a station off over a long weekend is caught up when it
 * starts, but turning the setting on does not rewrite weeks of history (those stay missed punches).
 */
const SWEEP_BACK_DAYS = 7;

/**
 * The instant of the automatic check-out of work day `day`: `autoCheckOut` on its calendar day, or on the
 * next calendar day when that time is before the day boundary (23:00 with a 04:00 boundary is the same
 * evening; 02:00 is the night after).
 */
export function autoCheckOutInstant(day: string, settings: Settings): number | null {
  if (settings.autoCheckOut === null) return null;
  // At or before the boundary: the time that ends the work day (00:00 with a 00:00 boundary is midnight
  // after the day, not its first minute).
  const beforeBoundary = minutesOfClock(settings.autoCheckOut) <= minutesOfClock(settings.dayStartsAt);
  const calendarDay = beforeBoundary ? addCalendarDays(day, 1) : day;
  return instantOfWallClock(calendarDay, settings.autoCheckOut, settings.timeZone ?? undefined);
}

/**
 * Checks out everyone still in on each work day whose automatic check-out time has passed and that has not
 * been swept; returns how many were checked out. Cheap when there is nothing to do (one query per day).
 */
export function sweepAttendance(store: Store, settings: Settings, nowMs: number): number {
  // Check-in-only stations record no check-outs: their only punch of the day is not an open "in".
  if (settings.autoCheckOut === null || settings.attendanceMode === 'check_in_only') return 0;
  const today = workDayOf(nowMs, settings);
  let total = 0;
  for (let back = SWEEP_BACK_DAYS; back >= 0; back--) {
    const day = addCalendarDays(today, -back);
    const atMs = autoCheckOutInstant(day, settings);
    if (atMs === null || atMs > nowMs) continue;
    total += store.transaction(() => {
      // Checked inside the transaction: two processes on one database cannot both sweep a day.
      if (store.attendance.swept(day)) return 0;
      let count = 0;
      for (const open of store.attendance.openOnDay(day)) {
        // Someone who came in after the check-out time stays open: an "out" before their "in" is no record.
        if (Date.parse(open.at) >= atMs) continue;
        store.attendance.record(
          {
            personId: open.personId,
            kind: 'out',
            at: new Date(atMs).toISOString(),
            localDay: day,
            station: open.station,
            source: 'auto',
          },
          'system',
        );
        count++;
      }
      store.attendance.markSwept(day, count);
      return count;
    });
  }
  return total;
}
