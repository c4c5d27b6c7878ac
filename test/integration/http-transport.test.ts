// The loopback transport on a real server bound to 127.0.0.1, spoken to by a real WebSocket client.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDispatcher } from '../../src/main/transport/dispatch';
import {
  certificateNames,
  CLOSE_UNAUTHORIZED,
  reachableHosts,
  startServer,
  type RunningServer,
} from '../../src/main/transport/http-server';
import { loadOrCreateServeToken } from '../../src/main/serve-token';
import { decodeMessage, encodeMessage } from '../../src/shared/wire';
import { MAX_WIRE_MESSAGE_BYTES } from '../../src/shared/limits';
import type { Result } from '../../src/shared/errors';
import { tempApp, type TempApp } from '../helpers/temp-app';
import { makeTestCert } from '../helpers/tls-cert';

let t: TempApp;
let server: RunningServer;
let token: string;
let wsUrl: string;

beforeAll(async () => {
  t = tempApp();
  const staticDir = path.join(t.dir, 'renderer');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Presence</title>');
  fs.writeFileSync(path.join(t.dir, 'secret.txt'), 'not for the web');
  token = loadOrCreateServeToken(t.dir).token;
  server = await startServer({ dispatch: createDispatcher(t.app.handlers(), { error: () => {} }), staticDir, token });
  wsUrl = server.url.replace('http:', 'ws:') + 'api';
});

afterAll(async () => {
  await server.close();
  await t.cleanup();
});

/** Opens a connection and resolves with it, or with the close code when the server ends it at once. */
function connect(
  opts: { token?: string; origin?: string; protocols?: string[]; url?: string; rejectUnauthorized?: boolean } = {},
): Promise<WebSocket | { closed: number } | { refused: number }> {
  const protocols = opts.protocols ?? ['presence.v1', ...(opts.token ? [`token.${opts.token}`] : [])];
  const ws = new WebSocket(opts.url ?? wsUrl, protocols, {
    origin: opts.origin,
    rejectUnauthorized: opts.rejectUnauthorized ?? true,
  });
  return new Promise((resolve) => {
    let opened = false;
    ws.on('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    ws.on('open', () => {
      opened = true;
      // Give the server a moment to close an unauthorised connection.
      setTimeout(() => ws.readyState === WebSocket.OPEN && resolve(ws), 100);
    });
    ws.on('close', (code) => opened && resolve({ closed: code }));
    ws.on('error', () => {});
  });
}

function call(
  ws: WebSocket,
  channel: string,
  input: unknown,
  id = Math.floor(Math.random() * 1e9),
): Promise<Result<unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const msg = decodeMessage(new Uint8Array(data)) as { id: number; result: Result<unknown> };
      if (msg.id !== id) return;
      ws.off('message', onMessage);
      resolve(msg.result);
    };
    ws.on('message', onMessage);
    ws.send(encodeMessage({ id, channel, input }));
  });
}

describe('loopback transport', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('serves the renderer with a strict Content-Security-Policy, and nothing outside it', async () => {
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('<title>Presence</title>');
    const escape = await fetch(new URL('/..%2fsecret.txt', server.url));
    expect(await escape.text()).not.toContain('not for the web');
  });

  it('refuses a connection without a token', async () => {
    expect(await connect()).toEqual({ closed: CLOSE_UNAUTHORIZED });
  });

  it('refuses a wrong token', async () => {
    expect(await connect({ token: 'f'.repeat(token.length) })).toEqual({ closed: CLOSE_UNAUTHORIZED });
    expect(await connect({ token: token.slice(0, -1) })).toEqual({ closed: CLOSE_UNAUTHORIZED });
  });

  it('refuses a foreign origin even with the right token', async () => {
    expect(await connect({ token, origin: 'https://evil.example' })).toEqual({ refused: 403 });
  });

  it('answers the contract on a round trip, with the admin session per connection', async () => {
    const ws = await connect({ token, origin: server.url.slice(0, -1) });
    if (!(ws instanceof WebSocket)) throw new Error(`not connected: ${JSON.stringify(ws)}`);
    expect(await call(ws, 'app.info', undefined)).toMatchObject({
      ok: true,
      value: { name: 'Presence', transport: 'http' },
    });
    expect(await call(ws, 'people.create', { name: 'Ada' })).toMatchObject({
      ok: false,
      error: { code: 'ADMIN_LOCKED' },
    });
    expect(await call(ws, 'admin.setPin', { newPin: '1357' })).toMatchObject({ ok: true, value: { unlocked: true } });
    const created = await call(ws, 'people.create', { name: 'Ada Lovelace' });
    expect(created).toMatchObject({ ok: true, value: { name: 'Ada Lovelace' } });

    // Bad input over the wire gets a typed error and changes nothing.
    const before = t.app.store.people.list().length;
    expect(await call(ws, 'people.create', { name: '' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await call(ws, 'people.create', { name: new Uint8Array(3) })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(
      await call(ws, 'kiosk.frame', { frame: { width: 16, height: 16, rgba: new Uint8Array(3) }, station: 'door-1' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await call(ws, 'nope.nothing', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(t.app.store.people.list().length).toBe(before);

    // Another connection has its own, locked session.
    const other = await connect({ token });
    if (!(other instanceof WebSocket)) throw new Error('second connection failed');
    expect(await call(other, 'people.list', undefined)).toMatchObject({ ok: false, error: { code: 'ADMIN_LOCKED' } });
    other.close();
    ws.close();
  });

  it('closes a connection that sends something unreadable', async () => {
    const ws = await connect({ token });
    if (!(ws instanceof WebSocket)) throw new Error('not connected');
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send(new Uint8Array([255, 255, 255, 255, 1]));
    expect(await closed).toBe(1007);
  });

  it('closes a connection that sends a message over the size limit, and keeps serving the others', async () => {
    // Without a listener for the error ws raises on such a frame, the whole server process would end.
    const ws = await connect({ token });
    if (!(ws instanceof WebSocket)) throw new Error('not connected');
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send(new Uint8Array(MAX_WIRE_MESSAGE_BYTES + 1024 * 1024));
    expect(await closed).toBe(1009); // "message too big"
    const again = await connect({ token });
    if (!(again instanceof WebSocket)) throw new Error('the server stopped serving');
    expect(await call(again, 'app.info', undefined)).toMatchObject({ ok: true });
    again.close();
  });

  it("knows this computer's own names and a certificate's DNS names as its origins", () => {
    const name = os.hostname().toLowerCase();
    expect(reachableHosts('127.0.0.1')).toEqual(expect.arrayContaining([name, `${name}.local`, '127.0.0.1']));
    const { cert } = makeTestCert(t.dir, 'named', ['frontdesk.test', 'Door-2.example']);
    expect(certificateNames(cert)).toEqual(['frontdesk.test', 'door-2.example']);
    expect(certificateNames('not a certificate')).toEqual([]);
  });

  it('bound to every address, prints a reachable link and accepts pages opened at it', async () => {
    const open = await startServer({
      dispatch: createDispatcher(t.app.handlers(), { error: () => {} }),
      staticDir: path.join(t.dir, 'renderer'),
      token,
      host: '0.0.0.0',
    });
    try {
      expect(open.url).not.toContain('0.0.0.0');
      const page = open.url.slice(0, -1); // the origin of a tablet's page opened at the printed link
      const url = open.url.replace('http:', 'ws:') + 'api';
      const ws = await connect({ token, origin: page, url });
      if (!(ws instanceof WebSocket)) throw new Error(`refused the printed link's origin: ${JSON.stringify(ws)}`);
      ws.close();
      expect(await connect({ token, origin: 'http://evil.example:8420', url })).toEqual({ refused: 403 });
    } finally {
      await open.close();
    }
  });

  it('with a certificate, serves https and wss, and refuses a page from the plain-http origin', async () => {
    const { cert, key } = makeTestCert(t.dir, 'test', ['frontdesk.test']);
    const secure = await startServer({
      dispatch: createDispatcher(t.app.handlers(), { error: () => {} }),
      staticDir: path.join(t.dir, 'renderer'),
      token,
      tls: { cert, key },
    });
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await new Promise<string>((resolve, reject) => {
        https
          .get(secure.url, { rejectUnauthorized: false }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve(body));
          })
          .on('error', reject);
      });
      expect(page).toContain('<title>Presence</title>');
      const url = secure.url.replace('https:', 'wss:') + 'api';
      const origin = secure.url.slice(0, -1);
      const ws = await connect({ token, origin, url, rejectUnauthorized: false });
      if (!(ws instanceof WebSocket)) throw new Error(`wss refused: ${JSON.stringify(ws)}`);
      expect(await call(ws, 'app.info', undefined)).toMatchObject({ ok: true });
      ws.close();
      const plain = origin.replace('https:', 'http:');
      expect(await connect({ token, origin: plain, url, rejectUnauthorized: false })).toEqual({ refused: 403 });
      // A tablet that opened the page by the name on the certificate.
      const byName = await connect({
        token,
        origin: `https://frontdesk.test:${secure.port}`,
        url,
        rejectUnauthorized: false,
      });
      if (!(byName instanceof WebSocket))
        throw new Error(`the certificate's name was refused: ${JSON.stringify(byName)}`);
      byName.close();
    } finally {
      await secure.close();
    }
  });

  it('keeps the token in a private file and reuses it', () => {
    const again = loadOrCreateServeToken(t.dir);
    expect(again.token).toBe(token);
    expect(fs.statSync(again.file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateServeToken(t.dir, true).token).not.toBe(token);
  });
});
