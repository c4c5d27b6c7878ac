// Which station-local calendar day an instant belongs to: "the same day" for check-ins, reports, exports
// and the Attendance screen's "today". Plain Intl, so main and the renderer share the one rule.
import { AppError } from './errors';

/**
 * The calendar day (YYYY-MM-DD) of instant `ms` in `timeZone` (an IANA name such as "Asia/Shanghai";
 * default: the process's zone). Attendance days follow the station's wall clock, not UTC.
 */
export function localDayKey(ms: number, timeZone?: string): string {
  return wallClock(ms, timeZone).day;
}

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

function clockFormatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let f = clockFormatters.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
        calendar: 'gregory',
        numberingSystem: 'latn',
      });
    } catch {
      throw new AppError('INVALID_INPUT', `Unknown time zone "${timeZone}".`);
    }
    clockFormatters.set(key, f);
  }
  return f;
}

/** The wall clock at the station: the calendar day (YYYY-MM-DD) and the time (HH:MM) of instant `ms`. */
export function wallClock(ms: number, timeZone?: string): { day: string; time: string; minuteOfDay: number } {
  // formatToParts, not format(): the order and separators of a formatted date depend on the locale.
  const parts = clockFormatter(timeZone).formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)!.value;
  const hour = Number(part('hour')) % 24;
  const minute = Number(part('minute'));
  return {
    day: `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`,
    time: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
    minuteOfDay: hour * 60 + minute,
  };
}

/** "HH:MM" (24-hour) as minutes after midnight; NaN when it is not such a time. */
export function minutesOfClock(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
}

/** The calendar day `n` days after `day` (YYYY-MM-DD; no time zone involved). */
export function addCalendarDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The work day an instant belongs to: its calendar day at the station, or the day before when it falls
 * before the day boundary (`dayStartsAt`, "HH:MM"), so a night shift that checks out at 02:00 belongs to
 * the day it started when the day starts at 04:00. With "00:00" this is the calendar day.
 */
export function workDayKey(ms: number, timeZone: string | undefined, dayStartsAt: string): string {
  const clock = wallClock(ms, timeZone);
  const boundary = minutesOfClock(dayStartsAt);
  return boundary > 0 && clock.minuteOfDay < boundary ? addCalendarDays(clock.day, -1) : clock.day;
}

/**
 * The instant (UTC ms) when the station's wall clock shows `day` at `time` ("HH:MM"). A time that the
 * clock skips (the hour a daylight-saving change jumps over) gives the instant an hour later; one it
 * shows twice gives the first.
 */
export function instantOfWallClock(day: string, time: string, timeZone?: string): number {
  const minutes = minutesOfClock(time);
  const base = Date.parse(`${day}T00:00:00Z`);
  if (!Number.isFinite(minutes) || !Number.isFinite(base))
    throw new AppError('INVALID_INPUT', `"${day} ${time}" is not a date (YYYY-MM-DD) and a time (HH:MM).`);
  const asUtc = base + minutes * 60_000;
  const offsetAt = (ms: number): number => {
    const c = wallClock(ms, timeZone);
    return Date.parse(`${c.day}T${c.time}:00Z`) - Math.floor(ms / 60_000) * 60_000;
  };
  // The zone's offsets a day either side of the time cover any change near it; a candidate that the
  // clock really shows wins (the earliest, for an hour shown twice); in a skipped hour, none does, and
  // the offset before the change moves the time past the gap.
  const before = asUtc - offsetAt(asUtc - 86_400_000);
  // At the end of year 9999 the day after has no offset (NaN): such a candidate is simply dropped.
  const candidates = [before, asUtc - offsetAt(asUtc), asUtc - offsetAt(asUtc + 86_400_000)].filter((ms) => {
    if (!Number.isFinite(ms)) return false;
    const c = wallClock(ms, timeZone);
    return c.day === day && c.time === time;
  });
  if (candidates.length > 0) return Math.min(...candidates);
  if (!Number.isFinite(before))
    throw new AppError('INVALID_INPUT', `"${day} ${time}" is outside the dates this station can record.`);
  return before;
}
