import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/main/domain/attendance-report';
import type { AttendanceEvent } from '../../src/shared/types';

const event = (kind: 'in' | 'out', at: string): AttendanceEvent => ({
  id: at,
  personId: 'p1',
  personName: 'Ada Lovelace',
  kind,
  at,
  localDay: at.slice(0, 10),
  station: 'Front door',
  distance: 0.3,
  liveness: null,
});

describe('attendance report', () => {
  const now = Date.parse('2026-11-30T22:00:00Z');
  it('counts an open check-in up to now for today, and pairs ins with outs', () => {
    const r = buildReport('2026-11-30', '2026-11-30', [event('in', '2026-11-30T08:00:00Z')], '2026-11-30', now);
    expect(r.rows[0]).toMatchObject({ minutes: 14 * 60, present: true });
    const closed = buildReport(
      '2026-11-30',
      '2026-11-30',
      [event('in', '2026-11-30T08:00:00Z'), event('out', '2026-11-30T16:30:00Z')],
      '2026-11-30',
      now,
    );
    expect(closed.rows[0]).toMatchObject({ minutes: 8 * 60 + 30, present: false });
  });

  it('in check-in-only mode nobody is "in" and no hours grow until midnight', () => {
    const r = buildReport('2026-11-30', '2026-11-30', [event('in', '2026-11-30T08:00:00Z')], '2026-11-30', now, true);
    expect(r.checkInOnly).toBe(true);
    expect(r.rows[0]).toMatchObject({ minutes: 0, present: false, firstIn: '2026-11-30T08:00:00Z' });
    expect(r.daily).toEqual([{ localDay: '2026-11-30', present: 1 }]); // the chart still counts who came
  });
});
