// The kiosk screens that feed one main process, each its own station: its own votes, its own followed
// face, its own newest-frame lane. One `presence serve` may feed several screens (two doors, a tablet),
// and their frames must not mix. This file keeps them apart, bounded, and forgets the idle ones.
import { AppError } from '../../shared/errors';
import type { RgbaFrame } from '../../shared/face';
import type { Guidance, KioskFrameResult } from '../../shared/types';
import { MAX_TRACKED_STREAMS } from '../engine/tracker';
import type { LivenessChallenge } from './liveness-challenge';
import { RecognitionSmoother } from './recognition-smoother';
import { NewestFrameLane } from './newest-frame';

/**
 * Beyond this many stations, the idle one seen longest ago is forgotten (it starts a fresh run when it
 * comes back); a new screen is refused (KIOSK_BUSY) while all of them have a frame in the engine, which
 * also bounds the work that screens naming themselves anew on every frame could queue. The engine
 * follows one face per station, so it keeps as many streams (engine/tracker.ts).
 */
export const MAX_STATIONS = MAX_TRACKED_STREAMS;
/** The station of in-process callers that do not name one (tests). Kiosk screens send their own id. */
export const LOCAL_STATION = 'local';

/**
 * The screen sends no frames while it shows a greeting (up to 30 s, `kiosk.greetingSeconds`). A pause
 * shorter than this does not end the visit, so a person still in front afterwards is not greeted, and
 * after the cooldown checked out, again and again; a frame without a face ends it at once.
 */
const VISIT_GAP_MS = 60_000;

/** One kiosk screen's recognition run: its votes, its frames, its last answer. */
export class Station {
  readonly smoother = new RecognitionSmoother({
    window: 5,
    required: 3,
    maxGapMs: 1500,
    strongRequired: 2,
    visitGapMs: VISIT_GAP_MS,
  });
  last: KioskFrameResult | null = null;
  /** The name this screen records check-ins under; null = the station name in Settings. */
  name: string | null = null;
  /**
   * The next frame starts this screen's run afresh: the engine forgets the face it followed for it
   * (a new station, or one reset while its last frame was still in the engine).
   */
  fresh = true;
  /**
   * The active liveness check under way on this screen, with what the confirmation measured (recorded
   * with the event when the check passes); null when none is.
   */
  challenge: { check: LivenessChallenge; distance: number; liveness: number | null } | null = null;
  /** The last check failed: until then the screen says why, and looks at nobody. */
  challengeFailed: { untilMs: number; why: Guidance } | null = null;
  readonly lane: NewestFrameLane<RgbaFrame, KioskFrameResult>;

  /** The engine follows this station's face under this stream name (engine/tracker.ts). */
  readonly stream: string;

  constructor(
    /** The screen's own id (`kiosk.frame`'s `station`). */
    readonly id: string,
    judge: (station: Station, frame: RgbaFrame) => Promise<KioskFrameResult>,
  ) {
    this.stream = `kiosk:${id}`;
    this.lane = new NewestFrameLane(
      async (frame) => (this.last = await judge(this, frame)),
      (frame) => this.replaced(frame),
    );
  }

  /** The answer to a frame that a newer one replaced: the station's last state, never a greeting. */
  private replaced(frame: RgbaFrame): KioskFrameResult {
    const base = this.last ?? {
      state: 'idle',
      face: null,
      guidance: [],
      greeting: null,
      choice: null,
      challenge: null,
    };
    // A replaced frame must never repeat a greeting: that would greet twice for one recognition.
    return {
      ...base,
      greeting: null,
      choice: null,
      state: base.state === 'recognised' || base.state === 'choose' ? 'pending' : base.state,
      width: frame.width,
      height: frame.height,
      ms: 0,
    };
  }
}

export class StationRegistry {
  /** In order of last use, oldest first. */
  private readonly stations = new Map<string, Station>();

  constructor(private readonly judge: (station: Station, frame: RgbaFrame) => Promise<KioskFrameResult>) {}

  /** The station of this screen, made (and an idle one forgotten) when it is new. */
  station(name: string): Station {
    let s = this.stations.get(name);
    if (s) this.stations.delete(name);
    else {
      if (this.stations.size >= MAX_STATIONS) {
        // Only an idle station is forgotten: a busy one would come back as a second run of one screen.
        const idle = [...this.stations].find(([, st]) => !st.lane.busy);
        if (!idle)
          throw new AppError(
            'KIOSK_BUSY',
            `More than ${MAX_STATIONS} kiosk screens are sending frames at once. Close the ones no longer in use, then try again.`,
          );
        this.stations.delete(idle[0]);
      }
      s = new Station(name, this.judge);
    }
    this.stations.set(name, s);
    return s;
  }

  /** The screen was left or restarted: its run ends, and its place is freed unless a frame is still in. */
  reset(name: string): void {
    // (The registry never makes a station for a reset: an unknown screen has nothing to forget.)
    const s = this.stations.get(name);
    if (!s) return;
    s.smoother.reset();
    s.challenge = null;
    s.challengeFailed = null;
    s.last = null;
    s.fresh = true;
    if (!s.lane.busy) this.stations.delete(name);
  }
}
