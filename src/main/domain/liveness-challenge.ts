// The kiosk's active liveness check: before a recognised person is recorded, they turn their head the
// ways the screen asks, in an order drawn at random for each check, within a time limit. A still photo
// cannot turn; a person can, in a second. What it does not stop (a video replay, a photo turned by hand
// or a mask) is written down in README ("Liveness").
//
// The turn is judged from the landmarks' yaw (engine/landmarks.ts, degrees, > 0 = the person turns to
// their left), as the enrollment wizard judges its poses, but as a change within the check rather than
// an absolute angle: the estimator's bias and the person's own posture cancel, and a face that starts
// already turned must still move. Each turned frame must also be recognised as the same person, so a
// photo of them held up to start the check cannot be swapped for someone else's live face to finish it.
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
  nowMs: number;
}

export type ChallengeOutcome =
  /** Still waiting for the turn asked now (or the next one, after a turn was seen). */
  | { kind: 'waiting' }
  /** Every turn was seen: record the person. */
  | { kind: 'passed' }
  /** Out of time, or someone else: nothing is recorded. */
  | { kind: 'failed'; reason: 'timeout' | 'other_person' };

/** One person's check in front of one kiosk screen. */
export class LivenessChallenge {
  private step = 0;
  private stepDeadlineMs: number;
  /** The lowest and highest yaw seen since the current turn was asked. */
  private minYaw: number;
  private maxYaw: number;

  constructor(
    /** Who was recognised: the check is theirs, and is recorded for them when it passes. */
    readonly personId: string,
    private readonly turns: readonly ChallengeTurn[],
    startYaw: number,
    nowMs: number,
  ) {
    if (turns.length === 0) throw new Error('a liveness challenge needs at least one turn');
    this.stepDeadlineMs = nowMs + CHALLENGE_STEP_MS;
    this.minYaw = this.maxYaw = startYaw;
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
    if (frame.personId !== null && frame.personId !== this.personId) return { kind: 'failed', reason: 'other_person' };
    if (frame.nowMs > this.stepDeadlineMs) return { kind: 'failed', reason: 'timeout' };
    const turn = this.turns[this.step]!;
    const turned =
      turn === 'left' ? frame.yaw - this.minYaw >= CHALLENGE_TURN_DEG : this.maxYaw - frame.yaw >= CHALLENGE_TURN_DEG;
    this.minYaw = Math.min(this.minYaw, frame.yaw);
    this.maxYaw = Math.max(this.maxYaw, frame.yaw);
    // The turned frame counts only when it is recognised as the person being checked.
    if (!turned || frame.personId !== this.personId) return { kind: 'waiting' };
    this.step += 1;
    if (this.step === this.turns.length) return { kind: 'passed' };
    this.stepDeadlineMs = frame.nowMs + CHALLENGE_STEP_MS;
    this.minYaw = this.maxYaw = frame.yaw;
    return { kind: 'waiting' };
  }

  /** A frame without a face (or with several): only the clock runs. */
  tick(nowMs: number): ChallengeOutcome {
    return nowMs > this.stepDeadlineMs ? { kind: 'failed', reason: 'timeout' } : { kind: 'waiting' };
  }
}
