// People: the identities templates and attendance belong to. Removing a person is an erasure: their face
// data and everything that names them go, and what is left is a tombstone with a random label, kept only
// while attendance kept for payroll refers to it (and, later, for sync); purge removes a row entirely.

import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import { thumbnailAad, type TemplateCipher } from '../security/template-cipher';
import type { AuditRepo } from './audit-repo';
import { unreadableReason } from './templates-repo';
import { CURRENT_CONSENT_COLUMNS } from './consent-repo';
import { compareNames, erasedLabel, foldForSearch, optionalLineText, requiredLineText } from './names';
import { isoNow, systemClock, type Clock } from './clock';
import type { Person } from '../../shared/types';
import type { Actor, PersonRow } from './types';
import { actor as checkActor, EXTERNAL_ID_MAX, NAME_MAX, NOTES_MAX, optionalText } from './validate';

export const THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024;

export interface PersonCreateInput {
  name: string;
  externalId?: string | null;
  notes?: string | null;
}

/** Omitted fields stay as they are; null clears externalId or notes. */
export interface PersonUpdateInput {
  name?: string;
  externalId?: string | null;
  notes?: string | null;
}

export interface PersonListOptions {
  /** Substring of the name or external id, ignoring case and accents. */
  query?: string;
}

/** What erasure does with the person's attendance (Settings, erasedAttendance). */
export interface ErasureOptions {
  attendance: 'keep' | 'delete';
}

export interface Erasure {
  label: string;
  templatesErased: number;
  /** Attendance rows kept under the label, or deleted. */
  attendanceRows: number;
  /** No attendance was kept, so nothing needed the tombstone: the row is gone too. */
  rowRemoved: boolean;
}

interface PersonDbRow {
  id: string;
  name: string;
  external_id: string | null;
  notes: string | null;
  consent_at: string | null;
  consent_by: string | null;
  has_thumbnail: number;
  template_count: number;
  unreadable_templates: number;
  thumbnail_unreadable: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

const PERSON_COLUMNS = `
  p.id, p.name, p.external_id, p.notes, ${CURRENT_CONSENT_COLUMNS},
  (p.thumbnail IS NOT NULL AND p.thumbnail_damaged_at IS NULL) AS has_thumbnail,
  (SELECT count(*) FROM face_templates t WHERE t.person_id = p.id) AS template_count,
  (SELECT count(*) FROM face_templates t WHERE t.person_id = p.id AND t.damaged_at IS NOT NULL) AS unreadable_templates,
  (p.thumbnail_damaged_at IS NOT NULL) AS thumbnail_unreadable,
  p.created_at, p.updated_at, p.deleted_at`;

/** The one mapping of a person from SQL to the contract's shape. */
function toPerson(r: PersonDbRow): Person {
  const thumbnailUnreadable = r.thumbnail_unreadable === 1;
  return {
    id: r.id,
    name: r.name,
    externalId: r.external_id,
    notes: r.notes,
    consentAt: r.consent_at,
    consentBy: r.consent_by,
    templateCount: r.template_count,
    hasThumbnail: r.has_thumbnail === 1,
    // What is stored but cannot be read (set aside: damaged, or of a newer format), flagged on People and
    // in `presence people list`: the person should be enrolled again.
    ...(r.unreadable_templates > 0 || thumbnailUnreadable
      ? { unreadable: { templates: r.unreadable_templates, thumbnail: thumbnailUnreadable } }
      : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function notFound(id: string): AppError {
  return new AppError(
    'NOT_FOUND',
    `No person with id ${id} exists (they may have been deleted). Refresh the list and try again.`,
    { id },
  );
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export class PeopleRepo {
  readonly #db: Database.Database;
  readonly #cipher: TemplateCipher;
  readonly #audit: AuditRepo;
  readonly #clock: Clock;

  readonly #list: Database.Statement<[number], PersonDbRow>;
  readonly #get: Database.Statement<[string], PersonDbRow>;
  readonly #getAny: Database.Statement<[string], PersonDbRow>;
  readonly #externalIdOwner: Database.Statement<[string, string], { id: string; name: string }>;
  readonly #insert: Database.Statement<[string, string, string | null, string | null, string, string]>;
  readonly #update: Database.Statement<[string, string | null, string | null, string, string]>;
  readonly #setThumbnail: Database.Statement<[Buffer | null, string, string]>;
  readonly #getThumbnail: Database.Statement<[string], { thumbnail: Buffer | null }>;
  readonly #markThumbnailDamaged: Database.Statement<[string, string]>;
  readonly #tombstone: Database.Statement<[string, string, string, string]>;
  readonly #deleteTemplates: Database.Statement<[string]>;
  readonly #purge: Database.Statement<[string]>;

  constructor(db: Database.Database, cipher: TemplateCipher, audit: AuditRepo, clock: Clock = systemClock) {
    this.#db = db;
    this.#cipher = cipher;
    this.#audit = audit;
    this.#clock = clock;
    this.#list = db.prepare(`SELECT ${PERSON_COLUMNS} FROM people p WHERE (? = 1 OR p.deleted_at IS NULL)`);
    this.#get = db.prepare(`SELECT ${PERSON_COLUMNS} FROM people p WHERE p.id = ? AND p.deleted_at IS NULL`);
    this.#getAny = db.prepare(`SELECT ${PERSON_COLUMNS} FROM people p WHERE p.id = ?`);
    this.#externalIdOwner = db.prepare(
      'SELECT id, name FROM people WHERE external_id = ? AND deleted_at IS NULL AND id <> ?',
    );
    this.#insert = db.prepare(
      'INSERT INTO people (id, name, external_id, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#update = db.prepare(
      'UPDATE people SET name = ?, external_id = ?, notes = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL',
    );
    this.#setThumbnail = db.prepare(
      'UPDATE people SET thumbnail = ?, thumbnail_damaged_at = NULL, updated_at = ? WHERE id = ? AND deleted_at IS NULL',
    );
    this.#getThumbnail = db.prepare(
      'SELECT thumbnail FROM people WHERE id = ? AND deleted_at IS NULL AND thumbnail_damaged_at IS NULL',
    );
    this.#markThumbnailDamaged = db.prepare(
      'UPDATE people SET thumbnail_damaged_at = ? WHERE id = ? AND thumbnail IS NOT NULL AND thumbnail_damaged_at IS NULL',
    );
    this.#tombstone = db.prepare(
      `UPDATE people SET name = ?, external_id = NULL, notes = NULL, thumbnail = NULL, thumbnail_damaged_at = NULL,
         deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL`,
    );
    this.#deleteTemplates = db.prepare('DELETE FROM face_templates WHERE person_id = ?');
    this.#purge = db.prepare('DELETE FROM people WHERE id = ?');
  }

  list(opts: PersonListOptions = {}): Person[] {
    const query = foldForSearch(opts.query?.trim() ?? '');
    const rows = this.#list.all(0).map(toPerson);
    const matches = query
      ? rows.filter(
          (p) =>
            foldForSearch(p.name).includes(query) ||
            (p.externalId !== null && foldForSearch(p.externalId).includes(query)),
        )
      : rows;
    return matches.sort(
      (a, b) => compareNames(a.name, b.name) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
    );
  }

  /** Everyone, tombstones too, with when they were deleted (oldest first). */
  listWithTombstones(): PersonRow[] {
    return this.#list
      .all(1)
      .map((r) => ({ ...toPerson(r), deletedAt: r.deleted_at }))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** The person, or undefined if there is none or they were deleted. */
  get(id: string): Person | undefined {
    const row = this.#get.get(id);
    return row ? toPerson(row) : undefined;
  }

  create(input: PersonCreateInput, actor?: Actor): Person {
    const who = checkActor(actor);
    const name = requiredLineText(input.name, 'Name', NAME_MAX);
    const externalId = optionalLineText(input.externalId, 'ID number', EXTERNAL_ID_MAX);
    const notes = optionalText(input.notes, 'Notes', NOTES_MAX);
    const id = randomUUID();
    return this.#db
      .transaction(() => {
        this.#assertExternalIdFree(externalId, id);
        const now = isoNow(this.#clock);
        this.#withConflictMessage(externalId, () => this.#insert.run(id, name, externalId, notes, now, now));
        // No personal values in the log: it is append-only and outlives a purged person.
        this.#audit.append({
          actor: who,
          action: 'person.create',
          subjectId: id,
          details: { hasExternalId: externalId !== null },
        });
        return toPerson(this.#get.get(id)!);
      })
      .immediate();
  }

  /** Throws what `create` would throw for these details (a bad field, an ID number in use); writes nothing. */
  checkNew(input: PersonCreateInput): void {
    requiredLineText(input.name, 'Name', NAME_MAX);
    optionalText(input.notes, 'Notes', NOTES_MAX);
    this.#assertExternalIdFree(optionalLineText(input.externalId, 'ID number', EXTERNAL_ID_MAX), '');
  }

  update(id: string, patch: PersonUpdateInput, actor?: Actor): Person {
    const who = checkActor(actor);
    const name = patch.name === undefined ? undefined : requiredLineText(patch.name, 'Name', NAME_MAX);
    const externalId =
      patch.externalId === undefined ? undefined : optionalLineText(patch.externalId, 'ID number', EXTERNAL_ID_MAX);
    const notes = patch.notes === undefined ? undefined : optionalText(patch.notes, 'Notes', NOTES_MAX);
    return this.#db
      .transaction(() => {
        const current = this.#get.get(id);
        if (!current) throw notFound(id);
        const next = {
          name: name ?? current.name,
          externalId: externalId === undefined ? current.external_id : externalId,
          notes: notes === undefined ? current.notes : notes,
        };
        const changed: string[] = [];
        if (next.name !== current.name) changed.push('name');
        if (next.externalId !== current.external_id) changed.push('externalId');
        if (next.notes !== current.notes) changed.push('notes');
        if (changed.length === 0) return toPerson(current);

        if (changed.includes('externalId')) this.#assertExternalIdFree(next.externalId, id);
        this.#withConflictMessage(next.externalId, () =>
          this.#update.run(next.name, next.externalId, next.notes, isoNow(this.#clock), id),
        );
        // Field names only: the log outlives the person and should not keep their data.
        this.#audit.append({ actor: who, action: 'person.update', subjectId: id, details: { fields: changed } });
        return toPerson(this.#get.get(id)!);
      })
      .immediate();
  }

  /** Stores the JPEG encrypted (AAD `thumbnail:<id>`); null removes it. */
  setThumbnail(id: string, jpeg: Uint8Array | null, actor?: Actor): void {
    const who = checkActor(actor);
    if (jpeg !== null && jpeg.byteLength > THUMBNAIL_MAX_BYTES) {
      throw new AppError(
        'IMAGE_TOO_LARGE',
        `The thumbnail is ${Math.ceil(jpeg.byteLength / 1024)} KB; keep it under ${THUMBNAIL_MAX_BYTES / 1024 / 1024} MB by scaling it down first.`,
      );
    }
    const blob = jpeg === null ? null : this.#cipher.encryptBytes(jpeg, thumbnailAad(id));
    this.#db
      .transaction(() => {
        if (this.#setThumbnail.run(blob, isoNow(this.#clock), id).changes === 0) throw notFound(id);
        this.#audit.append({
          actor: who,
          action: jpeg === null ? 'person.thumbnail_remove' : 'person.thumbnail_set',
          subjectId: id,
        });
      })
      .immediate();
  }

  /**
   * The decrypted thumbnail, or null if the person has none (or does not exist / was deleted). One that
   * cannot be read is set aside (kept, flagged on the person, audited once) and reads as none.
   */
  getThumbnail(id: string): Uint8Array | null {
    const row = this.#getThumbnail.get(id);
    if (!row?.thumbnail) return null;
    try {
      return new Uint8Array(this.#cipher.decryptBytes(row.thumbnail, thumbnailAad(id)));
    } catch {
      this.#setThumbnailAside(id, row.thumbnail);
      return null;
    }
  }

  /** Live people whose thumbnail is set aside as unreadable. */
  unreadableThumbnails(): number {
    return (
      this.#db
        .prepare('SELECT count(*) AS n FROM people WHERE deleted_at IS NULL AND thumbnail_damaged_at IS NOT NULL')
        .get() as { n: number }
    ).n;
  }

  #setThumbnailAside(id: string, blob: Buffer): void {
    try {
      this.#db
        .transaction(() => {
          if (this.#markThumbnailDamaged.run(isoNow(this.#clock), id).changes === 0) return;
          const reason = unreadableReason(blob);
          this.#audit.append({
            actor: 'system',
            action: 'person.thumbnail_unreadable',
            subjectId: id,
            details: {
              reason,
              message:
                reason === 'newer-format'
                  ? 'This photo was written by a newer version of Presence: update Presence, or enroll the person again.'
                  : 'This photo is damaged and cannot be read: enroll the person again to replace it.',
            },
          });
        })
        .immediate();
    } catch {
      // A read-only or busy database: it still reads as none, and is marked next time.
    }
  }

  /**
   * Erases a living person (GDPR Art. 17), in one transaction with its audit entry: every face template
   * (with its chip), the thumbnail, the notes, the external ID and the consent history go, and the name
   * becomes a random label. Attendance is kept under that label for payroll, or deleted; a punch an
   * administrator had already removed goes either way. With no attendance kept, nothing needs the
   * tombstone and the row goes too. The audit entry holds counts only.
   */
  erase(id: string, options: ErasureOptions, actor?: Actor): Erasure {
    const who = checkActor(actor);
    return this.#db
      .transaction((): Erasure => {
        const now = isoNow(this.#clock);
        const label = erasedLabel();
        if (this.#tombstone.run(label, now, now, id).changes === 0) throw notFound(id);
        const templatesErased = this.#deleteTemplates.run(id).changes;
        this.#db.prepare('DELETE FROM consent_events WHERE person_id = ?').run(id);
        // Records of theirs pulled from the hub and still waiting to be applied go too (db/sync-repo.ts).
        this.#db.prepare('DELETE FROM sync_inbox WHERE person_id = ?').run(id);
        const dropped = this.#db.prepare(
          options.attendance === 'delete'
            ? 'DELETE FROM attendance_events WHERE person_id = ?'
            : 'DELETE FROM attendance_events WHERE person_id = ? AND deleted_at IS NOT NULL',
        );
        const deleted = dropped.run(id).changes;
        const kept = (
          this.#db.prepare('SELECT count(*) AS n FROM attendance_events WHERE person_id = ?').get(id) as { n: number }
        ).n;
        const rowRemoved = kept === 0;
        if (rowRemoved) this.#purge.run(id);
        this.#audit.append({
          actor: who,
          action: 'person.erase',
          subjectId: id,
          details: {
            templatesErased,
            attendance: options.attendance,
            attendanceKept: kept,
            attendanceDeleted: deleted,
          },
        });
        return { label, templatesErased, attendanceRows: options.attendance === 'keep' ? kept : deleted, rowRemoved };
      })
      .immediate();
  }

  /**
   * Erases a living person's face data (templates with their chips, and the thumbnail) and keeps the
   * person: consent withdrawn, or not seen for longer than retention allows. Audited with counts.
   */
  eraseFaceData(
    id: string,
    why: 'consent_withdrawn' | 'retention',
    actor?: Actor,
  ): { templates: number; thumbnail: boolean } {
    const who = checkActor(actor);
    return this.#db
      .transaction(() => {
        const row = this.#get.get(id);
        if (!row) throw notFound(id);
        const thumbnail =
          this.#db
            .prepare(
              'UPDATE people SET thumbnail = NULL, thumbnail_damaged_at = NULL, updated_at = ? WHERE id = ? AND thumbnail IS NOT NULL',
            )
            .run(isoNow(this.#clock), id).changes > 0;
        const templates = this.#deleteTemplates.run(id).changes;
        this.#db.prepare("DELETE FROM sync_inbox WHERE person_id = ? AND entity = 'template'").run(id);
        this.#audit.append({
          actor: who,
          action: 'person.face_data_erased',
          subjectId: id,
          details: { why, templates, thumbnail },
        });
        return { templates, thumbnail };
      })
      .immediate();
  }

  /** Removes the person row entirely (live or tombstoned); templates and attendance go with it. */
  purge(id: string, actor?: Actor): void {
    const who = checkActor(actor);
    this.#db
      .transaction(() => {
        const row = this.#getAny.get(id);
        if (!row) throw notFound(id);
        this.#purge.run(id);
        this.#audit.append({
          actor: who,
          action: 'person.purge',
          subjectId: id,
          details: { templatesDeleted: row.template_count },
        });
      })
      .immediate();
  }

  #assertExternalIdFree(externalId: string | null, selfId: string): void {
    if (externalId === null) return;
    const owner = this.#externalIdOwner.get(externalId, selfId);
    if (owner) throw this.#conflict(externalId, owner.name);
  }

  #conflict(externalId: string, ownerName?: string): AppError {
    const who = ownerName ? `${ownerName} already has` : 'Another person already has';
    return new AppError(
      'CONFLICT',
      `${who} the ID number "${externalId}". Use a different number, or change theirs first.`,
      { field: 'externalId' },
    );
  }

  // The SELECT check gives the friendly message; this catches the rare race with another process.
  #withConflictMessage<T>(externalId: string | null, write: () => T): T {
    try {
      return write();
    } catch (e) {
      if (isUniqueViolation(e) && externalId !== null) throw this.#conflict(externalId);
      throw e;
    }
  }
}
