// The web transport: the same PresenceApi as the Electron bridge, over one WebSocket to `presence serve`.
// wire.ts and limits.ts are the only value imports from src/shared: a dependency-free codec that the
// server uses too, and the sizes both sides agree on.
import type { PresenceApi } from '../../shared/contract';
import type { AppErrorData, Result } from '../../shared/errors';
import { decodeMessage, encodeMessage, TOKEN_PROTOCOL_PREFIX, WIRE_PROTOCOL } from '../../shared/wire';
import { MAX_IMAGE_BYTES, MAX_WIRE_MESSAGE_BYTES } from '../../shared/limits';

export type ConnectionStatus = 'connecting' | 'open' | 'retrying' | 'unauthorized';

/** The server closes with this code when the token is missing or wrong. */
export const CLOSE_UNAUTHORIZED = 4401;
const TOKEN_KEY = 'presence.token';

export interface WebTransportOptions {
  url: string;
  token: string | null;
  /** Sentence shown for calls cut off by a dropped connection. */
  lostMessage: () => string;
  /** Sentence for calls refused because there is no valid token. */
  unauthorizedMessage: () => string;
  createSocket?: (url: string, protocols: string[]) => WebSocket;
  onStatus?: (status: ConnectionStatus) => void;
  maxBackoffMs?: number;
  /**
   * A connection that has answered nothing for this long while calls wait is taken as dead and opened
   * again. Without it a half-open connection (a tablet roaming between access points, the server's
   * computer asleep) would leave calls, and the kiosk's frame loop with them, waiting for good. An upload
   * still draining (a 30 MB batch of photos on a slow network) counts as life. Default 90 s: longer than
   * main takes to enroll such a batch once it has arrived.
   */
  stallMs?: number;
}

const DEFAULT_STALL_MS = 90_000;

interface Pending {
  resolve: (result: Result<unknown>) => void;
}

/**
 * Reads the token from `#token=<hex>` the first time (then keeps it in sessionStorage and removes it
 * from the visible URL, so it does not end up in screenshots or bookmarks).
 */
export function takeToken(loc: Location = location, storage: Storage = sessionStorage): string | null {
  const match = /(?:^#|&)token=([0-9a-fA-F]+)/.exec(loc.hash);
  if (match) {
    storage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', loc.pathname + loc.search);
    return match[1];
  }
  return storage.getItem(TOKEN_KEY);
}

export function forgetToken(storage: Storage = sessionStorage): void {
  storage.removeItem(TOKEN_KEY);
}

export function apiUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/api`;
}

export class WebTransport {
  #opts: WebTransportOptions;
  #socket: WebSocket | null = null;
  #status: ConnectionStatus = 'connecting';
  #nextId = 1;
  #pending = new Map<number, Pending>();
  /** Requests made while the socket is still opening; sent on open, failed if it never opens. */
  #outbox: Uint8Array[] = [];
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the open socket last showed life: opened, answered, or took more of what we are sending. */
  #heardAt = 0;
  /** The socket's unsent bytes at the last watchdog tick: a large upload draining is not silence. */
  #lastBuffered = 0;
  #watchdog: ReturnType<typeof setInterval> | null = null;

  constructor(opts: WebTransportOptions) {
    this.#opts = opts;
    if (!opts.token) this.#setStatus('unauthorized');
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  call(channel: string, input: unknown): Promise<Result<unknown>> {
    if (this.#status === 'unauthorized')
      return Promise.resolve(this.#fail('UNAUTHORIZED', this.#opts.unauthorizedMessage()));
    this.#ensureSocket();
    const id = this.#nextId++;
    const bytes = encodeMessage({ id, channel, input });
    // The server would have to refuse it; sent anyway, a message this large only costs the upload.
    if (bytes.length > MAX_WIRE_MESSAGE_BYTES)
      return Promise.resolve(
        this.#fail(
          'IMAGE_TOO_LARGE',
          `This is larger than ${MAX_WIRE_MESSAGE_BYTES / 1024 / 1024} MB, the most Presence takes at once: ` +
            `choose photos of at most ${MAX_IMAGE_BYTES / 1024 / 1024} MB each.`,
        ),
      );
    return new Promise((resolve) => {
      this.#pending.set(id, { resolve });
      this.#watch();
      if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(bytes);
      else this.#outbox.push(bytes);
    });
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = null;
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
    this.#failAll(this.#opts.lostMessage());
  }

  #ensureSocket(): void {
    if (this.#socket || this.#timer) return;
    this.#connect();
  }

  #connect(): void {
    this.#timer = null;
    const token = this.#opts.token ?? '';
    const protocols = [WIRE_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token];
    let socket: WebSocket;
    try {
      socket = this.#opts.createSocket
        ? this.#opts.createSocket(this.#opts.url, protocols)
        : new WebSocket(this.#opts.url, protocols);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    this.#setStatus(this.#attempt === 0 ? 'connecting' : 'retrying');
    socket.onopen = () => {
      this.#attempt = 0;
      this.#heardAt = Date.now();
      this.#setStatus('open');
      for (const bytes of this.#outbox.splice(0)) socket.send(bytes);
    };
    socket.onmessage = (event: MessageEvent) => this.#receive(event.data);
    socket.onclose = (event: CloseEvent) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      if (event.code === CLOSE_UNAUTHORIZED) {
        forgetToken();
        this.#setStatus('unauthorized');
        this.#failAll(this.#opts.unauthorizedMessage(), 'UNAUTHORIZED');
        return;
      }
      this.#failAll(this.#opts.lostMessage());
      this.#scheduleReconnect();
    };
  }

  #scheduleReconnect(): void {
    this.#setStatus('retrying');
    const delay = Math.min(this.#opts.maxBackoffMs ?? 10_000, 500 * 2 ** this.#attempt);
    this.#attempt++;
    this.#timer = setTimeout(() => this.#connect(), delay);
  }

  /** Runs while calls wait: a socket silent for stallMs is dropped and opened again. */
  #watch(): void {
    if (this.#watchdog) return;
    const stallMs = this.#opts.stallMs ?? DEFAULT_STALL_MS;
    this.#watchdog = setInterval(
      () => {
        if (this.#pending.size === 0) {
          clearInterval(this.#watchdog!);
          this.#watchdog = null;
          return;
        }
        const socket = this.#socket;
        if (socket && socket.bufferedAmount < this.#lastBuffered) this.#heardAt = Date.now();
        this.#lastBuffered = socket?.bufferedAmount ?? 0;
        if (!socket || socket.readyState !== WebSocket.OPEN || Date.now() - this.#heardAt < stallMs) return;
        this.#socket = null;
        socket.close();
        this.#failAll(this.#opts.lostMessage());
        this.#scheduleReconnect();
      },
      Math.min(5000, stallMs / 3),
    );
  }

  #receive(data: unknown): void {
    this.#heardAt = Date.now();
    if (!(data instanceof ArrayBuffer)) return;
    let message: { id?: unknown; result?: unknown };
    try {
      message = decodeMessage(new Uint8Array(data)) as { id?: unknown; result?: unknown };
    } catch {
      return;
    }
    if (typeof message.id !== 'number') return;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    pending.resolve(message.result as Result<unknown>);
  }

  #failAll(message: string, code: AppErrorData['code'] = 'INTERNAL'): void {
    this.#outbox = [];
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.resolve(this.#fail(code, message));
  }

  #fail(code: AppErrorData['code'], message: string): Result<unknown> {
    return { ok: false, error: { code, message } };
  }

  #setStatus(status: ConnectionStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.#opts.onStatus?.(status);
  }
}

/** `api.ns.method(input)` calls channel `ns.method`: no run-time copy of the contract is needed. */
export function proxyApi(call: (channel: string, input: unknown) => Promise<Result<unknown>>): PresenceApi {
  const namespaces = new Map<string, object>();
  return new Proxy({} as PresenceApi, {
    get(_target, ns) {
      if (typeof ns !== 'string' || ns === 'then') return undefined;
      let methods = namespaces.get(ns);
      if (!methods) {
        methods = new Proxy(
          {},
          {
            get(_t, method) {
              // 'then' must stay undefined, or `await api.people` would treat the namespace as a promise.
              if (typeof method !== 'string' || method === 'then') return undefined;
              return (input?: unknown) => call(`${ns}.${method}`, input);
            },
          },
        );
        namespaces.set(ns, methods);
      }
      return methods;
    },
  });
}
