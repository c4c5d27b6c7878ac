// The web transport against a fake socket: jsdom cannot reach the real `presence serve` (the loopback
// server's own tests and the browser end-to-end tests cover that); here the point is the client's
// behaviour: framing, matching answers to calls, failing calls on a drop, and the 4401 token refusal.
import { describe, expect, it, vi } from 'vitest';
import { decodeMessage, encodeMessage, TOKEN_PROTOCOL_PREFIX, WIRE_PROTOCOL } from '../../src/shared/wire';
import { proxyApi, takeToken, WebTransport, type ConnectionStatus } from '../../src/renderer/lib/transport-ws';

class FakeSocket {
  static last: FakeSocket | null = null;
  readyState = 0;
  bufferedAmount = 0;
  binaryType = 'blob';
  sent: Uint8Array[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.last = this;
  }
  send(bytes: Uint8Array): void {
    this.sent.push(bytes);
  }
  close(): void {}
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  answer(id: number, result: unknown): void {
    const bytes = encodeMessage({ id, result });
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

function transport(token: string | null = 'abc123') {
  const statuses: ConnectionStatus[] = [];
  const t = new WebTransport({
    url: 'ws://127.0.0.1:1/api',
    token,
    lostMessage: () => 'Lost the connection to Presence; retrying.',
    unauthorizedMessage: () => 'Open the link that presence serve printed.',
    createSocket: (url, protocols) => new FakeSocket(url, protocols) as unknown as WebSocket,
    onStatus: (s) => statuses.push(s),
  });
  return { t, statuses };
}

describe('web transport', () => {
  it('offers the protocol and token, sends binary requests once open, and matches answers by id', async () => {
    const { t } = transport();
    const api = proxyApi((channel, input) => t.call(channel, input));
    const frame = new Uint8Array([1, 2, 3, 4]);
    const pending = api.people.create({ name: 'Ada' });
    const pending2 = api.kiosk.frame({ frame: { width: 1, height: 1, rgba: frame }, station: 'door-1' });
    const socket = FakeSocket.last!;
    expect(socket.protocols).toEqual([WIRE_PROTOCOL, TOKEN_PROTOCOL_PREFIX + 'abc123']);
    expect(socket.sent).toHaveLength(0);
    socket.open();
    expect(socket.sent).toHaveLength(2);
    const [first, second] = socket.sent.map((b) => decodeMessage(b) as { id: number; channel: string; input: unknown });
    expect(first.channel).toBe('people.create');
    expect(first.input).toEqual({ name: 'Ada' });
    expect(second.channel).toBe('kiosk.frame');
    // The frame travels as raw bytes, not as JSON numbers.
    expect((second.input as { frame: { rgba: Uint8Array } }).frame.rgba).toEqual(frame);

    socket.answer(second.id, { ok: true, value: { state: 'idle' } });
    socket.answer(first.id, { ok: true, value: { id: 'p1', name: 'Ada' } });
    expect(await pending).toEqual({ ok: true, value: { id: 'p1', name: 'Ada' } });
    expect(await pending2).toEqual({ ok: true, value: { state: 'idle' } });
  });

  it('fails calls in flight with a sentence when the connection drops, then reconnects', async () => {
    vi.useFakeTimers();
    try {
      const { t, statuses } = transport();
      const pending = t.call('settings.get', undefined);
      const socket = FakeSocket.last!;
      socket.open();
      socket.drop();
      expect(await pending).toEqual({
        ok: false,
        error: { code: 'INTERNAL', message: 'Lost the connection to Presence; retrying.' },
      });
      expect(statuses).toContain('retrying');
      await vi.advanceTimersByTimeAsync(600);
      expect(FakeSocket.last).not.toBe(socket);
      FakeSocket.last!.open();
      expect(statuses.at(-1)).toBe('open');
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes a connection that stays silent while calls wait as dead, fails them and opens a new one', async () => {
    vi.useFakeTimers();
    try {
      const statuses: ConnectionStatus[] = [];
      const t = new WebTransport({
        url: 'ws://127.0.0.1:1/api',
        token: 'abc123',
        lostMessage: () => 'Lost the connection to Presence; retrying.',
        unauthorizedMessage: () => 'Open the link that presence serve printed.',
        createSocket: (url, protocols) => new FakeSocket(url, protocols) as unknown as WebSocket,
        onStatus: (s) => statuses.push(s),
        stallMs: 3000,
      });
      const first = t.call('app.info', undefined);
      const socket = FakeSocket.last!;
      socket.open(); // t = 0; the watchdog looks every second
      let slowDone = false;
      // A slow answer that does come resets the clock: the server said something within the window.
      vi.advanceTimersByTime(2500);
      const slow = t.call('people.list', undefined).then((r) => ((slowDone = true), r));
      socket.answer(1, { ok: true, value: 'info' });
      expect(await first).toEqual({ ok: true, value: 'info' });
      vi.advanceTimersByTime(1500); // 4 s after opening, 1.5 s after the answer: alive
      await Promise.resolve();
      expect(FakeSocket.last).toBe(socket);
      expect(slowDone).toBe(false);
      // A large upload still draining is life too, though nothing comes back meanwhile.
      socket.bufferedAmount = 1000;
      vi.advanceTimersByTime(1000);
      socket.bufferedAmount = 500;
      vi.advanceTimersByTime(1000);
      socket.bufferedAmount = 0;
      vi.advanceTimersByTime(1000); // t = 7 s: 4.5 s after the answer, but the upload moved at 6 and 7 s
      await Promise.resolve();
      expect(FakeSocket.last).toBe(socket);
      expect(slowDone).toBe(false);
      // Then nothing at all (a half-open connection): the waiting call fails, and a new socket is opened.
      vi.advanceTimersByTime(4000);
      expect(await slow).toMatchObject({ ok: false, error: { message: 'Lost the connection to Presence; retrying.' } });
      expect(statuses.at(-1)).toBe('retrying');
      vi.advanceTimersByTime(600);
      expect(FakeSocket.last).not.toBe(socket);
      t.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops and reports unauthorized when the server refuses the token (4401)', async () => {
    const { t, statuses } = transport();
    const pending = t.call('admin.status', undefined);
    FakeSocket.last!.drop(4401);
    const r = await pending;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('UNAUTHORIZED');
    expect(t.status).toBe('unauthorized');
    expect(statuses.at(-1)).toBe('unauthorized');
    const before = FakeSocket.last;
    await t.call('admin.status', undefined);
    expect(FakeSocket.last).toBe(before);
  });

  it('without a token it does not even try to connect', async () => {
    FakeSocket.last = null;
    const { t } = transport(null);
    const r = await t.call('settings.get', undefined);
    expect(r.ok).toBe(false);
    expect(FakeSocket.last).toBeNull();
    expect(t.status).toBe('unauthorized');
  });

  it('takes the token from the URL fragment once, keeps it in sessionStorage and hides it', () => {
    history.replaceState(null, '', '/#token=00ff11');
    expect(takeToken(location, sessionStorage)).toBe('00ff11');
    expect(location.hash).toBe('');
    expect(takeToken(location, sessionStorage)).toBe('00ff11');
    sessionStorage.clear();
    expect(takeToken(location, sessionStorage)).toBeNull();
  });
});
