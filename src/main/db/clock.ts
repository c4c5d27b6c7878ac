// The repositories take the current time from a Clock so tests can pin it.

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** ISO-8601 UTC with milliseconds, the one time format stored in the database. */
export function isoNow(clock: Clock): string {
  return clock().toISOString();
}
