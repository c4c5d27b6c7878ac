import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import {
  assertNotLockedOut,
  assertPinFormat,
  hashPin,
  lockoutDurationMs,
  PIN_RESET_COMMAND,
  remainingLockoutMs,
  stationLockoutDurationMs,
  STATION_FREE_ATTEMPTS,
  FREE_ATTEMPTS,
  verifyPin,
} from '../../src/main/security/pin';

describe('PIN hashing', () => {
  it('hashes with scrypt in the documented encoding and verifies the right PIN only', async () => {
    const hash = await hashPin('123456');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('123456');
    expect(await verifyPin('123456', hash)).toBe(true);
    expect(await verifyPin('123457', hash)).toBe(false);
    expect(await verifyPin('12345', hash)).toBe(false);
    expect(await verifyPin('abc', hash)).toBe(false);
  });

  it('salts: the same PIN hashes differently', async () => {
    const [a, b] = await Promise.all([hashPin('0000'), hashPin('0000')]);
    expect(a).not.toBe(b);
    expect(await verifyPin('0000', b)).toBe(true);
  });

  it('refuses damaged or hostile hashes instead of computing them', async () => {
    await expect(verifyPin('1234', 'bcrypt$whatever')).rejects.toThrow(/damaged/);
    // The way out is named exactly: the command that exists (src/cli/admin.ts).
    expect(PIN_RESET_COMMAND).toBe('presence admin reset-pin');
    await expect(verifyPin('1234', 'bcrypt$whatever')).rejects.toThrow('`presence admin reset-pin`');
    await expect(verifyPin('1234', 'scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==')).rejects.toThrow(
      /damaged/,
    );
  });

  it('accepts 4–12 digits only', async () => {
    for (const ok of ['1234', '123456789012']) expect(() => assertPinFormat(ok)).not.toThrow();
    for (const bad of ['123', '1234567890123', '12a4', ' 1234', '１２３４', '']) {
      expect(() => assertPinFormat(bad)).toThrow(AppError);
    }
    await expect(hashPin('12')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('lock-out back-off', () => {
  it('allows 4 free failures, then 30 s doubling up to 15 min', () => {
    const schedule = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 50, 10_000].map(lockoutDurationMs);
    expect(schedule).toEqual([
      0, 0, 0, 0, 0, 30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000, 900_000,
    ]);
  });

  it('locks the whole station out only after more wrong PINs than one session is allowed', () => {
    expect(STATION_FREE_ATTEMPTS).toBeGreaterThan(FREE_ATTEMPTS);
    const at = (n: number) => stationLockoutDurationMs(STATION_FREE_ATTEMPTS + n);
    expect(stationLockoutDurationMs(FREE_ATTEMPTS)).toBe(0);
    expect(stationLockoutDurationMs(STATION_FREE_ATTEMPTS - 1)).toBe(0);
    expect([0, 1, 2, 5, 100].map(at)).toEqual([30_000, 60_000, 120_000, 900_000, 900_000]);
  });

  it('computes the remaining time and throws PIN_LOCKED_OUT with retryAfterMs', () => {
    const now = Date.parse('2026-01-01T10:00:00.000Z');
    expect(remainingLockoutMs(null, now)).toBe(0);
    expect(remainingLockoutMs('2026-01-01T09:59:00.000Z', now)).toBe(0);
    expect(remainingLockoutMs('2026-01-01T10:00:30.000Z', now)).toBe(30_000);
    expect(() => assertNotLockedOut('2026-01-01T09:59:59.000Z', now)).not.toThrow();
    try {
      assertNotLockedOut('2026-01-01T10:00:30.000Z', now);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('PIN_LOCKED_OUT');
      expect((e as AppError).details).toEqual({ retryAfterMs: 30_000 });
      expect((e as AppError).message).toMatch(/30 seconds/);
    }
  });
});
