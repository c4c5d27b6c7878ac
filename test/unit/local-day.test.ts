import { describe, expect, it } from 'vitest';
import { localDayKey } from '../../src/shared/local-day';

describe('localDayKey', () => {
  it('gives the station-local calendar day, not the UTC one', () => {
    const instant = Date.UTC(2026, 2, 1, 23, 30); // 2026-03-01 23:30 UTC
    expect(localDayKey(instant, 'UTC')).toBe('2026-03-01');
    expect(localDayKey(instant, 'Asia/Shanghai')).toBe('2026-03-02'); // 07:30 next morning
    expect(localDayKey(instant, 'America/Los_Angeles')).toBe('2026-03-01'); // 15:30
  });

  it('changes day exactly at local midnight', () => {
    // Shanghai is UTC+8: local midnight of 2026-06-15 is 2026-06-14 16:00 UTC
    const midnight = Date.UTC(2026, 5, 14, 16, 0);
    expect(localDayKey(midnight - 1, 'Asia/Shanghai')).toBe('2026-06-14');
    expect(localDayKey(midnight, 'Asia/Shanghai')).toBe('2026-06-15');
  });

  it('follows daylight saving time', () => {
    // New York: 2026-11-01 00:30 EDT (UTC-4) is 04:30 UTC; after the change 23:30 EST (UTC-5) is 04:30 UTC next day
    expect(localDayKey(Date.UTC(2026, 10, 1, 4, 30), 'America/New_York')).toBe('2026-11-01');
    expect(localDayKey(Date.UTC(2026, 10, 2, 4, 30), 'America/New_York')).toBe('2026-11-01');
    expect(localDayKey(Date.UTC(2026, 10, 2, 5, 0), 'America/New_York')).toBe('2026-11-02');
  });

  it('uses the process time zone by default and refuses an unknown zone', () => {
    const now = Date.UTC(2026, 0, 10, 12, 0);
    expect(localDayKey(now)).toBe(localDayKey(now, Intl.DateTimeFormat().resolvedOptions().timeZone));
    expect(() => localDayKey(now, 'Mars/Olympus_Mons')).toThrow(/time zone/);
  });
});
