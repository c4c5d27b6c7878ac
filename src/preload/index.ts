// Exposes window.presence: one function per contract channel, derived from the contract itself, so
// the renderer never touches ipcRenderer and cannot call anything the contract does not declare.
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, splitChannel, type PresenceApi } from '../shared/contract';
import { IPC_PREFIX } from '../main/transport/ipc-prefix';

function buildApi(): PresenceApi {
  const api: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
  for (const channel of CHANNELS) {
    const [namespace, method] = splitChannel(channel);
    (api[namespace] ??= {})[method] = (input?: unknown) => ipcRenderer.invoke(IPC_PREFIX + channel, input);
  }
  return api as unknown as PresenceApi;
}

contextBridge.exposeInMainWorld('presence', buildApi());
