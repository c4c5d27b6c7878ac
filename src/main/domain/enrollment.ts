// Enrollment: turns good camera shots or photo files into a person's templates.
// Camera shots are checked one by one and kept in memory (never on disk) until the administrator
// saves them with the person's consent; nothing biometric is stored without that consent.
import { createHash, randomUUID } from 'node:crypto';
import { AppError, isAppError } from '../../shared/errors';
import type { FaceAnalysis, FaceQuality, RgbaFrame } from '../../shared/face';
import type { Settings } from '../../shared/settings';
import type { EnrollCommitResult, EnrollPose, EnrollShotResult, Guidance, ImportPhotoResult } from '../../shared/types';
import type { Actor, Store, TemplateSource } from '../db';
import type { FaceEngine } from '../engine';
import { FACE_WIDTH_PX, MIN_SHARPNESS } from '../engine/quality';
import type { FaceIndex } from './face-index';
import { crowded, overlayOf } from './faces';
import { NewestFrameLane } from './newest-frame';

const POSE_YAW_DEG = 8;
const POSE_PITCH_DEG = 7;
const SHOT_TTL_MS = 15 * 60_000;
const MAX_SHOTS = 60;
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

/** What photo import is asked to do: whose photos, which ones, with whose consent, and who asks. */
export interface PhotoImport {
  target: EnrollTarget;
  /** The files' bytes (their size already checked by whoever read them); given up to the engine. */
  photos: ReadonlyArray<{ name: string; bytes: Uint8Array }>;
  consent: Consent;
  /** How the templates were made, as stored with them: 'import' (the screens) or 'cli'. */
  source: TemplateSource;
  actor: Actor;
  /** Save photos whose face is already enrolled as someone else (the administrator confirmed them). */
  acceptDuplicates?: boolean;
  /** After each photo is judged, whichever way (a progress bar). */
  onPhoto?: () => void;
}

/**
 * The one test of "this photo is already enrolled for this person": the same file bytes. Stored with each
 * template (`source_ref`), so a re-run of an import adds nothing twice.
 */
function photoRef(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A photo refused for a reason of its own (not an image, no face, too large...). */
export function refusedPhoto(name: string, e: AppError): ImportPhotoResult {
  return { name, ok: false, alreadyEnrolled: false, error: { code: e.code, message: e.message }, duplicateOf: null };
}

interface Shot {
  embedding: Float32Array;
  thumbnailJpeg: Uint8Array | null;
  /** The aligned face chip, stored with the template so a later encoder can embed it again. */
  chip: Uint8Array | null;
  quality: number;
  pose: EnrollPose;
  createdAt: number;
}

export interface Consent {
  given: true;
  by: string;
}

export type DuplicateOf = { personId: string; name: string; distance: number } | null;

/**
 * Whose templates these are: an existing person, or a new person created in the same transaction as
 * their first templates, so an abandoned or failed enrollment never leaves an empty person behind.
 */
export type EnrollTarget =
  { personId: string } | { newPerson: { name: string; externalId?: string | null; notes?: string | null } };

/** The target named by a channel input that carries either `personId` or `newPerson` (the contract checks one). */
export function enrollTargetOf(input: { personId?: string; newPerson?: EnrollNewPerson }): EnrollTarget {
  if (input.personId !== undefined) return { personId: input.personId };
  if (input.newPerson !== undefined) return { newPerson: input.newPerson };
  throw new AppError('INVALID_INPUT', 'Say whose face this is: an existing person or a new one.');
}
type EnrollNewPerson = Extract<EnrollTarget, { newPerson: unknown }>['newPerson'];
const existingId = (target: EnrollTarget): string | undefined => ('personId' in target ? target.personId : undefined);

/**
 * Landmark pitch reads about this many degrees "up" for a face looking straight ahead (median over LFW
 * photos); without a person's own straight shot to compare with, pitch is judged relative to it.
 */
export const NEUTRAL_PITCH_DEG = 8;

type Angles = Pick<FaceQuality, 'yaw' | 'pitch'>;

/**
 * Which way the face looks. With `front` (this person's straight shot, taken first in the wizard) the
 * pose is judged relative to it, which cancels both the estimator's bias and the person's own posture.
 */
export function poseOf(q: Angles, front?: Angles): EnrollPose {
  const yaw = q.yaw - (front?.yaw ?? 0);
  const pitch = q.pitch - (front?.pitch ?? NEUTRAL_PITCH_DEG);
  if (Math.abs(yaw) >= Math.abs(pitch) * 1.2 && Math.abs(yaw) >= POSE_YAW_DEG) return yaw > 0 ? 'left' : 'right';
  if (Math.abs(pitch) >= POSE_PITCH_DEG) return pitch > 0 ? 'up' : 'down';
  return 'front';
}

/** One number for "how good is this face", stored with the template: sharp, big and frontal is best. */
function qualityScore(face: FaceAnalysis): number {
  const size = Math.min(1, face.quality.faceSizePx / 160);
  const sharp = Math.min(1, face.quality.sharpness / 200);
  return Math.round((0.5 * size + 0.3 * sharp + 0.2 * face.score) * 1000) / 1000;
}

/**
 * Enrollment takes the largest face. The kiosk can ignore a small face in the background (the person
 * checking in is the large one in front), but a template must not be a guess: a second face that is big
 * enough to be recognised could be the person meant (a small face behind a larger one in a group photo),
 * so enrollment refuses it instead of choosing.
 */
function ambiguous(faces: readonly FaceAnalysis[]): boolean {
  return crowded(faces) || faces.slice(1).some((f) => f.quality.faceSizePx >= FACE_WIDTH_PX.reliable);
}

/** Why this face may not become a template, as guidance keys; empty when it may. */
export function enrollGuidance(faces: readonly FaceAnalysis[]): Guidance[] {
  const face = faces[0];
  if (!face) return ['no_face'];
  if (ambiguous(faces)) return ['multiple_faces'];
  const reasons: Guidance[] = [...face.quality.reasons];
  if (face.quality.faceSizePx < FACE_WIDTH_PX.enroll && !reasons.includes('too_small')) reasons.push('too_small');
  return reasons;
}

export class EnrollmentService {
  private readonly shots = new Map<string, Shot>();
  /** The latest straight shot per capture session (or person): the reference for the turned poses. */
  private readonly fronts = new Map<string, Angles & { at: number; shotId: string }>();
  /** Capture sessions with a frame in the engine (newest-frame.ts). */
  private readonly lanes = new Map<string, NewestFrameLane<CaptureFrame, EnrollShotResult>>();

  constructor(
    private readonly deps: { engine: FaceEngine; index: FaceIndex; store: Store; settings: () => Settings },
    private readonly now: () => number = Date.now,
  ) {}

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
        (f) => this.captureNow(f.frame, f.personId, session),
        (f) => replacedShot(f.frame),
        () => this.lanes.delete(key),
      );
      this.lanes.set(key, lane);
    }
    return lane.submit({ frame, personId });
  }

  private async captureNow(frame: RgbaFrame, personId?: string, session?: string): Promise<EnrollShotResult> {
    this.expire();
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
    const frontKey = session ?? personId ?? '';
    // The reference is the session's straight shot while it is kept: every later shot judged 'front'
    // must not replace it, or a head turning a few degrees a frame would drag it along and never reach
    // 'left'. A retaken (discarded) or expired straight shot lets the next one take its place.
    const stored = this.fronts.get(frontKey);
    const front = stored && this.shots.has(stored.shotId) ? stored : undefined;
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
    if (this.shots.size >= MAX_SHOTS) this.shots.delete(this.shots.keys().next().value as string);
    const shotId = randomUUID();
    if (pose === 'front' && !front)
      this.fronts.set(frontKey, { yaw: face.quality.yaw, pitch: face.quality.pitch, at: this.now(), shotId });
    this.shots.set(shotId, {
      embedding: face.embedding,
      thumbnailJpeg: face.thumbnailJpeg ?? null,
      chip: face.chip ?? null,
      quality: qualityScore(face),
      pose,
      createdAt: this.now(),
    });
    return {
      ...base,
      shotId,
      accepted: true,
      guidance: [],
      pose,
      duplicateOf: this.duplicateOf(face.embedding, personId),
    };
  }

  discard(shotIds: readonly string[]): { discarded: number } {
    let discarded = 0;
    for (const id of shotIds) if (this.shots.delete(id)) discarded++;
    return { discarded };
  }

  /** Saves kept shots as the person's templates, with their consent, in one transaction. */
  commit(target: EnrollTarget, shotIds: readonly string[], consent: Consent, actor: Actor): EnrollCommitResult {
    this.expire();
    this.checkTarget(target);
    if (new Set(shotIds).size !== shotIds.length)
      throw new AppError('INVALID_INPUT', 'Each shot can be saved only once.');
    const shots = shotIds.map((id) => {
      const shot = this.shots.get(id);
      if (!shot) throw new AppError('NOT_FOUND', 'Some shots have expired or were already saved. Capture them again.');
      return shot;
    });
    const front = shots.find((s) => s.pose === 'front') ?? shots[0];
    const added = this.save(
      target,
      shots.map((s) => ({ embedding: s.embedding, quality: s.quality, pose: s.pose, chip: s.chip })),
      'camera',
      consent,
      front?.thumbnailJpeg ?? null,
      actor,
    );
    this.discard(shotIds);
    return added;
  }

  /**
   * Adds photos (files or bytes) to a person. Each photo is judged on its own: a bad one is reported
   * with its reason and skipped, the good ones are saved together (a new person only when one is good).
   * A photo whose face is already enrolled as someone else is held back (`CONFLICT`, with `duplicateOf`)
   * unless `acceptDuplicates`: saved, it would make that other person unrecognisable, and one template
   * cannot be taken back. The camera wizard asks the same question before it keeps such a shot.
   * A photo already enrolled for this person (the same file) is reported as `alreadyEnrolled` and skipped.
   */
  async importPhotos(
    request: PhotoImport,
  ): Promise<{ results: ImportPhotoResult[]; commit: EnrollCommitResult | null }> {
    const { target, photos, consent, source, actor, acceptDuplicates = false, onPhoto } = request;
    // A new person's details are checked before any photo is analysed, so a taken ID number is said at once.
    this.checkTarget(target);
    const personId = existingId(target);
    const results: ImportPhotoResult[] = [];
    type Good = {
      embedding: Float32Array;
      quality: number;
      pose: EnrollPose;
      thumbnail: Uint8Array | null;
      chip: Uint8Array | null;
      sourceRef: string;
    };
    // Judged in two steps, so that the first import of a folder gives the result every later one would:
    // first each photo on its own and against the people enrolled before this call; then a photo that
    // looks like someone else is compared with this call's own good photos too, which a second run would
    // find enrolled (photos refused here as look-alikes of another person were accepted on the next run).
    const candidates: Array<Good & { at: number; name: string; duplicateOf: DuplicateOf }> = [];
    // A file already enrolled for this person (same bytes: same sourceRef) would be a second, identical
    // template, and the database refuses it; so would a copy within this call.
    const seen = personId ? this.deps.store.templates.sourceRefs(personId) : new Set<string>();
    for (const photo of photos) {
      // Hashed before the engine takes the bytes (a worker engine is handed their buffer).
      const sourceRef = photoRef(photo.bytes);
      try {
        // Analysed first: a file that is not an image says so, even when another copy of it came first.
        const analysis = await this.deps.engine.analyze(
          { kind: 'bytes', bytes: photo.bytes, name: photo.name },
          {
            maxFaces: 3,
            liveness: false,
            embed: true,
            embedFaces: 1,
            thumbnail: true,
            chip: true,
          },
        );
        if (seen.has(sourceRef)) {
          const message = 'This photo is already enrolled for this person, so it was not added again.';
          results.push({
            name: photo.name,
            ok: false,
            alreadyEnrolled: true,
            error: { code: 'CONFLICT', message },
            duplicateOf: null,
          });
          continue;
        }
        seen.add(sourceRef);
        const face = analysis.faces[0];
        const problem = photoProblem(analysis.faces);
        if (problem || !face) throw problem ?? new AppError('NO_FACE', 'No face found in this photo.');
        candidates.push({
          at: results.length,
          name: photo.name,
          duplicateOf: this.duplicateOf(face.embedding, personId),
          embedding: face.embedding,
          quality: qualityScore(face),
          pose: poseOf(face.quality),
          thumbnail: face.thumbnailJpeg ?? null,
          chip: face.chip ?? null,
          sourceRef,
        });
        results.push({ name: photo.name, ok: true, alreadyEnrolled: false, error: null, duplicateOf: null }); // judged below
      } catch (e) {
        if (!isAppError(e)) throw e;
        results.push(refusedPhoto(photo.name, e));
      } finally {
        onPhoto?.(); // every photo, whichever way it was judged
      }
    }
    const kept = new Set(candidates.filter((c) => !c.duplicateOf || acceptDuplicates));
    // The photos kept so far make up this person's centroid as the matcher would score it once saved;
    // a look-alike photo nearer to it than the margin beyond the other person would not be held back by
    // the next run, so it is not held back now. Each pass can only keep more, so this ends.
    const { margin } = this.deps.settings();
    for (let changed = true; changed;) {
      changed = false;
      const own = centroidOf([...kept].map((c) => c.embedding));
      if (!own) break;
      for (const c of candidates) {
        if (kept.has(c) || !c.duplicateOf) continue;
        if (distanceTo(c.embedding, own) < c.duplicateOf.distance + margin) {
          c.duplicateOf = null;
          kept.add(c);
          changed = true;
        }
      }
    }
    const good: Good[] = [];
    for (const c of candidates) {
      if (kept.has(c)) {
        good.push(c);
        results[c.at] = { name: c.name, ok: true, alreadyEnrolled: false, error: null, duplicateOf: c.duplicateOf };
        continue;
      }
      const duplicateOf = c.duplicateOf!;
      results[c.at] = {
        name: c.name,
        ok: false,
        alreadyEnrolled: false,
        error: {
          code: 'CONFLICT',
          message: `This face looks like ${duplicateOf.name}, who is already enrolled, so the photo was not added. Add it anyway only if it really shows this person.`,
        },
        duplicateOf,
      };
    }
    if (good.length === 0) return { results, commit: null };
    const thumbnail = good.find((g) => g.pose === 'front')?.thumbnail ?? good[0]?.thumbnail ?? null;
    return { results, commit: this.save(target, good, source, consent, thumbnail, actor) };
  }

  private save(
    target: EnrollTarget,
    faces: ReadonlyArray<{
      embedding: Float32Array;
      quality: number;
      pose: EnrollPose;
      chip: Uint8Array | null;
      sourceRef?: string;
    }>,
    source: TemplateSource,
    consent: Consent,
    thumbnail: Uint8Array | null,
    actor: Actor,
  ): EnrollCommitResult {
    const { store, index } = this.deps;
    const encoder = index.encoder;
    const existing = existingId(target);
    if (existing !== undefined) this.requirePerson(existing);
    const { personId, metas } = store.transaction(() => {
      const personId = existing ?? store.people.create((target as { newPerson: EnrollNewPerson }).newPerson, actor).id;
      store.people.setConsent(personId, { at: new Date(this.now()).toISOString(), by: consent.by }, actor);
      const added = store.templates.addMany(
        faces.map((f) => ({
          personId,
          modelId: encoder.encoderId,
          embedding: f.embedding,
          quality: f.quality,
          source,
          pose: f.pose,
          sourceRef: f.sourceRef ?? null,
          chip: f.chip,
        })),
        actor,
      );
      if (thumbnail) store.people.setThumbnail(personId, thumbnail, actor);
      return { personId, metas: added };
    });
    // Only after the transaction committed: the index must never hold what the database does not.
    metas.forEach((meta, i) => index.add(meta.id, personId, faces[i]!.embedding));
    return { person: this.requirePerson(personId), added: metas.length };
  }

  /** The person exists, or the new person's details could be saved as they are. */
  private checkTarget(target: EnrollTarget): void {
    if ('personId' in target) this.requirePerson(target.personId);
    else this.deps.store.people.checkNew(target.newPerson);
  }

  private requirePerson(personId: string) {
    const row = this.deps.store.people.get(personId);
    if (!row) throw new AppError('NOT_FOUND', 'This person does not exist or was deleted.');
    return row;
  }

  /** The enrolled person this face already matches, when that is someone other than `personId`. */
  private duplicateOf(embedding: Float32Array, personId?: string): DuplicateOf {
    const decision = this.deps.index.identify(embedding, this.deps.settings());
    if (!decision.accepted || !decision.personId || decision.personId === personId) return null;
    const other = this.deps.store.people.get(decision.personId);
    return other ? { personId: other.id, name: other.name, distance: decision.distance } : null;
  }

  private expire(): void {
    const cutoff = this.now() - SHOT_TTL_MS;
    for (const [id, shot] of this.shots) if (shot.createdAt < cutoff) this.shots.delete(id);
    for (const [id, front] of this.fronts) if (front.at < cutoff) this.fronts.delete(id);
  }
}

/** The renormalised mean of unit embeddings, as the matcher scores a person; null for none or cancelling ones. */
function centroidOf(embeddings: readonly Float32Array[]): Float64Array | null {
  const first = embeddings[0];
  if (!first) return null;
  const sum = new Float64Array(first.length);
  for (const e of embeddings) for (let i = 0; i < sum.length; i++) sum[i]! += e[i]!;
  const norm = Math.hypot(...sum);
  if (!(norm > 1e-6)) return null;
  for (let i = 0; i < sum.length; i++) sum[i]! /= norm;
  return sum;
}

/** Euclidean distance between a unit embedding and a unit centroid. */
function distanceTo(embedding: Float32Array, centroid: Float64Array): number {
  let squared = 0;
  for (let i = 0; i < centroid.length; i++) squared += (embedding[i]! - centroid[i]!) ** 2;
  return Math.sqrt(squared);
}

/** Photos are judged less strictly on pose than camera shots, but must show one clear, big enough face. */
function photoProblem(faces: readonly FaceAnalysis[]): AppError | null {
  const face = faces[0];
  if (!face)
    return new AppError('NO_FACE', 'No face found in this photo: use a photo where the face is clearly visible.');
  if (ambiguous(faces))
    return new AppError('MULTIPLE_FACES', 'This photo shows more than one face: use a photo of this person alone.');
  // An existing photo is judged on what cannot be fixed by the next shot: size, light, and real blur
  // (news and ID photos are often softer than a live camera frame, and still enroll well).
  const bad = face.quality.reasons.filter(
    (r) => r === 'too_small' || r === 'too_dark' || (r === 'blurred' && face.quality.sharpness < MIN_SHARPNESS / 2),
  );
  if (bad.length > 0) {
    return new AppError(
      'POOR_QUALITY',
      `The face in this photo is not good enough (${bad.join(', ').replace(/_/g, ' ')}): use a sharper, closer, well-lit photo.`,
    );
  }
  return null;
}
