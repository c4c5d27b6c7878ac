// Attendance events folded into one row per person and day, and the daily head-count for the chart.
import { ATTENDANCE_FLAGS, type AttendanceMode } from '../../shared/attendance';
import type { AttendanceDayRow, AttendanceEvent, AttendanceFlag, AttendanceReport } from '../../shared/types';

/** Every YYYY-MM-DD from `from` to `to` inclusive (calendar days, no time zone involved). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end && out.length < 3700; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/**
 * Worked and break minutes of one person's day. Work runs from an "in" to the next "out" or "break"; a
 * break from a "break" to the next "in". A second "in" while in is a double pass at the kiosk, not a new
 * start, so the earliest stands. An "in" left open counts up to `openUntilMs` (now, for today) and not at
 * all for past days, where nobody checked out and the time is unknown; an open break counts nothing.
 */
function minutesOf(
  events: readonly AttendanceEvent[],
  openUntilMs: number | null,
): { worked: number; onBreak: number } {
  let worked = 0;
  let onBreak = 0;
  let inSince: number | null = null;
  let breakSince: number | null = null;
  for (const e of events) {
    const t = Date.parse(e.at);
    if (e.kind === 'in') {
      if (breakSince !== null) onBreak += t - breakSince;
      breakSince = null;
      inSince ??= t;
      continue;
    }
    if (inSince !== null) worked += t - inSince;
    inSince = null;
    // An "out" ends a break too: the time after a break nobody came back from is not a break.
    breakSince = e.kind === 'break' ? (breakSince ?? t) : null;
  }
  if (inSince !== null && openUntilMs !== null && openUntilMs > inSince) worked += openUntilMs - inSince;
  return { worked: Math.round(worked / 60_000), onBreak: Math.round(onBreak / 60_000) };
}

/** What the day's record says beyond its times, in ATTENDANCE_FLAGS order. */
function flagsOf(events: readonly AttendanceEvent[], missingOut: boolean): AttendanceFlag[] {
  const has: Record<AttendanceFlag, boolean> = {
    manual: events.some((e) => e.source === 'manual'),
    corrected: events.some((e) => e.correctedAt !== null),
    automatic: events.some((e) => e.source === 'auto'),
    missing_out: missingOut,
  };
  return ATTENDANCE_FLAGS.filter((f) => has[f]);
}

/**
 * `today` is the station's current work day: only its open "in" grows until `nowMs`, and only days before
 * it can be missing a check-out (today's may still come).
 */
export function buildReport({
  from,
  to,
  events,
  today,
  nowMs,
  mode,
  timeZone,
}: {
  from: string;
  to: string;
  events: readonly AttendanceEvent[];
  today: string;
  nowMs: number;
  mode: AttendanceMode;
  timeZone: string;
}): AttendanceReport {
  const checkInOnly = mode === 'check_in_only';
  const groups = new Map<string, AttendanceEvent[]>();
  for (const e of events) {
    const key = `${e.localDay}\u0000${e.personId}`;
    const list = groups.get(key);
    if (list) list.push(e);
    else groups.set(key, [e]);
  }
  const rows: AttendanceDayRow[] = [...groups.values()].map((unordered) => {
    // By time, whatever order they came in: a corrected punch may have moved past others (stable sort).
    const list = [...unordered].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const first = list[0]!;
    const last = list.at(-1)!;
    // Without check-outs an "in" would stay open until midnight: everyone present, hours growing.
    const { worked, onBreak } = checkInOnly
      ? { worked: 0, onBreak: 0 }
      : minutesOf(list, first.localDay === today ? nowMs : null);
    const missingOut = !checkInOnly && first.localDay < today && (last.kind === 'in' || last.kind === 'break');
    return {
      personId: first.personId,
      name: first.personName,
      externalId: last.externalId,
      localDay: first.localDay,
      firstIn: list.find((e) => e.kind === 'in')?.at ?? null,
      lastOut: list.findLast((e) => e.kind === 'out')?.at ?? null,
      minutes: worked,
      breakMinutes: onBreak,
      events: list.length,
      present: !checkInOnly && last.kind === 'in',
      flags: flagsOf(list, missingOut),
    };
  });
  rows.sort((a, b) => a.localDay.localeCompare(b.localDay) || a.name.localeCompare(b.name));
  const perDay = new Map<string, number>();
  for (const r of rows) perDay.set(r.localDay, (perDay.get(r.localDay) ?? 0) + 1);
  const daily = daysBetween(from, to).map((localDay) => ({ localDay, present: perDay.get(localDay) ?? 0 }));
  return { from, to, rows, daily, checkInOnly, timeZone };
}
