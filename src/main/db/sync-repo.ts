// The station's side of sync in its SQLite file (migration 009): what changed here and is not yet pushed
// (sync_outbox, filled by triggers), the version every synced record is at (sync_versions), and pulled
// records applied in one transaction with the pull cursor, so that a station killed at any point either
// has a pulled page and the cursor past it, or neither.
//
// A record travels as its row, in plain JSON (encrypted columns decrypted, as base64), for the sync layer
// to encrypt under the organisation key; applying it re-encrypts those columns under this station's own
// template key. Columns a station does not know are left out, columns it keeps for itself (set-aside
// marks) are not sent.
import type Database from 'better-sqlite3';
import { chipAad, templateAad, thumbnailAad, type TemplateCipher } from '../security/template-cipher';
import { SYNC_LOCAL_ONLY_COLUMNS } from './migrations/009-sync';

/** In the order a page is applied and pushed: a template, an event, a consent need their person first. */
export const SYNC_ENTITIES = ['person', 'template', 'attendance', 'consent'] as const;
export type SyncEntity = (typeof SYNC_ENTITIES)[number];

/** The table of each entity. */
const TABLE: Record<SyncEntity, string> = {
  person: 'people',
  template: 'face_templates',
  attendance: 'attendance_events',
  consent: 'consent_events',
};
const ORDER = Object.fromEntries(SYNC_ENTITIES.map((e, i) => [e, i])) as Record<SyncEntity, number>;
/** The same order in SQL, for the outbox's pages. */
const ORDER_SQL = `CASE entity ${SYNC_ENTITIES.map((e) => `WHEN '${e}' THEN ${ORDER[e]}`).join(' ')} END`;
/** Columns that say something about this station's copy only. */
const LOCAL_ONLY = new Set(SYNC_LOCAL_ONLY_COLUMNS);
/** The entities that belong to a person and go with them when they are erased. */
const FACE_DATA: readonly SyncEntity[] = ['template', 'consent'];
/** Columns stored encrypted under the template key, with the AAD of their row. */
const ENCRYPTED: Record<string, ((id: string) => string) | undefined> = {
  'people.thumbnail': thumbnailAad,
  'face_templates.embedding': templateAad,
  'face_templates.chip': chipAad,
};

export type RecordData = Record<string, string | number | null>;

/** One record as it travels: its latest version here (data null when the row is gone). */
export interface SyncRecord {
  entity: SyncEntity;
  id: string;
  stamp: string;
  /** Gone for good (erased, deleted): final. A tombstoned person is deleted but still carries data. */
  deleted: boolean;
  data: RecordData | null;
}

export interface OutboxEntry {
  entity: SyncEntity;
  id: string;
  changedAt: string;
  stamp: string | null;
}

export interface SyncStateRow {
  hub: Buffer | null;
  station_id: string | null;
  station_name: string | null;
  joined_at: string | null;
  pull_cursor: number;
  clock: string | null;
  last_sync_at: string | null;
  last_error: string | null;
  last_error_code: string | null;
  last_error_at: string | null;
}

export interface ApplyOutcome {
  applied: number;
  /** Not newer than the version here, or a live version of an erased record: left as it is. */
  skipped: number;
  /** Kept in sync_inbox until what they refer to arrives. */
  deferred: number;
  /** People erased elsewhere and erased here: the file should be compacted. */
  erased: number;
  /** Templates added, changed or removed: the gallery must be reloaded. */
  galleryChanged: boolean;
}

const inboxAad = (entity: SyncEntity, id: string) => `sync-inbox:${entity}:${id}`;

export class SyncRepo {
  readonly #columns = new Map<string, string[]>();
  /** Statements by their SQL: a first full sync applies a million records, each with a few of them. */
  readonly #statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly cipher: TemplateCipher,
  ) {}

  #prepare(sql: string): Database.Statement {
    let st = this.#statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  state(): SyncStateRow {
    return this.#prepare('SELECT * FROM sync_state WHERE id = 1').get() as SyncStateRow;
  }

  updateState(patch: Partial<SyncStateRow>): void {
    const keys = Object.keys(patch);
    if (!keys.length) return;
    this.#prepare(`UPDATE sync_state SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = 1`).run(
      patch as Record<string, unknown>,
    );
  }

  /**
   * Every record there is, in the outbox: a station that joins sends what it has. (`WHERE true`: SQLite
   * needs it to read ON CONFLICT after INSERT ... SELECT as the upsert clause.)
   */
  enqueueEverything(now: string): number {
    let n = 0;
    this.db.transaction(() => {
      for (const entity of SYNC_ENTITIES)
        n += this.#prepare(
          `INSERT INTO sync_outbox (entity, entity_id, changed_at, stamp) SELECT ?, id, ?, NULL FROM ${TABLE[entity]} WHERE true
             ON CONFLICT (entity, entity_id) DO NOTHING`,
        ).run(entity, now).changes;
    })();
    return n;
  }

  pendingCount(): number {
    return (this.#prepare('SELECT count(*) AS n FROM sync_outbox').get() as { n: number }).n;
  }

  /** Outbox entries without a stamp yet, oldest change first. */
  unstamped(): OutboxEntry[] {
    return this.#prepare(
      'SELECT entity, entity_id AS id, changed_at AS changedAt, stamp FROM sync_outbox WHERE stamp IS NULL ORDER BY changed_at, entity, entity_id',
    ).all() as OutboxEntry[];
  }

  setStamps(entries: readonly { entity: SyncEntity; id: string; stamp: string }[], clock: string): void {
    const set = this.#prepare('UPDATE sync_outbox SET stamp = ? WHERE entity = ? AND entity_id = ? AND stamp IS NULL');
    this.db.transaction(() => {
      for (const e of entries) set.run(e.stamp, e.entity, e.id);
      this.#saveClock(clock);
    })();
  }

  /** The clock only moves forward, whichever process (the app, a CLI round) saves it last. */
  #saveClock(clock: string): void {
    this.#prepare('UPDATE sync_state SET clock = @clock WHERE id = 1 AND (clock IS NULL OR clock < @clock)').run({
      clock,
    });
  }

  /** Up to `limit` stamped outbox records, people before their templates, as they are now. */
  pushBatch(limit: number): SyncRecord[] {
    const rows = this.#prepare(
      `SELECT entity, entity_id AS id, stamp FROM sync_outbox WHERE stamp IS NOT NULL
         ORDER BY ${ORDER_SQL}, stamp
         LIMIT ?`,
    ).all(limit) as { entity: SyncEntity; id: string; stamp: string }[];
    const out: SyncRecord[] = [];
    for (const r of rows) {
      const data = this.read(r.entity, r.id);
      // A template set aside here as unreadable has nothing to send: other stations keep their copy.
      if (r.entity === 'template' && data !== null && !('embedding' in data)) {
        this.#prepare('DELETE FROM sync_outbox WHERE entity = ? AND entity_id = ? AND stamp = ?').run(
          r.entity,
          r.id,
          r.stamp,
        );
        continue;
      }
      const tombstone = r.entity === 'person' && data !== null && data.deleted_at !== null;
      out.push({ entity: r.entity, id: r.id, stamp: r.stamp, deleted: data === null || tombstone, data });
    }
    return out;
  }

  /** After the hub took them: out of the outbox (unless changed again since), and their version noted. */
  markPushed(records: readonly SyncRecord[]): void {
    const drop = this.#prepare('DELETE FROM sync_outbox WHERE entity = ? AND entity_id = ? AND stamp = ?');
    const version = this.#prepare(
      `INSERT INTO sync_versions (entity, entity_id, stamp, deleted) VALUES (?, ?, ?, ?)
       ON CONFLICT (entity, entity_id) DO UPDATE SET stamp = excluded.stamp, deleted = max(deleted, excluded.deleted)
       WHERE sync_versions.stamp < excluded.stamp OR excluded.deleted = 1`,
    );
    this.db.transaction(() => {
      for (const r of records) {
        drop.run(r.entity, r.id, r.stamp);
        version.run(r.entity, r.id, r.stamp, r.deleted ? 1 : 0);
      }
    })();
  }

  /**
   * Applies pulled records and moves the cursor to `cursor`, in one transaction. A deletion (an erased
   * person, a removed template or event) is final: it is applied whatever the stamps say, and no later
   * version brings the record back. Otherwise last writer wins: a record is applied only when its stamp
   * is newer than this station's version of it and than a change made here and not yet pushed (which
   * then stays out of the outbox: it lost). A change made here that has no stamp yet (made during this
   * round) is newer than anything pulled: its stamp will come after every stamp received. A record that
   * cannot be applied here (what it refers to is not here yet, or a rule of this station refuses it)
   * waits in sync_inbox, sealed, and is tried again at the end of every round; the cursor goes on.
   */
  apply(records: readonly SyncRecord[], cursor: number | null, clock: string): ApplyOutcome {
    const out: ApplyOutcome = { applied: 0, skipped: 0, deferred: 0, erased: 0, galleryChanged: false };
    this.#applying(() => {
      for (const r of [...records].sort((a, b) => ORDER[a.entity] - ORDER[b.entity])) this.#applyOne(r, out);
      if (cursor !== null) this.#prepare('UPDATE sync_state SET pull_cursor = ? WHERE id = 1').run(cursor);
      this.#saveClock(clock);
    });
    return out;
  }

  /** Tries the records waiting in sync_inbox again (once a round, after the pull). */
  retryInbox(): ApplyOutcome {
    const waiting = this.#prepare(
      'SELECT entity, entity_id AS id, stamp, payload FROM sync_inbox ORDER BY entity, stamp',
    ).all() as { entity: SyncEntity; id: string; stamp: string; payload: Buffer }[];
    const out: ApplyOutcome = { applied: 0, skipped: 0, deferred: 0, erased: 0, galleryChanged: false };
    if (!waiting.length) return out;
    this.#applying(() => {
      for (const w of waiting.sort((a, b) => ORDER[a.entity] - ORDER[b.entity])) {
        this.#prepare('DELETE FROM sync_inbox WHERE entity = ? AND entity_id = ?').run(w.entity, w.id);
        const data = JSON.parse(
          this.cipher.decryptBytes(w.payload, inboxAad(w.entity, w.id)).toString('utf8'),
        ) as RecordData;
        this.#applyOne({ entity: w.entity, id: w.id, stamp: w.stamp, deleted: false, data }, out);
      }
    });
    return out;
  }

  /** Records waiting in sync_inbox, and why the first of them could not be applied. */
  inbox(): { waiting: number; problem: string | null } {
    const row = this.#prepare('SELECT count(*) AS n, min(problem) AS problem FROM sync_inbox').get() as {
      n: number;
      problem: string | null;
    };
    return { waiting: row.n, problem: row.problem };
  }

  #applying(f: () => void): void {
    this.db
      .transaction(() => {
        this.#prepare('UPDATE sync_state SET applying = 1 WHERE id = 1').run();
        try {
          f();
        } finally {
          this.#prepare('UPDATE sync_state SET applying = 0 WHERE id = 1').run();
        }
      })
      .immediate();
  }

  #applyOne(r: SyncRecord, out: ApplyOutcome): void {
    // One look-up for what this station has of the record: its version, a change not yet pushed, and
    // (for a person) whether the row is here and erased.
    const table = TABLE[r.entity];
    const known = this.#prepare(
      `SELECT (SELECT stamp FROM sync_versions WHERE entity = @entity AND entity_id = @id) AS here,
              (SELECT deleted FROM sync_versions WHERE entity = @entity AND entity_id = @id) AS gone,
              (SELECT 1 FROM sync_outbox WHERE entity = @entity AND entity_id = @id) AS queued,
              (SELECT stamp FROM sync_outbox WHERE entity = @entity AND entity_id = @id) AS pending,
              ${r.entity === 'person' ? '(SELECT CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END FROM people WHERE id = @id)' : 'NULL'} AS person,
              (SELECT 1 FROM ${table} WHERE id = @id) AS present`,
    ).get({ entity: r.entity, id: r.id }) as {
      here: string | null;
      gone: 0 | 1 | null;
      queued: 1 | null;
      pending: string | null;
      person: 0 | 1 | null;
      present: 1 | null;
    };
    const markVersion = (deleted: boolean) => {
      if (known.queued) this.#prepare('DELETE FROM sync_outbox WHERE entity = ? AND entity_id = ?').run(r.entity, r.id);
      this.#prepare(
        `INSERT INTO sync_versions (entity, entity_id, stamp, deleted) VALUES (?, ?, ?, ?)
         ON CONFLICT (entity, entity_id) DO UPDATE SET stamp = excluded.stamp, deleted = max(deleted, excluded.deleted)`,
      ).run(r.entity, r.id, r.stamp, deleted ? 1 : 0);
      out.applied++;
    };

    if (r.deleted) {
      if (known.gone === 1 && (r.entity !== 'person' || known.person !== 0)) {
        out.skipped++;
        return;
      }
      if (r.entity === 'person') {
        this.#erasePerson(r, known.person !== null);
        out.erased++;
        out.galleryChanged = true;
      } else {
        this.#prepare(`DELETE FROM ${table} WHERE id = ?`).run(r.id);
        if (r.entity === 'template') out.galleryChanged = true;
      }
      markVersion(true);
      return;
    }
    // Gone here for good, an erased person, or older than what is here: left as it is.
    const ours = [known.here, known.pending]
      .filter((x): x is string => !!x)
      .sort()
      .at(-1);
    if (
      known.gone === 1 ||
      known.person === 1 ||
      // A removal made here and not sent yet is as final as one that was.
      (known.queued && known.present === null) ||
      (known.queued && known.pending === null) ||
      (ours !== undefined && ours >= r.stamp) ||
      r.data === null
    ) {
      out.skipped++;
      return;
    }
    // Face data of a person erased here (pushed elsewhere before the erasure arrived there): it goes, and
    // its removal is sent, so that the hub and the other stations drop it too.
    if (FACE_DATA.includes(r.entity) && this.#personGone(String(r.data.person_id ?? ''))) {
      this.#prepare(`DELETE FROM ${table} WHERE id = ?`).run(r.id);
      this.#queueRemoval(r.entity, r.id);
      out.skipped++;
      return;
    }
    const problem = this.#upsert(r.entity, r.id, r.data);
    if (problem) {
      this.#prepare(
        `INSERT INTO sync_inbox (entity, entity_id, stamp, person_id, payload, problem) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (entity, entity_id) DO UPDATE SET stamp = excluded.stamp, person_id = excluded.person_id,
           payload = excluded.payload, problem = excluded.problem`,
      ).run(
        r.entity,
        r.id,
        r.stamp,
        r.entity === 'person' ? r.id : ((r.data.person_id as string | null) ?? null),
        this.cipher.encryptBytes(Buffer.from(JSON.stringify(r.data), 'utf8'), inboxAad(r.entity, r.id)),
        problem,
      );
      out.deferred++;
      return;
    }
    if (r.entity === 'template') out.galleryChanged = true;
    markVersion(false);
  }

  /** Whether a person is erased here: a tombstone, or a record known gone. */
  #personGone(personId: string): boolean {
    const row = this.#prepare(
      `SELECT (SELECT deleted_at IS NOT NULL FROM people WHERE id = @id) AS tomb,
              (SELECT deleted FROM sync_versions WHERE entity = 'person' AND entity_id = @id) AS gone`,
    ).get({ id: personId }) as { tomb: 0 | 1 | null; gone: 0 | 1 | null };
    return row.tomb === 1 || row.gone === 1;
  }

  /** A removal to send (the triggers are off while applying): a deleted record, stamped next round. */
  #queueRemoval(entity: SyncEntity, id: string): void {
    this.#prepare(
      `INSERT INTO sync_outbox (entity, entity_id, changed_at, stamp) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), NULL)
       ON CONFLICT (entity, entity_id) DO UPDATE SET changed_at = excluded.changed_at, stamp = NULL`,
    ).run(entity, id);
  }

  /**
   * A person erased at another station: their face data, consent history and waiting records go here
   * too (and the removal of face data this station had that the other did not is sent on), and the row
   * becomes the tombstone it is there (or goes, with the attendance, when that station kept none).
   */
  #erasePerson(r: SyncRecord, exists: boolean): void {
    for (const entity of FACE_DATA) {
      const ids = this.#prepare(`SELECT id FROM ${TABLE[entity]} WHERE person_id = ?`).all(r.id) as { id: string }[];
      for (const { id } of ids) this.#queueRemoval(entity, id);
      this.#prepare(`DELETE FROM ${TABLE[entity]} WHERE person_id = ?`).run(r.id);
    }
    this.#prepare('DELETE FROM sync_inbox WHERE person_id = ?').run(r.id);
    if (r.data === null) {
      if (exists) this.#prepare('DELETE FROM people WHERE id = ?').run(r.id);
      return;
    }
    // The tombstone (a random label) is kept even where the person never was: their kept attendance
    // refers to it.
    this.#upsert('person', r.id, r.data);
  }

  /**
   * Writes a record's row; the reason it cannot be written here when SQLite's rules refuse it (what it
   * refers to is not here yet, a value this station holds for another record, a required value missing).
   */
  #upsert(entity: SyncEntity, id: string, data: RecordData): string | null {
    const table = TABLE[entity];
    const cols = this.#columnsOf(table).filter((c) => c !== 'id' && !LOCAL_ONLY.has(c) && c in data);
    const values = cols.map((c) => {
      const v = data[c] ?? null;
      const aad = ENCRYPTED[`${table}.${c}`];
      if (!aad || v === null) return v;
      return this.cipher.encryptBytes(Buffer.from(String(v), 'base64'), aad(id));
    });
    try {
      this.#prepare(
        `INSERT INTO ${table} (id, ${cols.join(', ')}) VALUES (?, ${cols.map(() => '?').join(', ')})
           ON CONFLICT (id) DO UPDATE SET ${cols.map((c) => `${c} = excluded.${c}`).join(', ')}`,
      ).run(id, ...values);
      return null;
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_CONSTRAINT')) return `${code}: ${(e as Error).message}`.slice(0, 300);
      throw e;
    }
  }

  /** A record's row as it travels; null when it is not here. */
  read(entity: SyncEntity, id: string): RecordData | null {
    const table = TABLE[entity];
    const row = this.#prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
    if (!row) return null;
    const data: RecordData = {};
    for (const [c, v] of Object.entries(row)) {
      if (LOCAL_ONLY.has(c)) continue;
      const aad = ENCRYPTED[`${table}.${c}`];
      if (aad && v !== null) {
        // A value set aside as unreadable here is not sent: other stations keep theirs.
        if (row[c === 'thumbnail' ? 'thumbnail_damaged_at' : 'damaged_at']) continue;
        data[c] = this.cipher.decryptBytes(v as Buffer, aad(id)).toString('base64');
      } else data[c] = v instanceof Buffer ? v.toString('base64') : (v as string | number | null);
    }
    return data;
  }

  #columnsOf(table: string): string[] {
    let cols = this.#columns.get(table);
    if (!cols) {
      cols = (this.#prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map(
        (c) => c.name,
      );
      this.#columns.set(table, cols);
    }
    return cols;
  }
}

/** The administrator's side of a hub, kept on the machine that ran `presence hub init` (sealed). */
export class HubAdminRepo {
  constructor(
    private readonly db: Database.Database,
    private readonly cipher: TemplateCipher,
  ) {}

  get(): { url: string; orgKey: Buffer } | null {
    const row = this.db.prepare('SELECT sealed FROM hub_admin WHERE id = 1').get() as { sealed: Buffer } | undefined;
    if (!row) return null;
    const v = JSON.parse(this.cipher.decryptBytes(row.sealed, 'hub-admin').toString('utf8')) as {
      url: string;
      orgKey: string;
    };
    return { url: v.url, orgKey: Buffer.from(v.orgKey, 'base64') };
  }

  set(url: string, orgKey: Buffer, now: string): void {
    const sealed = this.cipher.encryptBytes(
      Buffer.from(JSON.stringify({ url, orgKey: orgKey.toString('base64') }), 'utf8'),
      'hub-admin',
    );
    this.db
      .prepare(
        'INSERT INTO hub_admin (id, sealed, set_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, set_at = excluded.set_at',
      )
      .run(sealed, now);
  }
}
