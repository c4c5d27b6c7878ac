// Attendance events folded into one row per person and day, and the daily head-count for the chart.
import type { AttendanceDayRow, AttendanceEvent, AttendanceReport } from '../../shared/types';

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
 * Minutes present: each "in" is paired with the next "out". An "in" left open counts up to `openUntilMs`
 * (now, for today) and not at all for past days, where nobody checked out and the time is unknown.
 */
function minutesPresent(events: readonly AttendanceEvent[], openUntilMs: number | null): number {
  let total = 0;
  let openSince: number | null = null;
  for (const e of events) {
    const t = Date.parse(e.at);
    if (e.kind === 'in') openSince ??= t;
    else if (openSince !== null) {
      total += t - openSince;
      openSince = null;
    }
  }
  if (openSince !== null && openUntilMs !== null && openUntilMs > openSince) total += openUntilMs - openSince;
  return Math.round(total / 60_000);
}

/** `events` ordered by time; `today` is the station's current local day. */
export function buildReport(
  from: string,
  to: string,
  events: readonly AttendanceEvent[],
  today: string,
  nowMs: number,
  checkInOnly = false,
): AttendanceReport {
  const groups = new Map<string, AttendanceEvent[]>();
  for (const e of events) {
    const key = `${e.localDay}\u0000${e.personId}`;
    const list = groups.get(key);
    if (list) list.push(e);
    else groups.set(key, [e]);
  }
  const rows: AttendanceDayRow[] = [...groups.values()].map((list) => {
    const first = list[0]!;
    const ins = list.filter((e) => e.kind === 'in');
    const outs = list.filter((e) => e.kind === 'out');
    return {
      personId: first.personId,
      name: first.personName,
      localDay: first.localDay,
      firstIn: ins[0]?.at ?? null,
      lastOut: outs.at(-1)?.at ?? null,
      // Without check-outs an "in" would stay open until midnight: everyone present, hours growing.
      minutes: checkInOnly ? 0 : minutesPresent(list, first.localDay === today ? nowMs : null),
      events: list.length,
      present: !checkInOnly && list.at(-1)!.kind === 'in',
    };
  });
  rows.sort((a, b) => a.localDay.localeCompare(b.localDay) || a.name.localeCompare(b.name));
  const perDay = new Map<string, number>();
  for (const r of rows) perDay.set(r.localDay, (perDay.get(r.localDay) ?? 0) + 1);
  const daily = daysBetween(from, to).map((localDay) => ({ localDay, present: perDay.get(localDay) ?? 0 }));
  return { from, to, rows, daily, checkInOnly };
}
