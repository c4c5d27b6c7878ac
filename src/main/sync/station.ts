// A station's side of sync: joining the organisation's hub, and one round of sync.
//
// A round pushes first, then pulls:
// 1. every change made here gets its hybrid-logical-clock stamp (hlc.ts), from the time it was made, and
//    the clock is saved with the stamps;
// 2. the outbox is pushed in pages: each record's current row, encrypted under the organisation key, to
//    presence.push (idempotent: the same stamp twice is a no-op). Only after the hub answered are the
//    pushed entries taken out of the outbox, so a round cut at any point pushes them again next time;
// 3. the hub's records past this station's cursor are pulled in pages, in the order the hub took them;
//    each page is applied in one SQLite transaction that also moves the cursor (SyncRepo.apply), so a
//    station killed mid-page applies that page again, whole, next time.
// Pushing before pulling keeps the stamps honest: a change is stamped from before anything it has not
// seen. Conflicts: last writer wins per record (the whole row of a person, a template, an event), by
// stamp; an erasure is final.
import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors';
import type { SyncRoundResult, SyncStatus } from '../../shared/types';

export type { SyncStatus };
import type { Store } from '../db';
import type { SyncEntity, SyncRecord } from '../db';
import { HybridLogicalClock } from './hlc';
import { checkHubUrl, describeHub, hubError, withHub, withCredentials } from './hub-connection';
import { decodeJoinCode, stationRoleName } from './join-code';
import { open, seal, unwrapOrgKey } from './org-key';
import { scramVerifier } from './scram';

/** Records a page, each way: at most some 30 MB of ciphertext (a template with its chip is ~30 KB). */
export const PAGE = 1000;

interface HubConfig {
  /** The hub's URL without credentials. */
  url: string;
  user: string;
  password: string;
  orgKey: Buffer;
}

/** What a round did (shared/types.ts SyncRoundResult). */
export type RoundResult = SyncRoundResult;

interface PulledRow {
  entity: SyncEntity;
  entity_id: string;
  hlc: string;
  deleted: boolean;
  payload: Buffer | null;
  seq: string;
}

/** The AAD of this station's sealed hub configuration (its credentials and the organisation key). */
const HUB_CONFIG_AAD = 'sync-hub';

const aadOf = (entity: SyncEntity, id: string, stamp: string) => `record:${entity}:${id}:${stamp}`;

export interface StationOptions {
  appVersion: string;
  schemaVersion: () => number;
  now?: () => number;
  /** Records a page (default PAGE; tests use small pages to cross many page boundaries). */
  pageSize?: number;
}

export class SyncStation {
  constructor(
    private readonly store: Store,
    private readonly opts: StationOptions,
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  status(): SyncStatus {
    const s = this.store.sync.state();
    let hub: string | null = null;
    if (s.hub) {
      try {
        hub = describeHub(this.config().url);
      } catch {
        hub = null;
      }
    }
    return {
      joined: s.hub !== null,
      hub,
      stationId: s.station_id,
      stationName: s.station_name,
      joinedAt: s.joined_at,
      lastSyncAt: s.last_sync_at,
      pending: this.store.sync.pendingCount(),
      ...(() => {
        const w = this.store.sync.inbox();
        return { waiting: w.waiting, waitingProblem: w.problem };
      })(),
      lastError:
        s.last_error && s.last_error_code && s.last_error_at
          ? { code: s.last_error_code, message: s.last_error, at: s.last_error_at }
          : null,
    };
  }

  private config(): HubConfig {
    const sealed = this.store.sync.state().hub;
    if (!sealed)
      throw new AppError(
        'SYNC_NOT_JOINED',
        'This station has not joined a hub: run presence sync join --url postgres://... --code PJ1-... with a code from the administrator.',
      );
    const v = JSON.parse(this.store.cipher.decryptBytes(sealed, HUB_CONFIG_AAD).toString('utf8')) as {
      url: string;
      user: string;
      password: string;
      orgKey: string;
    };
    return { ...v, orgKey: Buffer.from(v.orgKey, 'base64') };
  }

  /**
   * Joins the hub with a join code: takes the organisation key wrapped for this station (once: the hub
   * clears it), changes the role's password to one only this station knows (sent as a SCRAM verifier),
   * seals both here, and puts every record this station has in the outbox for its first round. The hub's
   * side is one transaction, committed only once this station has sealed what it got: a join cut at any
   * point leaves the code usable, or the station joined. A station whose access was refused (revoked,
   * or its credentials lost) may join again with a new code.
   */
  async join(url: string, code: string): Promise<{ stationId: string; stationName: string }> {
    checkHubUrl(url);
    const before = this.store.sync.state();
    if (before.hub && before.last_error_code !== 'SYNC_REVOKED')
      throw new AppError('CONFLICT', 'This station has joined a hub already (presence sync --status shows which).');
    const secrets = decodeJoinCode(code);
    const bare = new URL(url);
    bare.username = '';
    bare.password = '';
    const database = decodeURIComponent(bare.pathname.slice(1));
    const user = stationRoleName(database, secrets.stationId);
    const password = randomBytes(24).toString('base64url');
    const joinedAt = new Date(this.now()).toISOString();
    let joined: { stationId: string; stationName: string } | null = null;
    await withHub(withCredentials(url, { user, password: secrets.login }), async (client) => {
      await client.query('BEGIN');
      try {
        const { rows } = await client.query<{ station_id: string; station_name: string; join_key: Buffer }>(
          'SELECT * FROM presence.join()',
        );
        const row = rows[0]!;
        const orgKey = unwrapOrgKey(row.join_key, secrets.key, `join:${secrets.stationId}`);
        if (!orgKey)
          throw new AppError(
            'HUB_INVALID',
            'The join code does not open the key the hub keeps for this station: check the code, or ask for a new one.',
          );
        await client.query(`ALTER ROLE CURRENT_USER PASSWORD ${client.escapeLiteral(scramVerifier(password))}`);
        const sealed = this.store.cipher.encryptBytes(
          Buffer.from(
            JSON.stringify({ url: bare.toString(), user, password, orgKey: orgKey.toString('base64') }),
            'utf8',
          ),
          HUB_CONFIG_AAD,
        );
        this.store.transaction(() => {
          this.store.sync.updateState({
            hub: sealed,
            station_id: row.station_id,
            station_name: row.station_name,
            joined_at: joinedAt,
            pull_cursor: before.hub ? before.pull_cursor : 0,
            last_error: null,
            last_error_code: null,
            last_error_at: null,
          });
          this.store.sync.enqueueEverything(joinedAt);
        });
        try {
          await client.query('COMMIT');
        } catch (e) {
          // The hub did not take it: this station is not joined after all.
          this.store.sync.updateState({
            hub: before.hub,
            station_id: before.station_id,
            station_name: before.station_name,
            joined_at: before.joined_at,
          });
          throw e;
        }
        joined = { stationId: row.station_id, stationName: row.station_name };
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    }).catch((e: unknown) => {
      const err = hubError(e, url);
      // The code's own password failing means the code is wrong, used, or revoked: say it plainly.
      if (err.code === 'SYNC_REVOKED')
        throw new AppError(
          'HUB_INVALID',
          'The hub refused this join code: it is wrong, used already or revoked. Ask the administrator for a new one.',
        );
      throw err;
    });
    return joined!;
  }

  /**
   * One round: push, then pull. One at a time on a station: in this process (the background timer, "Sync
   * now") by a queue, across processes (the app and a `presence sync`) by a lock on the hub. A failure
   * is recorded (sync --status) and thrown; nothing is lost.
   */
  round(): Promise<RoundResult> {
    const run = this.#queue.then(() => this.#round());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #queue: Promise<unknown> = Promise.resolve();

  async #round(): Promise<RoundResult> {
    const cfg = this.config();
    const state = this.store.sync.state();
    const clock = new HybridLogicalClock(state.station_id!, state.clock, () => this.now());
    try {
      this.stampOutbox(clock);
      const result = await withHub(withCredentials(cfg.url, cfg), async (client) => {
        const { rows: locked } = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
          [`presence.station:${state.station_id}`],
        );
        if (!locked[0]!.ok)
          throw new AppError(
            'CONFLICT',
            'Another sync round of this station is under way (the app, or another presence sync): try again in a moment.',
          );
        const decrypt = (r: PulledRow): SyncRecord => {
          let data = null;
          if (r.payload) {
            const plain = open(cfg.orgKey, r.payload, aadOf(r.entity, r.entity_id, r.hlc));
            if (!plain)
              throw new AppError(
                'HUB_INVALID',
                `A record on the hub (${r.entity} ${r.entity_id}) does not open with this organisation's key: it was changed on the hub, or written by another organisation. Sync stops here; tell the administrator.`,
              );
            data = JSON.parse(plain.toString('utf8'));
          }
          // A stamp from a clock far ahead is applied, but does not drag this clock along.
          clock.receive(r.hlc);
          return { entity: r.entity, id: r.entity_id, stamp: r.hlc, deleted: r.deleted, data };
        };
        const total = { applied: 0, deferred: 0, erased: 0, galleryChanged: false };
        const add = (o: { applied: number; deferred: number; erased: number; galleryChanged: boolean }) => {
          total.applied += o.applied;
          total.deferred += o.deferred;
          total.erased += o.erased;
          total.galleryChanged ||= o.galleryChanged;
        };
        let pushed = 0;
        for (;;) {
          const batch = this.store.sync.pushBatch(this.opts.pageSize ?? PAGE);
          if (!batch.length) break;
          const { rows: refused } = await client.query<{
            w_entity: SyncEntity;
            w_entity_id: string;
            w_hlc: string;
            w_deleted: boolean;
            w_payload: Buffer | null;
          }>('SELECT * FROM presence.push($1, $2, $3, $4, $5)', [
            batch.map((r) => r.entity),
            batch.map((r) => r.id),
            batch.map((r) => r.stamp),
            batch.map((r) => r.deleted),
            batch.map((r) =>
              r.data === null
                ? null
                : seal(cfg.orgKey, Buffer.from(JSON.stringify(r.data), 'utf8'), aadOf(r.entity, r.id, r.stamp)),
            ),
          ]);
          // What the hub did not take lost to a version there: that version is applied here now (the
          // cursor may be past it already).
          const lost = new Set(refused.map((w) => `${w.w_entity}:${w.w_entity_id}`));
          this.store.sync.markPushed(batch.filter((r) => !lost.has(`${r.entity}:${r.id}`)));
          if (refused.length)
            add(
              this.store.sync.apply(
                refused.map((w) =>
                  decrypt({
                    entity: w.w_entity,
                    entity_id: w.w_entity_id,
                    hlc: w.w_hlc,
                    deleted: w.w_deleted,
                    payload: w.w_payload,
                    seq: '',
                  }),
                ),
                null,
                clock.current(),
              ),
            );
          pushed += batch.length;
        }
        let pulled = 0;
        let cursor = this.store.sync.state().pull_cursor;
        for (;;) {
          // (Text results: bytea comes as hex, which pg decodes; its binary mode returns bytea as utf-8 text.
          // seq comes as text, exact past 2^53; the ordering is by the number, r.seq, not by that text.)
          const { rows } = await client.query<PulledRow>(
            'SELECT r.entity, r.entity_id, r.hlc, r.deleted, r.payload, r.seq::text AS seq FROM presence.records r WHERE r.seq > $1 ORDER BY r.seq LIMIT $2',
            [cursor, this.opts.pageSize ?? PAGE],
          );
          if (!rows.length) break;
          const records = rows.map(decrypt);
          cursor = Number(rows.at(-1)!.seq);
          add(this.store.sync.apply(records, cursor, clock.current()));
          pulled += rows.length;
        }
        const retried = this.store.sync.retryInbox();
        add({ ...retried, deferred: 0 });
        // Waiting: what cannot be applied here after this round (each once, however often it was tried).
        total.deferred = this.store.sync.inbox().waiting;
        const pending = this.store.sync.pendingCount();
        await client.query('SELECT presence.report($1, $2, $3)', [
          pending,
          this.opts.schemaVersion(),
          this.opts.appVersion,
        ]);
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`presence.station:${state.station_id}`]);
        return { pushed, pulled, ...total, pending };
      });
      // The bytes of a person erased elsewhere go from this file too, not only from its tables.
      if (result.erased) this.store.compact();
      const at = new Date(this.now()).toISOString();
      this.store.sync.updateState({ last_sync_at: at, last_error: null, last_error_code: null, last_error_at: null });
      return { ...result, at };
    } catch (e) {
      const err = hubError(e, cfg.url);
      this.store.sync.updateState({
        last_error: err.message,
        last_error_code: err.code,
        last_error_at: new Date(this.now()).toISOString(),
      });
      throw err;
    }
  }

  /** Stamps every change not stamped yet, from the time it was made, and saves the clock with them. */
  private stampOutbox(clock: HybridLogicalClock): void {
    const entries = this.store.sync.unstamped();
    if (!entries.length) return;
    const stamps = entries.map((e) => ({ entity: e.entity, id: e.id, stamp: clock.stampAt(Date.parse(e.changedAt)) }));
    this.store.sync.setStamps(stamps, clock.current());
  }
}
