// Enrollment: good camera shots (the guided wizard) or photo files become a person's templates. This
// service is the way in for both: it judges camera shots one by one (newest frame wins per capture
// session), keeps the good ones (shot-store.ts) until they are saved with consent (enroll-save.ts), and
// hands photo files to photo-import.ts.
import { AppError } from '../../shared/errors';
import type { RgbaFrame } from '../../shared/face';
import type { Settings } from '../../shared/settings';
import type { EnrollCommitResult, EnrollShotResult, ImportPhotoResult } from '../../shared/types';
import type { Actor, Store } from '../db';
import type { FaceEngine } from '../engine';
import { poseOf } from './enroll-pose';
import { enrollGuidance, qualityScore } from './enroll-quality';
import { TemplateWriter, type Consent, type EnrollTarget } from './enroll-save';
import type { FaceIndex } from './face-index';
import { overlayOf } from './faces';
import { NewestFrameLane } from './newest-frame';
import { PhotoImporter, type PhotoImport } from './photo-import';
import { ShotStore } from './shot-store';

/**
 * Enrollment cameras (capture sessions) with a frame in the engine at once; a frame of another one is
 * refused (KIOSK_BUSY). Each session has at most one frame in the engine and one waiting (the newest).
 */
export const MAX_CAPTURE_SESSIONS = 4;

/** One frame of a capture session, with the person it is for when they exist. */
interface CaptureFrame {
  frame: RgbaFrame;
  personId?: string;
}

/** The answer to a frame that a newer frame of its session replaced: nothing judged, nothing kept. */
function replacedShot(frame: RgbaFrame): EnrollShotResult {
  return {
    shotId: null,
    accepted: false,
    guidance: [],
    face: null,
    width: frame.width,
    height: frame.height,
    pose: null,
    duplicateOf: null,
  };
}

export class EnrollmentService {
  private readonly shots: ShotStore;
  private readonly writer: TemplateWriter;
  private readonly photos: PhotoImporter;
  /** Capture sessions with a frame in the engine (newest-frame.ts). */
  private readonly lanes = new Map<string, NewestFrameLane<CaptureFrame, EnrollShotResult>>();

  constructor(
    private readonly deps: { engine: FaceEngine; index: FaceIndex; store: Store; settings: () => Settings },
    now: () => number = Date.now,
  ) {
    this.shots = new ShotStore(now);
    this.writer = new TemplateWriter(deps, now);
    this.photos = new PhotoImporter({ ...deps, writer: this.writer });
  }

  /**
   * Checks one camera shot; a good one is kept for `commit` and its id returned. The newest frame wins,
   * per capture session, as at the kiosk: while one frame of a session is in the engine, a newer one
   * replaces any frame still waiting (answered as not judged), so frames sent faster than the engine
   * judges them never pile up.
   */
  capture(frame: RgbaFrame, personId?: string, session?: string): Promise<EnrollShotResult> {
    const key = session ?? personId ?? '';
    let lane = this.lanes.get(key);
    if (!lane) {
      if (this.lanes.size >= MAX_CAPTURE_SESSIONS)
        return Promise.reject(
          new AppError(
            'KIOSK_BUSY',
            `More than ${MAX_CAPTURE_SESSIONS} enrollment cameras are sending frames at once. Close the ones no longer in use, then try again.`,
          ),
        );
      lane = new NewestFrameLane<CaptureFrame, EnrollShotResult>(
        (f) => this.judgeShot(f.frame, f.personId, session),
        (f) => replacedShot(f.frame),
        () => this.lanes.delete(key),
      );
      this.lanes.set(key, lane);
    }
    return lane.submit({ frame, personId });
  }

  private async judgeShot(frame: RgbaFrame, personId?: string, session?: string): Promise<EnrollShotResult> {
    const analysis = await this.deps.engine.analyze(
      { kind: 'rgba', frame },
      // Other faces are only counted (a second person in the shot is refused), never embedded.
      { maxFaces: 3, liveness: true, embed: true, embedFaces: 1, thumbnail: true, chip: true },
    );
    const face = analysis.faces[0];
    const guidance = enrollGuidance(analysis.faces);
    const base = { width: analysis.width, height: analysis.height, face: face ? overlayOf(face) : null };
    // Each wizard names its capture session, so two people enrolled one after the other (both new, no
    // id yet) are never judged against each other's straight shot.
    const front = this.shots.front(session ?? personId ?? '');
    if (!face || guidance.length > 0)
      return {
        ...base,
        shotId: null,
        accepted: false,
        guidance,
        pose: face ? poseOf(face.quality, front) : null,
        duplicateOf: null,
      };

    const pose = poseOf(face.quality, front);
    const shotId = this.shots.keep(
      session ?? personId ?? '',
      {
        embedding: face.embedding,
        encoderId: analysis.encoderId,
        thumbnailJpeg: face.thumbnailJpeg ?? null,
        chip: face.chip ?? null,
        quality: qualityScore(face),
        pose,
      },
      face.quality,
    );
    return {
      ...base,
      shotId,
      accepted: true,
      guidance: [],
      pose,
      duplicateOf: this.writer.duplicateOf(face.embedding, personId),
    };
  }

  discard(shotIds: readonly string[]): { discarded: number } {
    return { discarded: this.shots.discard(shotIds) };
  }

  /** Saves kept shots as the person's templates, with their consent, in one transaction. */
  commit(
    target: EnrollTarget,
    shotIds: readonly string[],
    consent: Consent,
    actor: Actor,
    replaceExisting = false,
  ): EnrollCommitResult {
    this.writer.checkTarget(target);
    this.writer.checkConsent(consent);
    if (new Set(shotIds).size !== shotIds.length)
      throw new AppError('INVALID_INPUT', 'Each shot can be saved only once.');
    const shots = shotIds.map((id) => {
      const shot = this.shots.get(id);
      if (!shot) throw new AppError('NOT_FOUND', 'Some shots have expired or were already saved. Capture them again.');
      return shot;
    });
    const front = shots.find((s) => s.pose === 'front') ?? shots[0];
    const added = this.writer.save({
      target,
      faces: shots.map((s) => ({
        embedding: s.embedding,
        encoderId: s.encoderId,
        quality: s.quality,
        pose: s.pose,
        chip: s.chip,
      })),
      source: 'camera',
      consent,
      thumbnail: front?.thumbnailJpeg ?? null,
      actor,
      replaceExisting,
    });
    this.shots.discard(shotIds);
    return added;
  }

  /** Photo files to a person (photo-import.ts). */
  importPhotos(request: PhotoImport): Promise<{ results: ImportPhotoResult[]; commit: EnrollCommitResult | null }> {
    return this.photos.import(request);
  }
}
