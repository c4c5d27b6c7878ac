// Connecting to the hub, and what its failures mean to a person. node-postgres (`pg`): every query is
// parameterised; the few statements that need a name in them (CREATE ROLE) quote it (hub-schema.ts).
// TLS: `sslmode` in the URL (require, verify-ca, verify-full) is honoured by pg's connection string.
import pg from 'pg';
import { AppError, isAppError } from '../../shared/errors';

/** How long a station waits for the hub before it gives the round up (it is retried next interval). */
export const CONNECT_TIMEOUT_MS = 5_000;
export const QUERY_TIMEOUT_MS = 30_000;

export interface HubCredentials {
  user: string;
  password: string;
}

/**
 * The URL without its password, for messages and status lines: `user:password@` loses its password
 * before the URL is parsed (a password with a '/' in it would otherwise be read as part of the host
 * or path), and a `password` query parameter goes too. sslmode and the like stay: they are not secret.
 */
export function describeHub(url: string): string {
  const bare = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*?)(:[^@]*)?@/i, '$1$2@');
  try {
    const u = new URL(bare);
    u.password = '';
    u.searchParams.delete('password');
    return u.toString();
  } catch {
    return 'the hub';
  }
}

/** The hub's URL with a station's own role in it instead of whatever user the URL names. */
export function withCredentials(url: string, creds: HubCredentials): string {
  const u = new URL(url);
  u.username = encodeURIComponent(creds.user);
  u.password = encodeURIComponent(creds.password);
  return u.toString();
}

export function checkHubUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppError('INVALID_INPUT', 'The hub address must be a URL like postgres://user@host:5432/presence.', {
      path: 'url',
    });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new AppError(
      'INVALID_INPUT',
      `The hub address must start with postgres:// (it starts with ${u.protocol}//).`,
      {
        path: 'url',
      },
    );
  if (!u.pathname || u.pathname === '/')
    throw new AppError('INVALID_INPUT', 'The hub address must name its database: postgres://user@host:5432/DATABASE.', {
      path: 'url',
    });
  return url;
}

export async function connectHub(url: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    application_name: 'presence',
  });
  // A connection that drops while idle must not become an unhandled 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw hubError(e, url);
  }
  return client;
}

/** Runs f on a fresh connection, closed afterwards whatever happens. */
export async function withHub<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectHub(url);
  try {
    return await f(client);
  } catch (e) {
    throw hubError(e, url);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * What a failure means, as an AppError with a stable code and a sentence: pg's errors and the network's
 * as the hub's; anything else (this station's database, a bug) as this station's own, not blamed on the hub.
 */
export function hubError(e: unknown, url: string): AppError {
  if (isAppError(e)) return e;
  const err = e as { code?: string; message?: string; severity?: unknown };
  const fromHub =
    typeof err.severity === 'string' ||
    NETWORK.has(err.code ?? '') ||
    /Connection terminated|timeout|ECONN|socket/i.test(err.message ?? '');
  if (!fromHub)
    return new AppError(
      'INTERNAL',
      `The sync failed on this station: ${String(err.message ?? e).slice(0, 200)}. Nothing was lost; the next round tries again.`,
    );
  const where = describeHub(url);
  const code = err.code ?? '';
  const message = err.message ?? String(e);
  // 28000: the role may not log in (revoked: NOLOGIN); 28P01: wrong password; 42501 from the hub's own
  // functions: not a station, or a revoked one.
  if (code === '28000' && /pg_hba/.test(message))
    return new AppError(
      'HUB_INVALID',
      `The hub's server ${where} does not accept connections from this machine (pg_hba.conf): ask the hub's administrator to allow it.`,
    );
  if (code === '28000' || code === '28P01' || (code === '42501' && /revoked|not a Presence station/.test(message)))
    return new AppError(
      'SYNC_REVOKED',
      `The hub ${where} refused this station (${code === '28P01' ? 'its credentials are not accepted' : 'its access was revoked'}): ask the administrator for a new join code (presence hub add-station), then run presence sync join with it here.`,
    );
  if (code === '22023' && /stamped/.test(message))
    return new AppError('HUB_INVALID', `The hub refused this station's changes: ${message}.`);
  if (/certificate|self[- ]signed|SSL|TLS/i.test(message) && !code.startsWith('08'))
    return new AppError(
      'HUB_INVALID',
      `The hub ${where} could not be reached securely (${message.slice(0, 120)}): check sslmode and sslrootcert in its address, and the server's certificate.`,
    );
  if (code === '42501' && /join code was used/.test(message))
    return new AppError(
      'HUB_INVALID',
      'This join code was used already: ask the administrator for a new one (presence hub add-station).',
    );
  if (
    NETWORK.has(code) ||
    code.startsWith('08') || // connection exceptions
    code === '57P01' || // admin shutdown
    code === '57P03' || // cannot connect now (starting up, shutting down)
    /timeout|terminated|Connection terminated|connect ECONN|socket/i.test(message)
  )
    return new AppError(
      'HUB_UNREACHABLE',
      `The hub ${where} cannot be reached (${message.slice(0, 120)}): this station goes on recognising and recording, and sends its changes at the next sync.`,
    );
  if (code === '3D000')
    return new AppError(
      'HUB_INVALID',
      `The hub database in ${where} does not exist: check the address, or create it first (README: setting up a hub).`,
    );
  return new AppError('HUB_INVALID', `The hub ${where} answered with an error: ${message.slice(0, 200)}`);
}
