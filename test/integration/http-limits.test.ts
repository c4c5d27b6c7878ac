// The loopback server's bounds on what one client may send, on a real server bound to 127.0.0.1 with a
// token, spoken to by a real WebSocket client: a blob table that would take seconds and gigabytes to
// unpack, a photo over the message limit, and addresses with broken percent-encoding.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDispatcher } from '../../src/main/transport/dispatch';
import { startServer, type RunningServer } from '../../src/main/transport/http-server';
import { loadOrCreateServeToken } from '../../src/main/serve-token';
import { decodeMessage, encodeMessage } from '../../src/shared/wire';
import { MAX_WIRE_BLOBS, MAX_WIRE_MESSAGE_BYTES } from '../../src/shared/limits';
import type { Result } from '../../src/shared/errors';
import { tempApp, type TempApp } from '../helpers/temp-app';

let t: TempApp;
let server: RunningServer;
let token: string;
let wsUrl: string;

beforeAll(async () => {
  t = tempApp();
  const staticDir = path.join(t.dir, 'renderer');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Presence</title>');
  token = loadOrCreateServeToken(t.dir).token;
  server = await startServer({ dispatch: createDispatcher(t.app.handlers(), { error: () => {} }), staticDir, token });
  wsUrl = server.url.replace('http:', 'ws:') + 'api';
});

afterAll(async () => {
  await server.close();
  await t.cleanup();
});

interface Client {
  ws: WebSocket;
  closed: Promise<number>;
}

async function connect(): Promise<Client> {
  const ws = new WebSocket(wsUrl, ['presence.v1', `token.${token}`]);
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before it opened')));
  });
  return { ws, closed };
}

/** Sends raw bytes and resolves with the answer to call `id`, or with the close code if the server hangs up. */
function send(c: Client, bytes: Uint8Array, id: number): Promise<Result<unknown> | { closed: number }> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const msg = decodeMessage(new Uint8Array(data)) as { id: number; result: Result<unknown> };
      if (msg.id !== id) return;
      c.ws.off('message', onMessage);
      resolve(msg.result);
    };
    c.ws.on('message', onMessage);
    void c.closed.then((code) => resolve({ closed: code }));
    c.ws.send(bytes);
  });
}

const call = (c: Client, channel: string, input: unknown, id: number) =>
  send(c, encodeMessage({ id, channel, input }), id);

/** A message laid out as encodeMessage lays it out, with a blob table and blob bytes of our choosing. */
function rawMessage(header: string, blobBytes = 0): Uint8Array {
  const head = Buffer.from(header, 'utf8');
  const out = new Uint8Array(4 + head.length + blobBytes);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  return out;
}

function status(pathname: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path: pathname }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

describe('loopback server limits', () => {
  it('answers broken percent-encoding in an address with 400, not 500', async () => {
    expect(await status('/%')).toBe(400);
    expect(await status('/%E0%A4%A')).toBe(400);
    expect(await status('/assets/%ZZ.js')).toBe(400);
    expect(await status('/')).toBe(200);
    expect(await status('/people%20list')).toBe(200); // well-formed: a screen of the app
  });

  it('refuses a header listing millions of empty blobs at once, with a typed error, and keeps serving', async () => {
    const c = await connect();
    const bystander = await connect();
    // 30 MB of header: 15 million empty blobs, as the probe sent (in a message within the size limit).
    const count = 15_000_000;
    const table = '0,'.repeat(count - 1) + '0';
    const bytes = rawMessage(`{"v":{"id":7,"channel":"app.info","input":null},"b":[${table}]}`);
    expect(bytes.length).toBeLessThanOrEqual(MAX_WIRE_MESSAGE_BYTES);
    const started = performance.now();
    const answer = await send(c, bytes, 7);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(answer).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect((answer as { error: { message: string } }).error.message).toMatch(/header is larger than 1 MB/);
    // The same connection and the others go on.
    expect(await call(c, 'app.info', undefined, 8)).toMatchObject({ ok: true });
    expect(await call(bystander, 'app.info', undefined, 9)).toMatchObject({ ok: true });
    c.ws.close();
    bystander.ws.close();
  });

  it('refuses more blobs than a request may carry, and blob sizes the message does not hold', async () => {
    const c = await connect();
    const many = rawMessage(`{"v":{"id":11,"channel":"app.info","input":null},"b":[${'0,'.repeat(MAX_WIRE_BLOBS)}0]}`);
    const tooMany = await send(c, many, 11);
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect((tooMany as { error: { message: string } }).error.message).toContain(`at most ${MAX_WIRE_BLOBS}`);

    const overlong = rawMessage(`{"v":{"id":12,"channel":"app.info","input":null},"b":[10,2000000000]}`, 10);
    expect(await send(c, overlong, 12)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const fraction = rawMessage(`{"v":{"id":13,"channel":"app.info","input":null},"b":[1.5]}`, 2);
    expect(await send(c, fraction, 13)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const missing = rawMessage(`{"v":{"id":14,"channel":"app.info","input":{"$blob":3}},"b":[]}`);
    expect(await send(c, missing, 14)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });

    expect(await call(c, 'app.info', undefined, 15)).toMatchObject({ ok: true });
    c.ws.close();
  });

  it('answers a photo over the message limit with IMAGE_TOO_LARGE and the limit, and the connection stays', async () => {
    const c = await connect();
    const photo = new Uint8Array(MAX_WIRE_MESSAGE_BYTES + 2 * 1024 * 1024).fill(0xff);
    const input = { newPerson: { name: 'Big Photo' }, photos: [{ name: 'big.jpg', bytes: photo }], consent: null };
    const answer = await call(c, 'enroll.importPhotos', input, 21);
    expect(answer).toMatchObject({ ok: false, error: { code: 'IMAGE_TOO_LARGE' } });
    expect((answer as { error: { message: string } }).error.message).toContain(
      `${MAX_WIRE_MESSAGE_BYTES / 1024 / 1024} MB`,
    );
    expect(await call(c, 'app.info', undefined, 22)).toMatchObject({ ok: true });
    c.ws.close();
  });
});
