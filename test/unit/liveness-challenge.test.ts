import { describe, expect, it } from 'vitest';
import {
  CHALLENGE_STEP_MS,
  CHALLENGE_TURN_DEG,
  LivenessChallenge,
  randomTurns,
  type ChallengeFrame,
} from '../../src/main/domain/liveness-challenge';

const ME = 'person-a';
const T0 = 1_000_000;
/** A frame recognised as the person being checked, passing the passive score. */
const mine = (yaw: number, ms: number, over: Partial<ChallengeFrame> = {}): ChallengeFrame => ({
  yaw,
  personId: ME,
  usable: true,
  nowMs: T0 + ms,
  ...over,
});

describe('the active liveness challenge', () => {
  it('passes when the recognised person turns left, then right, each measured from the centre, in time', () => {
    const c = new LivenessChallenge(ME, ['left', 'right'], 3, T0);
    expect(c.prompt(T0)).toEqual({ turn: 'left', step: 1, steps: 2, msLeft: CHALLENGE_STEP_MS });
    expect(c.observe(mine(3 + CHALLENGE_TURN_DEG - 0.5, 300)).kind).toBe('waiting');
    expect(c.observe(mine(3 + CHALLENGE_TURN_DEG, 600)).kind).toBe('waiting');
    // The second turn has a fresh time limit, and must go past the centre the other way.
    expect(c.prompt(T0 + 600)).toEqual({ turn: 'right', step: 2, steps: 2, msLeft: CHALLENGE_STEP_MS });
    expect(c.observe(mine(3, 900)).kind).toBe('waiting'); // back in the middle: not a turn
    expect(c.observe(mine(-6, 1200)).kind).toBe('waiting'); // 9° right of the centre
    expect(c.observe(mine(3 - CHALLENGE_TURN_DEG, 1500)).kind).toBe('passed');
  });

  it('refuses a still photo: its yaw barely moves, and the time runs out', () => {
    const c = new LivenessChallenge(ME, ['right', 'left'], 2, T0);
    let outcome = c.observe(mine(2, 0));
    for (let ms = 100; ms <= CHALLENGE_STEP_MS && outcome.kind === 'waiting'; ms += 100) {
      // Landmark jitter on a photo held in front of the camera: a degree or two either way.
      outcome = c.observe(mine(2 + Math.sin(ms) * 2, ms));
    }
    expect(outcome.kind).toBe('waiting');
    expect(c.observe(mine(2, CHALLENGE_STEP_MS + 1))).toEqual({ kind: 'failed', reason: 'timeout' });
  });

  it('does not count a turn the wrong way and back', () => {
    const c = new LivenessChallenge(ME, ['left', 'right'], 0, T0);
    for (const [yaw, ms] of [
      [-12, 100],
      [0, 200],
      [-15, 300],
      [1, 400],
    ] as const)
      expect(c.observe(mine(yaw, ms)).kind).toBe('waiting');
    expect(c.prompt(T0 + 400).step).toBe(1);
  });

  it('ignores frames recognised as nobody, and those that fail the passive score; fails on someone else', () => {
    const c = new LivenessChallenge(ME, ['left', 'right'], 0, T0);
    // A photo of the person at yaw 0, helped by a stranger's turned live face in between.
    expect(c.observe(mine(-15, 100, { personId: null })).kind).toBe('waiting');
    expect(c.observe(mine(0, 200)).kind).toBe('waiting');
    expect(c.observe(mine(15, 300, { personId: null })).kind).toBe('waiting');
    expect(c.observe(mine(0, 400)).kind).toBe('waiting');
    // A turned photo of them that the passive model sees through.
    expect(c.observe(mine(20, 500, { usable: false })).kind).toBe('waiting');
    expect(c.prompt(T0 + 500).step).toBe(1);
    expect(c.observe(mine(20, 600)).kind).toBe('waiting');
    expect(c.prompt(T0 + 600).step).toBe(2);

    const d = new LivenessChallenge(ME, ['left'], 0, T0);
    expect(d.observe(mine(20, 100, { personId: 'person-b' }))).toEqual({ kind: 'failed', reason: 'other_person' });
  });

  it('runs the clock on frames without a face, and ends when the clock goes back', () => {
    const c = new LivenessChallenge(ME, ['left'], 0, T0);
    expect(c.tick(T0 + CHALLENGE_STEP_MS).kind).toBe('waiting');
    expect(c.tick(T0 + CHALLENGE_STEP_MS + 1).kind).toBe('failed');
    const d = new LivenessChallenge(ME, ['left'], 0, T0);
    expect(d.tick(T0 - 3_600_000)).toEqual({ kind: 'failed', reason: 'timeout' });
  });

  it('draws both orders', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i++) seen.add(randomTurns().join(','));
    expect([...seen].sort()).toEqual(['left,right', 'right,left']);
  });
});
