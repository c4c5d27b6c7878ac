// The administrator's commands on the hub (`presence hub init | add-station | status | revoke-station`),
// run with the hub admin's own URL (the role that owns the hub's schema).
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { AppError, isAppError } from '../../shared/errors';
import { describeHub, withHub as withHubAs } from './hub-connection';

/** The hub, as its administrator: a refused login is the admin URL's credentials, not a station's. */
async function withHub<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  return withHubAs(url, f).catch((e: unknown) => {
    if (isAppError(e) && e.code === 'SYNC_REVOKED')
      throw new AppError(
        'HUB_INVALID',
        `The hub's server ${describeHub(url)} refused the administrator's login: check the user and password in the URL (the role that owns the hub's database).`,
      );
    throw e;
  });
}
import { HUB_SCHEMA_VERSION, hubSchemaVersion, migrateHub, quoteIdent, stationGroupRole } from './hub-schema';
import { newOrgKey, orgKeyCheck, recoveryCode, wrapOrgKey } from './org-key';
import { encodeJoinCode, stationRoleName } from './join-code';
import { scramVerifier } from './scram';

export interface HubInitResult {
  /** The organisation key, to show once (recovery code) and to seal on this machine. */
  orgKey: Buffer;
  recoveryCode: string;
  schema: { from: number; to: number };
}

async function meta(client: pg.ClientBase, key: string): Promise<string | null> {
  const { rows } = await client.query<{ value: string }>('SELECT value FROM presence.meta WHERE key = $1', [key]);
  return rows[0]?.value ?? null;
}

/**
 * Creates (or brings up to date) the hub's schema and, the first time, the organisation key. A hub that
 * has a key already keeps it: init again only migrates, and says so (no second key, which would cut
 * every joined station off).
 */
export async function initHub(
  url: string,
  keep: (orgKey: Buffer) => void,
): Promise<HubInitResult | { schema: { from: number; to: number }; existing: true }> {
  return withHub(url, async (client) => {
    const schema = await migrateHub(client);
    if (await meta(client, 'org_key_check')) return { schema, existing: true as const };
    const orgKey = newOrgKey();
    const code = recoveryCode(orgKey);
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    await client.query('BEGIN');
    try {
      const made = await client.query(
        `INSERT INTO presence.meta (key, value) VALUES ('org_key_check', $1), ('org_key_recovery', $2), ('created_at', $3)
         ON CONFLICT (key) DO NOTHING`,
        [
          orgKeyCheck(orgKey),
          wrapOrgKey(orgKey, code, `recovery:${rows[0]!.db}`).toString('base64'),
          new Date().toISOString(),
        ],
      );
      if (made.rowCount !== 3)
        throw new AppError(
          'CONFLICT',
          "Another presence hub init made this hub's key at the same moment: use that one (its recovery code).",
        );
      // Kept here before the hub has it: a hub whose key nobody kept is never made.
      keep(orgKey);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    return { orgKey, recoveryCode: code, schema };
  });
}

async function requireHub(client: pg.ClientBase, url: string, orgKey: Buffer): Promise<void> {
  const v = await hubSchemaVersion(client);
  if (v === 0)
    throw new AppError(
      'HUB_INVALID',
      `${describeHub(url)} is not a Presence hub yet: run presence hub init --url first.`,
    );
  if (v > HUB_SCHEMA_VERSION)
    throw new AppError(
      'HUB_INVALID',
      `The hub's schema (version ${v}) is newer than this Presence knows: update Presence.`,
    );
  if ((await meta(client, 'org_key_check')) !== orgKeyCheck(orgKey))
    throw new AppError(
      'HUB_INVALID',
      `The organisation key kept here is not the one of ${describeHub(url)}: use the recovery code of that hub.`,
    );
}

export interface NewStation {
  id: string;
  name: string;
  joinCode: string;
}

/**
 * A station of the organisation: its own login role (member of the station group, so it has the hub's
 * station rights and no others), and the organisation key wrapped under its one-time join secret, the
 * role's first password. The join code carries the station id and that secret; it works once.
 */
export async function addStation(url: string, orgKey: Buffer, name: string): Promise<NewStation> {
  const clean = name.trim();
  if (!clean || clean.length > 100)
    throw new AppError('INVALID_INPUT', 'Give the station a name of 1 to 100 characters (for example "Front door").', {
      path: 'name',
    });
  return withHub(url, async (client) => {
    await requireHub(client, url, orgKey);
    const taken = await client.query('SELECT 1 FROM presence.stations WHERE lower(name) = lower($1)', [clean]);
    if (taken.rowCount)
      throw new AppError('CONFLICT', `The hub has a station named ${clean} already: choose another name.`, {
        path: 'name',
      });
    const id = randomUUID();
    const login = randomBytes(24).toString('base64url');
    const key = randomBytes(24).toString('base64url');
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    const db = rows[0]!.db;
    const role = stationRoleName(db, id);
    const group = await stationGroupRole(client);
    await client.query('BEGIN');
    try {
      // DDL takes no parameters: the role name is ours and quoted; the password goes as its SCRAM
      // verifier (escaped), never in the clear.
      await client.query(
        `CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD ${client.escapeLiteral(scramVerifier(login))} IN ROLE ${quoteIdent(group)}`,
      );
      await client.query(`GRANT CONNECT ON DATABASE ${quoteIdent(db)} TO ${quoteIdent(role)}`);
      await client.query('INSERT INTO presence.stations (id, name, role_name, join_key) VALUES ($1, $2, $3, $4)', [
        id,
        clean,
        role,
        wrapOrgKey(orgKey, key, `join:${id}`),
      ]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    return { id, name: clean, joinCode: encodeJoinCode({ stationId: id, login, key }) };
  });
}

export interface StationStatus {
  id: string;
  name: string;
  joinedAt: string | null;
  revokedAt: string | null;
  lastSyncAt: string | null;
  pending: number | null;
  schemaVersion: number | null;
  appVersion: string | null;
}

export interface HubStatus {
  hub: string;
  schemaVersion: number;
  records: number;
  bytes: number;
  stations: StationStatus[];
}

export async function hubStatus(url: string): Promise<HubStatus> {
  return withHub(url, async (client) => {
    const schemaVersion = await hubSchemaVersion(client);
    if (schemaVersion === 0)
      throw new AppError(
        'HUB_INVALID',
        `${describeHub(url)} is not a Presence hub yet: run presence hub init --url first.`,
      );
    const st = await client.query<{
      id: string;
      name: string;
      joined_at: Date | null;
      revoked_at: Date | null;
      last_sync_at: Date | null;
      pending: number | null;
      schema_version: number | null;
      app_version: string | null;
    }>('SELECT * FROM presence.stations ORDER BY name');
    const size = await client.query<{ records: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM presence.records) AS records,
              pg_total_relation_size('presence.records') AS bytes`,
    );
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    return {
      hub: describeHub(url),
      schemaVersion,
      records: Number(size.rows[0]!.records),
      bytes: Number(size.rows[0]!.bytes),
      stations: st.rows.map((r) => ({
        id: r.id,
        name: r.name,
        joinedAt: iso(r.joined_at),
        revokedAt: iso(r.revoked_at),
        lastSyncAt: iso(r.last_sync_at),
        pending: r.pending,
        schemaVersion: r.schema_version,
        appVersion: r.app_version,
      })),
    };
  });
}

/** Revokes a station: its role may no longer log in, its open connections are ended. Its records stay. */
export async function revokeStation(url: string, name: string): Promise<StationStatus['name']> {
  return withHub(url, async (client) => {
    const { rows } = await client.query<{ role_name: string; name: string }>(
      'UPDATE presence.stations SET revoked_at = coalesce(revoked_at, now()), join_key = NULL WHERE lower(name) = lower($1) RETURNING role_name, name',
      [name.trim()],
    );
    if (!rows.length)
      throw new AppError('NOT_FOUND', `The hub has no station named ${name.trim()} (presence hub status lists them).`);
    await client.query(`ALTER ROLE ${quoteIdent(rows[0]!.role_name)} NOLOGIN`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [
      rows[0]!.role_name,
    ]);
    return rows[0]!.name;
  });
}
