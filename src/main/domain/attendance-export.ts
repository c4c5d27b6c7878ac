// Attendance events as a CSV or XLSX file: one row per event, times in the station's time zone
// (what a person reads on the wall clock) and in UTC (what a payroll system can rely on).
import writeXlsxFile from 'write-excel-file/node';
import type { AttendanceEvent, ExportFile } from '../../shared/types';

const HEADER = ['date', 'time', 'time_utc', 'person', 'person_id', 'kind', 'station', 'distance', 'liveness'] as const;

function localTime(iso: string, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

function rowsOf(events: readonly AttendanceEvent[], timeZone: string | undefined): string[][] {
  return events.map((e) => [
    e.localDay,
    localTime(e.at, timeZone),
    e.at,
    e.personName,
    e.personId,
    e.kind,
    e.station,
    e.distance === null ? '' : e.distance.toFixed(4),
    e.liveness === null ? '' : e.liveness.toFixed(3),
  ]);
}

/**
 * RFC 4180 quoting, plus a leading apostrophe for cells a spreadsheet would run as a formula
 * (a name like "=HYPERLINK(...)" must stay text).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function attendanceCsv(events: readonly AttendanceEvent[], timeZone?: string): string {
  const lines = [HEADER.join(','), ...rowsOf(events, timeZone).map((r) => r.map(csvCell).join(','))];
  return lines.join('\r\n') + '\r\n';
}

export async function exportAttendance(
  events: readonly AttendanceEvent[],
  range: { from: string; to: string },
  format: 'csv' | 'xlsx',
  timeZone?: string,
): Promise<ExportFile> {
  const base = `attendance-${range.from}-to-${range.to}`;
  if (format === 'csv') {
    // A byte-order mark makes Excel read the UTF-8 names (e.g. Chinese) correctly.
    const bytes = new TextEncoder().encode('\uFEFF' + attendanceCsv(events, timeZone));
    return { filename: `${base}.csv`, mime: 'text/csv', bytes };
  }
  const header = HEADER.map((h) => ({ value: h, fontWeight: 'bold' as const }));
  const body = rowsOf(events, timeZone).map((r) => r.map((value) => ({ value, type: String })));
  const buffer = await writeXlsxFile([header, ...body], { columns: HEADER.map(() => ({ width: 18 })) }).toBuffer();
  return {
    filename: `${base}.xlsx`,
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
  };
}
