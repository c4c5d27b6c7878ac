// What every CLI command shares: opening the app on the chosen database and parsing common arguments.
import { InvalidArgumentError } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json';
import { AppError } from '../shared/errors';
import { PresenceApp } from '../main/app';
import { createWorkerEngine } from '../main/engine';
import { createInProcessEngine } from '../main/engine/engine';
import { resolveDatabasePath } from '../main/paths';
import { FileKeyProvider, keyFilePathFor } from '../main/security/key-provider';

export interface GlobalOptions {
  db?: string;
}

/**
 * Opens the app on the chosen database. The engine is only created here: it loads its models when a
 * command that looks at faces starts it, so `people list` and `export` stay instant.
 * `existing`: the command only reads or changes what is there, so a database that does not exist is a
 * mistyped --db, not a first run: it is said, not silently created empty.
 */
export function openApp(
  opts: GlobalOptions,
  engine: 'in-process' | 'worker' = 'in-process',
  { existing = false }: { existing?: boolean } = {},
): PresenceApp {
  const databasePath = resolveDatabasePath(opts.db);
  if (existing && !fs.existsSync(databasePath))
    throw new AppError(
      'NOT_FOUND',
      `There is no Presence database at ${databasePath}: check --db (or PRESENCE_DB). This command does not create one.`,
    );
  return new PresenceApp({
    databasePath,
    keys: new FileKeyProvider(keyFilePathFor(databasePath)),
    engine: engine === 'worker' ? createWorkerEngine() : createInProcessEngine(),
    transport: 'http',
    version: pkg.version,
  });
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

/** The full path of a command-line argument and what is there; refused when nothing is. */
export function statArgument(value: string): { full: string; stat: fs.Stats } {
  const full = path.resolve(value);
  try {
    return { full, stat: fs.statSync(full) };
  } catch {
    throw new InvalidArgumentError(`${value} does not exist.`);
  }
}

export function existingPath(kind: 'file' | 'directory') {
  return (value: string): string => {
    const { full, stat } = statArgument(value);
    if (kind === 'file' ? !stat.isFile() : !stat.isDirectory())
      throw new InvalidArgumentError(`${value} is not a ${kind}.`);
    return full;
  };
}

/**
 * Thrown by a command that has printed its answer but must still fail the run (`audit verify` on a
 * broken chain): main exits with `exitCode` and prints nothing more.
 */
export class AnsweredFailure extends Error {
  constructor(readonly exitCode: number) {
    super('the command reported a failure');
  }
}
