// The check-in station: one camera frame in, what the kiosk should show out.
// A person is recorded only after the same identity is seen over several frames (and, when the
// setting asks for it, after passive liveness passes); strangers are never recorded.
import { AppError } from '../../shared/errors';
import type { FaceAnalysis, RgbaFrame } from '../../shared/face';
import type { Settings } from '../../shared/settings';
import type { FaceOverlay, Guidance, KioskFrameResult, KioskGreeting } from '../../shared/types';
import type { Store } from '../db';
import type { FaceEngine } from '../engine';
import { RecognitionSmoother, decideAttendance, localDayKey, passesLiveness } from './attendance-rules';
import type { FaceIndex } from './face-index';
import { MAX_TRACKED_STREAMS } from '../engine/tracker';
import { FACE_WIDTH_PX } from '../engine/quality';

/** A second face at least this share of the largest one's area means two people are at the kiosk. */
const SECOND_FACE_AREA_SHARE = 0.5;
export const LIVENESS_THRESHOLD = 0.5;
/**
 * Each kiosk screen is its own station session: its own frames vote, its own face is followed. One
 * `presence serve` may feed several screens (two doors, a tablet); their frames must not mix. Beyond
 * this many, the idle station seen longest ago is forgotten (it starts a fresh run when it comes back);
 * a new screen is refused (KIOSK_BUSY) while all of them have a frame in the engine, which also bounds
 * the work that screens naming themselves anew on every frame could queue.
 */
export const MAX_STATIONS = MAX_TRACKED_STREAMS;
/** The station of in-process callers that do not name one (tests). Kiosk screens send their own id. */
export const LOCAL_STATION = 'local';

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

/**
 * The screen sends no frames while it shows a greeting (up to 30 s, `kiosk.greetingSeconds`). A pause
 * shorter than this does not end the visit, so a person still in front afterwards is not greeted, and
 * after the cooldown checked out, again and again; a frame without a face ends it at once.
 */
const VISIT_GAP_MS = 60_000;

/** One kiosk screen's recognition run: its votes, its newest waiting frame, its last answer. */
class Station {
  readonly smoother = new RecognitionSmoother({
    window: 5,
    required: 3,
    maxGapMs: 1500,
    strongRequired: 2,
    visitGapMs: VISIT_GAP_MS,
  });
  busy = false;
  waiting: { frame: RgbaFrame; resolve: (r: KioskFrameResult) => void } | null = null;
  last: KioskFrameResult | null = null;
  /** The name this screen records check-ins under; null = the station name in Settings. */
  name: string | null = null;
  constructor(
    /** The engine follows this station's face under this stream name (engine/tracker.ts). */
    readonly stream: string,
  ) {}
}

/** The answer to a frame that a newer one replaced: the station's last state, never a greeting. */
function skipped(s: Station, frame: RgbaFrame): KioskFrameResult {
  const base = s.last ?? { state: 'idle', face: null, guidance: [], greeting: null };
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

export class KioskService {
  /** In order of last use, oldest first. */
  private readonly stations = new Map<string, Station>();
  private readonly now: () => number;

  constructor(private readonly deps: KioskDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * The newest frame wins, per station: while one frame of a station is being analysed, a newer one of
   * the same station replaces any frame still waiting (which is answered with that station's latest
   * result instead), so frames never pile up and no screen is answered from another screen's camera.
   */
  frame(frame: RgbaFrame, station = LOCAL_STATION, stationName?: string): Promise<KioskFrameResult> {
    let s: Station;
    try {
      s = this.station(station);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    s.name = stationName ?? null;
    if (!s.busy) return this.run(s, frame);
    return new Promise((resolve) => {
      const stale = s.waiting;
      s.waiting = { frame, resolve };
      if (stale) stale.resolve(skipped(s, stale.frame));
    });
  }

  /** The screen was left or restarted: its run ends (and its place is freed unless a frame is still in). */
  reset(station = LOCAL_STATION): void {
    const s = this.stations.get(station);
    if (!s) return;
    s.smoother.reset();
    s.last = null;
    if (!s.busy) this.stations.delete(station);
  }

  private station(name: string): Station {
    let s = this.stations.get(name);
    if (s) this.stations.delete(name);
    else {
      if (this.stations.size >= MAX_STATIONS) {
        // Only an idle station is forgotten: a busy one would come back as a second run of one screen.
        const idle = [...this.stations].find(([, st]) => !st.busy);
        if (!idle)
          throw new AppError(
            'KIOSK_BUSY',
            `More than ${MAX_STATIONS} kiosk screens are sending frames at once. Close the ones no longer in use, then try again.`,
          );
        this.stations.delete(idle[0]);
      }
      s = new Station(`kiosk:${name}`);
    }
    this.stations.set(name, s);
    return s;
  }

  private async run(s: Station, frame: RgbaFrame): Promise<KioskFrameResult> {
    s.busy = true;
    try {
      const result = await this.analyse(s, frame);
      s.last = result;
      return result;
    } finally {
      s.busy = false;
      const next = s.waiting;
      s.waiting = null;
      if (next) void this.run(s, next.frame).then(next.resolve, () => next.resolve(skipped(s, next.frame)));
    }
  }

  private async analyse(station: Station, frame: RgbaFrame): Promise<KioskFrameResult> {
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
        track: station.stream,
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
      station.smoother.push({ kind: 'none' }, nowMs);
      return result({ state: 'idle', face: null, guidance: ['no_face'], greeting: null });
    }
    const guidance: Guidance[] = [...face.quality.reasons];
    if (crowded(analysis.faces)) {
      station.smoother.dropVotes();
      return result({ state: 'guidance', face: overlayOf(face), guidance: ['multiple_faces'], greeting: null });
    }
    if (face.box.width < FACE_WIDTH_PX.recognise) {
      return result({
        state: 'guidance',
        face: overlayOf(face),
        guidance: guidance.length ? guidance : ['too_small'],
        greeting: null,
      });
    }

    // The threshold in force as of the last gallery review: nothing is recalibrated on a frame.
    // A strong match (threshold.ts: far inside alpha) lets two frames in a row confirm instead of three.
    const decision = this.deps.index.identify(face.embedding, settings);
    const observed = station.smoother.push(
      {
        kind: 'face',
        personId: decision.accepted ? decision.personId : null,
        distance: decision.distance,
        liveness: face.liveness,
        strong: decision.accepted && decision.distance <= decision.threshold.strongAlpha,
      },
      nowMs,
    );

    if (observed.state === 'unknown') {
      return result({ state: 'unknown', face: overlayOf(face), guidance: [], greeting: null });
    }
    if (observed.state === 'greeted') {
      // Served already: no advice on light or pose for someone who is only lingering.
      return result({ state: 'greeted', face: overlayOf(face), guidance: [], greeting: null });
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
      // Not this time: the next frames may confirm them again, each time with their own liveness.
      station.smoother.retract(observed.personId);
      return result({ state: 'guidance', face: overlayOf(face), guidance: ['not_live'], greeting: null });
    }
    const greeting = this.checkIn(
      station.name ?? settings.stationName,
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
    stationName: string,
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
          { personId, kind: decision.kind, at, localDay, station: stationName, distance, liveness },
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
