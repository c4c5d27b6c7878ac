// Calendar days as YYYY-MM-DD, the form the contract's date ranges use.
import { workDayKey } from '../../shared/local-day';

/**
 * Today's work day at the station: in its time zone (Settings), or this computer's when it has none, and
 * still yesterday before the day boundary (`dayStartsAt`). The same rule main files check-ins under
 * (shared/local-day.ts), so the screen's "today" is the records' today.
 */
export function today(timeZone: string | null = null, now: Date = new Date(), dayStartsAt = '00:00'): string {
  return workDayKey(now.getTime(), timeZone ?? undefined, dayStartsAt);
}

export function localDay(d: Date): string {
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return localDay(new Date(y, m - 1, d + n));
}
