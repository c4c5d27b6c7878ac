import type { Migration } from './types';

/**
 * Sync with an organisation's hub (src/main/sync/). The station's SQLite file stays the truth for its own
 * recognition; these tables only remember what to send and where it is:
 * - sync_outbox: every record changed here and not yet pushed, filled by triggers on the synced tables
 *   (people, face templates, attendance, consent events), so that no write path can forget it. Writes
 *   that apply pulled changes set sync_state.applying, and the triggers leave those out. `stamp` is the
 *   change's hybrid-logical-clock stamp, given once before it is pushed (sync/hlc.ts).
 * - sync_versions: the stamp of the version each synced record is at here (last writer wins by it).
 * - sync_inbox: pulled records that could not be applied yet (a template whose person has not arrived).
 * - hub_admin: on the machine that set the hub up, how to reach it as its administrator.
 * - sync_state: the hub this station joined (its credentials and the organisation key sealed under the
 *   template key), the pull cursor, the clock, and the last round's outcome.
 */
const TABLES = [
  { table: 'people', entity: 'person' },
  { table: 'face_templates', entity: 'template' },
  { table: 'attendance_events', entity: 'attendance' },
  { table: 'consent_events', entity: 'consent' },
] as const;
/**
 * Columns that say something about this station's copy only: never sent, and their change is no change to
 * send. A later migration that adds a synced column must create these triggers again with it.
 */
export const SYNC_LOCAL_ONLY_COLUMNS: readonly string[] = ['damaged_at', 'thumbnail_damaged_at'];

export const migration009Sync: Migration = {
  version: 9,
  name: 'sync with a hub',
  up(db) {
    db.exec(`
      CREATE TABLE sync_outbox (
        entity     TEXT NOT NULL CHECK (entity IN ('person', 'template', 'attendance', 'consent')),
        entity_id  TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        stamp      TEXT,
        PRIMARY KEY (entity, entity_id)
      ) STRICT, WITHOUT ROWID;

      -- deleted: the record is gone for good here (erased, deleted): no later version brings it back.
      CREATE TABLE sync_versions (
        entity    TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        stamp     TEXT NOT NULL,
        deleted   INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (entity, entity_id)
      ) STRICT, WITHOUT ROWID;

      -- payload: the record sealed under the template key (it holds what the record holds: a face
      -- template, a name); person_id: whose it is, so that erasing them here clears it too; problem: why
      -- it could not be applied.
      CREATE TABLE sync_inbox (
        entity    TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        stamp     TEXT NOT NULL,
        person_id TEXT,
        payload   BLOB NOT NULL,
        problem   TEXT NOT NULL,
        PRIMARY KEY (entity, entity_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX sync_inbox_person ON sync_inbox (person_id);

      CREATE TABLE sync_state (
        id              INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        applying        INTEGER NOT NULL DEFAULT 0,
        hub             BLOB,
        station_id      TEXT,
        station_name    TEXT,
        joined_at       TEXT,
        pull_cursor     INTEGER NOT NULL DEFAULT 0,
        clock           TEXT,
        last_sync_at    TEXT,
        last_error      TEXT,
        last_error_code TEXT,
        last_error_at   TEXT
      ) STRICT;
      INSERT INTO sync_state (id) VALUES (1);

      -- On the administrator's machine: the hub it set up (presence hub init), its URL with the admin
      -- role's password and the organisation key, sealed under the template key.
      CREATE TABLE hub_admin (
        id     INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        sealed BLOB NOT NULL,
        set_at TEXT NOT NULL
      ) STRICT;
    `);
    const now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    for (const { table, entity } of TABLES) {
      // Only a change of what travels: marking a value set aside here (damaged_at) stays here.
      const synced = (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[])
        .map((c) => c.name)
        .filter((c) => !SYNC_LOCAL_ONLY_COLUMNS.includes(c));
      for (const [event, row, of] of [
        ['INSERT', 'NEW', ''],
        ['UPDATE', 'NEW', ` OF ${synced.join(', ')}`],
        ['DELETE', 'OLD', ''],
      ] as const)
        db.exec(`
          CREATE TRIGGER sync_outbox_${table}_${event.toLowerCase()} AFTER ${event}${of} ON ${table}
          WHEN (SELECT applying FROM sync_state WHERE id = 1) = 0
          BEGIN
            INSERT INTO sync_outbox (entity, entity_id, changed_at, stamp) VALUES ('${entity}', ${row}.id, ${now}, NULL)
              ON CONFLICT (entity, entity_id) DO UPDATE SET changed_at = excluded.changed_at, stamp = NULL;
          END;
        `);
    }
  },
};
