import { describe, expect, it } from 'vitest';
import {
  CHALLENGE_STEP_MS,
  CHALLENGE_TURN_DEG,
  LivenessChallenge,
  randomTurns,
} from '../../src/main/domain/liveness-challenge';

const ME = 'person-a';
const T0 = 1_000_000;

describe('the active liveness challenge', () => {
  it('passes when the recognised person turns left, then right, each by the turn angle, in time', () => {
    const c = new LivenessChallenge(ME, ['left', 'right'], 3, T0);
    expect(c.prompt(T0)).toEqual({ turn: 'left', step: 1, steps: 2, msLeft: CHALLENGE_STEP_MS });
    expect(c.observe({ yaw: 3 + CHALLENGE_TURN_DEG - 0.5, personId: ME, nowMs: T0 + 300 }).kind).toBe('waiting');
    expect(c.observe({ yaw: 3 + CHALLENGE_TURN_DEG, personId: ME, nowMs: T0 + 600 }).kind).toBe('waiting');
    // The second turn is measured from where the head was when it was asked, with a fresh time limit.
    expect(c.prompt(T0 + 600)).toEqual({ turn: 'right', step: 2, steps: 2, msLeft: CHALLENGE_STEP_MS });
    expect(c.observe({ yaw: 6, personId: ME, nowMs: T0 + 900 }).kind).toBe('waiting'); // 7° to the right
    expect(c.observe({ yaw: 3, personId: ME, nowMs: T0 + 1200 }).kind).toBe('passed'); // 10°
  });

  it('refuses a still photo: its yaw barely moves, and the time runs out', () => {
    const c = new LivenessChallenge(ME, ['right', 'left'], 2, T0);
    let outcome = c.observe({ yaw: 2, personId: ME, nowMs: T0 });
    for (let ms = 100; ms <= CHALLENGE_STEP_MS && outcome.kind === 'waiting'; ms += 100) {
      // Landmark jitter on a photo held in front of the camera: a degree or two either way.
      outcome = c.observe({ yaw: 2 + Math.sin(ms) * 2, personId: ME, nowMs: T0 + ms });
    }
    expect(outcome.kind).toBe('waiting');
    expect(c.observe({ yaw: 2, personId: ME, nowMs: T0 + CHALLENGE_STEP_MS + 1 })).toEqual({
      kind: 'failed',
      reason: 'timeout',
    });
  });

  it('counts a turn only on a frame recognised as the same person, and fails on someone else', () => {
    const c = new LivenessChallenge(ME, ['left'], 0, T0);
    // Turned, but not recognised (a stranger's live face after the person's photo started the check).
    expect(c.observe({ yaw: 20, personId: null, nowMs: T0 + 100 }).kind).toBe('waiting');
    expect(c.observe({ yaw: 21, personId: ME, nowMs: T0 + 200 }).kind).toBe('passed');

    const d = new LivenessChallenge(ME, ['left'], 0, T0);
    expect(d.observe({ yaw: 20, personId: 'person-b', nowMs: T0 + 100 })).toEqual({
      kind: 'failed',
      reason: 'other_person',
    });
  });

  it('asks the opposite way to a face that starts turned: the head must move, not merely be turned', () => {
    const c = new LivenessChallenge(ME, ['left'], 18, T0); // already turned to their left
    expect(c.observe({ yaw: 19, personId: ME, nowMs: T0 + 100 }).kind).toBe('waiting');
    expect(c.observe({ yaw: 5, personId: ME, nowMs: T0 + 200 }).kind).toBe('waiting');
    expect(c.observe({ yaw: 16, personId: ME, nowMs: T0 + 300 }).kind).toBe('passed');
  });

  it('runs the clock on frames without a face', () => {
    const c = new LivenessChallenge(ME, ['left'], 0, T0);
    expect(c.tick(T0 + CHALLENGE_STEP_MS).kind).toBe('waiting');
    expect(c.tick(T0 + CHALLENGE_STEP_MS + 1).kind).toBe('failed');
  });

  it('draws both orders', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i++) seen.add(randomTurns().join(','));
    expect([...seen].sort()).toEqual(['left,right', 'right,left']);
  });
});
