// The data side of retention (domain/retention.ts): which face data and which attendance the rules
// reach, and removing it. Counts only ever leave this module into the audit log.

import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { RetentionSummary } from '../../shared/types';
import type { AuditRepo } from './audit-repo';
import { isoNow, systemClock, type Clock } from './clock';
import { anonymousLabel } from './names';
import type { PeopleRepo } from './people-repo';
import type { Actor } from './types';

export interface RetentionCutoffs {
  /** Face data of people last seen before this instant (ISO) goes; null = the rule is off. */
  faceDataBefore: string | null;
  /** Attendance before this instant (ISO) is anonymised or deleted; null = the rule is off. */
  attendanceBefore: string | null;
  oldAttendance: 'anonymise' | 'delete';
}

interface FaceDataCandidate {
  id: string;
  templates: number;
  thumbnail: number;
}

/**
 * When a living person was last seen: their last check-in at a kiosk, their last enrollment, or when
 * they were added. Manual punches do not count: nobody saw their face.
 */
const LAST_SEEN = `max(
  coalesce((SELECT max(e.at) FROM attendance_events e
            WHERE e.person_id = p.id AND e.source = 'kiosk' AND e.deleted_at IS NULL), ''),
  coalesce((SELECT max(t.created_at) FROM face_templates t WHERE t.person_id = p.id), ''),
  p.created_at)`;

export class RetentionRepo {
  readonly #db: Database.Database;
  readonly #people: PeopleRepo;
  readonly #audit: AuditRepo;
  readonly #clock: Clock;

  constructor(db: Database.Database, people: PeopleRepo, audit: AuditRepo, clock: Clock = systemClock) {
    this.#db = db;
    this.#people = people;
    this.#audit = audit;
    this.#clock = clock;
  }

  #faceDataCandidates(before: string): FaceDataCandidate[] {
    return this.#db
      .prepare(
        `SELECT id, templates, thumbnail FROM (
           SELECT p.id,
             (SELECT count(*) FROM face_templates t WHERE t.person_id = p.id) AS templates,
             (p.thumbnail IS NOT NULL) AS thumbnail,
             ${LAST_SEEN} AS last_seen
           FROM people p WHERE p.deleted_at IS NULL)
         WHERE (templates > 0 OR thumbnail = 1) AND last_seen < ?`,
      )
      .all(before) as FaceDataCandidate[];
  }

  /**
   * Old rows: of living people (anonymised or deleted, per the rule), of tombstones (an erased person's
   * kept attendance and rows anonymised before: already anonymous, deleted only by the delete rule),
   * and punches an administrator removed (always deleted).
   */
  #oldAttendance(before: string): { live: number; anonymous: number; removed: number } {
    return this.#db
      .prepare(
        `SELECT
           coalesce(sum(e.deleted_at IS NULL AND p.deleted_at IS NULL), 0) AS live,
           coalesce(sum(e.deleted_at IS NULL AND p.deleted_at IS NOT NULL), 0) AS anonymous,
           coalesce(sum(e.deleted_at IS NOT NULL), 0) AS removed
         FROM attendance_events e JOIN people p ON p.id = e.person_id WHERE e.at < ?`,
      )
      .get(before) as { live: number; anonymous: number; removed: number };
  }

  /** What a run with these cut-offs would remove, without removing it. */
  preview(c: RetentionCutoffs): RetentionSummary {
    const face = c.faceDataBefore === null ? [] : this.#faceDataCandidates(c.faceDataBefore);
    const old =
      c.attendanceBefore === null ? { live: 0, anonymous: 0, removed: 0 } : this.#oldAttendance(c.attendanceBefore);
    return {
      faceData: {
        people: face.length,
        templates: face.reduce((n, f) => n + f.templates, 0),
        thumbnails: face.filter((f) => f.thumbnail === 1).length,
      },
      attendance:
        c.oldAttendance === 'anonymise'
          ? { anonymised: old.live, deleted: old.removed }
          : { anonymised: 0, deleted: old.live + old.anonymous + old.removed },
    };
  }

  /**
   * Applies the rules in one transaction, audited as one `retention.run` with counts (and one
   * `person.face_data_erased` per person). Anonymising moves a person's old rows to a tombstone of their
   * own with a random label, so hours still add up per (unknown) person and nobody can be named; match
   * and liveness scores go. Rows already anonymous (an erased person's, or anonymised before) stay under
   * the anonymise rule; punches an administrator removed are deleted; tombstones nothing refers to any
   * more go. Returns the ids whose face data went.
   */
  run(c: RetentionCutoffs, actor: Actor): { summary: RetentionSummary; faceDataErased: string[] } {
    return this.#db
      .transaction(() => {
        const face = c.faceDataBefore === null ? [] : this.#faceDataCandidates(c.faceDataBefore);
        let templates = 0;
        let thumbnails = 0;
        for (const f of face) {
          const erased = this.#people.eraseFaceData(f.id, 'retention', actor);
          templates += erased.templates;
          if (erased.thumbnail) thumbnails++;
        }
        let anonymised = 0;
        let deleted = 0;
        if (c.attendanceBefore !== null) {
          const before = c.attendanceBefore;
          deleted += this.#db
            .prepare('DELETE FROM attendance_events WHERE at < ? AND deleted_at IS NOT NULL')
            .run(before).changes;
          if (c.oldAttendance === 'delete') {
            deleted += this.#db.prepare('DELETE FROM attendance_events WHERE at < ?').run(before).changes;
          } else {
            anonymised = this.#anonymise(before);
          }
        }
        const tombstonesRemoved = this.#db
          .prepare(
            `DELETE FROM people WHERE deleted_at IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM attendance_events e WHERE e.person_id = people.id)`,
          )
          .run().changes;
        const summary: RetentionSummary = {
          faceData: { people: face.length, templates, thumbnails },
          attendance: { anonymised, deleted },
        };
        this.#audit.append({ actor, action: 'retention.run', details: { ...summary, tombstonesRemoved } });
        return { summary, faceDataErased: face.map((f) => f.id) };
      })
      .immediate();
  }

  #anonymise(before: string): number {
    const owners = this.#db
      .prepare(
        `SELECT DISTINCT e.person_id AS id FROM attendance_events e JOIN people p ON p.id = e.person_id
         WHERE e.at < ? AND p.deleted_at IS NULL AND e.deleted_at IS NULL`,
      )
      .all(before) as { id: string }[];
    const now = isoNow(this.#clock);
    const tombstone = this.#db.prepare(
      'INSERT INTO people (id, name, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?)',
    );
    const move = this.#db.prepare(
      `UPDATE attendance_events SET person_id = ?, distance = NULL, liveness = NULL, updated_at = ?
       WHERE person_id = ? AND at < ? AND deleted_at IS NULL`,
    );
    let moved = 0;
    for (const { id } of owners) {
      const anonymous = randomUUID();
      tombstone.run(anonymous, anonymousLabel(), now, now, now);
      moved += move.run(anonymous, now, id, before).changes;
    }
    return moved;
  }

  /** When retention last ran (its audit entry), or null. */
  lastRunAt(): string | null {
    const row = this.#db.prepare("SELECT max(at) AS at FROM audit_log WHERE action = 'retention.run'").get() as {
      at: string | null;
    };
    return row.at;
  }
}
