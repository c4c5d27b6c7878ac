import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { ok, settle } from './helpers';
import Attendance from '../../src/renderer/screens/Attendance.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { AttendanceReport } from '../../src/shared/types';

function report(from: string, to: string, checkInOnly = false): AttendanceReport {
  return {
    from,
    to,
    checkInOnly,
    timeZone: 'UTC',
    rows: [
      {
        personId: 'p1',
        name: 'Ada Lovelace',
        externalId: 'E-001',
        localDay: to,
        firstIn: `${to}T08:00:00.000Z`,
        lastOut: null,
        minutes: 95,
        breakMinutes: 0,
        events: 1,
        present: true,
        flags: [],
      },
      {
        personId: 'p2',
        name: 'Alan Turing',
        externalId: null,
        localDay: to,
        firstIn: `${to}T07:00:00.000Z`,
        lastOut: `${to}T15:30:00.000Z`,
        minutes: 510,
        breakMinutes: 30,
        flags: ['corrected'],
        // An odd count with a check-out: the report decides who is in (attendance-report.ts), not the screen.
        events: 3,
        present: false,
      },
    ],
    daily: [
      { localDay: from, present: 1 },
      { localDay: to, present: 2 },
    ],
  };
}

describe('Attendance screen', () => {
  it('shows who is in today, hours, the daily chart, and downloads the CSV export', async () => {
    const exportFn = vi.fn(() =>
      ok({ filename: 'attendance.csv', mime: 'text/csv', bytes: new TextEncoder().encode('date,person\n') }),
    );
    const api = {
      attendance: {
        report: vi.fn(({ from, to }: { from: string; to: string }) => ok(report(from, to))),
        export: exportFn,
      },
      people: { list: vi.fn(() => ok([])) },
    } as unknown as Pick<PresenceApi, 'attendance' | 'people'>;
    URL.createObjectURL = vi.fn(() => 'blob:fake');
    URL.revokeObjectURL = vi.fn();
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});

    render(Attendance, { props: { api } });
    await settle();
    expect(screen.getByTestId('today-summary').textContent).toBe('1 person is in now');
    const rows = screen.getAllByTestId('today-row');
    expect(rows.map((r) => r.dataset.personId)).toEqual(['p1', 'p2']);
    expect(rows[0].textContent).toContain('In');
    expect(rows[0].textContent).toContain('1:35');
    expect(rows[1].textContent).toContain('8:30');
    const bars = screen.getAllByTestId('chart-bar');
    expect(bars.map((b) => b.dataset.value)).toEqual(['1', '2']);
    expect(Number(bars[1].getAttribute('height'))).toBeGreaterThan(Number(bars[0].getAttribute('height')));

    await fireEvent.click(screen.getByTestId('export-csv'));
    await settle();
    expect(exportFn).toHaveBeenCalledWith(expect.objectContaining({ format: 'csv' }));
    expect(clicked).toHaveBeenCalled();
    clicked.mockRestore();
  });

  it('moves "today" on to the new day when left open past midnight', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    try {
      vi.setSystemTime(new Date(2026, 10, 30, 23, 59, 50)); // local time, as the screen's day is
      const reportFn = vi.fn(({ from, to }: { from: string; to: string }) => ok(report(from, to)));
      const api = {
        attendance: { report: reportFn, export: vi.fn() },
        people: { list: vi.fn(() => ok([])) },
      } as unknown as Pick<PresenceApi, 'attendance' | 'people'>;
      render(Attendance, { props: { api } });
      await settle();
      expect(reportFn).toHaveBeenCalledWith({ from: '2026-11-30', to: '2026-11-30' });
      vi.setSystemTime(new Date(2026, 11, 1, 0, 0, 20));
      vi.advanceTimersByTime(30_000); // the screen's refresh
      await settle();
      expect(reportFn).toHaveBeenLastCalledWith({ from: '2026-12-01', to: '2026-12-01' });
    } finally {
      vi.useRealTimers();
    }
  });

  it("opens on the station's day and shows its clock times, not this computer's", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // 12:00 UTC on 1 March is already 02:00 on 2 March at a station on Kiritimati (UTC+14).
      vi.setSystemTime(new Date(Date.UTC(2026, 2, 1, 12, 0, 0)));
      const reportFn = vi.fn(({ from, to }: { from: string; to: string }) => ok(report(from, to)));
      const api = {
        attendance: { report: reportFn, export: vi.fn() },
        people: { list: vi.fn(() => ok([])) },
      } as unknown as Pick<PresenceApi, 'attendance' | 'people'>;
      render(Attendance, { props: { api, timeZone: 'Pacific/Kiritimati' } });
      await settle();
      expect(reportFn).toHaveBeenCalledWith({ from: '2026-03-02', to: '2026-03-02' });
      // Ada checked in at 08:00 UTC on the day shown: 22:00 at the station.
      const ada = screen.getAllByTestId('today-row').find((r) => r.textContent?.includes('Ada'))!;
      expect(ada.textContent).toMatch(/22:00|10:00\sPM/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('in check-in-only mode says who checked in today, with no one "in now" and no hours', async () => {
    const api = {
      attendance: {
        report: vi.fn(({ from, to }: { from: string; to: string }) => ok(report(from, to, true))),
        export: vi.fn(),
      },
      people: { list: vi.fn(() => ok([])) },
    } as unknown as Pick<PresenceApi, 'attendance' | 'people'>;
    render(Attendance, { props: { api } });
    await settle();
    expect(screen.getByTestId('today-summary').textContent?.trim()).toBe('2 people have checked in today');
    const rows = screen.getAllByTestId('today-row');
    expect(rows[0].textContent).toContain('Checked in');
    expect(rows[0].textContent).not.toContain('1:35');
  });
});
