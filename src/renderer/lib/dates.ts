// Calendar days as YYYY-MM-DD, the form the contract's date ranges use.
import { localDayKey } from '../../shared/local-day';

/**
 * Today at the station: in its time zone (Settings), or this computer's when it has none. The same rule
 * main files check-ins under (shared/local-day.ts), so the screen's "today" is the records' today.
 */
export function today(timeZone: string | null = null, now: Date = new Date()): string {
  return localDayKey(now.getTime(), timeZone ?? undefined);
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
