// The check-in station's recognition flow: one camera frame of one kiosk screen in, what that screen
// should show out. A person is recorded only after the same identity is seen over several frames (and,
// when the setting asks for it, after passive liveness passes and they turn their head as asked, in
// liveness-challenge.ts); strangers are never recorded. The
// screens themselves are kept apart in kiosk-stations.ts, and the check-in is recorded by check-in.ts.
import { AppError } from '../../shared/errors';
import type { FaceAnalysis, RgbaFrame } from '../../shared/face';
import type { Settings } from '../../shared/settings';
import type { AttendanceKind, ChallengeTurn, Guidance, KioskFrameResult, KioskGreeting } from '../../shared/types';
import type { Store } from '../db';
import type { FaceEngine } from '../engine';
import { FACE_WIDTH_PX } from '../engine/quality';
import { LIVENESS_THRESHOLD, passesLiveness } from './attendance-rules';
import { checkIn, recordChoice, wouldRecord, type PlainGreeting } from './check-in';
import { ATTENDANCE_KINDS } from '../../shared/attendance';
import { CHOICE_TIMEOUT_MS, KioskTokens } from './kiosk-tokens';
import { crowded, overlayOf } from './faces';
import { CHALLENGE_FAILED_HOLD_MS, LivenessChallenge, randomTurns, type ChallengeOutcome } from './liveness-challenge';
import type { IdentifyService } from './identify';
import { LOCAL_STATION, StationRegistry, type Station } from './kiosk-stations';

export interface KioskDeps {
  engine: FaceEngine;
  identify: IdentifyService;
  store: Store;
  settings: () => Settings;
  now?: () => number;
  /** The turns of each active liveness check; random unless a test fixes them. */
  challengeTurns?: () => ChallengeTurn[];
}

type FrameAnswer = Omit<KioskFrameResult, 'width' | 'height' | 'ms' | 'choice' | 'challenge'> &
  Partial<Pick<KioskFrameResult, 'choice' | 'challenge'>>;

export class KioskService {
  private readonly stations = new StationRegistry((station, frame) => this.judge(station, frame));
  private readonly now: () => number;
  private readonly tokens: KioskTokens;

  constructor(private readonly deps: KioskDeps) {
    this.now = deps.now ?? Date.now;
    this.tokens = new KioskTokens(this.now);
  }

  /**
   * The newest frame wins, per station (newest-frame.ts): while one frame of a station is being analysed,
   * a newer one of the same station replaces any frame still waiting (which is answered with that
   * station's latest result instead), so frames never pile up and no screen is answered from another
   * screen's camera.
   */
  frame(frame: RgbaFrame, station = LOCAL_STATION, stationName?: string): Promise<KioskFrameResult> {
    let s: Station;
    try {
      s = this.stations.station(station);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    s.name = stationName ?? null;
    return s.lane.submit(frame);
  }

  /** The screen was left or restarted: its run ends (and its place is freed unless a frame is still in). */
  reset(station = LOCAL_STATION): void {
    this.stations.reset(station);
    this.tokens.dropStation(station);
  }

  /** Explicit mode: records what the person asked on this screen chose (the suggestion, on time-out). */
  punch(station: string, token: string, kind: AttendanceKind): KioskGreeting {
    let choice;
    try {
      choice = this.tokens.take(token, station, 'choice');
    } catch (e) {
      // Too late: the person in front is looked at again rather than left "all set" with nothing recorded.
      this.stations.reset(station);
      throw e;
    }
    if (!choice.options.includes(kind))
      throw new AppError(
        'INVALID_INPUT',
        `"${kind}" is not one of the choices offered (${choice.options.join(', ')}).`,
      );
    const punched = recordChoice(this.deps.store, this.deps.settings(), { ...choice, kind, nowMs: this.now() });
    if (punched === 'gone' || punched === 'changed') {
      // The screen's run starts afresh either way: the person is looked at again, not left "all set".
      this.stations.reset(station);
      throw punched === 'gone'
        ? new AppError('NOT_FOUND', 'This person is no longer enrolled, so nothing was recorded. Ask an administrator.')
        : new AppError('EXPIRED', 'The record changed while the choice was on screen. Look at the camera again.');
    }
    return this.withUndo(station, punched.greeting, punched.eventId, choice.personId, punched.replacedId);
  }

  /**
   * "Not you?": the person greeted on this screen a moment ago voids the event it recorded (audited as
   * voided at the kiosk), and the screen's run starts afresh so they can look again.
   */
  undo(station: string, token: string): void {
    const undo = this.tokens.take(token, station, 'undo');
    const { store } = this.deps;
    store.transaction(() => {
      store.attendance.remove(
        undo.eventId,
        'Not me: voided at the kiosk by the person greeted',
        'kiosk',
        'attendance.void',
      );
      if (undo.replacedId)
        store.attendance.restore(
          undo.replacedId,
          'The real check-out that replaced it was voided at the kiosk',
          'kiosk',
        );
    });
    this.stations.reset(station);
  }

  private withUndo(
    station: string,
    greeting: PlainGreeting,
    eventId: string | null,
    personId: string,
    replacedId: string | null = null,
  ): KioskGreeting {
    if (eventId === null) return { ...greeting, undo: null };
    const { token, expiresMs } = this.tokens.issueUndo(station, { eventId, personId, replacedId });
    return { ...greeting, undo: { token, until: new Date(expiresMs).toISOString() } };
  }

  private async judge(station: Station, frame: RgbaFrame): Promise<KioskFrameResult> {
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
    // Taken now: a reset while this frame is in the engine makes the next one fresh again.
    const fresh = station.fresh;
    station.fresh = false;
    let analysis;
    try {
      analysis = await this.deps.engine.analyze(
        { kind: 'rgba', frame },
        {
          maxFaces: 3,
          liveness: settings.livenessRequired,
          embed: true,
          embedFaces: 1,
          mirror: false,
          track: station.stream,
          trackFresh: fresh,
        },
      );
    } catch (e) {
      // The engine may not have seen the fresh start: the next frame asks for it again.
      station.fresh ||= fresh;
      throw e;
    }
    const nowMs = this.now();
    const result = (partial: FrameAnswer): KioskFrameResult => ({
      choice: null,
      challenge: null,
      ...partial,
      width: analysis.width,
      height: analysis.height,
      ms: Math.round(performance.now() - started),
    });

    const face = analysis.faces[0];
    if (face) {
      try {
        this.deps.identify.requireSpace(analysis);
      } catch (e) {
        station.smoother.dropVotes(); // votes of the old space must not confirm anyone in the new one
        throw e;
      }
    }
    const challenged = this.challengeFrame(station, analysis.faces, settings, nowMs, result);
    if (challenged) return challenged;
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
    const decision = this.deps.identify.face(face.embedding, settings);
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
      // "Ask an administrator to enroll you" would mislead when nobody is enrolled here yet.
      const why: Guidance[] = this.deps.identify.galleryEmpty ? ['nobody_enrolled'] : [];
      return result({ state: 'unknown', face: overlayOf(face), guidance: why, greeting: null });
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
    const distance = observed.meanDistance ?? decision.distance;
    const liveness = observed.minLiveness ?? null;
    // Someone who would only be greeted again (within the cooldown) is spared the check: nothing is written.
    if (settings.livenessRequired && wouldRecord(this.deps.store, settings, observed.personId, nowMs)) {
      // The passive score passed; now the active check, which a still photo cannot pass (liveness-challenge.ts).
      const check = new LivenessChallenge(
        observed.personId,
        (this.deps.challengeTurns ?? randomTurns)(),
        face.quality.yaw,
        nowMs,
      );
      station.challenge = { check, distance, liveness };
      return result({
        state: 'challenge',
        face: overlayOf(face),
        guidance: [],
        greeting: null,
        challenge: check.prompt(nowMs),
      });
    }
    return this.record(station, settings, observed.personId, distance, liveness, nowMs, (p) =>
      result({ ...p, face: overlayOf(face) }),
    );
  }

  /**
   * The answer while this station's liveness check runs, or has just failed; null when neither (the
   * frame goes on to recognition).
   */
  private challengeFrame(
    station: Station,
    faces: readonly FaceAnalysis[],
    settings: Settings,
    nowMs: number,
    result: (partial: FrameAnswer) => KioskFrameResult,
  ): KioskFrameResult | null {
    if (!settings.livenessRequired) {
      // Turned off meanwhile: nobody is held in a check that no longer applies; they are recognised anew.
      if (station.challenge) station.smoother.retract(station.challenge.check.personId);
      station.challenge = null;
      station.challengeFailed = null;
    }
    const face = faces[0];
    const overlay = face ? overlayOf(face) : null;
    const failed = station.challengeFailed;
    // (A clock that went back must not stretch the pause.)
    if (failed && nowMs < failed.untilMs && failed.untilMs - nowMs <= CHALLENGE_FAILED_HOLD_MS) {
      // The screen says the check failed for a moment, so that the person reads it, then looks again.
      return result({ state: 'guidance', face: overlay, guidance: [failed.why], greeting: null });
    }
    station.challengeFailed = null;
    if (!station.challenge) return null;
    const { check, distance, liveness } = station.challenge;
    const several = crowded(faces);
    let outcome: ChallengeOutcome;
    if (!face || several || face.box.width < FACE_WIDTH_PX.recognise) outcome = check.tick(nowMs);
    else {
      const seen = this.deps.identify.face(face.embedding, settings);
      outcome = check.observe({
        yaw: face.quality.yaw,
        personId: seen.accepted ? seen.personId : null,
        // The passive score stays a second signal: a turned frame that looks like a photo does not count.
        usable: passesLiveness(face.liveness, true, LIVENESS_THRESHOLD),
        nowMs,
      });
    }
    if (outcome.kind === 'waiting') {
      return result({
        state: 'challenge',
        face: overlay,
        guidance: several ? ['multiple_faces'] : [],
        greeting: null,
        challenge: check.prompt(nowMs),
      });
    }
    station.challenge = null;
    if (outcome.kind === 'failed') {
      // Nothing is recorded; after the pause the person in front is recognised, and checked, afresh.
      station.smoother.retract(check.personId);
      const why: Guidance = outcome.reason === 'other_person' ? 'challenge_interrupted' : 'challenge_failed';
      station.challengeFailed = { untilMs: nowMs + CHALLENGE_FAILED_HOLD_MS, why };
      return result({ state: 'guidance', face: overlay, guidance: [why], greeting: null });
    }
    return this.record(station, settings, check.personId, distance, liveness, nowMs, (p) =>
      result({ ...p, face: overlay }),
    );
  }

  /** Records the confirmed person (or, in explicit mode, offers them the choice). */
  private record(
    station: Station,
    settings: Settings,
    personId: string,
    distance: number,
    liveness: number | null,
    nowMs: number,
    result: (partial: Omit<FrameAnswer, 'face'>) => KioskFrameResult,
  ): KioskFrameResult {
    const stationName = station.name ?? settings.stationName;
    const outcome = checkIn(this.deps.store, settings, { personId, stationName, distance, liveness, nowMs });
    if (!outcome) return result({ state: 'unknown', guidance: [], greeting: null });
    if (outcome.kind === 'choose') {
      const options = [...ATTENDANCE_KINDS];
      const { token } = this.tokens.issueChoice(station.id, {
        personId,
        stationName,
        distance,
        liveness,
        options,
        lastEventId: outcome.lastEventId,
      });
      return result({
        state: 'choose',
        guidance: [],
        greeting: null,
        choice: {
          token,
          name: outcome.name,
          externalId: outcome.externalId,
          options,
          suggested: outcome.suggested,
          timeoutMs: CHOICE_TIMEOUT_MS,
        },
      });
    }
    const greeting = this.withUndo(station.id, outcome.greeting, outcome.eventId, personId, outcome.replacedId);
    return result({ state: 'recognised', guidance: [], greeting });
  }
}
