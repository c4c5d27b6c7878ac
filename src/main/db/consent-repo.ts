// Consent as a history (migration 007): each event is its own row, never changed; the consent texts
// are versioned, and each event keeps the version that was shown. A person's current consent is their
// latest event.

import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import type { ConsentEvent, ConsentMethod, ConsentText } from '../../shared/types';
import type { AuditRepo } from './audit-repo';
import { isoNow, systemClock, type Clock } from './clock';
import { requiredLineText } from './names';
import type { Actor } from './types';
import { actor as checkActor, NAME_MAX } from './validate';

export interface ConsentEventInput {
  kind: ConsentEvent['kind'];
  recordedBy: string;
  method: ConsentMethod;
  /** The version of the text shown; for 'given' it must be the version in force. */
  textVersion: number | null;
}

interface EventDbRow {
  id: string;
  person_id: string;
  kind: ConsentEvent['kind'];
  scope: ConsentEvent['scope'];
  recorded_by: string;
  method: ConsentMethod;
  at: string;
  text_version: number | null;
}

interface TextDbRow {
  version: number;
  text_en: string;
  text_zh: string;
  created_at: string;
}

const toEvent = (r: EventDbRow): ConsentEvent => ({
  id: r.id,
  personId: r.person_id,
  kind: r.kind,
  scope: r.scope,
  recordedBy: r.recorded_by,
  method: r.method,
  at: r.at,
  textVersion: r.text_version,
});

const toText = (r: TextDbRow): ConsentText => ({
  version: r.version,
  texts: { en: r.text_en, 'zh-CN': r.text_zh },
  createdAt: r.created_at,
});

/** SQL for a person's current consent, as columns of `people p`: given (and not withdrawn since). */
export const CURRENT_CONSENT_COLUMNS = `
  (SELECT CASE WHEN c.kind = 'given' THEN c.at END FROM consent_events c
     WHERE c.person_id = p.id ORDER BY c.at DESC, c.rowid DESC LIMIT 1) AS consent_at,
  (SELECT CASE WHEN c.kind = 'given' THEN c.recorded_by END FROM consent_events c
     WHERE c.person_id = p.id ORDER BY c.at DESC, c.rowid DESC LIMIT 1) AS consent_by`;

export class ConsentRepo {
  readonly #db: Database.Database;
  readonly #audit: AuditRepo;
  readonly #clock: Clock;
  readonly #inForce: Database.Statement<[], TextDbRow>;
  readonly #history: Database.Statement<[string], EventDbRow>;
  readonly #insert: Database.Statement<[string, string, string, string, string, string, number | null]>;
  readonly #personLive: Database.Statement<[string], { id: string }>;

  constructor(db: Database.Database, audit: AuditRepo, clock: Clock = systemClock) {
    this.#db = db;
    this.#audit = audit;
    this.#clock = clock;
    this.#inForce = db.prepare('SELECT * FROM consent_texts ORDER BY version DESC LIMIT 1');
    this.#history = db.prepare('SELECT * FROM consent_events WHERE person_id = ? ORDER BY at, rowid');
    this.#insert = db.prepare(
      `INSERT INTO consent_events (id, person_id, kind, scope, recorded_by, method, at, text_version)
       VALUES (?, ?, ?, 'face-recognition', ?, ?, ?, ?)`,
    );
    this.#personLive = db.prepare('SELECT id FROM people WHERE id = ? AND deleted_at IS NULL');
  }

  /** The consent text shown to people now: the newest version. */
  textInForce(): ConsentText {
    const row = this.#inForce.get();
    // Migration 007 writes version 1, and versions are only added: none is a damaged database.
    if (!row) throw new AppError('INTERNAL', 'The database holds no consent text. Restore it from a backup.');
    return toText(row);
  }

  /** A new version of the text, in force from now; consent given before keeps its own version. */
  setText(texts: { en: string; 'zh-CN': string }, actor?: Actor): ConsentText {
    const who = checkActor(actor);
    const en = texts.en.trim();
    const zh = texts['zh-CN'].trim();
    if (!en || !zh) throw new AppError('INVALID_INPUT', 'Write the consent text in both languages.');
    return this.#db
      .transaction(() => {
        const current = this.textInForce();
        if (current.texts.en === en && current.texts['zh-CN'] === zh) return current;
        const version = current.version + 1;
        this.#db
          .prepare('INSERT INTO consent_texts (version, text_en, text_zh, created_at) VALUES (?, ?, ?, ?)')
          .run(version, en, zh, isoNow(this.#clock));
        this.#audit.append({ actor: who, action: 'consent.text', details: { version } });
        return this.textInForce();
      })
      .immediate();
  }

  /**
   * Appends one event to a living person's history (audited: kind, method and text version, no names).
   * Consent given must name the text in force: a person shown an older text has not agreed to this one.
   * Consent given again as it stands (same text, recorder and method) adds nothing and returns it.
   */
  record(personId: string, input: ConsentEventInput, actor?: Actor): ConsentEvent {
    const who = checkActor(actor);
    const recordedBy = requiredLineText(input.recordedBy, 'Who recorded the consent', NAME_MAX);
    return this.#db
      .transaction(() => {
        if (!this.#personLive.get(personId))
          throw new AppError('NOT_FOUND', 'This person does not exist or was erased.', { id: personId });
        const inForce = this.textInForce().version;
        if (input.kind === 'given' && input.textVersion !== inForce)
          throw new AppError(
            'CONSENT_REQUIRED',
            `The consent text was changed (version ${inForce} is in force now, the person was shown ` +
              `version ${input.textVersion ?? 'none'}): show them the current text and record their consent again.`,
            { textVersion: inForce },
          );
        // The same consent again (the screens import photos one call each): it is still in force, so the
        // history does not grow a line per photo.
        const current = this.current(personId);
        if (
          input.kind === 'given' &&
          current?.kind === 'given' &&
          current.textVersion === input.textVersion &&
          current.recordedBy === recordedBy &&
          current.method === input.method
        )
          return current;
        const id = randomUUID();
        this.#insert.run(id, personId, input.kind, recordedBy, input.method, isoNow(this.#clock), input.textVersion);
        this.#audit.append({
          actor: who,
          action: input.kind === 'given' ? 'person.consent' : 'person.consent_withdrawn',
          subjectId: personId,
          details: { method: input.method, textVersion: input.textVersion },
        });
        return this.history(personId).find((e) => e.id === id)!;
      })
      .immediate();
  }

  /** The person's events, oldest first. */
  history(personId: string): ConsentEvent[] {
    return this.#history.all(personId).map(toEvent);
  }

  /** The latest event, or null when none was ever recorded. */
  current(personId: string): ConsentEvent | null {
    return this.history(personId).at(-1) ?? null;
  }
}
