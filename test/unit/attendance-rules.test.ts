import { describe, expect, it } from 'vitest';
import { decideAttendance, passesLiveness } from '../../src/main/domain/attendance-rules';

describe('decideAttendance', () => {
  const MIN = 60_000;
  const alternate = { cooldownMs: 2 * MIN, mode: 'alternate' as const };
  const checkInOnly = { cooldownMs: 2 * MIN, mode: 'check_in_only' as const };
  const t = 1_700_000_000_000;

  it('records the first event of the day as a check-in', () => {
    expect(decideAttendance(null, t, alternate)).toEqual({ record: true, kind: 'in', reason: 'first_of_day' });
    expect(decideAttendance(null, t, checkInOnly)).toEqual({ record: true, kind: 'in', reason: 'first_of_day' });
  });

  it('records nothing within the cooldown, greeting with the last kind', () => {
    expect(decideAttendance({ kind: 'in', atMs: t }, t + 2 * MIN - 1, alternate)).toEqual({
      record: false,
      kind: 'in',
      reason: 'within_cooldown',
    });
    expect(decideAttendance({ kind: 'out', atMs: t }, t + 30_000, alternate)).toEqual({
      record: false,
      kind: 'out',
      reason: 'within_cooldown',
    });
  });

  it('alternates after the cooldown: in, then out, then in', () => {
    expect(decideAttendance({ kind: 'in', atMs: t }, t + 2 * MIN, alternate)).toEqual({
      record: true,
      kind: 'out',
      reason: 'after_cooldown',
    });
    expect(decideAttendance({ kind: 'out', atMs: t }, t + 3 * MIN, alternate)).toEqual({
      record: true,
      kind: 'in',
      reason: 'after_cooldown',
    });
  });

  it('in check-in-only mode records only the first of the day', () => {
    expect(decideAttendance({ kind: 'in', atMs: t }, t + 8 * 60 * MIN, checkInOnly)).toEqual({
      record: false,
      kind: 'in',
      reason: 'already_checked_in',
    });
  });
});

describe('passesLiveness', () => {
  it('gates only when required, and a missing score never passes a required check', () => {
    expect(passesLiveness(null, false, 0.5)).toBe(true);
    expect(passesLiveness(0.1, false, 0.5)).toBe(true);
    expect(passesLiveness(0.5, true, 0.5)).toBe(true);
    expect(passesLiveness(0.49, true, 0.5)).toBe(false);
    expect(passesLiveness(null, true, 0.5)).toBe(false);
  });
});
