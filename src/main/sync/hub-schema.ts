// The hub's schema in PostgreSQL, with its own numbered migrations (as db/migrations are for SQLite),
// tracked in presence.meta 'schema_version'. Everything lives in the `presence` schema of the database
// the administrator gives (`presence hub init --url`), owned by the role of that URL (the hub admin).
//
// Stations never touch a table directly. Each connects as its own login role, a member of the hub's
// station group role, which may only:
// - read presence.records (what every station pulls);
// - call presence.push (its changes: last writer wins by hybrid-logical-clock stamp, per record; a
//   deleted record is final; each version remembers which station wrote it), presence.report (its last
//   sync) and presence.join (its one-time key, at join).
// Those functions run as the owner (SECURITY DEFINER) and take the station from session_user, so a
// station cannot write as another, and no station can update, delete, truncate or drop anything.
// A revoked station's role loses LOGIN.
import type { ClientBase } from 'pg';

export const HUB_SCHEMA = 'presence';

export interface HubMigration {
  version: number;
  name: string;
  /** The SQL, given the database's station group role (already quoted). */
  sql(group: string): string;
}

export const HUB_MIGRATIONS: readonly HubMigration[] = [
  {
    version: 1,
    name: 'stations, records, push and pull',
    sql: (group) => `
      CREATE TABLE presence.stations (
        id             uuid PRIMARY KEY,
        name           text NOT NULL UNIQUE CHECK (length(btrim(name)) > 0),
        role_name      text NOT NULL UNIQUE,
        -- the organisation key wrapped under the station's one-time join secret; cleared when it joins
        join_key       bytea,
        created_at     timestamptz NOT NULL DEFAULT now(),
        joined_at      timestamptz,
        revoked_at     timestamptz,
        last_sync_at   timestamptz,
        pending        integer,
        schema_version integer,
        app_version    text
      );

      -- The latest version of every record any station wrote. payload: the record as JSON, AES-256-GCM
      -- under the organisation key (the hub cannot read it); NULL once the record is gone, and only the
      -- anonymous tombstone of an erased person (a random label) when it is kept for attendance.
      CREATE TABLE presence.records (
        entity         text NOT NULL CHECK (entity IN ('person', 'template', 'attendance', 'consent')),
        entity_id      text NOT NULL CHECK (length(entity_id) BETWEEN 1 AND 64),
        hlc            text COLLATE "C" NOT NULL,
        origin_station uuid NOT NULL REFERENCES presence.stations (id),
        writer_station uuid NOT NULL REFERENCES presence.stations (id),
        deleted        boolean NOT NULL,
        payload        bytea,
        seq            bigint NOT NULL,
        PRIMARY KEY (entity, entity_id),
        CHECK (deleted OR payload IS NOT NULL)
      );
      CREATE INDEX records_seq ON presence.records (seq);
      CREATE SEQUENCE presence.record_seq;

      -- The station calling (its login role), refused once revoked.
      CREATE FUNCTION presence.calling_station() RETURNS presence.stations
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = presence, pg_temp AS $$
      DECLARE st presence.stations;
      BEGIN
        SELECT * INTO st FROM presence.stations WHERE role_name = session_user;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'this role is not a Presence station of this hub' USING ERRCODE = '42501';
        END IF;
        IF st.revoked_at IS NOT NULL THEN
          RAISE EXCEPTION 'this station was revoked at %', st.revoked_at USING ERRCODE = '42501';
        END IF;
        RETURN st;
      END $$;

      -- A station's changes. Last writer wins per record by stamp (text order is clock order, in the "C"
      -- collation); the same stamp twice is a no-op, so a push retried after a lost answer changes
      -- nothing. A deletion is final: it is taken whatever its stamp, and nothing is taken after it.
      -- A stamp must be the calling station's own, and not more than a day ahead of the hub's clock (a
      -- station whose clock is far off would otherwise make its records unchangeable). Pushes take one
      -- lock, so record_seq values become visible in order and a pull that has read up to seq N has
      -- missed nothing below it. Returns the records not taken, as the hub has them (their winners).
      CREATE FUNCTION presence.push(entities text[], ids text[], hlcs text[], deleted boolean[], payloads bytea[])
        RETURNS TABLE (w_entity text, w_entity_id text, w_hlc text, w_deleted boolean, w_payload bytea)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = presence, pg_temp AS $$
      DECLARE st presence.stations := presence.calling_station();
      DECLARE n integer;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('presence.records'));
        FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
          IF hlcs[i] !~ ('^[0-9]{13}[.][0-9]{6}[.]' || st.id::text || '$') THEN
            RAISE EXCEPTION 'a change is stamped by another clock than this station''s' USING ERRCODE = '22023';
          END IF;
          IF substr(hlcs[i], 1, 13)::bigint > (extract(epoch FROM clock_timestamp()) * 1000)::bigint + 86400000 THEN
            RAISE EXCEPTION 'a change is stamped more than a day ahead of the hub''s clock: check this station''s clock'
              USING ERRCODE = '22023';
          END IF;
          INSERT INTO presence.records AS r
            (entity, entity_id, hlc, origin_station, writer_station, deleted, payload, seq)
          VALUES (entities[i], ids[i], hlcs[i], st.id, st.id, deleted[i], payloads[i], nextval('presence.record_seq'))
          ON CONFLICT (entity, entity_id) DO UPDATE
            SET hlc = excluded.hlc, writer_station = excluded.writer_station, deleted = excluded.deleted,
                payload = excluded.payload, seq = excluded.seq
            WHERE NOT r.deleted AND r.hlc <> excluded.hlc AND (excluded.deleted OR r.hlc < excluded.hlc);
          GET DIAGNOSTICS n = ROW_COUNT;
          IF n = 0 THEN
            RETURN QUERY SELECT r.entity, r.entity_id, r.hlc, r.deleted, r.payload FROM presence.records r
              WHERE r.entity = entities[i] AND r.entity_id = ids[i] AND r.hlc <> hlcs[i];
          END IF;
        END LOOP;
      END $$;

      -- What a station says of itself after a round: shown by presence hub status.
      CREATE FUNCTION presence.report(pending integer, schema_version integer, app_version text)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = presence, pg_temp AS $$
      DECLARE st presence.stations := presence.calling_station();
      BEGIN
        UPDATE presence.stations
          SET last_sync_at = now(), pending = report.pending, schema_version = report.schema_version,
              app_version = report.app_version
          WHERE id = st.id;
      END $$;

      -- A station's first call: its id, name and the organisation key wrapped for it, once. Clearing
      -- join_key makes the join code useless afterwards (the station also changes its password, in the
      -- same transaction: a join cut half-way leaves the code as it was).
      CREATE FUNCTION presence.join()
        RETURNS TABLE (station_id uuid, station_name text, join_key bytea)
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = presence, pg_temp AS $$
      DECLARE st presence.stations := presence.calling_station();
      DECLARE k bytea;
      BEGIN
        -- One UPDATE takes the key and clears it: two joins at once cannot both have it.
        UPDATE presence.stations SET join_key = NULL, joined_at = now()
          WHERE id = st.id AND stations.join_key IS NOT NULL
          RETURNING st.join_key INTO k;
        IF k IS NULL THEN
          RAISE EXCEPTION 'this join code was used already' USING ERRCODE = '42501';
        END IF;
        RETURN QUERY SELECT st.id, st.name, k;
      END $$;

      REVOKE ALL ON SCHEMA presence FROM PUBLIC;
      REVOKE ALL ON ALL TABLES IN SCHEMA presence FROM PUBLIC;
      REVOKE ALL ON ALL FUNCTIONS IN SCHEMA presence FROM PUBLIC;
      GRANT USAGE ON SCHEMA presence TO ${group};
      GRANT SELECT ON presence.records TO ${group};
      GRANT EXECUTE ON FUNCTION presence.push(text[], text[], text[], boolean[], bytea[]) TO ${group};
      GRANT EXECUTE ON FUNCTION presence.report(integer, integer, text) TO ${group};
      GRANT EXECUTE ON FUNCTION presence.join() TO ${group};
    `,
  },
];

export const HUB_SCHEMA_VERSION = HUB_MIGRATIONS.at(-1)!.version;

/** Quotes an SQL identifier (role names are made by Presence, but quoted all the same). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The database's station group role: roles belong to the whole PostgreSQL server, so it is named after
 * the database (two hubs on one server keep their stations apart).
 */
export async function stationGroupRole(client: ClientBase): Promise<string> {
  const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
  return `presence_${rows[0]!.db}_stations`.slice(0, 63);
}

/** The schema version of the hub at this connection; 0 when it has none yet. */
export async function hubSchemaVersion(client: ClientBase): Promise<number> {
  const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass('presence.meta') IS NOT NULL AS exists");
  if (!rows[0]!.exists) return 0;
  const v = await client.query<{ value: string }>("SELECT value FROM presence.meta WHERE key = 'schema_version'");
  return v.rows.length ? Number(v.rows[0]!.value) : 0;
}

/** Brings the hub's schema up to date, in one transaction (the caller owns the connection). */
export async function migrateHub(client: ClientBase): Promise<{ from: number; to: number }> {
  await client.query('BEGIN');
  try {
    // One migrator at a time, even from two administrators' machines.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('presence.migrate'))");
    await client.query('CREATE SCHEMA IF NOT EXISTS presence');
    await client.query('CREATE TABLE IF NOT EXISTS presence.meta (key text PRIMARY KEY, value text NOT NULL)');
    const from = await hubSchemaVersion(client);
    if (from > HUB_SCHEMA_VERSION)
      throw new Error(
        `the hub's schema is version ${from}, newer than this version of Presence knows (${HUB_SCHEMA_VERSION}): update Presence`,
      );
    const group = await stationGroupRole(client);
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [group]);
    if (!exists.rowCount) await client.query(`CREATE ROLE ${quoteIdent(group)} NOLOGIN`);
    for (const m of HUB_MIGRATIONS) {
      if (m.version <= from) continue;
      await client.query(m.sql(quoteIdent(group)));
      await client.query(
        "INSERT INTO presence.meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [String(m.version)],
      );
    }
    await client.query('COMMIT');
    return { from, to: HUB_SCHEMA_VERSION };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
