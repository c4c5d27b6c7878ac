// The kiosk's active liveness check: before a recognised person is recorded, they turn their head the
// ways the screen asks, in an order drawn at random for each check, within a time limit. A still photo
// cannot turn; a person can, in a second. What it does not stop (a video replay, a photo turned by hand
// or a mask) is written down in README ("Liveness").
//
// The turn is judged from the landmarks' yaw (engine/landmarks.ts, degrees, > 0 = the person turns to
// their left), as the enrollment wizard judges its poses, but relative to where the head was when the
// check began (the centre), which cancels the estimator's bias and the person's own posture. Both turns
// are measured from that one centre, so the second turn must go past it the other way: coming back to
// the middle is not a turn, and neither is a turn the wrong way and back. Only frames recognised as the
// person being checked, that pass the passive liveness score, count for anything; a frame recognised as
// nobody changes nothing, so a photo of them cannot be helped through by someone else's turned face.
import { randomInt } from 'node:crypto';
import type { ChallengeTurn, KioskChallenge } from '../../shared/types';

/** How far the head must turn, in degrees of landmark yaw, from where it was when the turn was asked. */
export const CHALLENGE_TURN_DEG = 10;
/** Time for each turn; a person needs about one second. */
export const CHALLENGE_STEP_MS = 7000;
/** How long the screen says the check failed before it looks again. */
export const CHALLENGE_FAILED_HOLD_MS = 3000;

/** left then right, or right then left: a fresh draw for every check. */
export function randomTurns(): ChallengeTurn[] {
  return randomInt(2) === 0 ? ['left', 'right'] : ['right', 'left'];
}

export interface ChallengeFrame {
  /** Landmark yaw of the face in front, degrees. */
  yaw: number;
  /** The person this frame was accepted as, or null when it matched nobody (or was not sure). */
  personId: string | null;
  /** The frame passes the passive liveness score (and is large enough to judge). */
  usable: boolean;
  nowMs: number;
}

export type ChallengeOutcome =
  /** Still waiting for the turn asked now (or the next one, after a turn was seen). */
  | { kind: 'waiting' }
  /** Every turn was seen: record the person. */
  | { kind: 'passed' }
  /** Out of time (or the clock went back), or someone else in front: nothing is recorded. */
  | { kind: 'failed'; reason: 'timeout' | 'other_person' };

/** One person's check in front of one kiosk screen. */
export class LivenessChallenge {
  private step = 0;
  private stepDeadlineMs: number;
  private lastMs: number;

  constructor(
    /** Who was recognised: the check is theirs, and is recorded for them when it passes. */
    readonly personId: string,
    private readonly turns: readonly ChallengeTurn[],
    /** The yaw of the frame that recognised them: every turn is measured from it. */
    private readonly centreYaw: number,
    nowMs: number,
  ) {
    if (turns.length === 0) throw new Error('a liveness challenge needs at least one turn');
    this.stepDeadlineMs = nowMs + CHALLENGE_STEP_MS;
    this.lastMs = nowMs;
  }

  /** What the screen shows: the turn asked now, and the time left for it. */
  prompt(nowMs: number): KioskChallenge {
    return {
      turn: this.turns[this.step]!,
      step: this.step + 1,
      steps: this.turns.length,
      msLeft: Math.max(0, this.stepDeadlineMs - nowMs),
    };
  }

  /** A frame with the face in front. */
  observe(frame: ChallengeFrame): ChallengeOutcome {
    const timing = this.tick(frame.nowMs);
    if (timing.kind === 'failed') return timing;
    if (frame.personId !== null && frame.personId !== this.personId) return { kind: 'failed', reason: 'other_person' };
    if (frame.personId !== this.personId || !frame.usable) return { kind: 'waiting' };
    const turn = this.turns[this.step]!;
    const moved = turn === 'left' ? frame.yaw - this.centreYaw : this.centreYaw - frame.yaw;
    if (moved < CHALLENGE_TURN_DEG) return { kind: 'waiting' };
    this.step += 1;
    if (this.step === this.turns.length) return { kind: 'passed' };
    this.stepDeadlineMs = frame.nowMs + CHALLENGE_STEP_MS;
    return { kind: 'waiting' };
  }

  /** A frame without a usable face: only the clock runs. A clock that went back ends the check. */
  tick(nowMs: number): ChallengeOutcome {
    const backwards = nowMs < this.lastMs;
    this.lastMs = Math.max(this.lastMs, nowMs);
    return backwards || nowMs > this.stepDeadlineMs ? { kind: 'failed', reason: 'timeout' } : { kind: 'waiting' };
  }
}
