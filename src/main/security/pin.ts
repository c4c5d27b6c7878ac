// Admin PIN: format rules, scrypt hashing, constant-time verification, and the lock-out back-off policy.
// The policy is pure (a function of the failure count) so it can be tested without a clock or database;
// the stateful counter lives in AdminAuthRepo.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppError } from '../../shared/errors';
import { isPinFormat, PIN_MAX_DIGITS, PIN_MIN_DIGITS } from '../../shared/limits';

/** Wrong PINs one admin session (a window, a browser connection) may make before its own first lock-out. */
export const FREE_ATTEMPTS = 5;
/**
 * Wrong PINs, counted over every session of the station, before everyone is locked out. Higher than one
 * session's free attempts, and a session stops counting here once it has been locked out itself (see
 * AdminService), so one kiosk tablet guessing on cannot lock the administrator out.
 */
export const STATION_FREE_ATTEMPTS = 2 * FREE_ATTEMPTS;
export const FIRST_LOCKOUT_MS = 30_000;
export const MAX_LOCKOUT_MS = 15 * 60_000;

/** The local command that clears a forgotten or damaged PIN; every message about PIN recovery names it. */
export const PIN_RESET_COMMAND = 'presence admin reset-pin';

// N=2^15, r=8 needs 128*N*r = 32 MiB, exactly node's default maxmem, which scrypt then refuses; hence maxmem.
const SCRYPT_N = 2 ** 15;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const MAXMEM = 64 * 1024 * 1024;

/** Throws INVALID_INPUT unless the PIN has the format of shared/limits.ts. */
export function assertPinFormat(pin: string): void {
  if (!isPinFormat(pin)) {
    throw new AppError(
      'INVALID_INPUT',
      `The PIN must be ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS} digits (0–9), with no spaces or letters.`,
    );
  }
}

function scryptAsync(pin: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hashes a PIN as `scrypt$N$r$p$<salt base64>$<hash base64>`. Async: ~100 ms of CPU off the event loop. */
export async function hashPin(pin: string): Promise<string> {
  assertPinFormat(pin);
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(pin, salt, HASH_BYTES, { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, maxmem: MAXMEM });
  return ['scrypt', SCRYPT_N, SCRYPT_R, SCRYPT_P, salt.toString('base64'), hash.toString('base64')].join('$');
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parseHash(encoded: string): ParsedHash {
  const parts = encoded.split('$');
  const bad = () =>
    new AppError(
      'INTERNAL',
      `The stored admin PIN hash is damaged. On this computer, run \`${PIN_RESET_COMMAND}\`, then choose a new PIN in Presence.`,
    );
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw bad();
  const [N, r, p] = parts.slice(1, 4).map((s) => Number(s)) as [number, number, number];
  // Bounds keep a tampered hash from making verification allocate gigabytes or spin for minutes.
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > 2 ** 20 || !Number.isInteger(r) || r < 1 || r > 32 || !Number.isInteger(p) || p < 1 || p > 16)
    throw bad();
  const salt = Buffer.from(parts[4]!, 'base64');
  const hash = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8 || hash.length < 16) throw bad();
  return { N, r, p, salt, hash };
}

/** True if `pin` matches `encoded`. A PIN of the wrong format is simply wrong, not an error. */
export async function verifyPin(pin: string, encoded: string): Promise<boolean> {
  const { N, r, p, salt, hash } = parseHash(encoded);
  if (!isPinFormat(pin)) return false;
  const candidate = await scryptAsync(pin, salt, hash.length, { N, r, p, maxmem: Math.max(MAXMEM, 256 * N * r) });
  return timingSafeEqual(candidate, hash);
}

/**
 * How long a session is locked out after `failedAttempts` consecutive wrong PINs:
 * none for the first 4, 30 s at the 5th, doubling with each further failure, capped at 15 minutes.
 */
export function lockoutDurationMs(failedAttempts: number): number {
  return backoffMs(failedAttempts, FREE_ATTEMPTS);
}

/** The station-wide lock-out: the same back-off, starting at the STATION_FREE_ATTEMPTS-th counted wrong PIN. */
export function stationLockoutDurationMs(failedAttempts: number): number {
  return backoffMs(failedAttempts, STATION_FREE_ATTEMPTS);
}

function backoffMs(failedAttempts: number, freeAttempts: number): number {
  if (failedAttempts < freeAttempts) return 0;
  const doublings = failedAttempts - freeAttempts;
  // 2^5 * 30 s already exceeds the cap; stop early so huge counts cannot overflow.
  if (doublings >= 5) return MAX_LOCKOUT_MS;
  return Math.min(FIRST_LOCKOUT_MS * 2 ** doublings, MAX_LOCKOUT_MS);
}

/** Milliseconds left until `lockedUntil` (ISO), 0 if not locked. */
export function remainingLockoutMs(lockedUntil: string | null, nowMs: number): number {
  if (!lockedUntil) return 0;
  const until = Date.parse(lockedUntil);
  return Number.isFinite(until) ? Math.max(0, until - nowMs) : 0;
}

/** Throws PIN_LOCKED_OUT (with `retryAfterMs`) while a lock-out is running. */
export function assertNotLockedOut(lockedUntil: string | null, nowMs: number): void {
  const remaining = remainingLockoutMs(lockedUntil, nowMs);
  if (remaining > 0) throw lockedOutError(remaining);
}

/** PIN_LOCKED_OUT for a lock-out with `remainingMs` left, saying how long to wait. */
export function lockedOutError(remainingMs: number): AppError {
  const seconds = Math.ceil(remainingMs / 1000);
  const wait = seconds >= 120 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`;
  return new AppError('PIN_LOCKED_OUT', `Too many wrong PINs. Try again in ${wait}.`, { retryAfterMs: remainingMs });
}
