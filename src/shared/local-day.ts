// Which station-local calendar day an instant belongs to: "the same day" for check-ins, reports, exports
// and the Attendance screen's "today". Plain Intl, so main and the renderer share the one rule.
import { AppError } from './errors';

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar day (YYYY-MM-DD) of instant `ms` in `timeZone` (an IANA name such as "Asia/Shanghai";
 * default: the process's zone). Attendance days follow the station's wall clock, not UTC.
 */
export function localDayKey(ms: number, timeZone?: string): string {
  const key = timeZone ?? '';
  let formatter = dayFormatters.get(key);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        calendar: 'gregory',
        numberingSystem: 'latn',
      });
    } catch {
      throw new AppError('INVALID_INPUT', `Unknown time zone "${timeZone}".`);
    }
    dayFormatters.set(key, formatter);
  }
  // formatToParts, not format(): the order and separators of a formatted date depend on the locale.
  const parts = formatter.formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)!.value;
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
}
