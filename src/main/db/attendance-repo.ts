// Attendance events (check-in / check-out). `at` is the UTC instant; `localDay` is the calendar day at the
// station, given by the caller, because "today" depends on the station's time zone, not on UTC.

import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import type { AuditRepo } from './audit-repo';
import { isoNow, systemClock, type Clock } from './clock';
import { compareNames } from './names';
import { ATTENDANCE_KINDS, type Actor, type AttendanceEvent, type AttendanceKind, type DaySummaryRow } from './types';
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
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

// Events of tombstoned people stay listed under their name: attendance history outlives enrollment.
const EVENT_SELECT = `
  SELECT e.id, e.person_id, p.name AS person_name, e.kind, e.at, e.local_day, e.station, e.distance, e.liveness,
         e.created_at, e.updated_at
  FROM attendance_events e JOIN people p ON p.id = e.person_id`;

export class AttendanceRepo {
  readonly #db: Database.Database;
  readonly #audit: AuditRepo;
  readonly #clock: Clock;

  readonly #personIsLive: Database.Statement<[string], { id: string }>;
  readonly #insert: Database.Statement<
    [string, string, string, string, string, string, number | null, number | null, string, string]
  >;
  readonly #get: Database.Statement<[string], EventDbRow>;
  readonly #lastForPersonOnDay: Database.Statement<[string, string], EventDbRow>;
  readonly #list: Database.Statement<{ from: string; to: string; personId: string | null }, EventDbRow>;
  readonly #day: Database.Statement<[string], EventDbRow>;

  constructor(db: Database.Database, audit: AuditRepo, clock: Clock = systemClock) {
    this.#db = db;
    this.#audit = audit;
    this.#clock = clock;
    this.#personIsLive = db.prepare('SELECT id FROM people WHERE id = ? AND deleted_at IS NULL');
    this.#insert = db.prepare(`
      INSERT INTO attendance_events (id, person_id, kind, at, local_day, station, distance, liveness, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
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
    if (!ATTENDANCE_KINDS.includes(input.kind))
      throw new AppError('INVALID_INPUT', `"${String(input.kind)}" is not an attendance kind; use "in" or "out".`);
    const at = isoTime(input.at, 'Event time');
    const day = localDay(input.localDay, 'Local day');
    const station = requiredText(input.station, 'Station name', 200);
    const distance = optionalFiniteNumber(input.distance, 'Match distance');
    const liveness = optionalFiniteNumber(input.liveness, 'Liveness score');
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
        this.#insert.run(id, input.personId, input.kind, at, day, station, distance, liveness, now, now);
        this.#audit.append({
          actor: who,
          action: 'attendance.record',
          subjectId: input.personId,
          details: { eventId: id, kind: input.kind, localDay: day, station },
        });
        return toEvent(this.#get.get(id)!);
      })
      .immediate();
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
