// Local calendar days as YYYY-MM-DD, the form the contract's date ranges use.

/** Today as YYYY-MM-DD in the local time zone. */
export function today(now: Date = new Date()): string {
  return localDay(now);
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
