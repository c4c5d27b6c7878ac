// The one api object the screens use. Electron: the preload's window.presence (typed functions over IPC).
// Browser (`presence serve`): the same interface over the loopback WebSocket.
import type { PresenceApi } from '../../shared/contract';
import type { Result } from '../../shared/errors';
import { connection } from './connection.svelte';
import { i18n } from './i18n.svelte';
import { apiUrl, proxyApi, takeToken, WebTransport } from './transport-ws';

type Call = (input?: unknown) => Promise<Result<unknown>>;

function bridge(): PresenceApi | undefined {
  return typeof window !== 'undefined' ? window.presence : undefined;
}

let transport: WebTransport | null = null;

// Connect on the first call, not at import, so nothing opens a socket before the app needs one.
function web(): WebTransport {
  transport ??= new WebTransport({
    url: apiUrl(),
    token: takeToken(),
    lostMessage: () => i18n.t('connection.lost'),
    unauthorizedMessage: () => i18n.t('connection.unauthorized'),
    onStatus: (status) => (connection.status = status),
  });
  connection.status = transport.status;
  return transport;
}

function call(channel: string, input: unknown): Promise<Result<unknown>> {
  const presence = bridge();
  if (!presence) return web().call(channel, input);
  const dot = channel.indexOf('.');
  const ns = (presence as unknown as Record<string, Record<string, Call> | undefined>)[channel.slice(0, dot)];
  const fn = ns?.[channel.slice(dot + 1)];
  if (!fn) return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `No channel ${channel}.` } });
  return fn(input);
}

/** `api.ns.method(input)`: through the Electron bridge when the preload set one, else the WebSocket. */
export const api: PresenceApi = proxyApi(call);
