// bench:sync (issue 13): an organisation of --stations stations, --people people with --templates face
// templates each (a 128-D embedding and a face chip of --chip-kb KB, as enrollment stores them) and
// --days days of attendance (two events per person per working day), on a real PostgreSQL hub. Prints
// one JSON line with:
// - the time a new station takes to join and pull everything (its first full sync), twice;
// - the incremental latency: from a check-in recorded at one station to the moment it is in another's
//   database, both running the app's own background sync (syncIntervalSeconds 2), p50 and p90;
// - the hub's size, and the records per second of the first syncs.
//
//   npm run bench:sync -- [--url postgres://SUPERUSER@HOST:PORT/postgres] [--stations 50] [--people 20000]
//                         [--templates 3] [--days 30] [--chip-kb 24] [--samples 20]
//
// Without --url it starts its own server from a temporary folder (Debian's postgresql, as the tests do).
// The hub's history is written straight into presence.records by the hub's administrator (what 50
// stations would have pushed over the month: same rows, same encryption); the measured stations go
// through presence sync join and their own rounds.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres';
import { PresenceApp } from '../src/main/app';
import { createInProcessEngine } from '../src/main/engine/engine';
import { FileKeyProvider, keyFilePathFor } from '../src/main/security/key-provider';
import { formatHlc } from '../src/main/sync/hlc';
import { addStation, initHub } from '../src/main/sync/hub-admin';
import { seal } from '../src/main/sync/org-key';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const stations = opt('--stations', 50);
const people = opt('--people', 20_000);
const templatesEach = opt('--templates', 3);
const days = opt('--days', 30);
const chipBytes = opt('--chip-kb', 24) * 1024;
const samples = opt('--samples', 20);
const urlArg = (() => {
  const i = args.indexOf('--url');
  return i >= 0 ? args[i + 1] : undefined;
})();

const log = (line: string) => process.stderr.write(`${line}\n`);
const secs = (ms: number) => Math.round(ms / 100) / 10;

async function main(): Promise<void> {
  let server: TestPostgres | null = null;
  let admin: string;
  if (urlArg) admin = urlArg;
  else {
    server = await startPostgres();
    admin = server.url;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-bench-sync-'));
  try {
    const dbName = `presence_bench_${Date.now()}`;
    const c0 = new pg.Client({ connectionString: admin });
    await c0.connect();
    await c0.query(`CREATE DATABASE ${dbName}`);
    await c0.end();
    const hubUrl = (() => {
      const u = new URL(admin);
      u.pathname = `/${dbName}`;
      return u.toString();
    })();

    const init = await initHub(hubUrl, () => undefined);
    if (!('orgKey' in init)) throw new Error('the bench database had a hub already');
    const orgKey = init.orgKey;
    const added: Awaited<ReturnType<typeof addStation>>[] = [];
    for (let i = 1; i <= stations; i++) added.push(await addStation(hubUrl, orgKey, `Station ${i}`));
    log(`hub ready with ${stations} stations`);

    // The month's history, as the stations would have pushed it.
    const t0 = performance.now();
    const client = new pg.Client({ connectionString: hubUrl });
    await client.connect();
    let seq = 0;
    const base = Date.UTC(2026, 10, 1);
    const iso = (ms: number) => new Date(ms).toISOString();
    type Row = { entity: string; id: string; data: Record<string, unknown>; station: string };
    let batch: Row[] = [];
    let batchBytes = 0;
    let records = 0;
    const flush = async () => {
      if (!batch.length) return;
      const stamps = batch.map((r) => formatHlc({ ms: base + ++seq, counter: 0, station: r.station }));
      const payloads = batch.map((r, i) =>
        seal(orgKey, Buffer.from(JSON.stringify(r.data)), `record:${r.entity}:${r.id}:${stamps[i]}`),
      );
      await client.query(
        `INSERT INTO presence.records (entity, entity_id, hlc, origin_station, writer_station, deleted, payload, seq)
         SELECT e, i, h, s, s, false, p, nextval('presence.record_seq')
         FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::bytea[]) AS x(e, i, h, s, p)`,
        [batch.map((r) => r.entity), batch.map((r) => r.id), stamps, batch.map((r) => r.station), payloads],
      );
      records += batch.length;
      batch = [];
      batchBytes = 0;
    };
    const push = async (r: Row, bytes: number) => {
      batch.push(r);
      batchBytes += bytes;
      if (batch.length >= 5000 || batchBytes >= 16 * 1024 * 1024) await flush();
    };
    const ids = Array.from({ length: people }, () => randomUUID());
    const stationOf = (i: number) => added[i % stations]!.id;
    for (let p = 0; p < people; p++) {
      const at = iso(base + p);
      await push(
        {
          entity: 'person',
          id: ids[p]!,
          station: stationOf(p),
          data: {
            id: ids[p],
            name: `Person ${p}`,
            external_id: `E-${p}`,
            notes: null,
            thumbnail: randomBytes(6 * 1024).toString('base64'),
            created_at: at,
            updated_at: at,
            deleted_at: null,
          },
        },
        8 * 1024,
      );
    }
    await flush();
    for (let p = 0; p < people; p++)
      for (let k = 0; k < templatesEach; k++) {
        const v = new Float32Array(128).map(() => Math.random() - 0.5);
        const n = Math.hypot(...v);
        const id = randomUUID();
        await push(
          {
            entity: 'template',
            id,
            station: stationOf(p),
            data: {
              id,
              person_id: ids[p],
              model_id: 'mfn-foamliu',
              dim: 128,
              embedding: Buffer.from(v.map((x) => x / n).buffer).toString('base64'),
              quality: 0.9,
              source: 'camera',
              pose: ['front', 'left', 'right'][k % 3],
              created_at: iso(base + p),
              source_ref: null,
              chip: randomBytes(chipBytes).toString('base64'),
            },
          },
          chipBytes * 1.4,
        );
      }
    await flush();
    let events = 0;
    for (let d = 0; d < days; d++) {
      const day = new Date(base + d * 86_400_000);
      if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
      const localDay = day.toISOString().slice(0, 10);
      for (let p = 0; p < people; p++)
        for (const [kind, hour] of [
          ['in', 8],
          ['out', 17],
        ] as const) {
          const id = randomUUID();
          const at = iso(day.getTime() + hour * 3_600_000 + (p % 3600) * 1000);
          await push(
            {
              entity: 'attendance',
              id,
              station: stationOf(p),
              data: {
                id,
                person_id: ids[p],
                kind,
                at,
                local_day: localDay,
                station: `Station ${(p % stations) + 1}`,
                distance: 0.8,
                liveness: null,
                created_at: at,
                updated_at: at,
                deleted_at: null,
                source: 'kiosk',
                corrected_at: null,
                reason: null,
              },
            },
            400,
          );
          events++;
        }
    }
    await flush();
    await client.query('ANALYZE presence.records');
    const byEntity = await client.query<{ entity: string; n: string; lo: string; hi: string }>(
      'SELECT entity, count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM presence.records GROUP BY entity ORDER BY 3',
    );
    log(`hub: ${byEntity.rows.map((r) => `${r.entity} ${r.n} (seq ${r.lo}-${r.hi})`).join(', ')}`);
    const size = await client.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
    await client.end();
    const seedSeconds = secs(performance.now() - t0);
    log(`seeded ${records} records (${events} events) in ${seedSeconds} s`);

    // A new station's first full sync, for two stations (the second one is also the incremental pair's).
    const bare = new URL(hubUrl);
    bare.username = '';
    bare.password = '';
    const open = (name: string, now?: () => number) =>
      new PresenceApp({
        databasePath: path.join(tmp, `${name}.db`),
        keys: new FileKeyProvider(keyFilePathFor(path.join(tmp, `${name}.db`))),
        engine: createInProcessEngine(),
        transport: 'http',
        version: 'bench',
        ...(now ? { now } : {}),
      });
    const first: number[] = [];
    const rates: number[] = [];
    for (const [i, name] of [
      [stations - 1, 'new-1'],
      [stations - 2, 'new-2'],
    ] as const) {
      const app = open(name);
      try {
        const s = performance.now();
        await app.sync.join(bare.toString(), added[i]!.joinCode);
        const r = await app.syncNow();
        const ms = performance.now() - s;
        first.push(secs(ms));
        rates.push(Math.round(r.pulled / (ms / 1000)));
        const waiting = app.sync.status();
        log(
          `${name}: first full sync ${secs(ms)} s, ${r.pulled} records pulled, ${r.applied} applied${waiting.waiting ? `; ${waiting.waiting} waiting: ${waiting.waitingProblem}` : ''}`,
        );
      } finally {
        await app.close();
      }
    }

    // Incremental: a check-in at new-1 until it is in new-2's database, both on their background sync.
    const a = open('new-1');
    const b = open('new-2');
    const latencies: number[] = [];
    try {
      for (const app of [a, b]) {
        app.store.settings.setMany({ syncIntervalSeconds: 2 }, 'system');
        app.startBackgroundWork();
      }
      const who = a.store.people.list()[0]!;
      for (let i = 0; i < samples; i++) {
        await new Promise((r) => setTimeout(r, 500 + Math.random() * 1500));
        const at = new Date().toISOString();
        const ev = a.store.attendance.record({
          personId: who.id,
          kind: i % 2 ? 'out' : 'in',
          at,
          localDay: at.slice(0, 10),
          station: 'new-1',
        });
        const s = performance.now();
        const seen = b.store.db.prepare('SELECT 1 FROM attendance_events WHERE id = ?');
        while (!seen.get(ev.id)) {
          if (performance.now() - s > 60_000) throw new Error('a change did not arrive within a minute');
          await new Promise((r) => setTimeout(r, 20));
        }
        latencies.push(performance.now() - s);
      }
    } finally {
      await a.close();
      await b.close();
    }
    latencies.sort((x, y) => x - y);
    const q = (p: number) => secs(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!);
    const out = {
      bench: 'sync',
      stations,
      people,
      templates: people * templatesEach,
      events,
      records,
      chipBytes,
      seedSeconds,
      firstFullSyncSeconds: first,
      recordsPerSecond: rates,
      incremental: {
        intervalSeconds: 2,
        samples,
        p50Seconds: q(0.5),
        p90Seconds: q(0.9),
        maxSeconds: secs(latencies.at(-1)!),
      },
      hubBytes: Number(size.rows[0]!.bytes),
      stationBytes: fs.statSync(path.join(tmp, 'new-1.db')).size,
      cores: os.cpus().length,
    };
    console.log(JSON.stringify(out));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await server?.destroy();
  }
}

await main();
