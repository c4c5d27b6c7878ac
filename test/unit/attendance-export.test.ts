import readXlsxFile, { readSheet } from 'read-excel-file/node';
import { describe, expect, it } from 'vitest';
import {
  attendanceCsv,
  exportAttendance,
  exportTimesheet,
  type ExportAudit,
} from '../../src/main/domain/attendance-export';
import { buildReport } from '../../src/main/domain/attendance-report';
import type { AttendanceMode } from '../../src/shared/attendance';
import { localDayKey } from '../../src/shared/local-day';
import type { AttendanceEvent, AttendanceKind, AttendanceReport, ExportFile } from '../../src/shared/types';

type Person = Pick<AttendanceEvent, 'personId' | 'personName' | 'externalId'>;
const ADA: Person = { personId: 'p1', personName: 'Ada Lovelace', externalId: 'E-001' };
// Same name, another person: sorted after the name by id.
const ADA_TOO: Person = { personId: 'p0', personName: 'Ada Lovelace', externalId: null };
// A comma to quote and an id a spreadsheet would run as a formula.
const BO: Person = { personId: 'p2', personName: 'Bo, Jr.', externalId: '=1+2' };

function events(timeZone: string, list: Array<[Person, AttendanceKind, string, Partial<AttendanceEvent>?]>) {
  return list.map(([person, kind, at, extra], i): AttendanceEvent => ({
    id: `e${i}`,
    ...person,
    kind,
    at,
    localDay: localDayKey(Date.parse(at), timeZone),
    station: 'Front door',
    distance: 0.3,
    liveness: null,
    source: 'kiosk',
    correctedAt: null,
    reason: null,
    ...extra,
  }));
}

function reportOf(
  list: AttendanceEvent[],
  timeZone: string,
  range: { from: string; to: string; today: string; nowMs: number },
  mode: AttendanceMode = 'alternate',
): AttendanceReport {
  return buildReport({ ...range, events: list, mode, timeZone });
}

const read = (file: ExportFile) => readSheet(Buffer.from(file.bytes));

/** The audit log's head at the export, as AttendanceService passes it (AuditRepo.verify()). */
const HEAD = '0f'.repeat(32);
const AUDIT: ExportAudit = {
  status: { ok: true, entries: 42, head: HEAD, brokenAt: null },
  exportedAt: '2026-03-11T04:00:00.000Z',
};
const SENTENCE =
  `Run \`presence audit verify --head ${HEAD}\` on the database: if its chain still contains this head at ` +
  'entry 42, no entry before the export was changed or removed.';

/** The CSV's audit block under a table `width` columns wide: a blank row, then label and value rows. */
function auditLines(width: number): string[] {
  const pad = ','.repeat(width - 2);
  return [
    ','.repeat(width - 1),
    `Audit log entries,42${pad}`,
    `Audit log head,${HEAD}${pad}`,
    `Exported at (UTC),2026-03-11T04:00:00.000Z${pad}`,
    `Audit log,"${SENTENCE}"${pad}`,
  ];
}

/** A CSV file's text after its byte-order mark (TextDecoder would drop a BOM silently: keep it to check). */
function text(file: ExportFile): string {
  const decoded = new TextDecoder('utf-8', { ignoreBOM: true }).decode(file.bytes);
  expect(decoded.startsWith('\uFEFF')).toBe(true);
  return decoded.slice(1);
}

/**
 * A time cell read back, as the wall clock it shows ("YYYY-MM-DDTHH:MM:SS"). The cell holds a Date whose
 * UTC fields are the station's wall clock. read-excel-file floors the serial to whole ms, so a time can
 * come back 1 ms early (…:14.999): round to the second before comparing.
 */
function shown(cell: unknown): string {
  expect(cell).toBeInstanceOf(Date);
  return new Date(Math.round((cell as Date).getTime() / 1000) * 1000).toISOString().slice(0, 19);
}

const dayOf = (day: string): Date => new Date(`${day}T00:00:00Z`);

// ---- Asia/Shanghai (UTC+8 all year): the local day and time run 8 hours ahead of UTC ----

const SHANGHAI = 'Asia/Shanghai';
const shanghaiEvents = events(SHANGHAI, [
  [ADA_TOO, 'in', '2026-03-09T02:00:00Z'], // 10:00
  [ADA_TOO, 'out', '2026-03-09T03:00:00Z'], // 11:00
  [ADA, 'in', '2026-03-09T00:30:00Z'], // 08:30
  [ADA, 'break', '2026-03-09T04:00:00Z'], // 12:00
  [ADA, 'in', '2026-03-09T05:00:00Z'], // 13:00
  [ADA, 'out', '2026-03-09T09:45:00Z'], // 17:45
  [ADA, 'in', '2026-03-10T01:00:20Z'], // 09:00:20
  // A night shift: checks out at 00:30 on the 11th, still the 10th's work day (a day boundary).
  [ADA, 'out', '2026-03-10T16:30:00Z', { localDay: '2026-03-10', source: 'manual', reason: '=cmd|calc' }],
  [BO, 'in', '2026-03-09T01:00:00Z'], // 09:00, never checked out
  [BO, 'in', '2026-03-10T01:00:00Z'],
  [BO, 'out', '2026-03-10T01:20:00Z'], // 20 minutes: 0.33 h
  [BO, 'in', '2026-03-11T01:00:00Z'],
  [BO, 'out', '2026-03-11T01:20:00Z'],
]);
const shanghaiRange = {
  from: '2026-03-09',
  to: '2026-03-11',
  today: '2026-03-11',
  nowMs: Date.parse('2026-03-11T04:00:00Z'),
};

describe('timesheet export', () => {
  const report = reportOf(shanghaiEvents, SHANGHAI, shanghaiRange);

  it('writes CSV per person, in local HH:MM, with hours, flags and a totals row each', async () => {
    const file = await exportTimesheet(report, 'csv', AUDIT);
    expect(file.filename).toBe('timesheet-2026-03-09-to-2026-03-11.csv');
    expect(file.mime).toBe('text/csv');
    expect([...file.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM for Excel
    const csv = text(file);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(csv.split('\r\n').slice(0, -1)).toEqual([
      'external_id,name,date,first_in,last_out,worked_hours,break_hours,flags',
      ',Ada Lovelace,2026-03-09,10:00,11:00,1.00,0.00,',
      ',Ada Lovelace,total,,,1.00,0.00,',
      'E-001,Ada Lovelace,2026-03-09,08:30,17:45,8.25,1.00,',
      'E-001,Ada Lovelace,2026-03-10,09:00,00:30,15.50,0.00,manual',
      'E-001,Ada Lovelace,total,,,23.75,1.00,',
      `'=1+2,"Bo, Jr.",2026-03-09,09:00,,0.00,0.00,missing_out`,
      `'=1+2,"Bo, Jr.",2026-03-10,09:00,09:20,0.33,0.00,`,
      `'=1+2,"Bo, Jr.",2026-03-11,09:00,09:20,0.33,0.00,`,
      // The total adds the minutes (40), not the rounded lines (0.66).
      `'=1+2,"Bo, Jr.",total,,,0.67,0.00,`,
      // After the table and a blank row, the audit log's head: every row as wide as the header.
      ',,,,,,,',
      'Audit log entries,42,,,,,,',
      `Audit log head,${HEAD},,,,,,`,
      'Exported at (UTC),2026-03-11T04:00:00.000Z,,,,,,',
      `Audit log,"${SENTENCE}",,,,,,`,
    ]);
  });

  it('writes XLSX with real date, time and number cells in the station zone', async () => {
    const file = await exportTimesheet(report, 'xlsx', AUDIT);
    expect(file.filename).toBe('timesheet-2026-03-09-to-2026-03-11.xlsx');
    expect(file.mime).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const rows = await read(file);
    expect(rows[0]).toEqual([
      'external_id',
      'name',
      'date',
      'first_in',
      'last_out',
      'worked_hours',
      'break_hours',
      'flags',
    ]);
    expect(rows).toHaveLength(10);

    const ada = rows[3]!;
    expect(ada[0]).toBe('E-001');
    expect(ada[1]).toBe('Ada Lovelace');
    expect(ada[2]).toEqual(dayOf('2026-03-09'));
    expect(shown(ada[3])).toBe('2026-03-09T08:30:00'); // Shanghai, not 00:30 UTC
    expect(shown(ada[4])).toBe('2026-03-09T17:45:00');
    expect(ada[5]).toBe(8.25);
    expect(ada[6]).toBe(1);
    expect(ada[7]).toBeNull();

    const night = rows[4]!;
    expect(night[2]).toEqual(dayOf('2026-03-10'));
    expect(shown(night[3])).toBe('2026-03-10T09:00:20'); // the exact instant, shown as 09:00
    expect(shown(night[4])).toBe('2026-03-11T00:30:00'); // after midnight: the cell keeps its own date
    expect(night[5]).toBe(15.5);
    expect(night[7]).toBe('manual');

    const adaTotal = rows[5]!;
    expect(adaTotal.slice(0, 5)).toEqual(['E-001', 'Ada Lovelace', 'total', null, null]);
    expect(adaTotal[5]).toBeCloseTo(8.25 + 15.5, 10);
    expect(adaTotal[6]).toBe(1);

    const bo = rows.slice(6, 10);
    expect(bo.map((r) => r[0])).toEqual(['=1+2', '=1+2', '=1+2', '=1+2']); // text, not a formula
    expect(bo[0]![7]).toBe('missing_out');
    expect(bo[0]![4]).toBeNull();
    expect(bo[0]![5]).toBe(0);
    // Exact hours in the cells (shown 0.00): a SUM of the days equals the total.
    expect(bo[1]![5]).toBeCloseTo(20 / 60, 10);
    const boDays = bo.slice(0, 3).reduce((sum, r) => sum + (r[5] as number), 0);
    expect(bo[3]![2]).toBe('total');
    expect(bo[3]![5]).toBeCloseTo(boDays, 10);
    expect(bo[3]![5]).toBeCloseTo(40 / 60, 10);

    // Same-named people stay apart: p0 before p1.
    expect(rows.slice(1, 3).map((r) => [r[0], r[2]])).toEqual([
      [null, dayOf('2026-03-09')],
      [null, 'total'],
    ]);
    for (const r of rows.slice(1)) {
      expect(typeof r[1]).toBe('string');
      expect(typeof r[5]).toBe('number');
      expect(typeof r[6]).toBe('number');
    }
  });

  it('leaves the hours empty in check-in-only reports, where no hours are known', async () => {
    const checkIns = reportOf(
      events(SHANGHAI, [
        [ADA, 'in', '2026-03-09T00:30:00Z'],
        [ADA, 'in', '2026-03-10T00:45:00Z', { source: 'manual' }],
      ]),
      SHANGHAI,
      shanghaiRange,
      'check_in_only',
    );
    expect(text(await exportTimesheet(checkIns, 'csv', AUDIT)).split('\r\n')).toEqual([
      'external_id,name,date,first_in,last_out,worked_hours,break_hours,flags',
      'E-001,Ada Lovelace,2026-03-09,08:30,,,,',
      'E-001,Ada Lovelace,2026-03-10,08:45,,,,manual',
      'E-001,Ada Lovelace,total,,,,,',
      ...auditLines(8),
      '',
    ]);
    const rows = await read(await exportTimesheet(checkIns, 'xlsx', AUDIT));
    expect(shown(rows[1]![3])).toBe('2026-03-09T08:30:00');
    expect(rows.slice(1).map((r) => r.slice(4, 7))).toEqual([
      [null, null, null],
      [null, null, null],
      [null, null, null],
    ]);
  });
});

// ---- America/New_York: daylight-saving time begins on 2026-03-08 (UTC-5 before, UTC-4 after) ----

const NEW_YORK = 'America/New_York';
const newYorkEvents = events(NEW_YORK, [
  [ADA, 'in', '2026-03-06T13:30:05Z'], // 08:30:05 EST
  [ADA, 'out', '2026-03-06T22:00:00Z'], // 17:00 EST
  [ADA, 'in', '2026-03-09T12:30:05Z', { correctedAt: '2026-03-10T14:00:00.000Z', reason: 'badge, "late"' }], // 08:30:05 EDT
  [ADA, 'out', '2026-03-10T02:30:00Z', { source: 'auto', distance: null, liveness: 0.91234 }], // 22:30 EDT, the 9th
]);
const newYorkRange = {
  from: '2026-03-06',
  to: '2026-03-09',
  today: '2026-03-10',
  nowMs: Date.parse('2026-03-10T15:00:00Z'),
};

describe('timesheet across a daylight-saving change', () => {
  it('shows each day in its own offset, in CSV and XLSX', async () => {
    const report = reportOf(newYorkEvents, NEW_YORK, newYorkRange);
    expect(text(await exportTimesheet(report, 'csv', AUDIT)).split('\r\n')).toEqual([
      'external_id,name,date,first_in,last_out,worked_hours,break_hours,flags',
      'E-001,Ada Lovelace,2026-03-06,08:30,17:00,8.50,0.00,',
      'E-001,Ada Lovelace,2026-03-09,08:30,22:30,14.00,0.00,corrected automatic',
      'E-001,Ada Lovelace,total,,,22.50,0.00,',
      ...auditLines(8),
      '',
    ]);
    const rows = await read(await exportTimesheet(report, 'xlsx', AUDIT));
    expect(rows[1]![2]).toEqual(dayOf('2026-03-06'));
    expect(shown(rows[1]![3])).toBe('2026-03-06T08:30:05');
    expect(shown(rows[2]![3])).toBe('2026-03-09T08:30:05');
    expect(rows[2]![2]).toEqual(dayOf('2026-03-09'));
    expect(shown(rows[2]![4])).toBe('2026-03-09T22:30:00'); // the 10th in UTC, the 9th on the wall
    expect(rows[2]![7]).toBe('corrected automatic');
    expect(rows[3]![5]).toBe(22.5);
  });
});

describe('event log export', () => {
  it('writes CSV with the external id, source, correction and reason, times on the wall clock', async () => {
    const file = await exportAttendance(
      newYorkEvents,
      { from: '2026-03-06', to: '2026-03-09' },
      'csv',
      AUDIT,
      NEW_YORK,
    );
    expect(file.filename).toBe('attendance-2026-03-06-to-2026-03-09.csv');
    expect([...file.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    // The table, then the audit block.
    expect(text(file)).toBe(attendanceCsv(newYorkEvents, NEW_YORK) + auditLines(13).join('\r\n') + '\r\n');
    expect(attendanceCsv(newYorkEvents, NEW_YORK).split('\r\n')).toEqual([
      'date,time,time_utc,person,external_id,person_id,kind,station,distance,liveness,source,corrected,reason',
      '2026-03-06,08:30:05,2026-03-06T13:30:05Z,Ada Lovelace,E-001,p1,in,Front door,0.3000,,kiosk,,',
      '2026-03-06,17:00:00,2026-03-06T22:00:00Z,Ada Lovelace,E-001,p1,out,Front door,0.3000,,kiosk,,',
      '2026-03-09,08:30:05,2026-03-09T12:30:05Z,Ada Lovelace,E-001,p1,in,Front door,0.3000,,kiosk,2026-03-10T14:00:00.000Z,"badge, ""late"""',
      '2026-03-09,22:30:00,2026-03-10T02:30:00Z,Ada Lovelace,E-001,p1,out,Front door,,0.912,auto,,',
      '',
    ]);
    // A reason or id that a spreadsheet would run as a formula stays text.
    const manual = attendanceCsv(shanghaiEvents.slice(7, 10), SHANGHAI).split('\r\n');
    expect(manual[1]).toBe(
      "2026-03-10,00:30:00,2026-03-10T16:30:00Z,Ada Lovelace,E-001,p1,out,Front door,0.3000,,manual,,'=cmd|calc",
    );
    expect(manual[3]).toBe(
      '2026-03-10,09:00:00,2026-03-10T01:00:00Z,"Bo, Jr.",\'=1+2,p2,in,Front door,0.3000,,kiosk,,',
    );
  });

  for (const [zone, list, expected] of [
    [
      SHANGHAI,
      shanghaiEvents.slice(6, 8),
      [
        ['2026-03-10', '2026-03-10T09:00:20', '2026-03-10T01:00:20Z', 'kiosk', null, null],
        ['2026-03-10', '2026-03-11T00:30:00', '2026-03-10T16:30:00Z', 'manual', null, '=cmd|calc'],
      ],
    ],
    [
      NEW_YORK,
      newYorkEvents.slice(2, 4),
      [
        [
          '2026-03-09',
          '2026-03-09T08:30:05',
          '2026-03-09T12:30:05Z',
          'kiosk',
          '2026-03-10T14:00:00.000Z',
          'badge, "late"',
        ],
        ['2026-03-09', '2026-03-09T22:30:00', '2026-03-10T02:30:00Z', 'auto', null, null],
      ],
    ],
  ] as const) {
    it(`writes XLSX with a date cell, the local time (${zone}) and number cells`, async () => {
      const file = await exportAttendance(list, { from: '2026-03-06', to: '2026-03-11' }, 'xlsx', AUDIT, zone);
      expect(file.filename).toBe('attendance-2026-03-06-to-2026-03-11.xlsx');
      const rows = await read(file);
      expect(rows[0]).toEqual([
        'date',
        'time',
        'time_utc',
        'person',
        'external_id',
        'person_id',
        'kind',
        'station',
        'distance',
        'liveness',
        'source',
        'corrected',
        'reason',
      ]);
      expect(rows).toHaveLength(3);
      rows.slice(1).forEach((r, i) => {
        const [day, time, utc, source, corrected, reason] = expected[i]!;
        expect(r[0]).toEqual(dayOf(day));
        expect(shown(r[1])).toBe(time);
        expect(r[2]).toBe(utc);
        expect(r.slice(3, 8)).toEqual(['Ada Lovelace', 'E-001', 'p1', list[i]!.kind, 'Front door']);
        expect(r[8]).toBe(list[i]!.distance); // a number, or empty
        expect(r[9]).toBe(list[i]!.liveness);
        expect(r.slice(10)).toEqual([source, corrected, reason]);
      });
    });
  }
});

describe("the audit log's head in every export", () => {
  const report = reportOf(shanghaiEvents, SHANGHAI, shanghaiRange);

  it('is on a second XLSX sheet "Audit", after the data sheet, in both files', async () => {
    for (const file of [
      await exportTimesheet(report, 'xlsx', AUDIT),
      await exportAttendance(shanghaiEvents, { from: '2026-03-09', to: '2026-03-11' }, 'xlsx', AUDIT, SHANGHAI),
    ]) {
      const sheets = await readXlsxFile(Buffer.from(file.bytes));
      expect(sheets.map((s) => s.sheet)).toEqual([
        file.filename.startsWith('timesheet') ? 'Timesheet' : 'Events',
        'Audit',
      ]);
      expect(sheets[1]!.data).toEqual([
        ['Audit log entries', 42],
        ['Audit log head', HEAD],
        ['Exported at (UTC)', '2026-03-11T04:00:00.000Z'],
        ['Audit log', SENTENCE],
      ]);
      // The data sheet has no audit rows in it.
      expect(sheets[0]!.data.flat()).not.toContain(HEAD);
    }
  });

  it('still exports with a broken chain, and says so where the sentence goes', async () => {
    const broken: ExportAudit = {
      status: { ok: false, entries: 7, head: HEAD, brokenAt: { seq: 7, at: '2026-03-10T09:00:00.000Z' } },
      exportedAt: '2026-03-11T04:00:00.000Z',
    };
    const lines = text(await exportTimesheet(report, 'csv', broken)).split('\r\n');
    expect(lines.slice(-6, -1)).toEqual([
      ',,,,,,,',
      // The head is that of the entries before the break.
      'Audit log entries,6,,,,,,',
      `Audit log head,${HEAD},,,,,,`,
      'Exported at (UTC),2026-03-11T04:00:00.000Z,,,,,,',
      expect.stringMatching(
        /^Audit log,WARNING: the audit log had already been altered outside Presence when this was exported: its hash chain breaks at entry #7 \(2026-03-10T09:00:00\.000Z\)\. .*,,,,,,$/,
      ),
    ]);
    const sheets = await readXlsxFile(Buffer.from((await exportTimesheet(report, 'xlsx', broken)).bytes));
    expect(sheets[1]!.data[0]).toEqual(['Audit log entries', 6]);
    expect(sheets[1]!.data[3]![1]).toMatch(/^WARNING: .* breaks at entry #7 /);
  });
});
