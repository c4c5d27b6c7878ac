import { describe, expect, it } from 'vitest';
import { decideAttendance, nextKind, passesLiveness } from '../../src/main/domain/attendance-rules';

describe('decideAttendance', () => {
  const MIN = 60_000;
  const alternate = { cooldownMs: 2 * MIN, mode: 'alternate' as const, minInOutMs: 30 * MIN };
  const checkInOnly = { cooldownMs: 2 * MIN, mode: 'check_in_only' as const, minInOutMs: 30 * MIN };
  const explicit = { cooldownMs: 2 * MIN, mode: 'explicit' as const, minInOutMs: 30 * MIN };
  const t = 1_700_000_000_000;

  it('records the first event of the day as a check-in, and says from when a pass checks out', () => {
    expect(decideAttendance(null, t, alternate)).toEqual({
      action: 'record',
      kind: 'in',
      reason: 'first_of_day',
      nextOutAtMs: t + 30 * MIN,
    });
    expect(decideAttendance(null, t, checkInOnly)).toEqual({
      action: 'record',
      kind: 'in',
      reason: 'first_of_day',
      nextOutAtMs: null,
    });
  });

  it('records nothing within the cooldown, greeting with the last kind', () => {
    expect(decideAttendance({ kind: 'in', atMs: t }, t + 2 * MIN - 1, alternate)).toEqual({
      action: 'none',
      kind: 'in',
      reason: 'within_cooldown',
      nextOutAtMs: t + 30 * MIN,
    });
    expect(decideAttendance({ kind: 'out', atMs: t }, t + 30_000, alternate)).toEqual({
      action: 'none',
      kind: 'out',
      reason: 'within_cooldown',
      nextOutAtMs: null,
    });
  });

  it('keeps a quick second pass after a check-in from checking out (minimum in to out)', () => {
    expect(decideAttendance({ kind: 'in', atMs: t }, t + 10 * MIN, alternate)).toEqual({
      action: 'none',
      kind: 'in',
      reason: 'too_soon_to_check_out',
      nextOutAtMs: t + 30 * MIN,
    });
    // The minimum does not hold back a check-in after a check-out: only the cooldown does.
    expect(decideAttendance({ kind: 'out', atMs: t }, t + 3 * MIN, alternate)).toMatchObject({
      action: 'record',
      kind: 'in',
    });
  });

  it('alternates once the minimum has passed: in, then out, then in', () => {
    expect(decideAttendance({ kind: 'in', atMs: t }, t + 30 * MIN, alternate)).toEqual({
      action: 'record',
      kind: 'out',
      reason: 'toggled',
      nextOutAtMs: null,
    });
    expect(decideAttendance({ kind: 'out', atMs: t }, t + 3 * MIN, alternate)).toEqual({
      action: 'record',
      kind: 'in',
      reason: 'toggled',
      nextOutAtMs: t + 3 * MIN + 30 * MIN,
    });
  });

  it('a cooldown longer than the minimum decides when the next out counts', () => {
    const long = { ...alternate, cooldownMs: 60 * MIN };
    expect(decideAttendance(null, t, long).nextOutAtMs).toBe(t + 60 * MIN);
  });

  it('after an automatic check-out, the next pass is the real check-out (and is suggested as one)', () => {
    const auto = { kind: 'out' as const, atMs: t, automatic: true };
    expect(decideAttendance(auto, t + 60 * MIN, alternate)).toEqual({
      action: 'record',
      kind: 'out',
      reason: 'late_check_out',
      nextOutAtMs: null,
    });
    expect(decideAttendance(auto, t + 60 * MIN, explicit)).toMatchObject({ action: 'choose', kind: 'out' });
    // The cooldown follows the person's own passes: a minute after the automatic check-out still counts.
    expect(decideAttendance(auto, t + MIN, alternate)).toMatchObject({ action: 'record', reason: 'late_check_out' });
    // A check-out the person made themselves is followed by a check-in, as always.
    expect(decideAttendance({ ...auto, automatic: false }, t + 60 * MIN, alternate).kind).toBe('in');
  });

  it('after a break the next pass is a check-in', () => {
    expect(decideAttendance({ kind: 'break', atMs: t }, t + 20 * MIN, alternate)).toMatchObject({
      action: 'record',
      kind: 'in',
    });
    expect(nextKind('break')).toBe('in');
    expect(nextKind(null)).toBe('in');
    expect(nextKind('in')).toBe('out');
  });

  it('in check-in-only mode records only the first of the day', () => {
    expect(decideAttendance({ kind: 'in', atMs: t }, t + 8 * 60 * MIN, checkInOnly)).toEqual({
      action: 'none',
      kind: 'in',
      reason: 'already_checked_in',
      nextOutAtMs: null,
    });
  });

  it('in explicit mode asks, suggesting the opposite of the last punch, but not within the cooldown', () => {
    expect(decideAttendance(null, t, explicit)).toMatchObject({ action: 'choose', kind: 'in' });
    expect(decideAttendance({ kind: 'in', atMs: t }, t + 5 * MIN, explicit)).toMatchObject({
      action: 'choose',
      kind: 'out',
    });
    expect(decideAttendance({ kind: 'in', atMs: t }, t + MIN, explicit)).toMatchObject({
      action: 'none',
      reason: 'within_cooldown',
    });
  });

  it('a clock set back never records (the event would land before the last one)', () => {
    expect(decideAttendance({ kind: 'in', atMs: t }, t - 10 * MIN, alternate).action).toBe('none');
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
