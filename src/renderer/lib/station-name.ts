// The door a kiosk screen stands at. Several screens may share one `presence serve`; each is opened at
// its own address (`/?station=Back%20door#token=…`), and its check-ins are recorded under that name.

/** Main refuses longer names (the stationName rule in shared/settings.ts). */
const MAX_LENGTH = 80;

/** The screen's own station name from its address, or null to use the one in Settings. */
export function stationNameFromAddress(search: string): string | null {
  const name = new URLSearchParams(search).get('station')?.trim();
  return name ? name.slice(0, MAX_LENGTH).trim() : null;
}
