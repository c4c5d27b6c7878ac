// Corrections, the automatic check-out and the timesheet through the real app on a real SQLite file
// (no engine: no face is looked at). The clock is pinned per test; the station is in Berlin so that wall
// times and UTC differ.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import readXlsxFile from 'read-excel-file/node';
import { tempApp, type TempApp } from '../helpers/temp-app';

let t: TempApp;
let clock: number;
let ada: string;

beforeEach(() => {
  clock = Date.parse('2026-12-02T10:00:00Z'); // 11:00 in Berlin
  t = tempApp({ now: () => clock });
  t.app.updateSettings({ timeZone: 'Europe/Berlin', stationName: 'Front door' }, 'admin');
  ada = t.app.people.create({ name: 'Ada Lovelace', externalId: 'E-001' }, 'admin').id;
});

afterEach(async () => {
  await t.cleanup();
});

const audit = (action: string) => t.app.store.audit.list().filter((a) => a.action === action);
const day = (d: string) => t.app.attendance.list({ from: d, to: d });

describe('corrections', () => {
  it('adds a missed punch at a station wall-clock time, marked manual, with its reason audited', () => {
    const added = t.app.attendance.add(
      { personId: ada, kind: 'in', when: { day: '2026-12-02', time: '08:15' }, reason: 'Badge forgotten' },
      'admin',
    );
    expect(added).toMatchObject({ at: '2026-12-02T07:15:00.000Z', localDay: '2026-12-02', source: 'manual' });
    expect(added.reason).toBe('Badge forgotten');
    const [entry] = audit('attendance.add');
    expect(entry).toMatchObject({ actor: 'admin', subjectId: ada });
    expect(entry!.details).toMatchObject({ eventId: added.id, reason: 'Badge forgotten' });
  });

  it('refuses a change without a reason, a punch in the future, and an unknown person', () => {
    const when = { day: '2026-12-02', time: '08:15' };
    expect(() => t.app.attendance.add({ personId: ada, kind: 'in', when, reason: '  ' }, 'admin')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() =>
      t.app.attendance.add(
        { personId: ada, kind: 'out', when: { day: '2026-12-02', time: '18:00' }, reason: 'x' },
        'admin',
      ),
    ).toThrow(/future/);
    expect(() =>
      t.app.attendance.add(
        { personId: '00000000-0000-4000-8000-000000000000', kind: 'in', when, reason: 'x' },
        'admin',
      ),
    ).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(day('2026-12-02')).toHaveLength(0);
  });

  it('changes a punch, keeping before and after in the audit and marking it corrected', () => {
    const e = t.app.attendance.add(
      { personId: ada, kind: 'in', when: { day: '2026-12-02', time: '08:15' }, reason: 'missed' },
      'admin',
    );
    clock += 60_000;
    const changed = t.app.attendance.update(
      e.id,
      { when: { day: '2026-12-02', time: '07:45' } },
      'Arrived earlier',
      'admin',
    );
    expect(changed).toMatchObject({ id: e.id, kind: 'in', at: '2026-12-02T06:45:00.000Z', reason: 'Arrived earlier' });
    expect(changed.correctedAt).toBe(new Date(clock).toISOString());
    const [entry] = audit('attendance.update');
    expect(entry!.details).toMatchObject({
      eventId: e.id,
      before: { kind: 'in', at: '2026-12-02T07:15:00.000Z' },
      after: { kind: 'in', at: '2026-12-02T06:45:00.000Z' },
      reason: 'Arrived earlier',
    });
    const kindOnly = t.app.attendance.update(e.id, { kind: 'out' }, 'It was the check-out', 'admin');
    expect(kindOnly).toMatchObject({ kind: 'out', at: '2026-12-02T06:45:00.000Z' });
  });

  it('deletes a wrong punch from lists and reports, keeps it in the audit, and cannot change it again', () => {
    const e = t.app.attendance.add(
      { personId: ada, kind: 'in', when: { day: '2026-12-02', time: '08:15' }, reason: 'missed' },
      'admin',
    );
    expect(t.app.attendance.delete(e.id, 'Stranger recorded under her name', 'admin')).toEqual({
      id: e.id,
      deleted: true,
    });
    expect(day('2026-12-02')).toHaveLength(0);
    expect(t.app.attendance.report({ from: '2026-12-02', to: '2026-12-02' }).rows).toHaveLength(0);
    expect(audit('attendance.delete')[0]!.details).toMatchObject({
      eventId: e.id,
      before: { kind: 'in' },
      reason: 'Stranger recorded under her name',
    });
    expect(() => t.app.attendance.update(e.id, { kind: 'out' }, 'again', 'admin')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(() => t.app.attendance.delete(e.id, 'again', 'admin')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });
});

describe('shifts across midnight and the automatic check-out', () => {
  const punch = (kind: 'in' | 'out', d: string, time: string) =>
    t.app.attendance.add({ personId: ada, kind, when: { day: d, time }, reason: 'test' }, 'admin');

  it('with the day starting at 04:00, a night shift that ends at 02:00 belongs to the day it started', () => {
    t.app.updateSettings({ dayStartsAt: '04:00' }, 'admin');
    punch('in', '2026-12-01', '22:00');
    punch('out', '2026-12-02', '02:00');
    const report = t.app.attendance.report({ from: '2026-12-01', to: '2026-12-02' });
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ localDay: '2026-12-01', minutes: 240, present: false });
  });

  it('without the setting, leaves the day open and lists it as a missed punch', () => {
    punch('in', '2026-12-01', '08:00');
    const report = t.app.attendance.report({ from: '2026-12-01', to: '2026-12-02' });
    expect(report.rows[0]!.flags).toContain('missing_out');
  });

  it('checks out everyone still in at the set time, marked automatic, once per day', () => {
    punch('in', '2026-12-01', '08:00');
    punch('in', '2026-12-02', '08:00');
    t.app.updateSettings({ autoCheckOut: '20:00' }, 'admin');
    expect(t.app.attendance.sweep()).toBe(1); // yesterday; today's 20:00 has not come yet
    const yesterday = day('2026-12-01');
    expect(yesterday.map((e) => [e.kind, e.source, e.at])).toEqual([
      ['in', 'manual', '2026-12-01T07:00:00.000Z'],
      ['out', 'auto', '2026-12-01T19:00:00.000Z'],
    ]);
    const row = t.app.attendance.report({ from: '2026-12-01', to: '2026-12-01' }).rows[0]!;
    expect(row).toMatchObject({ minutes: 720, present: false });
    expect(row.flags).toContain('automatic');
    expect(row.flags).not.toContain('missing_out');

    // The administrator deletes the automatic check-out; the next sweep does not put it back.
    const auto = yesterday[1]!;
    t.app.attendance.delete(auto.id, 'She left at 17:00, entered below', 'admin');
    expect(t.app.attendance.sweep()).toBe(0);
    expect(day('2026-12-01')).toHaveLength(1);

    clock = Date.parse('2026-12-02T19:30:00Z'); // 20:30 in Berlin
    expect(t.app.attendance.sweep()).toBe(1);
    expect(audit('attendance.record').filter((a) => a.actor === 'system')).toHaveLength(2);
  });

  it('an automatic check-out at the day boundary checks out at the end of the day, not its first minute', () => {
    t.app.updateSettings({ autoCheckOut: '00:00' }, 'admin'); // the boundary is 00:00 too
    punch('in', '2026-12-01', '08:00');
    expect(t.app.attendance.sweep()).toBe(1);
    expect(day('2026-12-01').map((e) => [e.kind, e.at])).toEqual([
      ['in', '2026-12-01T07:00:00.000Z'],
      ['out', '2026-12-01T23:00:00.000Z'], // midnight in Berlin
    ]);
  });

  it('never checks out at a check-in-only station, whose only punch of the day is the check-in', () => {
    t.app.updateSettings({ autoCheckOut: '20:00', attendanceMode: 'check_in_only' }, 'admin');
    punch('in', '2026-12-01', '08:00');
    expect(t.app.attendance.sweep()).toBe(0);
    expect(day('2026-12-01').map((e) => e.kind)).toEqual(['in']);
  });

  it('does not check out someone who came in after the check-out time', () => {
    t.app.updateSettings({ autoCheckOut: '09:00' }, 'admin');
    punch('in', '2026-12-02', '10:30');
    expect(t.app.attendance.sweep()).toBe(0);
    expect(day('2026-12-02').map((e) => e.kind)).toEqual(['in']);
  });
});

describe('timesheet export', () => {
  it('carries the employee ID, hours without breaks, flags and per-person totals, with real XLSX cells', async () => {
    const add = (kind: 'in' | 'out' | 'break', d: string, time: string) =>
      t.app.attendance.add({ personId: ada, kind, when: { day: d, time }, reason: 'test' }, 'admin');
    add('in', '2026-12-01', '08:00');
    add('break', '2026-12-01', '12:00');
    add('in', '2026-12-01', '12:30');
    add('out', '2026-12-01', '17:00');
    const csv = new TextDecoder()
      .decode((await t.app.attendance.export({ from: '2026-12-01', to: '2026-12-01' }, 'csv')).bytes)
      .replace(/^\uFEFF/, '');
    // The table ends at the blank row; the audit log's head follows it.
    const all = csv.trim().split('\r\n');
    const lines = all.slice(0, all.indexOf(',,,,,,,'));
    expect(all.at(-3)).toMatch(/^Audit log head,[0-9a-f]{64},/);
    expect(lines[0]).toMatch(/^external_id,name,date,first_in,last_out,worked_hours/);
    expect(lines[1]).toContain('E-001,Ada Lovelace,2026-12-01,08:00,17:00,8.50');
    expect(lines[1]).toContain('manual');
    expect(lines.at(-1)).toMatch(/Ada Lovelace.*8\.50/);

    const xlsx = await t.app.attendance.export({ from: '2026-12-01', to: '2026-12-01' }, 'xlsx');
    const sheets = await readXlsxFile(Buffer.from(xlsx.bytes));
    const rows = sheets[0]!.data;
    const date = rows[1]![2];
    expect(date).toBeInstanceOf(Date);
    expect(typeof rows[1]![5]).toBe('number');
  });
});
