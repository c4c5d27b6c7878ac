// The loopback transport (`presence serve`): serves the built renderer over HTTP and answers the
// same contract over a WebSocket at /api, so a tablet browser or a headless test can be the kiosk.
// Binds 127.0.0.1 unless told otherwise; every API connection needs the token; browsers from other
// origins are refused, so a web page the kiosk browser happens to open cannot drive Presence.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFile, stat } from 'node:fs/promises';
import { timingSafeEqual, X509Certificate } from 'node:crypto';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  decodeMessage,
  encodeMessage,
  peekId,
  REQUEST_LIMITS,
  TOKEN_PROTOCOL_PREFIX,
  WireError,
  WIRE_PROTOCOL,
  type WireRequest,
} from '../../shared/wire';
import { MAX_IMAGE_BYTES, MAX_WIRE_MESSAGE_BYTES, MAX_WIRE_REFUSABLE_BYTES } from '../../shared/limits';
import type { Result } from '../../shared/errors';
import { AdminSession } from '../domain/admin-session';
import type { Dispatch } from './dispatch';
import { CONTENT_SECURITY_POLICY } from './csp';

/** Close code the renderer understands as "open the link that presence serve printed". */
export const CLOSE_UNAUTHORIZED = 4401;

export interface ServerOptions {
  dispatch: Dispatch;
  /** Folder with the built renderer (index.html and assets). */
  staticDir: string;
  token: string;
  host?: string;
  port?: number;
  /**
   * Serve https (and wss) with this certificate and key (PEM). Browsers give a page the camera only in
   * a secure context, so a kiosk tablet opening the server over the network needs this (or a flag).
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
  log?: (line: string) => void;
}

export interface RunningServer {
  /** Where a browser reaches the server: a wildcard address (0.0.0.0) is shown as this computer's own. */
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
};

function sameToken(offered: string | undefined, token: string): boolean {
  if (!offered) return false;
  const a = Buffer.from(offered);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token from the subprotocol list (browsers) or an Authorization header (other clients). */
export function tokenOf(req: IncomingMessage): string | undefined {
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const fromProtocol = protocols.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  if (fromProtocol) return fromProtocol.slice(TOKEN_PROTOCOL_PREFIX.length);
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
}

async function serveStatic(staticDir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  securityHeaders(res);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    return;
  }
  const root = path.resolve(staticDir);
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    // Broken percent-encoding (`/%`, a cut-off UTF-8 sequence) is the client's mistake, not ours.
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('The address is not valid.');
    return;
  }
  let file = path.resolve(root, '.' + pathname);
  // Never serve anything outside the renderer folder, whatever the path says.
  if (file !== root && !file.startsWith(root + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
  } catch {
    // Unknown paths are screens of the single-page app.
    file = path.join(root, 'index.html');
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': file.endsWith('index.html') ? 'no-cache' : 'max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res
      .writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end('The Presence web interface is not built. Run "npm run build" and start "presence serve" again.');
  }
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** `host` as it appears in a URL (IPv6 in brackets). */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The DNS names a certificate is for (its subjectAltName), which is what a tablet's address will use. */
export function certificateNames(cert: string | Buffer): string[] {
  try {
    const san = new X509Certificate(cert).subjectAltName ?? '';
    return san
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.startsWith('DNS:'))
      .map((entry) => entry.slice(4).toLowerCase());
  } catch {
    return [];
  }
}

/**
 * The host names a browser may use to reach a server bound to `host`: that address, the loopback names,
 * this computer's own names (`frontdesk`, `frontdesk.local`) and `extraNames` (the certificate's), or for
 * a wildcard address also every address of this computer (a tablet on the network opens the page at the
 * computer's LAN address or name, and its WebSocket then comes from that origin).
 */
export function reachableHosts(host: string, extraNames: readonly string[] = []): string[] {
  const name = hostname().toLowerCase();
  const hosts = ['localhost', '127.0.0.1', '[::1]', name, `${name}.local`, ...extraNames];
  if (!WILDCARD_HOSTS.has(host)) return [...new Set([urlHost(host), ...hosts])];
  for (const nics of Object.values(networkInterfaces()))
    for (const nic of nics ?? []) hosts.push(urlHost(nic.address.split('%')[0]!));
  return [...new Set(hosts)];
}

/** The address to print in the link: the bound one, or this computer's first network address for a wildcard. */
function shownHost(host: string): string {
  if (!WILDCARD_HOSTS.has(host)) return urlHost(host);
  const external = Object.values(networkInterfaces())
    .flatMap((nics) => nics ?? [])
    .find((nic) => !nic.internal && nic.family === 'IPv4');
  return external?.address ?? '127.0.0.1';
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    serveStatic(options.staticDir, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const scheme = options.tls ? 'https' : 'http';
  const certNames = options.tls ? certificateNames(options.tls.cert) : [];
  const server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handle)
    : createServer(handle);
  const handleProtocols = (protocols: Set<string>) => (protocols.has(WIRE_PROTOCOL) ? WIRE_PROTOCOL : false);
  const wss = new WebSocketServer({
    noServer: true,
    // Messages over MAX_WIRE_MESSAGE_BYTES are answered IMAGE_TOO_LARGE (serveConnection) up to this size;
    // beyond it ws refuses them (1009) before buffering them whole.
    maxPayload: MAX_WIRE_REFUSABLE_BYTES,
    handleProtocols,
  });
  // A connection without the token is only told so and closed: it may not make the server buffer anything.
  const refused = new WebSocketServer({ noServer: true, maxPayload: 1024, handleProtocols });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // A client that drops the connection mid-handshake must not take the server down with it.
    socket.on('error', (err) => log(`a connection failed before it opened: ${err.message}`));
    const address = server.address() as AddressInfo;
    const ownOrigins = new Set(reachableHosts(host, certNames).map((h) => `${scheme}://${h}:${address.port}`));
    const origin = req.headers.origin;
    if (url.pathname !== '/api') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    // Browsers always send Origin on a WebSocket; a foreign one means another site is trying.
    if (origin !== undefined && !ownOrigins.has(origin)) {
      log(`refused a connection from origin ${origin}`);
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    const authorised = sameToken(tokenOf(req), options.token);
    (authorised ? wss : refused).handleUpgrade(req, socket, head, (ws) => {
      // ws reports a frame it refuses (too large, malformed) as an 'error' event and then closes the
      // connection; unheard, that event would end the whole process, and every kiosk with it.
      ws.on('error', (err) => log(`closed a connection: ${err.message}`));
      if (!authorised) {
        // Completing the handshake first lets the page tell "wrong link" apart from "server down".
        ws.close(CLOSE_UNAUTHORIZED, 'A valid token is required: open the link printed by presence serve.');
        return;
      }
      serveConnection(ws, options.dispatch, log);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://${shownHost(host)}:${port}/`,
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of [...wss.clients, ...refused.clients]) client.terminate();
        wss.close();
        refused.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const TOO_LARGE_MESSAGE =
  `This request is larger than ${MAX_WIRE_MESSAGE_BYTES / 1024 / 1024} MB, the most Presence takes at once: ` +
  `send photos of at most ${MAX_IMAGE_BYTES / 1024 / 1024} MB each, a few at a time.`;

function serveConnection(ws: WebSocket, dispatch: Dispatch, log: (line: string) => void): void {
  // Each browser connection is its own admin session: unlocking one tablet unlocks nothing else.
  const session = new AdminSession();
  const answer = (id: number, result: Result<unknown>) => {
    if (ws.readyState === ws.OPEN) ws.send(encodeMessage({ id, result }));
  };
  // A closed tab's session ends with it: what it held (a Group photos set) is let go by the next sweep
  // instead of lingering for the idle timeout.
  ws.on('close', () => session.lock());
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      ws.close(1003, 'Presence speaks binary messages only.');
      return;
    }
    const bytes = toBytes(data);
    if (bytes.length > MAX_WIRE_MESSAGE_BYTES) {
      // Answered for its call, so the page's other calls (and its admin session) go on.
      const id = peekId(bytes);
      if (id === undefined) ws.close(1009, 'The message is too large.');
      else answer(id, { ok: false, error: { code: 'IMAGE_TOO_LARGE', message: TOO_LARGE_MESSAGE } });
      return;
    }
    let request: WireRequest;
    try {
      request = decodeMessage(bytes, REQUEST_LIMITS) as WireRequest;
      if (typeof request?.id !== 'number') throw new Error('no id');
    } catch (e) {
      // A request whose call id could be read is refused for that call; one without is unreadable.
      if (e instanceof WireError && e.id !== undefined) {
        log(`refused a request: ${e.message}`);
        answer(e.id, { ok: false, error: { code: e.code, message: e.message } });
      } else ws.close(1007, 'The message could not be read.');
      return;
    }
    dispatch(request.channel, request.input, { session })
      .then((result) => answer(request.id, result))
      .catch((e: unknown) =>
        // The channel is whatever the client sent: named safely (String() of some objects throws).
        log(
          `failed to answer ${typeof request.channel === 'string' ? request.channel.slice(0, 80) : typeof request.channel}: ${e instanceof Error ? e.message : typeof e}`,
        ),
      );
  });
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
