/** Prefix of every contract channel on Electron IPC, shared by main and preload. */
export const IPC_PREFIX = 'presence:';
