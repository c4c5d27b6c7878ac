import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { fail, ok, settle } from './helpers';
import Attendance from '../../src/renderer/screens/Attendance.svelte';
import type { PresenceApi } from '../../src/shared/contract';
import type { AttendanceEvent, AttendanceReport } from '../../src/shared/types';

function report(from: string, to: string, checkInOnly = false, timeZone = 'UTC'): AttendanceReport {
  return {
    from,
    to,
    checkInOnly,
    timeZone,
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
    expect(exportFn).toHaveBeenCalledWith(expect.objectContaining({ format: 'csv', sheet: 'timesheet' }));
    await fireEvent.click(screen.getByTestId('export-events-xlsx'));
    await settle();
    expect(exportFn).toHaveBeenLastCalledWith(expect.objectContaining({ format: 'xlsx', sheet: 'events' }));
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
      const reportFn = vi.fn(({ from, to }: { from: string; to: string }) =>
        ok(report(from, to, false, 'Pacific/Kiritimati')),
      );
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

  it('names the time zone, marks corrected and missed days, and says a reversed range in a sentence', async () => {
    const reportFn = vi.fn(({ from, to }: { from: string; to: string }) => {
      const r = report(from, to);
      return ok({
        ...r,
        timeZone: 'Europe/Berlin',
        rows: [r.rows[1]!, { ...r.rows[0]!, flags: ['missing_out' as const] }],
      });
    });
    const api = {
      attendance: { report: reportFn, export: vi.fn() },
      people: { list: vi.fn(() => ok([])) },
    } as unknown as Pick<PresenceApi, 'attendance' | 'people'>;
    render(Attendance, { props: { api, timeZone: 'Europe/Berlin' } });
    await settle();
    expect(screen.getByTestId('attendance-zone').textContent).toBe('Times in Europe/Berlin');
    const flags = screen.getAllByTestId('report-flag').map((f) => f.dataset.flag);
    expect(flags).toEqual(['corrected', 'missing_out']);
    expect(screen.getAllByTestId('missed-row').map((r) => r.dataset.personId)).toEqual(['p1']);

    const calls = reportFn.mock.calls.length;
    await fireEvent.input(screen.getByTestId('report-from'), { target: { value: '2026-12-10' } });
    await fireEvent.input(screen.getByTestId('report-to'), { target: { value: '2026-12-01' } });
    await settle();
    expect(screen.getByTestId('report-reversed').textContent).toMatch(/start date is after the end date/);
    expect((screen.getByTestId('report-run') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('export-csv') as HTMLButtonElement).disabled).toBe(true);
    expect(reportFn.mock.calls.length).toBe(calls);
  });

  it('adds a missed check-out with a reason, then shows the saved notice and loads the report again', async () => {
    const add = vi.fn(() => ok({}));
    const reportFn = vi.fn(({ from, to }: { from: string; to: string }) => {
      const r = report(from, to);
      return ok({ ...r, rows: [{ ...r.rows[0]!, flags: ['missing_out' as const] }] });
    });
    const api = {
      attendance: { report: reportFn, export: vi.fn(), add },
      people: { list: vi.fn(() => ok([])) },
    } as unknown as Pick<PresenceApi, 'attendance' | 'people'>;
    render(Attendance, { props: { api, timeZone: 'UTC' } });
    await settle();
    const before = reportFn.mock.calls.length;
    await fireEvent.click(screen.getByTestId('missed-add-out'));
    expect(screen.getByTestId('punch-person').textContent).toBe('Ada Lovelace');
    expect((screen.getByTestId('punch-kind') as HTMLSelectElement).value).toBe('out');
    // No reason, no save.
    expect((screen.getByTestId('punch-save') as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('punch-time'), { target: { value: '17:30' } });
    await fireEvent.input(screen.getByTestId('punch-reason'), { target: { value: 'Forgot to check out' } });
    await fireEvent.click(screen.getByTestId('punch-save'));
    await settle();
    expect(add).toHaveBeenCalledWith({
      personId: 'p1',
      kind: 'out',
      when: { day: reportFn.mock.calls[0]![0].to, time: '17:30' },
      reason: 'Forgot to check out',
    });
    expect(screen.queryByTestId('punch-dialog')).toBeNull();
    expect(screen.getByTestId('attendance-notice').textContent).toMatch(/audit log/);
    expect(reportFn.mock.calls.length).toBeGreaterThan(before);
  });

  it('with the day starting at 04:00, a missed check-out typed as 02:00 goes on the next calendar day', async () => {
    const add = vi.fn(() => ok({}));
    const reportFn = vi.fn(({ from, to }: { from: string; to: string }) => {
      const r = report(from, to);
      return ok({ ...r, rows: [{ ...r.rows[0]!, localDay: '2026-12-01', flags: ['missing_out' as const] }] });
    });
    const api = {
      attendance: { report: reportFn, export: vi.fn(), add },
      people: { list: vi.fn(() => ok([])) },
    } as unknown as Pick<PresenceApi, 'attendance' | 'people'>;
    render(Attendance, { props: { api, timeZone: 'UTC', dayStartsAt: '04:00' } });
    await settle();
    await fireEvent.click(screen.getByTestId('missed-add-out'));
    await fireEvent.input(screen.getByTestId('punch-time'), { target: { value: '02:00' } });
    await settle();
    expect((screen.getByTestId('punch-day') as HTMLInputElement).value).toBe('2026-12-02');
    expect(screen.getByTestId('punch-work-day').textContent).toMatch(/Dec 1, 2026/);
    await fireEvent.input(screen.getByTestId('punch-reason'), { target: { value: 'Night shift' } });
    await fireEvent.click(screen.getByTestId('punch-save'));
    await settle();
    expect(add).toHaveBeenCalledWith(expect.objectContaining({ when: { day: '2026-12-02', time: '02:00' } }));
  });

  it("edits a punch's time in the station's zone, and keeps the dialog open with main's sentence on a refusal", async () => {
    const event: AttendanceEvent = {
      id: 'e1',
      personId: 'p1',
      personName: 'Ada Lovelace',
      externalId: 'E-001',
      kind: 'in',
      at: '2026-12-01T07:00:00.000Z',
      localDay: '2026-12-01',
      station: 'Front door',
      distance: 0.3,
      liveness: null,
      source: 'kiosk',
      correctedAt: null,
      reason: null,
    };
    const update = vi.fn(() => fail('INVALID_INPUT', '2026-12-01 23:00 is in the future.'));
    const api = {
      attendance: {
        report: vi.fn(({ from, to }: { from: string; to: string }) => ok(report(from, to, false, 'Europe/Berlin'))),
        export: vi.fn(),
        list: vi.fn(() => ok([event])),
        update,
      },
      people: { list: vi.fn(() => ok([])) },
    } as unknown as Pick<PresenceApi, 'attendance' | 'people'>;
    // Settings name no zone: the report's (the station's own) is used, not this browser's.
    render(Attendance, { props: { api, timeZone: null } });
    await settle();
    await fireEvent.click(screen.getAllByTestId('report-punches')[0]!);
    await settle();
    expect(screen.getAllByTestId('punch-row')).toHaveLength(1);
    await fireEvent.click(screen.getByTestId('punch-edit'));
    // 07:00 UTC is 08:00 in Berlin: the administrator edits the time the station showed.
    expect((screen.getByTestId('punch-time') as HTMLInputElement).value).toBe('08:00');
    await fireEvent.input(screen.getByTestId('punch-time'), { target: { value: '23:00' } });
    await fireEvent.input(screen.getByTestId('punch-reason'), { target: { value: 'Typo' } });
    await fireEvent.click(screen.getByTestId('punch-save'));
    await settle();
    // Only the time changed, so only the time is sent.
    expect(update).toHaveBeenCalledWith({ id: 'e1', when: { day: '2026-12-01', time: '23:00' }, reason: 'Typo' });
    expect(screen.getByTestId('punch-dialog').textContent).toContain('is in the future');
  });
});
