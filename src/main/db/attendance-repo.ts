// Attendance events (in, out, break). `at` is the UTC instant; `localDay` is the work day at the station,
// given by the caller, because "today" depends on the station's time zone and day boundary, not on UTC.
// An administrator's corrections change a row in place and leave before, after and why in the audit log;
// a deleted (or voided) event keeps its row with deleted_at, out of every list and report.

import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import type { AuditRepo } from './audit-repo';
import { isoNow, systemClock, type Clock } from './clock';
import { compareNames } from './names';
import {
  ATTENDANCE_KINDS,
  ATTENDANCE_SOURCES,
  type Actor,
  type AttendanceEvent,
  type AttendanceKind,
  type AttendanceSource,
  type DaySummaryRow,
} from './types';
import { REASON_MAX } from '../../shared/attendance';
import { actor as checkActor, isoTime, localDay, optionalFiniteNumber, requiredText } from './validate';

export interface AttendanceInput {
  personId: string;
  kind: AttendanceKind;
  /** UTC instant of the event (ISO). */
  at: string;
  /** YYYY-MM-DD at the station. */
  localDay: string;
  station: string;
  /** Match distance of the recognition, if any. */
  distance?: number | null;
  liveness?: number | null;
  /** Default 'kiosk'. */
  source?: AttendanceSource;
  /** Why it was entered by hand; required for a manual event. */
  reason?: string | null;
}

/** What a correction changes: the kind, or the time (with the work day it now belongs to), or both. */
export interface AttendanceChange {
  kind?: AttendanceKind;
  at?: string;
  localDay?: string;
}

export interface AttendanceListOptions {
  /** First day, YYYY-MM-DD, inclusive. */
  from: string;
  /** Last day, YYYY-MM-DD, inclusive. */
  to: string;
  personId?: string;
}

interface EventDbRow {
  id: string;
  person_id: string;
  person_name: string;
  kind: AttendanceKind;
  at: string;
  local_day: string;
  station: string;
  distance: number | null;
  liveness: number | null;
  created_at: string;
  updated_at: string;
  source: AttendanceSource;
  corrected_at: string | null;
  reason: string | null;
  external_id: string | null;
  deleted_at: string | null;
}

/** What the audit log keeps of an event before and after a change: no name, no biometric data. */
function snapshot(e: AttendanceEvent): Record<string, unknown> {
  return { kind: e.kind, at: e.at, localDay: e.localDay, station: e.station, source: e.source };
}

function checkKind(kind: unknown): AttendanceKind {
  if (!ATTENDANCE_KINDS.includes(kind as AttendanceKind))
    throw new AppError('INVALID_INPUT', `"${String(kind)}" is not an attendance kind; use "in", "out" or "break".`);
  return kind as AttendanceKind;
}

function toEvent(r: EventDbRow): AttendanceEvent {
  return {
    id: r.id,
    personId: r.person_id,
    personName: r.person_name,
    kind: r.kind,
    at: r.at,
    localDay: r.local_day,
    station: r.station,
    distance: r.distance,
    liveness: r.liveness,
    source: r.source,
    correctedAt: r.corrected_at,
    reason: r.reason,
    externalId: r.external_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

// Events of tombstoned people stay listed under their name: attendance history outlives enrollment.
const EVENT_SELECT = `
  SELECT e.id, e.person_id, p.name AS person_name, p.external_id, e.kind, e.at, e.local_day, e.station,
         e.distance, e.liveness, e.created_at, e.updated_at, e.source, e.corrected_at, e.reason, e.deleted_at
  FROM attendance_events e JOIN people p ON p.id = e.person_id`;

export class AttendanceRepo {
  readonly #db: Database.Database;
  readonly #audit: AuditRepo;
  readonly #clock: Clock;

  readonly #personIsLive: Database.Statement<[string], { id: string }>;
  readonly #insert: Database.Statement<
    [
      string,
      string,
      string,
      string,
      string,
      string,
      number | null,
      number | null,
      string,
      string,
      AttendanceSource,
      string | null,
    ]
  >;
  readonly #update: Database.Statement<[string, string, string, string, string, string, string]>;
  readonly #softDelete: Database.Statement<[string, string, string]>;
  readonly #openOnDay: Database.Statement<[string], EventDbRow>;
  readonly #swept: Database.Statement<[string], { local_day: string }>;
  readonly #markSwept: Database.Statement<[string, string, number]>;
  readonly #get: Database.Statement<[string], EventDbRow>;
  readonly #lastForPersonOnDay: Database.Statement<[string, string], EventDbRow>;
  readonly #restore: Database.Statement<[string, string], { person_id: string }>;
  readonly #list: Database.Statement<{ from: string; to: string; personId: string | null }, EventDbRow>;
  readonly #day: Database.Statement<[string], EventDbRow>;

  constructor(db: Database.Database, audit: AuditRepo, clock: Clock = systemClock) {
    this.#db = db;
    this.#audit = audit;
    this.#clock = clock;
    this.#personIsLive = db.prepare('SELECT id FROM people WHERE id = ? AND deleted_at IS NULL');
    this.#insert = db.prepare(`
      INSERT INTO attendance_events
        (id, person_id, kind, at, local_day, station, distance, liveness, created_at, updated_at, source, reason)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#update = db.prepare(`
      UPDATE attendance_events SET kind = ?, at = ?, local_day = ?, corrected_at = ?, reason = ?, updated_at = ?
      WHERE id = ? AND deleted_at IS NULL`);
    this.#softDelete = db.prepare(
      'UPDATE attendance_events SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL',
    );
    this.#restore = db.prepare(
      'UPDATE attendance_events SET deleted_at = NULL, updated_at = ? WHERE id = ? AND deleted_at IS NOT NULL RETURNING person_id',
    );
    // Each live person's last event of the day (ties broken as everywhere: at, created_at, id).
    this.#openOnDay = db.prepare(`
      ${EVENT_SELECT}
      WHERE e.local_day = ? AND e.deleted_at IS NULL AND p.deleted_at IS NULL
        AND NOT EXISTS (
          SELECT 1 FROM attendance_events l
          WHERE l.person_id = e.person_id AND l.local_day = e.local_day AND l.deleted_at IS NULL
            AND (l.at > e.at OR (l.at = e.at AND (l.created_at > e.created_at
                 OR (l.created_at = e.created_at AND l.id > e.id)))))
        AND e.kind IN ('in', 'break')
      ORDER BY e.at, e.id`);
    this.#swept = db.prepare('SELECT local_day FROM attendance_sweeps WHERE local_day = ?');
    this.#markSwept = db.prepare(
      'INSERT OR IGNORE INTO attendance_sweeps (local_day, swept_at, checked_out) VALUES (?, ?, ?)',
    );
    this.#get = db.prepare(`${EVENT_SELECT} WHERE e.id = ?`);
    this.#lastForPersonOnDay = db.prepare(`
      ${EVENT_SELECT} WHERE e.person_id = ? AND e.local_day = ? AND e.deleted_at IS NULL
      ORDER BY e.at DESC, e.created_at DESC, e.id DESC LIMIT 1`);
    this.#list = db.prepare(`
      ${EVENT_SELECT} WHERE e.local_day BETWEEN :from AND :to AND e.deleted_at IS NULL
        AND (:personId IS NULL OR e.person_id = :personId)
      ORDER BY e.at, e.created_at, e.id`);
    this.#day = db.prepare(
      `${EVENT_SELECT} WHERE e.local_day = ? AND e.deleted_at IS NULL ORDER BY e.at, e.created_at, e.id`,
    );
  }

  record(input: AttendanceInput, actor?: Actor): AttendanceEvent {
    const who = checkActor(actor);
    const kind = checkKind(input.kind);
    const at = isoTime(input.at, 'Event time');
    const day = localDay(input.localDay, 'Local day');
    const station = requiredText(input.station, 'Station name', 200);
    const distance = optionalFiniteNumber(input.distance, 'Match distance');
    const liveness = optionalFiniteNumber(input.liveness, 'Liveness score');
    const source = input.source ?? 'kiosk';
    if (!ATTENDANCE_SOURCES.includes(source))
      throw new AppError('INVALID_INPUT', `"${String(source)}" is not an attendance source.`);
    const reason =
      source === 'manual' ? requiredText(input.reason, 'Reason', REASON_MAX) : input.reason?.trim() || null;
    return this.#db
      .transaction(() => {
        if (!this.#personIsLive.get(input.personId)) {
          throw new AppError(
            'NOT_FOUND',
            `No person with id ${input.personId} exists (they may have been deleted), so attendance cannot be recorded for them.`,
            { id: input.personId },
          );
        }
        const id = randomUUID();
        const now = isoNow(this.#clock);
        this.#insert.run(id, input.personId, kind, at, day, station, distance, liveness, now, now, source, reason);
        const event = toEvent(this.#get.get(id)!);
        this.#audit.append({
          actor: who,
          action: source === 'manual' ? 'attendance.add' : 'attendance.record',
          subjectId: input.personId,
          details:
            source === 'manual'
              ? { eventId: id, after: snapshot(event), reason }
              : { eventId: id, kind, localDay: day, station, source },
        });
        return event;
      })
      .immediate();
  }

  /** A live event, or NOT_FOUND (a deleted one cannot be changed again). */
  get(id: string): AttendanceEvent {
    const row = this.#get.get(id);
    if (!row || row.deleted_at !== null)
      throw new AppError(
        'NOT_FOUND',
        'That attendance record does not exist or was deleted. Show the report again to see the current records.',
        { id },
      );
    return toEvent(row);
  }

  /** An administrator's correction of a punch's kind and/or time; audited with before, after and why. */
  correct(id: string, change: AttendanceChange, reasonText: string, actor?: Actor): AttendanceEvent {
    const who = checkActor(actor);
    const reason = requiredText(reasonText, 'Reason', REASON_MAX);
    return this.#db
      .transaction(() => {
        const before = this.get(id);
        const kind = change.kind === undefined ? before.kind : checkKind(change.kind);
        const at = change.at === undefined ? before.at : isoTime(change.at, 'Event time');
        const day = change.localDay === undefined ? before.localDay : localDay(change.localDay, 'Local day');
        const now = isoNow(this.#clock);
        this.#update.run(kind, at, day, now, reason, now, id);
        const after = toEvent(this.#get.get(id)!);
        this.#audit.append({
          actor: who,
          action: 'attendance.update',
          subjectId: before.personId,
          details: { eventId: id, before: snapshot(before), after: snapshot(after), reason },
        });
        return after;
      })
      .immediate();
  }

  /**
   * Takes a wrong punch out of every list, report and export; the row and the audit entry (with what it
   * was, and why) remain. `action` 'attendance.void' is the person's own "Not you?" at the kiosk;
   * 'attendance.replace_auto' an automatic check-out replaced by the person's real one (check-in.ts).
   */
  remove(
    id: string,
    reasonText: string,
    actor?: Actor,
    action: 'attendance.delete' | 'attendance.void' | 'attendance.replace_auto' = 'attendance.delete',
  ): AttendanceEvent {
    const who = checkActor(actor);
    const reason = requiredText(reasonText, 'Reason', REASON_MAX);
    return this.#db
      .transaction(() => {
        const before = this.get(id);
        const now = isoNow(this.#clock);
        this.#softDelete.run(now, now, id);
        this.#audit.append({
          actor: who,
          action,
          subjectId: before.personId,
          details: { eventId: id, before: snapshot(before), reason },
        });
        return before;
      })
      .immediate();
  }

  /**
   * Puts back an event taken out by `remove` (audited): the automatic check-out that a real one
   * replaced, when the person voids that real one with "Not you?" (kiosk.ts).
   */
  restore(id: string, reasonText: string, actor?: Actor): void {
    const who = checkActor(actor);
    const reason = requiredText(reasonText, 'Reason', REASON_MAX);
    this.#db
      .transaction(() => {
        const now = isoNow(this.#clock);
        const row = this.#restore.get(now, id);
        if (!row) return;
        this.#audit.append({
          actor: who,
          action: 'attendance.restore',
          subjectId: row.person_id,
          details: { eventId: id, reason },
        });
      })
      .immediate();
  }

  /** Live people whose last event on `day` leaves them in (or on a break): nobody checked them out. */
  openOnDay(day: string): AttendanceEvent[] {
    return this.#openOnDay.all(localDay(day, 'Day')).map(toEvent);
  }

  /** The automatic check-out has run for this work day. */
  swept(day: string): boolean {
    return this.#swept.get(day) !== undefined;
  }

  markSwept(day: string, checkedOut: number): void {
    this.#markSwept.run(day, isoNow(this.#clock), checkedOut);
  }

  lastForPersonOnDay(personId: string, day: string): AttendanceEvent | undefined {
    const row = this.#lastForPersonOnDay.get(personId, day);
    return row ? toEvent(row) : undefined;
  }

  /** Events from `from` to `to` (local days, inclusive), oldest first, with the person's name. */
  list(opts: AttendanceListOptions): AttendanceEvent[] {
    const from = localDay(opts.from, 'From');
    const to = localDay(opts.to, 'To');
    if (from > to)
      throw new AppError('INVALID_INPUT', `The range starts (${from}) after it ends (${to}); swap the dates.`);
    return this.#list.all({ from, to, personId: opts.personId ?? null }).map(toEvent);
  }

  /** One row per person seen on `day`, ordered by name. */
  daySummary(day: string): DaySummaryRow[] {
    const rows = this.#day.all(localDay(day, 'Day'));
    const byPerson = new Map<string, DaySummaryRow>();
    for (const r of rows) {
      let s = byPerson.get(r.person_id);
      if (!s) {
        s = { personId: r.person_id, name: r.person_name, firstIn: null, lastOut: null, events: 0, present: false };
        byPerson.set(r.person_id, s);
      }
      s.events++;
      // Rows arrive in time order, so the first 'in' is the earliest and the last 'out' the latest.
      if (r.kind === 'in' && s.firstIn === null) s.firstIn = r.at;
      if (r.kind === 'out') s.lastOut = r.at;
      s.present = r.kind === 'in';
    }
    return [...byPerson.values()].sort((a, b) => compareNames(a.name, b.name) || a.personId.localeCompare(b.personId));
  }
}
