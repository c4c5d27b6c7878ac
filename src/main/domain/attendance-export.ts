// Attendance as CSV or XLSX files: the event log (one row per punch, times in the station's time zone,
// what a person reads on the wall clock, and in UTC, what a payroll system can rely on) and the
// timesheet (one row per person and day, hours and flags, a totals row per person). Every file carries
// the audit log's chain head at the moment of export (audit-chain.ts), so that a copy kept outside can
// prove later that no entry up to then was changed or cut off: in CSV as a short block after the table,
// in XLSX on a second sheet "Audit".
import writeXlsxFile, { type CellObject } from 'write-excel-file/node';
import { wallClock } from '../../shared/local-day';
import type {
  AttendanceDayRow,
  AttendanceEvent,
  AttendanceReport,
  AuditLogStatus,
  ExportFile,
} from '../../shared/types';

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

// ---- The audit log's head, in every file ----

/** The audit log's chain check (AuditRepo.verify()) at the moment of an export, and that moment. */
export interface ExportAudit {
  status: AuditLogStatus;
  /** ISO instant (UTC) of the export. */
  exportedAt: string;
}

/** The entries the head covers: all of them, or those before the break when the chain is broken. */
function headEntries(status: AuditLogStatus): number {
  return status.ok ? status.entries : status.entries - 1;
}

/** What the head proves and how to check it; or, with a chain broken already, that it was. */
export function auditSentence(status: AuditLogStatus): string {
  return status.ok
    ? `Run \`presence audit verify --head ${status.head}\` on the database: if its chain still contains this ` +
        `head at entry ${status.entries}, no entry before the export was changed or removed.`
    : `WARNING: the audit log had already been altered outside Presence when this was exported: its hash ` +
        `chain breaks at entry #${status.brokenAt!.seq} (${status.brokenAt!.at}). The head above covers only ` +
        'the entries before that; keep the database file as evidence and compare it with a backup.';
}

/** Label and value, in this order, in the CSV block and on the XLSX "Audit" sheet. */
function auditFacts(audit: ExportAudit): Array<[string, number | string]> {
  return [
    ['Audit log entries', headEntries(audit.status)],
    ['Audit log head', audit.status.head],
    ['Exported at (UTC)', audit.exportedAt],
    ['Audit log', auditSentence(audit.status)],
  ];
}

/**
 * The CSV's audit block: after the table, one blank row, then one "label,value" row per fact. Every row
 * has the header's number of fields (the blank one as Excel writes it, all commas), so a strict parser
 * reads the file as one rectangular table; the data rows and their columns are exactly as without it,
 * and an importer that stops at the first blank row (or a person) reads only them.
 */
export function auditCsv(audit: ExportAudit, width: number): string {
  const pad = (cells: string[]): string => [...cells, ...Array<string>(width - cells.length).fill('')].join(',');
  const rows = [pad([]), ...auditFacts(audit).map(([label, value]) => pad([label, csvCell(String(value))]))];
  return rows.join('\r\n') + '\r\n';
}

function csvFile<T>(base: string, columns: readonly Column<T>[], lines: readonly T[], audit: ExportAudit): ExportFile {
  const csv = toCsv(columns, lines) + auditCsv(audit, columns.length);
  // A byte-order mark makes Excel read the UTF-8 names (e.g. Chinese) correctly.
  return { filename: `${base}.csv`, mime: 'text/csv', bytes: new TextEncoder().encode('\uFEFF' + csv) };
}

async function xlsxFile<T>(
  base: string,
  sheet: string,
  columns: readonly Column<T>[],
  lines: readonly T[],
  audit: ExportAudit,
  bold: (line: T) => boolean = () => false,
): Promise<ExportFile> {
  const header = columns.map((c) => ({ value: c.header, type: String, fontWeight: 'bold' as const }));
  const body = lines.map((l) =>
    columns.map((c) => (bold(l) ? { ...c.cell(l), fontWeight: 'bold' as const } : c.cell(l))),
  );
  // The data sheet stays a plain table; the head goes on a sheet of its own.
  const auditRows = auditFacts(audit).map(([label, value]): CellObject[] => [
    { value: label, type: String, fontWeight: 'bold' },
    typeof value === 'number' ? { value, type: Number } : textCell(value),
  ]);
  const buffer = await writeXlsxFile([
    { data: [header, ...body], sheet, columns: columns.map((c) => ({ width: c.width })), stickyRowsCount: 1 },
    { data: auditRows, sheet: 'Audit', columns: [{ width: 20 }, { width: 70 }] },
  ]).toBuffer();
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

/**
 * The event log as a CSV table (no byte-order mark, no audit block); `timeZone` defaults to the
 * process's.
 */
export function attendanceCsv(events: readonly AttendanceEvent[], timeZone?: string): string {
  return toCsv(eventColumns(timeZone), events);
}

export async function exportAttendance(
  events: readonly AttendanceEvent[],
  range: { from: string; to: string },
  format: 'csv' | 'xlsx',
  audit: ExportAudit,
  timeZone?: string,
): Promise<ExportFile> {
  const base = `attendance-${range.from}-to-${range.to}`;
  if (format === 'csv') return csvFile(base, eventColumns(timeZone), events, audit);
  return xlsxFile(base, 'Events', eventColumns(timeZone), events, audit);
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

/**
 * The timesheet as a CSV table (no byte-order mark, no audit block); clock times are HH:MM in
 * `report.timeZone`.
 */
export function timesheetCsv(report: AttendanceReport): string {
  return toCsv(timesheetColumns(report.timeZone), timesheetLines(report));
}

export async function exportTimesheet(
  report: AttendanceReport,
  format: 'csv' | 'xlsx',
  audit: ExportAudit,
): Promise<ExportFile> {
  const base = `timesheet-${report.from}-to-${report.to}`;
  const columns = timesheetColumns(report.timeZone);
  if (format === 'csv') return csvFile(base, columns, timesheetLines(report), audit);
  return xlsxFile(base, 'Timesheet', columns, timesheetLines(report), audit, (l) => l.day === null);
}
