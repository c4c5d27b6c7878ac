// A real, throwaway PostgreSQL server for tests, made with Debian's own binaries (the postgresql package,
// installed by .ci/run), so sync tests talk to the same server a hub runs rather than to a fake.
// Each server lives in a fresh temporary folder, listens only on 127.0.0.1 on a free port, and trusts
// every local connection: nothing here is meant to be secure, only quick and isolated.
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

/** The superuser every test server is made with; trust auth means it needs no password. */
export const TEST_SUPERUSER = 'presence_test';
const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';
// initdb refuses to run as root, so as root the server is run as the Debian package's own system user.
const SYSTEM_USER = 'postgres';
const READY_TIMEOUT_MS = 30_000;

export interface TestPostgres {
  /** postgres://presence_test@127.0.0.1:PORT/postgres — a superuser on the default database. */
  url: string;
  port: number;
  /** The cluster's data folder (PGDATA). */
  dataDir: string;
  /** The temporary folder holding the data folder, the socket and server.log; destroy() removes it. */
  dir: string;
  /** The PostgreSQL major version the binaries come from, e.g. 15. */
  version: number;
  /** Fast shutdown (rolls back open transactions, disconnects clients); keeps the data. */
  stop(): Promise<void>;
  /** Start again on the same port and data, and wait until it accepts connections. */
  start(): Promise<void>;
  /** Immediate shutdown, no checkpoint — as if the hub's machine went away. Keeps the data. */
  kill(): Promise<void>;
  /** Stop and delete the temporary folder. */
  destroy(): Promise<void>;
  /** CREATE DATABASE; returns a superuser URL for it. */
  createDatabase(name: string): Promise<string>;
}

interface Binaries {
  version: number;
  initdb: string;
  pgCtl: string;
}

/** The highest installed version under /usr/lib/postgresql that has both initdb and pg_ctl. */
function findBinaries(): Binaries | null {
  let versions: number[];
  try {
    versions = fs
      .readdirSync(DEBIAN_POSTGRES_ROOT)
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .sort((a, b) => b - a);
  } catch {
    return null;
  }
  for (const version of versions) {
    const bin = path.join(DEBIAN_POSTGRES_ROOT, String(version), 'bin');
    const initdb = path.join(bin, 'initdb');
    const pgCtl = path.join(bin, 'pg_ctl');
    if (fs.existsSync(initdb) && fs.existsSync(pgCtl)) return { version, initdb, pgCtl };
  }
  return null;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** uid and gid of the postgres system user, or null when it does not exist. */
function systemUserIds(): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** null when a test server can be started here; otherwise a sentence saying why not, for a skip message. */
export function postgresAvailable(): string | null {
  if (!findBinaries()) {
    return `PostgreSQL is not installed: no ${DEBIAN_POSTGRES_ROOT}/<version>/bin/initdb and pg_ctl (apt-get install postgresql).`;
  }
  if (isRoot()) {
    if (!systemUserIds()) {
      return `Running as root, but there is no "${SYSTEM_USER}" system user to run initdb as (initdb refuses root).`;
    }
    if (spawnSync('runuser', ['--help'], { stdio: 'ignore' }).status !== 0) {
      return `Running as root, but runuser is missing, so initdb cannot be run as "${SYSTEM_USER}".`;
    }
  }
  return null;
}

/** The command line to run a PostgreSQL binary: as the postgres user when we are root, directly otherwise. */
function asServerUser(binary: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', SYSTEM_USER, '--', binary, ...args]] : [binary, args];
}

async function run(binary: string, args: string[], cwd: string): Promise<void> {
  const [cmd, argv] = asServerUser(binary, args);
  try {
    // cwd: the postgres user may not be allowed into the repository (or /root), and the binaries chdir.
    await execFileAsync(cmd, argv, { cwd, encoding: 'utf8' });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${path.basename(binary)} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`, {
      cause: err,
    });
  }
}

/** A port nothing listens on right now: bind port 0 and give it back. */
async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function logTail(logFile: string, lines = 20): string {
  try {
    return fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

async function waitUntilReady(url: string, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(
    `PostgreSQL did not accept connections within ${READY_TIMEOUT_MS} ms (${String(lastError)}). Server log:\n${logTail(logFile)}`,
    { cause: lastError },
  );
}

// Data folders of servers still running. A test that forgets stop() must not leave a postgres behind
// after the test process ends, and an 'exit' handler can only do synchronous work.
const running = new Set<string>();
let exitHookInstalled = false;
function installExitHook(pgCtl: string): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dataDir of running) {
      const [cmd, argv] = asServerUser(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
      spawnSync(cmd, argv, { cwd: os.tmpdir(), stdio: 'ignore' });
    }
  });
}

/** initdb a fresh cluster in a temporary folder, start it, and wait until it accepts connections. */
export async function startPostgres(): Promise<TestPostgres> {
  const why = postgresAvailable();
  if (why) throw new Error(why);
  const bins = findBinaries()!;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-pg-'));
  if (isRoot()) {
    // The server user must own the folder: initdb creates the data folder in it, and the server writes
    // its socket and log there. (os.tmpdir() must be reachable by that user; /tmp is.)
    const ids = systemUserIds()!;
    fs.chownSync(dir, ids.uid, ids.gid);
  }
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const port = await freePort();
  const url = `postgres://${TEST_SUPERUSER}@127.0.0.1:${port}/postgres`;

  await run(
    bins.initdb,
    ['-D', dataDir, '-U', TEST_SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
    dir,
  );
  // Settings go into the cluster's own config rather than pg_ctl -o, so a restart gets the same port
  // without re-passing them, and no path goes through the shell pg_ctl starts postgres with.
  // fsync is off for speed: a test cluster need not survive a power cut, and after kill() (immediate
  // shutdown) the WAL is still in the OS cache, so the next start recovers every acknowledged commit.
  // synchronous_commit must stay on: off, the last commits sit only in the server's memory and an
  // immediate shutdown loses them — which a real hub does not do, and which sync tests would trip on.
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [
      '',
      '# presence test harness',
      `listen_addresses = '127.0.0.1'`,
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      'fsync = off',
      '',
    ].join('\n'),
  );

  // The test superuser is trusted; every other role (a hub's stations) must give its password, as on a
  // real server, so that what a station's credentials allow (or no longer allow) is what is tested.
  fs.writeFileSync(
    path.join(dataDir, 'pg_hba.conf'),
    [
      'local all all trust',
      `host all ${TEST_SUPERUSER} 127.0.0.1/32 trust`,
      'host all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'),
  );

  const pgCtl = (args: string[]) => run(bins.pgCtl, ['-D', dataDir, ...args], dir);
  const shutdown = async (mode: 'fast' | 'immediate') => {
    if (!running.has(dataDir)) return;
    await pgCtl(['stop', '-m', mode, '-w']);
    running.delete(dataDir);
  };
  const start = async () => {
    if (running.has(dataDir)) return;
    installExitHook(bins.pgCtl);
    try {
      // -W: do not wait here; readiness is checked over TCP below, the way the app will connect.
      await pgCtl(['start', '-W', '-l', logFile]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nServer log:\n${logTail(logFile)}`, { cause: err });
    }
    running.add(dataDir);
    await waitUntilReady(url, logFile);
  };

  const server: TestPostgres = {
    url,
    port,
    dataDir,
    dir,
    version: bins.version,
    start,
    stop: () => shutdown('fast'),
    kill: () => shutdown('immediate'),
    destroy: async () => {
      await shutdown('immediate');
      fs.rmSync(dir, { recursive: true, force: true });
    },
    createDatabase: async (name) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return `postgres://${TEST_SUPERUSER}@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
  };

  try {
    await start();
  } catch (err) {
    await server.destroy().catch(() => undefined);
    throw err;
  }
  return server;
}
