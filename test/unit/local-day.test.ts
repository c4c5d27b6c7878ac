import { describe, expect, it } from 'vitest';
import {
  addCalendarDays,
  instantOfWallClock,
  localDayKey,
  minutesOfClock,
  wallClock,
  workDayKey,
} from '../../src/shared/local-day';

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

describe('wallClock, workDayKey and instantOfWallClock', () => {
  const at = (iso: string) => Date.parse(iso);

  it('reads the station clock in its zone', () => {
    expect(wallClock(at('2026-12-01T23:30:00Z'), 'Asia/Shanghai')).toEqual({
      day: '2026-12-02',
      time: '07:30',
      minuteOfDay: 450,
    });
    expect(wallClock(at('2026-12-01T00:05:00Z'), 'UTC')).toEqual({ day: '2026-12-01', time: '00:05', minuteOfDay: 5 });
  });

  it('puts a night shift that ends after midnight on the day it started, when the day starts at 04:00', () => {
    const out = at('2026-12-02T02:10:00Z');
    expect(workDayKey(out, 'UTC', '04:00')).toBe('2026-12-01');
    expect(workDayKey(out, 'UTC', '00:00')).toBe('2026-12-02');
    expect(workDayKey(at('2026-12-02T04:00:00Z'), 'UTC', '04:00')).toBe('2026-12-02');
    expect(workDayKey(at('2026-12-02T03:59:00Z'), 'UTC', '04:00')).toBe('2026-12-01');
    // 01:00 in Berlin is 00:00 UTC: the boundary is the station's clock, not UTC.
    expect(workDayKey(at('2026-12-02T00:30:00Z'), 'Europe/Berlin', '04:00')).toBe('2026-12-01');
  });

  it('turns a station wall-clock time into the instant, across daylight-saving changes', () => {
    expect(instantOfWallClock('2026-12-02', '08:30', 'Asia/Shanghai')).toBe(at('2026-12-02T00:30:00Z'));
    expect(instantOfWallClock('2026-07-01', '08:30', 'Europe/Berlin')).toBe(at('2026-07-01T06:30:00Z'));
    expect(instantOfWallClock('2026-01-01', '08:30', 'Europe/Berlin')).toBe(at('2026-01-01T07:30:00Z'));
    // 02:30 does not exist on 29 March 2026 in Berlin: an hour later (03:30 CEST).
    expect(instantOfWallClock('2026-03-29', '02:30', 'Europe/Berlin')).toBe(at('2026-03-29T01:30:00Z'));
    // 02:30 happens twice on 25 October 2026: the first (CEST).
    expect(instantOfWallClock('2026-10-25', '02:30', 'Europe/Berlin')).toBe(at('2026-10-25T00:30:00Z'));
    for (const time of ['00:00', '07:45', '23:59']) {
      const ms = instantOfWallClock('2026-11-30', time, 'America/New_York');
      expect(wallClock(ms, 'America/New_York')).toMatchObject({ day: '2026-11-30', time });
    }
  });

  it('refuses a time that is not HH:MM, and counts calendar days without a zone', () => {
    expect(() => instantOfWallClock('2026-12-02', '24:00', 'UTC')).toThrow(/HH:MM/);
    expect(minutesOfClock('8:05')).toBeNaN();
    expect(minutesOfClock('23:59')).toBe(1439);
    expect(addCalendarDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addCalendarDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});

describe('instantOfWallClock at the ends of the calendar', () => {
  it('handles the last day of year 9999 and refuses what the clock cannot show, with a sentence', () => {
    expect(instantOfWallClock('9999-12-31', '00:00', 'UTC')).toBe(Date.parse('9999-12-31T00:00:00Z'));
    expect(instantOfWallClock('9999-12-31', '23:59', 'Asia/Shanghai')).toBe(Date.parse('9999-12-31T15:59:00Z'));
  });
});
