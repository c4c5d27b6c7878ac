// Attendance as the administrator runs it: the reports and exports (after the automatic check-out has
// caught up), and corrections: a missed punch added, a punch's time or kind changed, a wrong punch
// deleted. Times come in as the station's wall clock; the work day follows from the day boundary.
import { AppError } from '../../shared/errors';
import { instantOfWallClock } from '../../shared/local-day';
import type { Settings } from '../../shared/settings';
import type { AttendanceEvent, AttendanceKind, AttendanceReport, ExportFile } from '../../shared/types';
import type { Actor, Store } from '../db';
import { exportAttendance, exportTimesheet, type ExportAudit } from './attendance-export';
import { buildReport } from './attendance-report';
import { sweepAttendance } from './attendance-sweep';
import { workDayOf } from './check-in';

export interface WallTime {
  day: string;
  time: string;
}

export interface DayRange {
  from: string;
  to: string;
  personId?: string;
}

/** A punch may be entered up to this far ahead of the clock (two computers' clocks rarely agree). */
const FUTURE_SLACK_MS = 5 * 60_000;

export class AttendanceService {
  constructor(
    private readonly store: Store,
    private readonly settings: () => Settings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs the automatic check-out for the days whose time has passed; returns how many it checked out. */
  sweep(): number {
    return sweepAttendance(this.store, this.settings(), this.now());
  }

  list(range: DayRange): AttendanceEvent[] {
    this.sweep();
    return this.store.attendance.list(range);
  }

  report(range: DayRange): AttendanceReport {
    const settings = this.settings();
    const events = this.list(range);
    return buildReport({
      from: range.from,
      to: range.to,
      events,
      today: workDayOf(this.now(), settings),
      nowMs: this.now(),
      mode: settings.attendanceMode,
      timeZone: this.zoneName(settings),
    });
  }

  /**
   * A file of the range, with the audit log's chain head of this moment in it (attendance-export.ts):
   * taken after the automatic check-out has run, so the head covers its entries too. A broken chain
   * does not stop the export; the file says it was broken.
   */
  export(range: DayRange, format: 'csv' | 'xlsx', sheet: 'timesheet' | 'events' = 'timesheet'): Promise<ExportFile> {
    if (sheet === 'timesheet') {
      const report = this.report(range);
      return exportTimesheet(report, format, this.auditHead());
    }
    const events = this.list(range);
    return exportAttendance(events, range, format, this.auditHead(), this.zoneName(this.settings()));
  }

  add(
    input: { personId: string; kind: AttendanceKind; when: WallTime; reason: string },
    actor: Actor,
  ): AttendanceEvent {
    const settings = this.settings();
    const atMs = this.instant(input.when, settings);
    return this.store.attendance.record(
      {
        personId: input.personId,
        kind: input.kind,
        at: new Date(atMs).toISOString(),
        localDay: workDayOf(atMs, settings),
        station: settings.stationName,
        source: 'manual',
        reason: input.reason,
      },
      actor,
    );
  }

  update(
    id: string,
    change: { kind?: AttendanceKind; when?: WallTime },
    reason: string,
    actor: Actor,
  ): AttendanceEvent {
    const settings = this.settings();
    const atMs = change.when === undefined ? undefined : this.instant(change.when, settings);
    return this.store.attendance.correct(
      id,
      {
        kind: change.kind,
        ...(atMs === undefined ? {} : { at: new Date(atMs).toISOString(), localDay: workDayOf(atMs, settings) }),
      },
      reason,
      actor,
    );
  }

  delete(id: string, reason: string, actor: Actor): { id: string; deleted: true } {
    this.store.attendance.remove(id, reason, actor);
    return { id, deleted: true };
  }

  private auditHead(): ExportAudit {
    return { status: this.store.audit.verify(), exportedAt: new Date(this.now()).toISOString() };
  }

  /** The zone the station's days are in, by name (the process's own when Settings leave it unset). */
  zoneName(settings: Settings): string {
    return settings.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  }

  private instant(when: WallTime, settings: Settings): number {
    const ms = instantOfWallClock(when.day, when.time, settings.timeZone ?? undefined);
    if (ms > this.now() + FUTURE_SLACK_MS)
      throw new AppError(
        'INVALID_INPUT',
        `${when.day} ${when.time} is in the future. A punch records what happened: enter a time that has passed.`,
      );
    return ms;
  }
}
