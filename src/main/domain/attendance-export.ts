// Attendance as CSV or XLSX files: the event log (one row per punch, times in the station's time zone,
// what a person reads on the wall clock, and in UTC, what a payroll system can rely on) and the
// timesheet (one row per person and day, hours and flags, a totals row per person).
import writeXlsxFile, { type CellObject } from 'write-excel-file/node';
import { wallClock } from '../../shared/local-day';
import type { AttendanceDayRow, AttendanceEvent, AttendanceReport, ExportFile } from '../../shared/types';

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** One column of a sheet: its header, width in the XLSX, and how a line reads in CSV text and as a cell. */
interface Column<T> {
  header: string;
  width: number;
  csv: (line: T) => string;
  cell: (line: T) => CellObject;
}

/**
 * The station's wall clock at instant `ms`, as a Date whose UTC fields show it. write-excel-file turns a
 * Date into an Excel serial from its UTC value (getTime() / day + 25569) and Excel has no time zones, so
 * a Date of the real instant would show UTC in the sheet. The seconds are the instant's own: zone
 * offsets have been whole minutes for decades (local-day.ts's instantOfWallClock assumes the same).
 */
function wallDate(ms: number, timeZone: string | undefined): Date {
  const c = wallClock(ms, timeZone);
  return new Date(Date.parse(`${c.day}T${c.time}:00Z`) + (ms - Math.floor(ms / 60_000) * 60_000));
}

/** "HH:MM:SS" on the station's wall clock. */
function clockWithSeconds(ms: number, timeZone: string | undefined): string {
  return wallDate(ms, timeZone).toISOString().slice(11, 19);
}

/** A work day (YYYY-MM-DD) as a date cell: midnight UTC is that day in the sheet, which has no zones. */
const dayCell = (day: string): CellObject => ({
  value: new Date(`${day}T00:00:00Z`),
  type: Date,
  format: 'yyyy-mm-dd',
});
const timeCell = (iso: string | null, timeZone: string | undefined, format: string): CellObject =>
  iso === null ? {} : { value: wallDate(Date.parse(iso), timeZone), type: Date, format };
// type String: a name or number such as "00123" or "=1+1" stays text (the cell holds no formula).
const textCell = (value: string | null): CellObject => ({ value: value ?? '', type: String });
const numberCell = (value: number | null, format: string): CellObject =>
  value === null ? {} : { value, type: Number, format };

/**
 * RFC 4180 quoting, plus a leading apostrophe for cells a spreadsheet would run as a formula
 * (a name like "=HYPERLINK(...)" must stay text).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function toCsv<T>(columns: readonly Column<T>[], lines: readonly T[]): string {
  const rows = [columns.map((c) => c.header), ...lines.map((l) => columns.map((c) => csvCell(c.csv(l))))];
  return rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
}

function csvFile(base: string, csv: string): ExportFile {
  // A byte-order mark makes Excel read the UTF-8 names (e.g. Chinese) correctly.
  return { filename: `${base}.csv`, mime: 'text/csv', bytes: new TextEncoder().encode('\uFEFF' + csv) };
}

async function xlsxFile<T>(
  base: string,
  sheet: string,
  columns: readonly Column<T>[],
  lines: readonly T[],
  bold: (line: T) => boolean = () => false,
): Promise<ExportFile> {
  const header = columns.map((c) => ({ value: c.header, type: String, fontWeight: 'bold' as const }));
  const body = lines.map((l) =>
    columns.map((c) => (bold(l) ? { ...c.cell(l), fontWeight: 'bold' as const } : c.cell(l))),
  );
  const buffer = await writeXlsxFile([header, ...body], {
    sheet,
    columns: columns.map((c) => ({ width: c.width })),
    stickyRowsCount: 1,
  }).toBuffer();
  return {
    filename: `${base}.xlsx`,
    mime: XLSX_MIME,
    bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
  };
}

// ---- The event log ----

function eventColumns(timeZone: string | undefined): Column<AttendanceEvent>[] {
  const text = (
    header: string,
    width: number,
    get: (e: AttendanceEvent) => string | null,
  ): Column<AttendanceEvent> => ({
    header,
    width,
    csv: (e) => get(e) ?? '',
    cell: (e) => textCell(get(e)),
  });
  return [
    { header: 'date', width: 12, csv: (e) => e.localDay, cell: (e) => dayCell(e.localDay) },
    {
      header: 'time',
      width: 10,
      csv: (e) => clockWithSeconds(Date.parse(e.at), timeZone),
      // The cell holds the calendar date too (a night shift's punch after midnight keeps its own date).
      cell: (e) => timeCell(e.at, timeZone, 'hh:mm:ss'),
    },
    text('time_utc', 26, (e) => e.at),
    text('person', 24, (e) => e.personName),
    text('external_id', 14, (e) => e.externalId),
    text('person_id', 38, (e) => e.personId),
    text('kind', 7, (e) => e.kind),
    text('station', 16, (e) => e.station),
    {
      header: 'distance',
      width: 10,
      csv: (e) => e.distance?.toFixed(4) ?? '',
      cell: (e) => numberCell(e.distance, '0.0000'),
    },
    {
      header: 'liveness',
      width: 10,
      csv: (e) => e.liveness?.toFixed(3) ?? '',
      cell: (e) => numberCell(e.liveness, '0.000'),
    },
    text('source', 8, (e) => e.source),
    text('corrected', 26, (e) => e.correctedAt),
    text('reason', 40, (e) => e.reason),
  ];
}

/** The event log as CSV text (no byte-order mark); `timeZone` defaults to the process's. */
export function attendanceCsv(events: readonly AttendanceEvent[], timeZone?: string): string {
  return toCsv(eventColumns(timeZone), events);
}

export async function exportAttendance(
  events: readonly AttendanceEvent[],
  range: { from: string; to: string },
  format: 'csv' | 'xlsx',
  timeZone?: string,
): Promise<ExportFile> {
  const base = `attendance-${range.from}-to-${range.to}`;
  if (format === 'csv') return csvFile(base, attendanceCsv(events, timeZone));
  return xlsxFile(base, 'Events', eventColumns(timeZone), events);
}

// ---- The timesheet ----

/** A day row, or a person's totals (`day` null). Minutes null: no hours are known (check-in-only). */
interface TimesheetLine {
  externalId: string | null;
  name: string;
  day: string | null;
  firstIn: string | null;
  lastOut: string | null;
  worked: number | null;
  onBreak: number | null;
  flags: string;
}

/**
 * Per person (by name, then id), their days in order and then their totals. The totals add the minutes,
 * not the rounded hours, so a CSV total can differ by 0.01 from the sum of its lines; in the XLSX the
 * day cells hold the exact hours (shown with two decimals), so a SUM of them matches the total.
 */
function timesheetLines(report: AttendanceReport): TimesheetLine[] {
  const people = new Map<string, AttendanceDayRow[]>();
  for (const r of report.rows) {
    const rows = people.get(r.personId);
    if (rows) rows.push(r);
    else people.set(r.personId, [r]);
  }
  const groups = [...people.values()].map((rows) => rows.sort((a, b) => a.localDay.localeCompare(b.localDay)));
  // A person renamed during the range is sorted and totalled under their latest name.
  const latest = (rows: AttendanceDayRow[]): AttendanceDayRow => rows.at(-1)!;
  groups.sort((a, b) => latest(a).name.localeCompare(latest(b).name) || a[0]!.personId.localeCompare(b[0]!.personId));
  // Check-in-only stations record no check-outs, so no hours are known: the hours stay empty rather
  // than show a 0 that payroll would read as "did not work".
  const hours = (minutes: number): number | null => (report.checkInOnly ? null : minutes);
  return groups.flatMap((rows) => [
    ...rows.map((r) => ({
      externalId: r.externalId,
      name: r.name,
      day: r.localDay,
      firstIn: r.firstIn,
      lastOut: r.lastOut,
      worked: hours(r.minutes),
      onBreak: hours(r.breakMinutes),
      flags: r.flags.join(' '),
    })),
    {
      externalId: latest(rows).externalId,
      name: latest(rows).name,
      day: null,
      firstIn: null,
      lastOut: null,
      worked: hours(rows.reduce((sum, r) => sum + r.minutes, 0)),
      onBreak: hours(rows.reduce((sum, r) => sum + r.breakMinutes, 0)),
      flags: '',
    },
  ]);
}

function timesheetColumns(timeZone: string): Column<TimesheetLine>[] {
  const clock = (iso: string | null): string => (iso === null ? '' : wallClock(Date.parse(iso), timeZone).time);
  const hours = (header: string, get: (l: TimesheetLine) => number | null): Column<TimesheetLine> => ({
    header,
    width: 13,
    csv: (l) => {
      const minutes = get(l);
      return minutes === null ? '' : (minutes / 60).toFixed(2);
    },
    cell: (l) => {
      const minutes = get(l);
      return numberCell(minutes === null ? null : minutes / 60, '0.00');
    },
  });
  return [
    { header: 'external_id', width: 14, csv: (l) => l.externalId ?? '', cell: (l) => textCell(l.externalId) },
    { header: 'name', width: 24, csv: (l) => l.name, cell: (l) => textCell(l.name) },
    {
      header: 'date',
      width: 12,
      csv: (l) => l.day ?? 'total',
      cell: (l) => (l.day === null ? textCell('total') : dayCell(l.day)),
    },
    // HH:MM in the CSV; in the XLSX the cell holds the exact instant's wall-clock date and time.
    {
      header: 'first_in',
      width: 10,
      csv: (l) => clock(l.firstIn),
      cell: (l) => timeCell(l.firstIn, timeZone, 'hh:mm'),
    },
    {
      header: 'last_out',
      width: 10,
      csv: (l) => clock(l.lastOut),
      cell: (l) => timeCell(l.lastOut, timeZone, 'hh:mm'),
    },
    hours('worked_hours', (l) => l.worked),
    hours('break_hours', (l) => l.onBreak),
    { header: 'flags', width: 28, csv: (l) => l.flags, cell: (l) => textCell(l.flags) },
  ];
}

/** The timesheet as CSV text (no byte-order mark); clock times are HH:MM in `report.timeZone`. */
export function timesheetCsv(report: AttendanceReport): string {
  return toCsv(timesheetColumns(report.timeZone), timesheetLines(report));
}

export async function exportTimesheet(report: AttendanceReport, format: 'csv' | 'xlsx'): Promise<ExportFile> {
  const base = `timesheet-${report.from}-to-${report.to}`;
  if (format === 'csv') return csvFile(base, timesheetCsv(report));
  return xlsxFile(base, 'Timesheet', timesheetColumns(report.timeZone), timesheetLines(report), (l) => l.day === null);
}
