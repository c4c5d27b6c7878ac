import type { PresenceApi } from '../shared/contract';

declare global {
  interface Window {
    /** Set by the Electron preload with contextBridge; absent in an ordinary browser. */
    presence?: PresenceApi;
  }
}

export {};
