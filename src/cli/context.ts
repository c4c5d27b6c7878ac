// What every CLI command shares: opening the app on the chosen database and parsing common arguments.
import { InvalidArgumentError } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json';
import { AppError } from '../shared/errors';
import { PresenceApp } from '../main/app';
import { createInProcessEngine, createWorkerEngine, type FaceEngine } from '../main/engine';
import { resolveDatabasePath } from '../main/paths';
import { FileKeyProvider, keyFilePathFor } from '../main/security/key-provider';

export interface GlobalOptions {
  db?: string;
}

/** Opens the app on the chosen database; the engine is created lazily and started only by commands that need faces. */
export function openApp(opts: GlobalOptions, engine: 'none' | 'in-process' | 'worker' = 'none'): PresenceApp {
  const databasePath = resolveDatabasePath(opts.db);
  return new PresenceApp({
    databasePath,
    keys: new FileKeyProvider(keyFilePathFor(databasePath)),
    engine:
      engine === 'worker' ? createWorkerEngine() : engine === 'in-process' ? createInProcessEngine() : unusedEngine(),
    transport: 'http',
    version: pkg.version,
  });
}

/** For commands that never look at a face: refuses clearly if something asks it to. */
function unusedEngine(): FaceEngine {
  const refuse = () =>
    Promise.reject(new AppError('ENGINE_UNAVAILABLE', 'This command does not load the face engine.'));
  return {
    start: refuse,
    analyze: refuse,
    stop: () => Promise.resolve(),
    status: () => ({
      state: 'stopped',
      backend: null,
      encoderId: null,
      embeddingSize: null,
      defaultThreshold: null,
      models: [],
      loadMs: null,
      queueDepth: 0,
      restarts: 0,
      error: null,
    }),
  };
}

export function rendererDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../renderer');
}

export function parseDay(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError('expected a date as YYYY-MM-DD.');
  }
  return value;
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return n;
}

export function existingPath(kind: 'file' | 'directory') {
  return (value: string): string => {
    const full = path.resolve(value);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      throw new InvalidArgumentError(`${value} does not exist.`);
    }
    if (kind === 'file' ? !stat.isFile() : !stat.isDirectory())
      throw new InvalidArgumentError(`${value} is not a ${kind}.`);
    return full;
  };
}
