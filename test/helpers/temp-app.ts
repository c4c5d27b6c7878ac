// A real PresenceApp on a real SQLite file in a fresh temporary folder, with the real engine.
// Tests that never look at a face never start the engine, so they stay fast.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PresenceApp } from '../../src/main/app';
import { type FaceEngine } from '../../src/main/engine';
import { createInProcessEngine } from '../../src/main/engine/engine';
import { FileKeyProvider, keyFilePathFor } from '../../src/main/security/key-provider';

export interface TempApp {
  app: PresenceApp;
  dir: string;
  databasePath: string;
  cleanup(): Promise<void>;
}

export function tempApp(
  opts: { engine?: FaceEngine; now?: () => number; transport?: 'electron' | 'http' } = {},
): TempApp {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-test-'));
  const databasePath = path.join(dir, 'presence.db');
  const app = new PresenceApp({
    databasePath,
    keys: new FileKeyProvider(keyFilePathFor(databasePath)),
    engine: opts.engine ?? createInProcessEngine(),
    transport: opts.transport ?? 'http',
    version: '0.0.0-test',
    now: opts.now,
  });
  return {
    app,
    dir,
    databasePath,
    cleanup: async () => {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A PresenceApp on an existing database file (the next start of Presence on it), with the real engine. */
export function appOn(databasePath: string, engine: FaceEngine = createInProcessEngine()): PresenceApp {
  return new PresenceApp({
    databasePath,
    keys: new FileKeyProvider(keyFilePathFor(databasePath)),
    engine,
    transport: 'http',
    version: '0.0.0-test',
  });
}
