import { describe, expect, it } from 'vitest';
import type { AttendanceMode } from '../../src/shared/attendance';
import { buildReport } from '../../src/main/domain/attendance-report';
import type { AttendanceEvent, AttendanceKind } from '../../src/shared/types';

const event = (kind: AttendanceKind, at: string, extra: Partial<AttendanceEvent> = {}): AttendanceEvent => ({
  id: `${at}-${kind}`,
  personId: 'p1',
  personName: 'Ada Lovelace',
  externalId: 'E-001',
  kind,
  at,
  localDay: at.slice(0, 10),
  station: 'Front door',
  distance: 0.3,
  liveness: null,
  source: 'kiosk',
  correctedAt: null,
  reason: null,
  ...extra,
});

const TODAY = '2026-11-30';
const now = Date.parse('2026-11-30T22:00:00Z');

function report(events: AttendanceEvent[], mode: AttendanceMode = 'alternate', from = TODAY, to = TODAY) {
  return buildReport({ from, to, events, today: TODAY, nowMs: now, mode, timeZone: 'UTC' });
}

describe('attendance report', () => {
  it('counts an open check-in up to now for today, and pairs ins with outs', () => {
    const r = report([event('in', '2026-11-30T08:00:00Z')]);
    expect(r.rows[0]).toMatchObject({ minutes: 14 * 60, breakMinutes: 0, present: true, flags: [] });
    const closed = report([event('in', '2026-11-30T08:00:00Z'), event('out', '2026-11-30T16:30:00Z')]);
    expect(closed.rows[0]).toMatchObject({
      minutes: 8 * 60 + 30,
      present: false,
      firstIn: '2026-11-30T08:00:00Z',
      lastOut: '2026-11-30T16:30:00Z',
      externalId: 'E-001',
      events: 2,
    });
    expect(closed).toMatchObject({ timeZone: 'UTC', checkInOnly: false, from: TODAY, to: TODAY });
  });

  it('leaves breaks out of the worked time and counts them apart', () => {
    const r = report([
      event('in', '2026-11-30T08:00:00Z'),
      event('break', '2026-11-30T12:00:00Z'),
      event('in', '2026-11-30T12:45:00Z'),
      event('out', '2026-11-30T17:00:00Z'),
    ]);
    expect(r.rows[0]).toMatchObject({
      minutes: 4 * 60 + 4 * 60 + 15,
      breakMinutes: 45,
      firstIn: '2026-11-30T08:00:00Z',
      lastOut: '2026-11-30T17:00:00Z',
      present: false,
      flags: [],
    });
  });

  it('keeps the earliest of repeated "in"s (and "break"s) instead of restarting the interval', () => {
    const r = report([
      event('in', '2026-11-30T08:00:00Z'),
      event('in', '2026-11-30T08:05:00Z'),
      event('break', '2026-11-30T12:00:00Z'),
      event('break', '2026-11-30T12:10:00Z'),
      event('in', '2026-11-30T12:30:00Z'),
      event('in', '2026-11-30T12:31:00Z'),
      event('out', '2026-11-30T16:30:00Z'),
    ]);
    expect(r.rows[0]).toMatchObject({ minutes: 4 * 60 + 4 * 60, breakMinutes: 30, firstIn: '2026-11-30T08:00:00Z' });
  });

  it('rounds to whole minutes once, at the end, not per interval', () => {
    const r = report([
      event('in', '2026-11-30T08:00:00Z'),
      event('out', '2026-11-30T08:00:40Z'),
      event('in', '2026-11-30T09:00:00Z'),
      event('out', '2026-11-30T09:00:40Z'),
    ]);
    expect(r.rows[0]!.minutes).toBe(1); // 80 s, where rounding each 40 s would give 2
  });

  it('sorts by time within a day, whatever order the events came in', () => {
    const r = report([
      event('out', '2026-11-30T16:00:00Z'),
      event('in', '2026-11-30T08:00:00Z'),
      event('break', '2026-11-30T12:00:00Z'),
      event('in', '2026-11-30T13:00:00Z'),
    ]);
    expect(r.rows[0]).toMatchObject({ minutes: 7 * 60, breakMinutes: 60, present: false, flags: [] });
  });

  it('counts an open "in" only today; a past day left open or on break is missing its check-out', () => {
    const r = report(
      [
        // 29th: in, out, in again and never out: only the closed hour counts.
        event('in', '2026-11-29T08:00:00Z'),
        event('out', '2026-11-29T09:00:00Z'),
        event('in', '2026-11-29T10:00:00Z'),
        // 28th: went on break and never came back.
        event('in', '2026-11-28T08:00:00Z', { personId: 'p2', personName: 'Bo' }),
        event('break', '2026-11-28T12:00:00Z', { personId: 'p2', personName: 'Bo' }),
        // Today: on break now: an open break counts nothing and the day is not over.
        event('in', '2026-11-30T08:00:00Z'),
        event('break', '2026-11-30T12:00:00Z'),
      ],
      'alternate',
      '2026-11-28',
      TODAY,
    );
    expect(r.rows.map((row) => [row.localDay, row.minutes, row.breakMinutes, row.present, row.flags])).toEqual([
      ['2026-11-28', 4 * 60, 0, false, ['missing_out']],
      ['2026-11-29', 60, 0, true, ['missing_out']],
      ['2026-11-30', 4 * 60, 0, false, []],
    ]);
    // A past day that ended with a check-out is complete.
    const closed = report([event('in', '2026-11-29T08:00:00Z'), event('out', '2026-11-29T16:00:00Z')]);
    expect(closed.rows[0]!.flags).toEqual([]);
  });

  it('flags manual, corrected and automatic punches once each, in the fixed order', () => {
    const r = report([
      event('in', '2026-11-30T08:00:00Z', { source: 'manual', reason: 'forgot to check in' }),
      event('break', '2026-11-30T12:00:00Z', { source: 'manual', reason: 'forgot' }),
      event('in', '2026-11-30T12:30:00Z', { correctedAt: '2026-12-01T09:00:00Z', reason: 'wrong time' }),
      event('out', '2026-11-30T18:00:00Z', { source: 'auto' }),
    ]);
    expect(r.rows[0]!.flags).toEqual(['manual', 'corrected', 'automatic']);
    // Listed in ATTENDANCE_FLAGS order however the events come.
    const reversed = report(
      [
        event('in', '2026-11-29T08:00:00Z', { source: 'auto' }),
        event('in', '2026-11-29T09:00:00Z', { correctedAt: '2026-11-30T09:00:00Z' }),
      ],
      'alternate',
      '2026-11-29',
      TODAY,
    );
    expect(reversed.rows[0]!.flags).toEqual(['corrected', 'automatic', 'missing_out']);
  });

  it('in check-in-only mode nobody is "in", no hours grow until midnight and no check-out is missing', () => {
    const r = report(
      [
        event('in', '2026-11-29T08:00:00Z', { source: 'manual' }),
        event('in', '2026-11-30T08:00:00Z'),
        event('break', '2026-11-30T09:00:00Z'),
        event('in', '2026-11-30T10:00:00Z'),
      ],
      'check_in_only',
      '2026-11-29',
      TODAY,
    );
    expect(r.checkInOnly).toBe(true);
    expect(r.rows).toMatchObject([
      { localDay: '2026-11-29', minutes: 0, breakMinutes: 0, present: false, flags: ['manual'] },
      { localDay: '2026-11-30', minutes: 0, breakMinutes: 0, present: false, firstIn: '2026-11-30T08:00:00Z' },
    ]);
    expect(r.rows[1]!.flags).toEqual([]);
    // The chart still counts who came.
    expect(r.daily).toEqual([
      { localDay: '2026-11-29', present: 1 },
      { localDay: '2026-11-30', present: 1 },
    ]);
  });

  it('sorts rows by day then name, takes the latest external id, and passes the zone through', () => {
    const r = buildReport({
      from: '2026-11-29',
      to: TODAY,
      events: [
        event('in', '2026-11-30T08:00:00Z', { personId: 'p2', personName: 'Zoe', externalId: null }),
        event('in', '2026-11-30T09:00:00Z', { externalId: 'OLD' }),
        event('out', '2026-11-30T10:00:00Z', { externalId: 'NEW' }),
        event('in', '2026-11-29T08:00:00Z', { personId: 'p2', personName: 'Zoe', externalId: null }),
        event('out', '2026-11-29T08:30:00Z', { personId: 'p2', personName: 'Zoe', externalId: null }),
      ],
      today: TODAY,
      nowMs: now,
      mode: 'explicit',
      timeZone: 'Asia/Shanghai',
    });
    expect(r.timeZone).toBe('Asia/Shanghai');
    expect(r.checkInOnly).toBe(false);
    expect(r.rows.map((row) => [row.localDay, row.name, row.externalId, row.minutes])).toEqual([
      ['2026-11-29', 'Zoe', null, 30],
      ['2026-11-30', 'Ada Lovelace', 'NEW', 60],
      ['2026-11-30', 'Zoe', null, 14 * 60],
    ]);
    expect(r.daily).toEqual([
      { localDay: '2026-11-29', present: 1 },
      { localDay: '2026-11-30', present: 2 },
    ]);
  });
});
