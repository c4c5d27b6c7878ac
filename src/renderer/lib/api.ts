// The one api object the screens use. Electron: the preload's window.presence (typed functions over IPC).
// Browser (`presence serve`): the same interface over the loopback WebSocket.
import type { PresenceApi } from '../../shared/contract';
import { connection } from './connection.svelte';
import { i18n } from './i18n.svelte';
import { apiUrl, proxyApi, takeToken, WebTransport } from './transport-ws';

function createWebApi(): PresenceApi {
  let transport: WebTransport | null = null;
  // Connect on the first call, not at import, so nothing opens a socket before the app needs one.
  const get = (): WebTransport => {
    transport ??= new WebTransport({
      url: apiUrl(),
      token: takeToken(),
      lostMessage: () => i18n.t('connection.lost'),
      unauthorizedMessage: () => i18n.t('connection.unauthorized'),
      onStatus: (status) => (connection.status = status),
    });
    connection.status = transport.status;
    return transport;
  };
  return proxyApi((channel, input) => get().call(channel, input));
}

export const api: PresenceApi = typeof window !== 'undefined' && window.presence ? window.presence : createWebApi();
