// Every guess at the admin PIN is counted by one rule, per session and for the whole station, through the
// real dispatcher on a real SQLite file. Each AdminSession stands for one window or browser connection, as
// http-server.ts and the Electron binding make them. A clock we move stands in for waiting out lock-outs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminSession } from '../../src/main/domain/admin-session';
import { FREE_ATTEMPTS, STATION_FREE_ATTEMPTS } from '../../src/main/security/pin';
import { createDispatcher, type Dispatch } from '../../src/main/transport/dispatch';
import type { Result } from '../../src/shared/errors';
import { tempApp, type TempApp } from '../helpers/temp-app';

const PIN = '2468';

let clock = Date.parse('2026-12-01T09:00:00.000Z');
let t: TempApp;
let dispatch: Dispatch;

/** A new connection: its own admin session, on the fake clock. */
function connection(): AdminSession {
  return new AdminSession(undefined, () => clock);
}

function call(channel: string, input: unknown, session: AdminSession): Promise<Result<unknown>> {
  return dispatch(channel, input, { session });
}

function errorCode(r: Result<unknown>): string | null {
  return r.ok ? null : r.error.code;
}

function retryAfterMs(r: Result<unknown>): number {
  return r.ok ? 0 : Number(r.error.details?.retryAfterMs ?? 0);
}

beforeEach(async () => {
  clock = Date.parse('2026-12-01T09:00:00.000Z');
  t = tempApp({ now: () => clock });
  dispatch = createDispatcher(t.app.handlers(), { error: () => undefined });
  expect(await call('admin.setPin', { newPin: PIN }, connection())).toMatchObject({ ok: true });
});

afterEach(async () => {
  await t.cleanup();
});

describe('admin.setPin counts a wrong current PIN as admin.unlock counts a wrong PIN', () => {
  it('counts, audits and locks the session, and the lock-out comes after the same number of guesses', async () => {
    const admin = connection();
    expect(await call('admin.unlock', { pin: PIN }, admin)).toMatchObject({ ok: true });

    const wrong = await call('admin.setPin', { currentPin: '1111', newPin: '9999' }, admin);
    expect(errorCode(wrong)).toBe('PIN_WRONG');
    expect(t.app.store.adminAuth.get().failedAttempts).toBe(1);
    const failed = t.app.store.audit.list().filter((a) => a.action === 'admin.pin_change_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actor: 'admin', details: { failedAttempts: 1 } });
    // Like a wrong PIN at unlock, it ends the session: a passer-by at an unlocked screen gets one guess.
    expect(errorCode(await call('admin.setPin', { currentPin: '2222', newPin: '9999' }, admin))).toBe('ADMIN_LOCKED');

    // The guesses at setPin and at unlock are one count: the lock-out comes at the FREE_ATTEMPTS-th of both.
    const answers: Array<string | null> = [];
    for (let i = 2; i <= FREE_ATTEMPTS; i++)
      answers.push(errorCode(await call('admin.unlock', { pin: '0000' }, admin)));
    expect(answers).toEqual([...Array<string>(FREE_ATTEMPTS - 2).fill('PIN_WRONG'), 'PIN_LOCKED_OUT']);
    expect(errorCode(await call('admin.unlock', { pin: PIN }, admin))).toBe('PIN_LOCKED_OUT');
    expect(t.app.admin.status(admin).retryAfterMs).toBe(30_000);
  });

  it('a wrong current PIN during a lock-out is refused without being checked', async () => {
    const admin = connection();
    expect(await call('admin.unlock', { pin: PIN }, admin)).toMatchObject({ ok: true });
    // Another window locks the station out while this one is still unlocked.
    for (let s = 0; s < STATION_FREE_ATTEMPTS / FREE_ATTEMPTS; s++) {
      const other = connection();
      for (let i = 0; i < FREE_ATTEMPTS; i++) await call('admin.unlock', { pin: '0000' }, other);
    }
    expect(t.app.store.adminAuth.get().lockedUntil).not.toBeNull();
    const before = t.app.store.adminAuth.get().failedAttempts;
    const r = await call('admin.setPin', { currentPin: PIN, newPin: '9999' }, admin);
    expect(errorCode(r)).toBe('PIN_LOCKED_OUT');
    expect(t.app.store.adminAuth.get().failedAttempts).toBe(before);
  });
});

describe('a kiosk connection cannot keep the administrator locked out', () => {
  it('one session guessing again after each of its lock-outs leaves another session free to unlock', async () => {
    const kiosk = connection();
    // Its first FREE_ATTEMPTS wrong guesses lock it out...
    let last: Result<unknown> | undefined;
    for (let i = 0; i < FREE_ATTEMPTS; i++) last = await call('admin.unlock', { pin: '0000' }, kiosk);
    expect(errorCode(last!)).toBe('PIN_LOCKED_OUT');
    // ...and then it makes one more each time its lock-out ends, for hours.
    const waits: number[] = [retryAfterMs(last!)];
    for (let round = 0; round < 8; round++) {
      clock += waits.at(-1)!;
      const r = await call('admin.unlock', { pin: String(1000 + round) }, kiosk);
      expect(errorCode(r)).toBe('PIN_LOCKED_OUT');
      waits.push(retryAfterMs(r));
      // Its own lock-out escalates; it is refused without a check until it ends.
      expect(errorCode(await call('admin.unlock', { pin: PIN }, kiosk))).toBe('PIN_LOCKED_OUT');
    }
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000, 900_000]);
    expect(FREE_ATTEMPTS + 8).toBeGreaterThan(STATION_FREE_ATTEMPTS);

    // The administrator at the desk, right after the kiosk's latest wrong guess, unlocks with the PIN.
    const desk = connection();
    expect(t.app.admin.status(desk).retryAfterMs).toBe(0);
    expect(await call('admin.unlock', { pin: PIN }, desk)).toMatchObject({ ok: true, value: { unlocked: true } });
    // Every guess is in the audit log, including those that no longer counted for the station.
    const failed = t.app.store.audit.list({ limit: 100 }).filter((a) => a.action === 'admin.unlock_failed');
    expect(failed).toHaveLength(FREE_ATTEMPTS + 8);
    expect(
      failed.filter((a) => (a.details as { countedForStation?: boolean }).countedForStation === false),
    ).toHaveLength(8);
    // The kiosk connection stays locked out.
    expect(t.app.admin.status(kiosk).retryAfterMs).toBeGreaterThan(0);
  });

  it('guesses spread over many connections still lock the whole station out', async () => {
    const answers: Array<string | null> = [];
    for (let i = 0; i < STATION_FREE_ATTEMPTS; i++)
      answers.push(errorCode(await call('admin.unlock', { pin: String(1000 + i) }, connection())));
    expect(answers.at(-1)).toBe('PIN_LOCKED_OUT');
    expect(answers.slice(0, -1).every((c) => c === 'PIN_WRONG')).toBe(true);
    // Now even the right PIN, from a connection that never guessed, waits.
    const desk = connection();
    const r = await call('admin.unlock', { pin: PIN }, desk);
    expect(errorCode(r)).toBe('PIN_LOCKED_OUT');
    expect(retryAfterMs(r)).toBe(30_000);
    clock += 30_000;
    expect(await call('admin.unlock', { pin: PIN }, desk)).toMatchObject({ ok: true });
    expect(t.app.store.adminAuth.get()).toMatchObject({ failedAttempts: 0, lockedUntil: null });
  });
});
