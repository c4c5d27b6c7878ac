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

export const SYNC_ENTITIES = ['person', 'template', 'attendance', 'consent'] as const;
export type SyncEntity = (typeof SYNC_ENTITIES)[number];

/** The table of each entity, in the order a page is applied (a template needs its person first). */
const TABLE: Record<SyncEntity, string> = {
  person: 'people',
  template: 'face_templates',
  attendance: 'attendance_events',
  consent: 'consent_events',
};
const ORDER: Record<SyncEntity, number> = { person: 0, template: 1, attendance: 2, consent: 3 };
/** Columns that say something about this station's copy only. */
const LOCAL_ONLY = new Set(['damaged_at', 'thumbnail_damaged_at']);
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

export class SyncRepo {
  readonly #columns = new Map<string, string[]>();

  constructor(
    private readonly db: Database.Database,
    private readonly cipher: TemplateCipher,
  ) {}

  state(): SyncStateRow {
    return this.db.prepare('SELECT * FROM sync_state WHERE id = 1').get() as SyncStateRow;
  }

  updateState(patch: Partial<SyncStateRow>): void {
    const keys = Object.keys(patch);
    if (!keys.length) return;
    this.db
      .prepare(`UPDATE sync_state SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = 1`)
      .run(patch as Record<string, unknown>);
  }

  /** Every record there is, in the outbox: a station that joins sends what it has. */
  enqueueEverything(now: string): number {
    let n = 0;
    this.db.transaction(() => {
      for (const entity of SYNC_ENTITIES)
        n += this.db
          .prepare(
            `INSERT INTO sync_outbox (entity, entity_id, changed_at, stamp) SELECT ?, id, ?, NULL FROM ${TABLE[entity]} WHERE true
             ON CONFLICT (entity, entity_id) DO NOTHING`,
          )
          .run(entity, now).changes;
    })();
    return n;
  }

  pendingCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM sync_outbox').get() as { n: number }).n;
  }

  /** Outbox entries without a stamp yet, oldest change first. */
  unstamped(): OutboxEntry[] {
    return (
      this.db
        .prepare(
          'SELECT entity, entity_id AS id, changed_at AS changedAt, stamp FROM sync_outbox WHERE stamp IS NULL ORDER BY changed_at, entity, entity_id',
        )
        .all() as OutboxEntry[]
    ).map((e) => e);
  }

  setStamps(entries: readonly { entity: SyncEntity; id: string; stamp: string }[], clock: string): void {
    const set = this.db.prepare(
      'UPDATE sync_outbox SET stamp = ? WHERE entity = ? AND entity_id = ? AND stamp IS NULL',
    );
    this.db.transaction(() => {
      for (const e of entries) set.run(e.stamp, e.entity, e.id);
      this.db.prepare('UPDATE sync_state SET clock = ? WHERE id = 1').run(clock);
    })();
  }

  /** Up to `limit` stamped outbox records, people before their templates, as they are now. */
  pushBatch(limit: number): SyncRecord[] {
    const rows = this.db
      .prepare(
        `SELECT entity, entity_id AS id, stamp FROM sync_outbox WHERE stamp IS NOT NULL
         ORDER BY CASE entity WHEN 'person' THEN 0 WHEN 'template' THEN 1 WHEN 'attendance' THEN 2 ELSE 3 END, stamp
         LIMIT ?`,
      )
      .all(limit) as { entity: SyncEntity; id: string; stamp: string }[];
    return rows.map((r) => {
      const data = this.read(r.entity, r.id);
      const tombstone = r.entity === 'person' && data !== null && data.deleted_at !== null;
      return { entity: r.entity, id: r.id, stamp: r.stamp, deleted: data === null || tombstone, data };
    });
  }

  /** After the hub took them: out of the outbox (unless changed again since), and their version noted. */
  markPushed(records: readonly SyncRecord[]): void {
    const drop = this.db.prepare('DELETE FROM sync_outbox WHERE entity = ? AND entity_id = ? AND stamp = ?');
    const version = this.db.prepare(
      `INSERT INTO sync_versions (entity, entity_id, stamp) VALUES (?, ?, ?)
       ON CONFLICT (entity, entity_id) DO UPDATE SET stamp = excluded.stamp WHERE sync_versions.stamp < excluded.stamp`,
    );
    this.db.transaction(() => {
      for (const r of records) {
        drop.run(r.entity, r.id, r.stamp);
        version.run(r.entity, r.id, r.stamp);
      }
    })();
  }

  /**
   * Applies pulled records and moves the cursor to `cursor`, in one transaction. Last writer wins: a record
   * is applied only when its stamp is newer than this station's version of it, including a change made
   * here and not yet pushed (which then stays out of the outbox: it lost). An erased (deleted) record is
   * final here too. A record that refers to one not here yet waits in sync_inbox, and is tried again with
   * every page.
   */
  apply(records: readonly SyncRecord[], cursor: number, clock: string): ApplyOutcome {
    const out: ApplyOutcome = { applied: 0, skipped: 0, deferred: 0, erased: 0, galleryChanged: false };
    const run = this.db.transaction(() => {
      this.db.prepare('UPDATE sync_state SET applying = 1 WHERE id = 1').run();
      try {
        const waiting = this.db
          .prepare('SELECT entity, entity_id AS id, stamp, deleted, payload FROM sync_inbox')
          .all() as { entity: SyncEntity; id: string; stamp: string; deleted: number; payload: Buffer | null }[];
        const all = [
          ...waiting.map((w) => ({
            entity: w.entity,
            id: w.id,
            stamp: w.stamp,
            deleted: w.deleted === 1,
            data: w.payload ? (JSON.parse(w.payload.toString('utf8')) as RecordData) : null,
          })),
          ...records,
        ].sort((a, b) => ORDER[a.entity] - ORDER[b.entity]);
        this.db.prepare('DELETE FROM sync_inbox').run();
        for (const r of all) this.#applyOne(r, out);
        this.db.prepare('UPDATE sync_state SET pull_cursor = ?, clock = ? WHERE id = 1').run(cursor, clock);
      } finally {
        this.db.prepare('UPDATE sync_state SET applying = 0 WHERE id = 1').run();
      }
    });
    run.immediate();
    return out;
  }

  #applyOne(r: SyncRecord, out: ApplyOutcome): void {
    const here = this.db
      .prepare('SELECT stamp FROM sync_versions WHERE entity = ? AND entity_id = ?')
      .get(r.entity, r.id) as { stamp: string } | undefined;
    const pending = this.db
      .prepare('SELECT stamp FROM sync_outbox WHERE entity = ? AND entity_id = ?')
      .get(r.entity, r.id) as { stamp: string | null } | undefined;
    const ours = [here?.stamp, pending?.stamp]
      .filter((s): s is string => !!s)
      .sort()
      .at(-1);
    if (ours !== undefined && ours >= r.stamp) {
      out.skipped++;
      return;
    }
    const table = TABLE[r.entity];
    const existing = this.db.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(r.id) as RecordData | undefined;
    // Erased is final: a live version never brings an erased person (or a removed row's owner) back.
    if (r.entity === 'person' && existing && existing.deleted_at !== null) {
      out.skipped++;
      return;
    }
    if (r.deleted && r.entity === 'person') this.#erasePerson(r, existing !== undefined);
    else if (r.deleted || r.data === null) {
      if (existing) this.db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(r.id);
    } else if (!this.#upsert(r.entity, r.id, r.data)) {
      this.db
        .prepare(
          `INSERT INTO sync_inbox (entity, entity_id, stamp, deleted, payload) VALUES (?, ?, ?, 0, ?)
           ON CONFLICT (entity, entity_id) DO UPDATE SET stamp = excluded.stamp, payload = excluded.payload`,
        )
        .run(r.entity, r.id, r.stamp, Buffer.from(JSON.stringify(r.data), 'utf8'));
      out.deferred++;
      return;
    }
    if (r.entity === 'person' && r.deleted) out.erased++;
    if (r.entity === 'template' || (r.entity === 'person' && r.deleted)) out.galleryChanged = true;
    if (pending) this.db.prepare('DELETE FROM sync_outbox WHERE entity = ? AND entity_id = ?').run(r.entity, r.id);
    this.db
      .prepare(
        `INSERT INTO sync_versions (entity, entity_id, stamp) VALUES (?, ?, ?)
         ON CONFLICT (entity, entity_id) DO UPDATE SET stamp = excluded.stamp`,
      )
      .run(r.entity, r.id, r.stamp);
    out.applied++;
  }

  /**
   * A person erased at another station: their face data and consent history go here too, and the row
   * becomes the tombstone it is there (or goes, with the attendance, when that station kept none).
   */
  #erasePerson(r: SyncRecord, exists: boolean): void {
    this.db.prepare('DELETE FROM face_templates WHERE person_id = ?').run(r.id);
    this.db.prepare('DELETE FROM consent_events WHERE person_id = ?').run(r.id);
    if (r.data === null) {
      if (exists) this.db.prepare('DELETE FROM people WHERE id = ?').run(r.id);
      return;
    }
    this.#upsert('person', r.id, r.data);
  }

  /** Writes a record's row; false when a row it refers to is not here (yet). */
  #upsert(entity: SyncEntity, id: string, data: RecordData): boolean {
    const table = TABLE[entity];
    const cols = this.#columnsOf(table).filter((c) => c !== 'id' && !LOCAL_ONLY.has(c) && c in data);
    const values = cols.map((c) => {
      const v = data[c] ?? null;
      const aad = ENCRYPTED[`${table}.${c}`];
      if (!aad || v === null) return v;
      return this.cipher.encryptBytes(Buffer.from(String(v), 'base64'), aad(id));
    });
    try {
      this.db
        .prepare(
          `INSERT INTO ${table} (id, ${cols.join(', ')}) VALUES (?, ${cols.map(() => '?').join(', ')})
           ON CONFLICT (id) DO UPDATE SET ${cols.map((c) => `${c} = excluded.${c}`).join(', ')}`,
        )
        .run(id, ...values);
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return false;
      throw e;
    }
  }

  /** A record's row as it travels; null when it is not here. */
  read(entity: SyncEntity, id: string): RecordData | null {
    const table = TABLE[entity];
    const row = this.db.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined;
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
      cols = (this.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map(
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
