// The real-PostgreSQL harness the sync tests stand on: it starts, keeps data across a crash and a
// restart, and a query against a server that went away fails the way a lost hub will.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres';

const unavailable = postgresAvailable();
if (unavailable) console.warn(`Skipping the PostgreSQL harness test: ${unavailable}`);

describe.skipIf(unavailable !== null)('test PostgreSQL server', () => {
  let server: TestPostgres | undefined;
  afterAll(async () => {
    await server?.destroy();
  });

  it('keeps a row across an immediate shutdown and a restart, and refuses queries while down', async () => {
    const started = Date.now();
    server = await startPostgres();
    console.info(`PostgreSQL ${server.version} started in ${Date.now() - started} ms on port ${server.port}`);
    expect(server.url).toBe(`postgres://presence_test@127.0.0.1:${server.port}/postgres`);

    const hubUrl = await server.createDatabase('hub');
    const client = new pg.Client({ connectionString: hubUrl });
    await client.connect();
    await client.query('CREATE TABLE checkins (id integer PRIMARY KEY, name text NOT NULL)');
    await client.query('INSERT INTO checkins VALUES ($1, $2)', [1, 'Ada']);
    expect((await client.query('SELECT name FROM checkins WHERE id = 1')).rows).toEqual([{ name: 'Ada' }]);

    // A connection open when the hub goes away errors out; the error event must be handled or it crashes.
    const lost = new Promise<Error>((resolve) => client.once('error', resolve));
    await server.kill();
    await expect(client.query('SELECT 1')).rejects.toThrow();
    expect(await lost).toBeInstanceOf(Error);
    await client.end().catch(() => undefined);

    // And a new connection is refused outright.
    const fresh = new pg.Client({ connectionString: hubUrl });
    await expect(fresh.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await server.start();
    const again = new pg.Client({ connectionString: hubUrl });
    await again.connect();
    try {
      expect((await again.query('SELECT name FROM checkins WHERE id = 1')).rows).toEqual([{ name: 'Ada' }]);
    } finally {
      await again.end();
    }

    await server.stop();
    await server.start();
    await server.destroy();
    expect(fs.existsSync(server.dir)).toBe(false);
    server = undefined;
  });
});
