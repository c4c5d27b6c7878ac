// Sync through a real PostgreSQL hub (issue 13), with three stations: A (also the administrator's
// machine), B and C, each its own SQLite file. The hub is a server this file starts from a temporary
// folder (test/helpers/postgres.ts). Stations are driven through the CLI in-process, and looked at
// through their stores.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPresence } from '../helpers/cli';
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres';
import { openStore, type Store } from '../../src/main/db';
import { FileKeyProvider, keyFilePathFor } from '../../src/main/security/key-provider';
import { PresenceApp } from '../../src/main/app';
import { SyncStation } from '../../src/main/sync/station';
import { createInProcessEngine } from '../../src/main/engine/engine';

const unavailable = postgresAvailable();
if (unavailable) console.warn(`Sync tests skipped: ${unavailable}`);

const e2e = (f: string) => path.resolve(__dirname, '../fixtures/e2e', f);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'presence-sync-'));
const dbOf = (s: string) => path.join(tmp, `${s}.db`);
const lastJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, unknown>;

let server: TestPostgres;
let hubUrl: string;

async function presence(station: string, ...args: string[]) {
  const r = await runPresence(dbOf(station), args);
  if (r.code !== 0) throw new Error(`presence ${args.join(' ')} at ${station} failed (${r.code}): ${r.err}`);
  return r;
}
const sync = async (station: string) => lastJson((await presence(station, 'sync', '--json')).out);

function store(station: string): Store {
  return openStore(dbOf(station), new FileKeyProvider(keyFilePathFor(dbOf(station))));
}
function peek<T>(station: string, f: (s: Store) => T): T {
  const s = store(station);
  try {
    return f(s);
  } finally {
    s.close();
  }
}
async function hubQuery<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: hubUrl });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(unavailable !== null)('sync through a PostgreSQL hub, three stations', () => {
  const codes: Record<string, string> = {};
  beforeAll(async () => {
    server = await startPostgres();
    hubUrl = await server.createDatabase('presence_hub');
    const init = lastJson((await presence('A', 'hub', 'init', '--url', hubUrl, '--json')).out);
    expect(String(init.recoveryCode)).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{1,5}){10}$/);
    for (const [s, name] of [
      ['A', 'Front door'],
      ['B', 'Warehouse'],
      ['C', 'Second floor'],
    ] as const) {
      codes[s] = String(lastJson((await presence('A', 'hub', 'add-station', name, '--json')).out).joinCode);
      const url = new URL(hubUrl);
      url.username = '';
      await presence(s, 'sync', 'join', '--url', url.toString(), '--code', codes[s]!);
    }
  }, 120_000);
  afterAll(async () => {
    await server?.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a join code works once, and hub status lists the three stations', async () => {
    const again = await runPresence(path.join(tmp, 'D.db'), ['sync', 'join', '--url', hubUrl, '--code', codes.B!]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/refused this join code: it is wrong, used already or revoked/);
    const s = lastJson((await presence('A', 'hub', 'status', '--json')).out) as {
      stations: { name: string; joinedAt: string | null }[];
    };
    expect(s.stations.map((x) => x.name)).toEqual(['Front door', 'Second floor', 'Warehouse']);
    expect(s.stations.every((x) => x.joinedAt !== null)).toBe(true);
  });

  it('enrolled at A, recognised at B after a sync; the hub holds ciphertext only', async () => {
    await presence(
      'A',
      'enroll',
      '--name',
      'Ahmed Chalabi',
      '--consent-recorded-by',
      'HR',
      e2e('Ahmed_Chalabi_0001.jpg'),
      e2e('Ahmed_Chalabi_0002.jpg'),
      e2e('Ahmed_Chalabi_0003.jpg'),
    );
    const pushed = await sync('A');
    expect(pushed.pushed).toBeGreaterThanOrEqual(1 + 3 + 1); // the person, 3 templates, the consent event
    const pulled = await sync('B');
    expect(pulled.applied).toBe(pushed.pushed);
    const r = await presence('B', 'identify', e2e('Ahmed_Chalabi_0004.jpg'), '--json');
    expect(lastJson(r.out)).toMatchObject({ name: 'Ahmed Chalabi', accepted: true });

    // The hub: neither the name nor any template's bytes, in any record.
    const plain = peek('A', (s) => {
      const person = s.people.list().find((p) => p.name === 'Ahmed Chalabi')!;
      return s.templates.loadAll(s.templates.encoderCensus()[0]!.modelId).filter((t) => t.personId === person.id);
    });
    expect(plain).toHaveLength(3);
    const payloads = (await hubQuery<{ payload: Buffer | null }>('SELECT payload FROM presence.records'))
      .map((r) => r.payload!)
      .filter(Boolean);
    const all = Buffer.concat(payloads);
    expect(all.includes(Buffer.from('Ahmed Chalabi'))).toBe(false);
    for (const t of plain) {
      const bytes = Buffer.from(t.embedding.buffer, t.embedding.byteOffset, t.embedding.byteLength);
      expect(all.includes(bytes.subarray(0, 64))).toBe(false);
      expect(all.includes(Buffer.from(bytes.toString('base64').slice(0, 40)))).toBe(false);
    }
  }, 120_000);

  it("a check-in at C appears in A's attendance", async () => {
    await sync('C');
    const person = peek('C', (s) => s.people.list().find((p) => p.name === 'Ahmed Chalabi')!);
    peek('C', (s) =>
      s.attendance.record({
        personId: person.id,
        kind: 'in',
        at: '2026-12-06T08:01:00.000Z',
        localDay: '2026-12-06',
        station: 'Second floor',
        distance: 0.8,
      }),
    );
    await sync('C');
    await sync('A');
    const seen = peek('A', (s) => s.attendance.list({ from: '2026-12-06', to: '2026-12-06' }));
    expect(seen.map((e) => [e.personId, e.kind, e.station])).toEqual([[person.id, 'in', 'Second floor']]);
  }, 60_000);

  it('the same person edited at A and B at once: one result everywhere, the later edit', async () => {
    const id = peek('A', (s) => s.people.list().find((p) => p.name === 'Ahmed Chalabi')!.id);
    peek('A', (s) => s.people.update(id, { notes: 'edited at A' }));
    await new Promise((r) => setTimeout(r, 20));
    peek('B', (s) => s.people.update(id, { notes: 'edited at B, later' }));
    await sync('B');
    await sync('A');
    await sync('B');
    await sync('C');
    for (const s of ['A', 'B', 'C']) expect(peek(s, (st) => st.people.get(id)!.notes)).toBe('edited at B, later');
  }, 60_000);

  it('the hub stopped mid-round: the round fails with a sentence, nothing is lost or sent twice', async () => {
    const id = peek('A', (s) => s.people.list().find((p) => p.name === 'Ahmed Chalabi')!.id);
    for (let i = 0; i < 5; i++)
      peek('A', (s) =>
        s.attendance.record({
          personId: id,
          kind: i % 2 ? 'out' : 'in',
          at: `2026-12-05T0${i + 1}:00:00.000Z`,
          localDay: '2026-12-05',
          station: 'Front door',
        }),
      );
    await server.kill();
    const down = await runPresence(dbOf('A'), ['sync']);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/cannot be reached .*goes on recognising and recording/);
    const status = lastJson((await presence('A', 'sync', '--status', '--json')).out) as {
      pending: number;
      lastError: { code: string };
    };
    expect(status.lastError.code).toBe('HUB_UNREACHABLE');
    expect(status.pending).toBe(5);
    await server.start();
    const r = await sync('A');
    expect(r.pushed).toBe(5);
    await sync('B');
    const events = await hubQuery<{ n: string }>(
      "SELECT count(*) AS n FROM presence.records WHERE entity = 'attendance'",
    );
    expect(Number(events[0]!.n)).toBe(6);
    expect(peek('B', (s) => s.attendance.list({ from: '2026-12-05', to: '2026-12-05' })).length).toBe(5);
  }, 60_000);

  it('erased at B: gone from A and C, with no template bytes left at any station', async () => {
    const id = peek('B', (s) => s.people.list().find((p) => p.name === 'Ahmed Chalabi')!.id);
    const cipherAtA = peek('A', (s) =>
      (s.db.prepare('SELECT embedding FROM face_templates WHERE person_id = ?').all(id) as { embedding: Buffer }[]).map(
        (r) => r.embedding,
      ),
    );
    expect(cipherAtA).toHaveLength(3);
    await presence('B', 'people', 'erase', id, '--confirm-name', 'Ahmed Chalabi');
    await sync('B');
    for (const s of ['A', 'C']) {
      const r = await sync(s);
      expect(r.erased).toBe(1);
    }
    for (const s of ['A', 'B', 'C']) {
      peek(s, (st) => {
        expect(st.people.list().find((p) => p.id === id)).toBeUndefined();
        expect(
          (st.db.prepare('SELECT count(*) AS n FROM face_templates WHERE person_id = ?').get(id) as { n: number }).n,
        ).toBe(0);
      });
    }
    // Station A's file, WAL and SHM: none of the template ciphertext it held.
    peek('A', (st) => st.compact());
    const files = ['', '-wal', '-shm'].map((x) => dbOf('A') + x);
    const bytes = Buffer.concat(
      files.map((f) => {
        try {
          return readFileSync(f);
        } catch {
          return Buffer.alloc(0);
        }
      }),
    );
    for (const c of cipherAtA) expect(bytes.includes(c.subarray(13, 45))).toBe(false);
    expect(bytes.includes(Buffer.from('Ahmed Chalabi'))).toBe(false);
    // The hub keeps no template of theirs either: the records are deleted, without payload.
    const left = await hubQuery<{ n: string }>(
      "SELECT count(*) AS n FROM presence.records WHERE entity = 'template' AND payload IS NOT NULL AND NOT deleted",
    );
    expect(Number(left[0]!.n)).toBe(0);
  }, 120_000);

  it("a station's own credentials can read and push, and nothing else: no update, delete, truncate or drop", async () => {
    const creds = peek('B', (s) =>
      JSON.parse(s.cipher.decryptBytes(s.sync.state().hub!, 'sync-hub').toString('utf8')),
    ) as {
      user: string;
      password: string;
    };
    const url = new URL(hubUrl);
    url.username = creds.user;
    url.password = creds.password;
    const c = new pg.Client({ connectionString: url.toString() });
    c.on('error', () => undefined);
    await c.connect();
    try {
      expect((await c.query('SELECT count(*) FROM presence.records')).rowCount).toBe(1);
      for (const sql of [
        "UPDATE presence.records SET deleted = true WHERE entity = 'attendance'",
        "DELETE FROM presence.records WHERE entity = 'attendance'",
        'TRUNCATE presence.records',
        'DROP TABLE presence.records',
        "INSERT INTO presence.records (entity, entity_id, hlc, origin_station, writer_station, deleted, payload, seq) SELECT entity, entity_id || 'x', hlc, origin_station, writer_station, deleted, payload, seq FROM presence.records LIMIT 1",
        'SELECT * FROM presence.stations',
        'SELECT * FROM presence.meta',
        'UPDATE presence.stations SET revoked_at = now()',
      ])
        await expect(c.query(sql), sql).rejects.toMatchObject({ code: '42501' });
    } finally {
      await c.end();
    }
    // Every version says which station wrote it, and where the record began.
    const rows = await hubQuery<{ origin: string }>(
      `SELECT DISTINCT o.name AS origin FROM presence.records r
       JOIN presence.stations o ON o.id = r.origin_station JOIN presence.stations w ON w.id = r.writer_station
       WHERE r.entity = 'attendance' ORDER BY 1`,
    );
    expect(rows.map((r) => r.origin)).toEqual(['Front door', 'Second floor']);
  });

  it('station clocks an hour apart: an edit made after seeing another still wins (the hybrid clock)', async () => {
    const open = (station: string, offsetMs: number) =>
      new PresenceApp({
        databasePath: dbOf(station),
        keys: new FileKeyProvider(keyFilePathFor(dbOf(station))),
        engine: createInProcessEngine(),
        transport: 'http',
        version: 'test',
        now: () => Date.now() + offsetMs,
      });
    const ahead = open('A', +3_600_000);
    const behind = open('B', -3_600_000);
    // The stations' system clocks, as the change triggers read them: rewritten to the skewed ones.
    const skew = (app: PresenceApp, ms: number) =>
      app.store.db
        .prepare(
          "UPDATE sync_outbox SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', changed_at, ? || ' seconds') WHERE stamp IS NULL",
        )
        .run(String(ms / 1000));
    try {
      const person = ahead.store.people.create({ name: 'Clock Test' });
      await ahead.syncNow();
      await behind.syncNow();
      behind.store.people.update(person.id, { notes: 'B first' });
      skew(behind, -3_600_000);
      await behind.syncNow();
      await ahead.syncNow();
      ahead.store.people.update(person.id, { notes: 'A second' });
      skew(ahead, +3_600_000);
      await ahead.syncNow();
      await behind.syncNow();
      expect(behind.store.people.get(person.id)!.notes).toBe('A second');
      // B, an hour behind, edits after it saw A's edit: by its own clock that is two hours "earlier".
      behind.store.people.update(person.id, { notes: 'B third, after seeing A' });
      skew(behind, -3_600_000);
      await behind.syncNow();
      await ahead.syncNow();
      expect(ahead.store.people.get(person.id)!.notes).toBe('B third, after seeing A');
      expect(behind.store.people.get(person.id)!.notes).toBe('B third, after seeing A');
    } finally {
      await ahead.close();
      await behind.close();
    }
    await sync('C');
    expect(peek('C', (s) => s.people.list().find((p) => p.name === 'Clock Test')!.notes)).toBe(
      'B third, after seeing A',
    );
  }, 60_000);

  const bundle = path.resolve(__dirname, '../../dist/cli/index.cjs');
  it.skipIf(!existsSync(bundle))(
    'kill -9 of a station mid-round, again and again (4,000 changes: several pages each way): the next round finishes the work, nothing twice',
    async () => {
      const id = peek('A', (s) => s.people.list().find((p) => p.name === 'Clock Test')!.id);
      peek('A', (s) =>
        s.transaction(() => {
          for (let i = 0; i < 4000; i++)
            s.attendance.record({
              personId: id,
              kind: 'in',
              at: new Date(Date.UTC(2026, 10, 1, 8, 0, i)).toISOString(),
              localDay: '2026-11-01',
              station: 'Front door',
              source: 'manual',
              reason: `bulk ${i}`,
            });
        }),
      );
      const killed: string[] = [];
      for (const [station, delay] of [
        ['A', 250],
        ['A', 600],
        ['B', 300],
        ['B', 700],
      ] as const) {
        const child = spawn(process.execPath, [bundle, '--db', dbOf(station), 'sync'], { stdio: 'ignore' });
        const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
        await new Promise((r) => setTimeout(r, delay));
        child.kill('SIGKILL');
        const code = await exited;
        killed.push(`${station} at ${delay} ms: ${code === null ? 'killed' : `had ended (${code})`}`);
      }
      // At least one kill must have landed while its round ran (else this tests nothing).
      expect(killed.filter((k) => k.endsWith('killed')).length, killed.join('; ')).toBeGreaterThan(0);
      console.info(`kill -9: ${killed.join('; ')}`);
      await sync('A');
      await sync('B');
      const hub = await hubQuery<{ n: string }>(
        "SELECT count(*) AS n FROM presence.records WHERE entity = 'attendance' AND NOT deleted",
      );
      const atA = peek('A', (s) => s.attendance.list({ from: '2026-11-01', to: '2026-11-01' }).length);
      const atB = peek('B', (s) => s.attendance.list({ from: '2026-11-01', to: '2026-11-01' }).length);
      expect([atA, atB], killed.join(', ')).toEqual([4000, 4000]);
      expect(peek('A', (s) => s.sync.pendingCount())).toBe(0);
      expect(Number(hub[0]!.n)).toBeGreaterThanOrEqual(4000);
    },
    120_000,
  );

  it('an erasure is final: an edit made elsewhere afterwards, before it arrived, does not bring the person back', async () => {
    const id = peek('A', (s) => s.people.create({ name: 'Final Test', externalId: 'F-1' }).id);
    await sync('A');
    await sync('B');
    await presence('B', 'people', 'erase', id, '--confirm-name', 'Final Test');
    await sync('B');
    // A has not heard of it yet, and edits the person: a later stamp than the erasure's.
    await new Promise((r) => setTimeout(r, 20));
    peek('A', (s) => s.people.update(id, { notes: 'edited after the erasure, unaware of it' }));
    const r = await sync('A');
    expect(r.erased).toBe(1);
    for (const st of ['A', 'B']) expect(peek(st, (s) => s.people.list().find((p) => p.id === id))).toBeUndefined();
    const hub = await hubQuery<{ deleted: boolean }>(
      "SELECT deleted FROM presence.records WHERE entity = 'person' AND entity_id = $1",
      [id],
    );
    expect(hub).toEqual([{ deleted: true }]);
  }, 60_000);

  it('a record this station cannot take (an employee number it has for someone else) waits, and sync goes on', async () => {
    peek('A', (s) => s.people.create({ name: 'Clash One', externalId: 'DUP-7' }));
    peek('B', (s) => s.people.create({ name: 'Clash Two', externalId: 'DUP-7' }));
    await sync('A');
    const r = await sync('B');
    expect(r.deferred).toBe(1);
    const status = lastJson((await presence('B', 'sync', '--status', '--json')).out) as {
      waiting: number;
      waitingProblem: string;
      lastError: unknown;
    };
    expect(status).toMatchObject({ waiting: 1, lastError: null });
    expect(status.waitingProblem).toMatch(/UNIQUE/);
    // Once the administrator fixes the number at B, the waiting record goes in at the next round.
    peek('B', (s) => {
      const two = s.people.list().find((p) => p.name === 'Clash Two')!;
      s.people.update(two.id, { externalId: 'DUP-8' });
    });
    await sync('B');
    expect(peek('B', (s) => s.people.list().filter((p) => p.name.startsWith('Clash')).length)).toBe(2);
    expect((lastJson((await presence('B', 'sync', '--status', '--json')).out) as { waiting: number }).waiting).toBe(0);
  }, 60_000);

  it('a new station pulling in pages of 7 ends with what the others have (pages cross seq 9, 99, 999)', async () => {
    await sync('B');
    await sync('A');
    const code = String(lastJson((await presence('A', 'hub', 'add-station', 'Paging', '--json')).out).joinCode);
    const url = new URL(hubUrl);
    url.username = '';
    const d = store('D');
    try {
      const station = new SyncStation(d, { appVersion: 'test', schemaVersion: () => 9, pageSize: 7 });
      await station.join(url.toString(), code);
      const r = await station.round();
      const onHub = await hubQuery<{ n: string }>('SELECT count(*) AS n FROM presence.records');
      expect(r.pulled).toBe(Number(onHub[0]!.n));
      const count = (s: Store, sql: string) => (s.db.prepare(sql).get() as { n: number }).n;
      for (const sql of [
        'SELECT count(*) AS n FROM people',
        'SELECT count(*) AS n FROM attendance_events',
        'SELECT count(*) AS n FROM face_templates',
      ])
        expect(count(d, sql), sql).toBe(peek('A', (a) => count(a, sql)));
    } finally {
      d.close();
    }
  }, 60_000);

  it('a revoked station is refused with a sentence', async () => {
    await presence('A', 'hub', 'revoke-station', 'Second floor');
    const r = await runPresence(dbOf('C'), ['sync']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refused this station .*ask the administrator for a new join code/);
    const s = lastJson((await presence('C', 'sync', '--status', '--json')).out) as { lastError: { code: string } };
    expect(s.lastError.code).toBe('SYNC_REVOKED');
  }, 60_000);
});
