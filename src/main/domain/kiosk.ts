// The check-in station: one camera frame in, what the kiosk should show out.
// A person is recorded only after the same identity is seen over several frames (and, when the
// setting asks for it, after passive liveness passes); strangers are never recorded.
import type { FaceAnalysis, RgbaFrame } from '../../shared/face';
import type { Settings } from '../../shared/settings';
import type { FaceOverlay, Guidance, KioskFrameResult, KioskGreeting } from '../../shared/types';
import type { Store } from '../db';
import type { FaceEngine } from '../engine';
import { RecognitionSmoother, decideAttendance, localDayKey, passesLiveness } from './attendance-rules';
import type { FaceIndex } from './face-index';

/** Below this width the embedding is too unreliable to even try a match. */
export const MIN_RECOGNITION_FACE_PX = 48;
/** A second face at least this share of the largest one's area means two people are at the kiosk. */
const SECOND_FACE_AREA_SHARE = 0.5;
export const LIVENESS_THRESHOLD = 0.5;
/**
 * A match at most this share of alpha away is "strong": two such frames in a row of one person confirm
 * without waiting for a third. For unit vectors the impostor tail falls off steeply below alpha
 * (alpha is placed at the target false-accept rate, 1e-3 by default), so one strong frame is already
 * far less likely to be a stranger than an ordinary accepted frame, and two consecutive ones agreeing
 * are stricter than the three-vote rule's single-frame threshold. It saves one frame, about a third
 * of the time to the greeting (bench/kiosk-latency.mjs).
 */
export const STRONG_MATCH_SHARE = 0.85;
/** The engine follows the kiosk camera's face under this stream name (engine/tracker.ts). */
const KIOSK_STREAM = 'kiosk';

export interface KioskDeps {
  engine: FaceEngine;
  index: FaceIndex;
  store: Store;
  settings: () => Settings;
  now?: () => number;
}

export function overlayOf(face: FaceAnalysis): FaceOverlay {
  return { box: face.box, landmarks: face.landmarks, quality: face.quality, liveness: face.liveness };
}

/** Faces come largest first; a comparably large second face means more than one person is in front. */
export function crowded(faces: readonly FaceAnalysis[]): boolean {
  const [first, second] = faces;
  if (!first || !second) return false;
  const area = (f: FaceAnalysis) => f.box.width * f.box.height;
  return area(second) >= SECOND_FACE_AREA_SHARE * area(first);
}

export class KioskService {
  private readonly smoother = new RecognitionSmoother({ window: 5, required: 3, maxGapMs: 1500, strongRequired: 2 });
  private readonly now: () => number;
  private busy = false;
  private waiting: { frame: RgbaFrame; resolve: (r: KioskFrameResult) => void } | null = null;
  private last: KioskFrameResult | null = null;

  constructor(private readonly deps: KioskDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * The newest frame wins: while one frame is being analysed, a newer one replaces any frame still
   * waiting (which is answered with the latest result instead), so frames never pile up.
   */
  frame(frame: RgbaFrame): Promise<KioskFrameResult> {
    if (!this.busy) return this.run(frame);
    return new Promise((resolve) => {
      const stale = this.waiting;
      this.waiting = { frame, resolve };
      if (stale) stale.resolve(this.skipped(stale.frame));
    });
  }

  reset(): void {
    this.smoother.reset();
    this.last = null;
  }

  private skipped(frame: RgbaFrame): KioskFrameResult {
    const base = this.last ?? { state: 'idle', face: null, guidance: [], greeting: null };
    // A skipped frame must never repeat a greeting: that would greet twice for one recognition.
    return {
      ...base,
      greeting: null,
      state: base.state === 'recognised' ? 'pending' : base.state,
      width: frame.width,
      height: frame.height,
      ms: 0,
    };
  }

  private async run(frame: RgbaFrame): Promise<KioskFrameResult> {
    this.busy = true;
    try {
      const result = await this.analyse(frame);
      this.last = result;
      return result;
    } finally {
      this.busy = false;
      const next = this.waiting;
      this.waiting = null;
      if (next) void this.run(next.frame).then(next.resolve, () => next.resolve(this.skipped(next.frame)));
    }
  }

  private async analyse(frame: RgbaFrame): Promise<KioskFrameResult> {
    const started = performance.now();
    const settings = this.deps.settings();
    // What a live frame needs, and no more (bench/RESULTS.md, "Kiosk"):
    // - only the largest face is identified; other faces are only counted (two people at once are told
    //   to come one at a time);
    // - no mirror image: the frames that must agree already average out what one view gets wrong, and
    //   the encoder's flip pass would cost a third of the frame (on LFW ident-dev a single unmirrored
    //   probe has rank-1 98.1 % against 98.3 % mirrored, against the same mirrored templates);
    // - passive liveness only when the settings make it a gate, so events carry a liveness score
    //   exactly when it was checked;
    // - the face is followed from frame to frame: the detector runs every few frames, not on each.
    const analysis = await this.deps.engine.analyze(
      { kind: 'rgba', frame },
      {
        maxFaces: 3,
        liveness: settings.livenessRequired,
        embed: true,
        embedFaces: 1,
        mirror: false,
        track: KIOSK_STREAM,
      },
    );
    const nowMs = this.now();
    const result = (partial: Omit<KioskFrameResult, 'width' | 'height' | 'ms'>): KioskFrameResult => ({
      ...partial,
      width: analysis.width,
      height: analysis.height,
      ms: Math.round(performance.now() - started),
    });

    const face = analysis.faces[0];
    if (!face) {
      this.smoother.push({ kind: 'none' }, nowMs);
      return result({ state: 'idle', face: null, guidance: ['no_face'], greeting: null });
    }
    const guidance: Guidance[] = [...face.quality.reasons];
    if (crowded(analysis.faces)) {
      this.smoother.push({ kind: 'none' }, nowMs);
      return result({ state: 'guidance', face: overlayOf(face), guidance: ['multiple_faces'], greeting: null });
    }
    if (face.box.width < MIN_RECOGNITION_FACE_PX) {
      return result({
        state: 'guidance',
        face: overlayOf(face),
        guidance: guidance.length ? guidance : ['too_small'],
        greeting: null,
      });
    }

    const alpha = this.deps.index.threshold(settings);
    const decision = this.deps.index.identify(face.embedding, settings, alpha);
    const observed = this.smoother.push(
      {
        kind: 'face',
        personId: decision.accepted ? decision.personId : null,
        distance: decision.distance,
        liveness: face.liveness,
        strong: decision.accepted && decision.distance <= STRONG_MATCH_SHARE * alpha,
      },
      nowMs,
    );

    if (observed.state === 'unknown') {
      return result({ state: 'unknown', face: overlayOf(face), guidance: [], greeting: null });
    }
    if (observed.state !== 'confirmed' || !observed.personId) {
      return result({
        state: guidance.length ? 'guidance' : 'pending',
        face: overlayOf(face),
        guidance,
        greeting: null,
      });
    }
    if (!passesLiveness(observed.minLiveness ?? null, settings.livenessRequired, LIVENESS_THRESHOLD)) {
      return result({ state: 'guidance', face: overlayOf(face), guidance: ['not_live'], greeting: null });
    }
    const greeting = this.checkIn(
      observed.personId,
      observed.meanDistance ?? decision.distance,
      observed.minLiveness ?? null,
      settings,
      nowMs,
    );
    if (!greeting) return result({ state: 'unknown', face: overlayOf(face), guidance: [], greeting: null });
    return result({ state: 'recognised', face: overlayOf(face), guidance: [], greeting });
  }

  /** Records the event the rules ask for; returns null if the person vanished meanwhile (deleted). */
  private checkIn(
    personId: string,
    distance: number,
    liveness: number | null,
    settings: Settings,
    nowMs: number,
  ): KioskGreeting | null {
    const { store } = this.deps;
    const person = store.people.get(personId);
    if (!person) return null;
    const localDay = localDayKey(nowMs, settings.timeZone ?? undefined);
    const at = new Date(nowMs).toISOString();
    return store.transaction(() => {
      const last = store.attendance.lastForPersonOnDay(personId, localDay);
      const decision = decideAttendance(last ? { kind: last.kind, atMs: Date.parse(last.at) } : null, nowMs, {
        cooldownMs: settings.cooldownMinutes * 60_000,
        mode: settings.attendanceMode,
      });
      if (decision.record) {
        store.attendance.record(
          { personId, kind: decision.kind, at, localDay, station: settings.stationName, distance, liveness },
          'kiosk',
        );
      }
      return {
        name: person.name,
        kind: decision.kind,
        at: decision.record || !last ? at : last.at,
        recorded: decision.record,
      };
    });
  }
}
