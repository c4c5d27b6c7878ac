// `presence admin reset-pin`, run in-process on a real database: confirmed, audited, clears the lock-out,
// and leaves the station as on first use.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { askToConfirm } from '../../src/cli/admin';
import { runPresence } from '../helpers/cli';
import { PresenceApp } from '../../src/main/app';
import { createInProcessEngine } from '../../src/main/engine/engine';
import { AdminSession } from '../../src/main/domain/admin-session';
import { FileKeyProvider, keyFilePathFor } from '../../src/main/security/key-provider';
import { FREE_ATTEMPTS, PIN_RESET_COMMAND, STATION_FREE_ATTEMPTS } from '../../src/main/security/pin';

let dir: string;
let db: string;

function openApp(): PresenceApp {
  return new PresenceApp({
    databasePath: db,
    keys: new FileKeyProvider(keyFilePathFor(db)),
    engine: createInProcessEngine(),
    transport: 'http',
    version: '0.0.0-test',
  });
}

/** Runs the CLI on this file's database. */
function presence(...args: string[]) {
  return runPresence(db, args);
}

/** A station with a PIN, locked out by wrong guesses from several connections. */
async function lockedOutStation(): Promise<void> {
  const app = openApp();
  try {
    await app.admin.setPin(new AdminSession(), { newPin: '2468' });
    for (let s = 0; s < STATION_FREE_ATTEMPTS / FREE_ATTEMPTS; s++) {
      const session = new AdminSession();
      for (let i = 0; i < FREE_ATTEMPTS; i++) await app.admin.unlock(session, '0000').catch(() => undefined);
    }
    expect(app.store.adminAuth.get().lockedUntil).not.toBeNull();
    await expect(app.admin.unlock(new AdminSession(), '2468')).rejects.toMatchObject({ code: 'PIN_LOCKED_OUT' });
  } finally {
    await app.close();
  }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presence-reset-pin-'));
  db = path.join(dir, 'presence.db');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('presence admin reset-pin', () => {
  it('refuses without confirmation, in one line that says how to confirm', async () => {
    await lockedOutStation();
    // vitest's stdin is not a terminal, so there is no prompt to answer.
    const r = await presence('admin', 'reset-pin');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/--yes/);
    expect(r.err).toContain(PIN_RESET_COMMAND);
    const app = openApp();
    try {
      expect(app.store.adminAuth.get().pinHash).not.toBeNull();
      expect(app.store.audit.list().some((a) => a.action === 'admin.pin_reset')).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('with --yes clears the PIN and the lock-out, audits it, and the next start asks for a PIN as on first use', async () => {
    await lockedOutStation();
    const r = await presence('admin', 'reset-pin', '--yes');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/choose a new PIN/);

    const app = openApp();
    try {
      expect(app.store.adminAuth.get()).toEqual({ pinHash: null, failedAttempts: 0, lockedUntil: null });
      const entry = app.store.audit.list().find((a) => a.action === 'admin.pin_reset');
      expect(entry).toMatchObject({ actor: 'cli', details: { hadPin: true, failedAttempts: STATION_FREE_ATTEMPTS } });
      const session = new AdminSession();
      expect(app.admin.status(session)).toMatchObject({ hasPin: false, unlocked: false, retryAfterMs: 0 });
      expect(await app.admin.setPin(session, { newPin: '1357' })).toMatchObject({ hasPin: true, unlocked: true });
      expect(await app.admin.unlock(new AdminSession(), '1357')).toMatchObject({ unlocked: true });
    } finally {
      await app.close();
    }
  });

  it('needs no template key, and makes none', async () => {
    await lockedOutStation();
    fs.rmSync(keyFilePathFor(db), { force: true });
    expect((await presence('admin', 'reset-pin', '--yes')).code).toBe(0);
    expect(fs.existsSync(keyFilePathFor(db))).toBe(false);
  });

  it('says so when there is no database, and creates none', async () => {
    const r = await presence('admin', 'reset-pin', '--yes');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no Presence database/);
    expect(fs.existsSync(db)).toBe(false);
  });

  it('asks on a terminal to type RESET, and takes nothing else', async () => {
    const answer = async (text: string | null) => {
      const input = new PassThrough();
      const output = new PassThrough();
      const asked = askToConfirm(input, output);
      if (text === null) input.end();
      else input.write(text);
      const ok = await asked;
      expect(String(output.read())).toMatch(/Type RESET to confirm/);
      return ok;
    };
    expect(await answer('RESET\n')).toBe(true);
    expect(await answer('reset\n')).toBe(false);
    expect(await answer('yes\n')).toBe(false);
    expect(await answer(null)).toBe(false);
  });
});
