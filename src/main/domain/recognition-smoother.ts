// A person counts as recognised at the kiosk only when several recent frames agree (or two strong ones in
// a row): one frame's match is never enough to record anyone. Pure logic: callers pass the time in.
import { AppError } from '../../shared/errors';

export interface SmootherOptions {
  /** How many recent observations are considered. */
  window: number;
  /** How many of them must agree. */
  required: number;
  /** A longer pause between observations makes the votes before it stale: they are dropped. */
  maxGapMs: number;
  /**
   * A pause longer than this also ends the visit: whoever was confirmed may be confirmed again. Shorter
   * pauses do not, because the kiosk itself pauses while it shows a greeting, and the person greeted is
   * often still in front when it looks again. Default: maxGapMs (every pause ends the visit).
   */
  visitGapMs?: number;
  /**
   * Fast path: this many consecutive newest frames that all name the same person AND are all `strong`
   * confirm at once, without waiting for `required` votes. Off when absent.
   */
  strongRequired?: number;
}

export type Observation =
  | {
      kind: 'face';
      /** The accepted match, or null for a face that matched nobody enrolled. */
      personId: string | null;
      distance: number;
      /** Passive liveness 0..1, or null when the liveness model did not run. */
      liveness: number | null;
      /**
       * An accepted match far inside the threshold (the caller decides how far; see kiosk.ts). Frames this
       * sure of one person need fewer of them to agree.
       */
      strong?: boolean;
    }
  | { kind: 'none' };

/** 'greeted': the face in front is someone already confirmed during this visit (they are still there). */
export type SmoothedState = 'idle' | 'pending' | 'confirmed' | 'unknown' | 'greeted';

export interface Smoothed {
  state: SmoothedState;
  /** Set when confirmed or greeted. */
  personId?: string;
  /** Mean distance of the agreeing observations; set when confirmed. */
  meanDistance?: number;
  /** Lowest liveness among the agreeing observations (null if none had one); set when confirmed. */
  minLiveness?: number | null;
}

type FaceObservation = Extract<Observation, { kind: 'face' }>;

/**
 * Majority vote over the last `window` face observations (or, with `strongRequired`, a short run of
 * consecutive strong matches of one person), with two guards:
 * - a frame without a face clears the votes (the person left), and so does a pause longer than maxGapMs;
 * - a person is reported 'confirmed' once per visit: while they stay in front of the camera the
 *   following frames say 'greeted', so they are not greeted again every frame. The visit ends with a
 *   frame without a face or a pause longer than visitGapMs. A different person can be confirmed at once.
 */
export class RecognitionSmoother {
  private readonly options: SmootherOptions & { visitGapMs: number };
  private recent: FaceObservation[] = [];
  private lastAtMs: number | null = null;
  /**
   * Everyone already confirmed during the current visit: a short run of someone else's frames in
   * between (a look-alike blip) must not make the person in front be greeted twice.
   */
  private readonly announced = new Set<string>();

  constructor(options: SmootherOptions) {
    const { window, required, maxGapMs, strongRequired } = options;
    if (!Number.isInteger(window) || window < 1 || !Number.isInteger(required) || required < 1 || required > window) {
      throw new AppError(
        'INVALID_INPUT',
        `Smoother needs integers 1 <= required <= window, got ${required} of ${window}.`,
      );
    }
    if (!(maxGapMs > 0)) throw new AppError('INVALID_INPUT', `maxGapMs must be positive, got ${maxGapMs}.`);
    const visitGapMs = options.visitGapMs ?? maxGapMs;
    if (!(visitGapMs >= maxGapMs))
      throw new AppError('INVALID_INPUT', `visitGapMs must be at least maxGapMs, got ${visitGapMs}.`);
    if (
      strongRequired !== undefined &&
      !(Number.isInteger(strongRequired) && strongRequired >= 1 && strongRequired <= required)
    ) {
      throw new AppError(
        'INVALID_INPUT',
        `Smoother needs an integer 1 <= strongRequired <= required, got ${strongRequired}.`,
      );
    }
    this.options = { window, required, maxGapMs, strongRequired, visitGapMs };
  }

  push(observation: Observation, nowMs: number): Smoothed {
    // A clock that went backwards is treated like a long pause: nothing from before can be trusted.
    if (this.lastAtMs !== null) {
      const gap = nowMs - this.lastAtMs;
      if (gap < 0 || gap > this.options.visitGapMs) this.reset();
      else if (gap > this.options.maxGapMs) this.recent = [];
    }
    this.lastAtMs = nowMs;

    if (observation.kind === 'none') {
      this.recent = [];
      this.announced.clear();
      return { state: 'idle' };
    }
    this.recent.push(observation);
    if (this.recent.length > this.options.window) this.recent.shift();

    const run = this.strongRun();
    if (run) return this.confirm(run);
    const leader = this.leader();
    if (!leader || leader.votes.length < this.options.required) return { state: 'pending' };
    if (leader.personId === null) return { state: 'unknown' };
    if (this.announced.has(leader.personId)) {
      // Said only while the newest frame is theirs: someone else stepping in is not told "all set".
      return observation.personId === leader.personId
        ? { state: 'greeted', personId: leader.personId }
        : { state: 'pending' };
    }
    return this.confirm({ personId: leader.personId, votes: leader.votes });
  }

  private confirm(leader: { personId: string; votes: FaceObservation[] }): Smoothed {
    this.announced.add(leader.personId);
    const livenessValues = leader.votes.map((o) => o.liveness).filter((l): l is number => l !== null);
    return {
      state: 'confirmed',
      personId: leader.personId,
      meanDistance: leader.votes.reduce((sum, o) => sum + o.distance, 0) / leader.votes.length,
      minLiveness: livenessValues.length > 0 ? Math.min(...livenessValues) : null,
    };
  }

  /**
   * Forgets the votes but not who was greeted in this visit: a frame that cannot vote (a second person
   * stepped beside the one in front) must not let the greeted person be greeted, or checked out, again.
   */
  dropVotes(): void {
    this.recent = [];
  }

  /**
   * Takes back a confirmation the caller could not act on (the liveness gate refused it): the person's
   * votes are dropped and they may be confirmed again by the frames that follow.
   */
  retract(personId: string): void {
    this.announced.delete(personId);
    this.recent = this.recent.filter((o) => o.personId !== personId);
  }

  /** Forgets everything, as if nobody had been in front of the camera. */
  reset(): void {
    this.recent = [];
    this.lastAtMs = null;
    this.announced.clear();
  }

  /** The newest `strongRequired` frames when they are all strong matches of one person not yet announced. */
  private strongRun(): { personId: string; votes: FaceObservation[] } | null {
    const n = this.options.strongRequired;
    if (n === undefined || this.recent.length < n) return null;
    const run = this.recent.slice(-n);
    const personId = run[0]!.personId;
    if (personId === null || this.announced.has(personId)) return null;
    if (!run.every((o) => o.strong === true && o.personId === personId)) return null;
    return { personId, votes: run };
  }

  /** The identity (a person, or null for "unknown face") with the most votes; ties go to the most recent. */
  private leader(): { personId: string | null; votes: FaceObservation[] } | null {
    const byIdentity = new Map<string | null, FaceObservation[]>();
    for (const o of this.recent) {
      const votes = byIdentity.get(o.personId);
      if (votes) votes.push(o);
      else byIdentity.set(o.personId, [o]);
    }
    let best: { personId: string | null; votes: FaceObservation[] } | null = null;
    // Walk from the newest observation back, so on equal votes the more recent identity wins.
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const personId = this.recent[i]!.personId;
      const votes = byIdentity.get(personId)!;
      if (!best || votes.length > best.votes.length) best = { personId, votes };
    }
    return best;
  }
}
