// "Group photos": a set of unlabelled photos (a company event) becomes groups of faces, one per probable
// person, which the administrator names and enrolls. Nothing of a set is written anywhere before that:
// it lives in this process's memory (bounded in photos and faces), and is let go when it is closed, goes
// unused, or the admin session that opened it locks. Enrolling a group saves its faces through the one
// template writer (enroll-save.ts), with the person's consent, as the photo import does.
import { unitCentroid } from './centroid';
import { randomUUID } from 'node:crypto';
import { AppError, isAppError } from '../../shared/errors';
import type { AnalyzeResult, FaceAnalysis } from '../../shared/face';
import {
  GROUP_IDLE_MINUTES,
  MAX_FACES_PER_GROUP_PHOTO,
  MAX_GROUP_FACES,
  MAX_GROUP_PHOTOS,
  MAX_GROUP_SESSIONS,
} from '../../shared/limits';
import type {
  GroupAddResult,
  GroupEnrollFace,
  GroupEnrollResult,
  GroupFace,
  GroupingResult,
  GroupMatch,
  GroupPhotoResult,
  GroupSessionInfo,
} from '../../shared/photo-groups';
import type { Settings } from '../../shared/settings';
import type { EnrollPose } from '../../shared/types';
import type { Actor, Store } from '../db';
import type { FaceEngine } from '../engine';
import type { AdminSession } from './admin-session';
import { clusterFaces, defaultClusterThreshold } from './clustering';
import { poseOf } from './enroll-pose';
import { photoProblem, qualityScore } from './enroll-quality';
import { existingId, TemplateWriter, type Consent, type EnrollTarget, type NewTemplate } from './enroll-save';
import type { FaceIndex } from './face-index';
import { photoRef, type PhotoSource } from './photo-import';

const IDLE_MS = GROUP_IDLE_MINUTES * 60_000;
/** How often sets are looked at for expiry even when nobody calls (their photos must not linger). */
const SWEEP_MS = 30_000;

type Problem = { code: string; message: string };

interface HeldFace {
  id: string;
  photo: string;
  embedding: Float32Array;
  /** The space of the embedding (AnalyzeResult.encoderId). */
  encoderId: string;
  thumbnail: Uint8Array | null;
  chip: Uint8Array | null;
  quality: number;
  pose: EnrollPose;
  /** The photo file's hash, with the face's place when the photo holds several (one template per face). */
  sourceRef: string;
  problem: Problem | null;
}

interface PhotoSet {
  /** The admin session (window or connection) that opened it: nobody else may read it. */
  owner: AdminSession;
  faces: Map<string, HeldFace>;
  /** Hashes of the photos added: the same file twice adds its faces once. */
  photos: Set<string>;
  nextFace: number;
  lastUsedMs: number;
}

const expired = () =>
  new AppError(
    'EXPIRED',
    `This set of photos is no longer open: it was closed, went ${GROUP_IDLE_MINUTES} minutes without use, or the admin session was locked, and its photos were let go. Add the photos again.`,
  );

const problemOf = (e: AppError | null): Problem | null => (e ? { code: e.code, message: e.message } : null);

export class PhotoGroupingService {
  private readonly sets = new Map<string, PhotoSet>();
  private readonly writer: TemplateWriter;
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(
    private readonly deps: { engine: FaceEngine; index: FaceIndex; store: Store; settings: () => Settings },
    private readonly now: () => number = Date.now,
  ) {
    // The same writer as the wizard and the photo import: one way a face becomes a template.
    this.writer = new TemplateWriter(deps, now);
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** A new set for this admin session; the session's earlier set is let go (a screen has one). */
  open(owner: AdminSession): GroupSessionInfo {
    this.sweep();
    this.release(owner);
    if (this.sets.size >= MAX_GROUP_SESSIONS)
      throw new AppError(
        'CONFLICT',
        `${MAX_GROUP_SESSIONS} sets of photos are already open in other windows: finish or close one of them, then try again.`,
      );
    const session = randomUUID();
    this.sets.set(session, {
      owner,
      faces: new Map(),
      photos: new Set(),
      nextFace: 0,
      lastUsedMs: this.now(),
    });
    return { session, idleMinutes: GROUP_IDLE_MINUTES, maxPhotos: MAX_GROUP_PHOTOS };
  }

  /** Finds and embeds every face of each photo; a photo that adds no face says why. */
  async addPhotos(session: string, owner: AdminSession, photos: readonly PhotoSource[]): Promise<GroupAddResult> {
    const results: GroupPhotoResult[] = [];
    for (const photo of photos) {
      const set = this.get(session, owner);
      try {
        results.push(await this.addPhoto(session, owner, set, photo));
      } catch (e) {
        if (!isAppError(e) || e.code === 'EXPIRED') throw e;
        results.push({ name: photo.name, ok: false, faces: [], error: problemOf(e) });
      }
    }
    const set = this.get(session, owner);
    return { photos: results, photoCount: set.photos.size, faceCount: set.faces.size };
  }

  private async addPhoto(
    session: string,
    owner: AdminSession,
    set: PhotoSet,
    photo: PhotoSource,
  ): Promise<GroupPhotoResult> {
    if (set.photos.size >= MAX_GROUP_PHOTOS)
      throw new AppError(
        'INVALID_INPUT',
        `This set already holds ${MAX_GROUP_PHOTOS} photos: enroll its groups first, or start a new set for the rest.`,
      );
    if (set.faces.size >= MAX_GROUP_FACES)
      throw new AppError(
        'INVALID_INPUT',
        `This set already holds ${MAX_GROUP_FACES} faces: enroll its groups first, or start a new set for the rest.`,
      );
    const bytes = await photo.read();
    // Hashed before the engine takes the bytes (a worker engine is handed their buffer).
    const ref = photoRef(bytes);
    if (set.photos.has(ref))
      throw new AppError(
        'CONFLICT',
        'This photo is in the set already (the same file), so its faces were not added again.',
      );
    // Taken before the engine looks, so that the same photo sent twice at once is refused the second
    // time instead of giving its faces twice; let go again when this photo adds nothing.
    set.photos.add(ref);
    let analysis: AnalyzeResult;
    try {
      analysis = await this.deps.engine.analyze(
        { kind: 'bytes', bytes, name: photo.name },
        { maxFaces: MAX_FACES_PER_GROUP_PHOTO, liveness: false, embed: true, thumbnail: true, chip: true },
      );
    } catch (e) {
      set.photos.delete(ref);
      throw e;
    }
    // The set may have been let go while the engine looked (closed, locked): nothing is kept then.
    if (this.sets.get(session) !== set || set.owner !== owner) throw expired();
    const faces = analysis.faces.filter((f) => f.embedding.length > 0);
    if (faces.length === 0) {
      set.photos.delete(ref);
      throw new AppError('NO_FACE', 'No face found in this photo: it adds nobody to the groups.');
    }
    const added = faces.slice(0, MAX_GROUP_FACES - set.faces.size).map((face, k) => {
      const held = this.hold(set, photo.name, face, analysis.encoderId, faces.length > 1 ? `${ref}#${k + 1}` : ref);
      return { id: held.id, photo: held.photo, thumbnail: held.thumbnail, problem: held.problem } satisfies GroupFace;
    });
    return { name: photo.name, ok: true, faces: added, error: null };
  }

  private hold(set: PhotoSet, photo: string, face: FaceAnalysis, encoderId: string, sourceRef: string): HeldFace {
    const held: HeldFace = {
      id: `f${set.nextFace++}`,
      photo,
      embedding: face.embedding,
      encoderId,
      thumbnail: face.thumbnailJpeg ?? null,
      chip: face.chip ?? null,
      quality: qualityScore(face),
      pose: poseOf(face.quality),
      sourceRef,
      // Judged alone, as a photo of one person would be: the others in the photo are other people.
      problem: problemOf(photoProblem([face])),
    };
    set.faces.set(held.id, held);
    return held;
  }

  /** The set's faces in groups (average-linkage clustering at the encoder's clustering threshold). */
  cluster(session: string, owner: AdminSession): GroupingResult {
    const set = this.get(session, owner);
    const faces = [...set.faces.values()];
    const table = this.deps.index.encoder.distances;
    // An encoder without a distance table: the recognition threshold in force is the only scale there is.
    const threshold = table ? defaultClusterThreshold(table) : this.deps.index.threshold(this.deps.settings());
    const { clusters, unclustered } = clusterFaces(
      faces.map((f) => f.embedding),
      { threshold },
    );
    const groups = clusters
      .map((members) => {
        const held = members.map((i) => faces[i]!).sort(byUsefulness);
        return { faces: held.map((f) => f.id), match: this.matchOfFaces(held) };
      })
      .sort((a, b) => b.faces.length - a.faces.length);
    return { groups, unclustered: unclustered.map((i) => faces[i]!.id), threshold };
  }

  /** The enrolled person these faces most probably are: the gallery's answer for their centroid. */
  match(session: string, owner: AdminSession, faceIds: readonly string[]): GroupMatch | null {
    return this.matchOfFaces(this.facesOf(this.get(session, owner), faceIds));
  }

  private matchOfFaces(faces: readonly HeldFace[]): GroupMatch | null {
    const centroid = unitCentroid(faces.map((f) => f.embedding));
    if (!centroid) return null;
    const decision = this.deps.index.identify(Float32Array.from(centroid), this.deps.settings());
    if (!decision.accepted || !decision.personId) return null;
    const person = this.deps.store.people.get(decision.personId);
    return person ? { personId: person.id, name: person.name, distance: decision.distance } : null;
  }

  /**
   * Saves these faces as the target's templates, with their consent. A face that cannot be a template
   * (too small...), whose photo is already enrolled for this person, or that looks like someone else
   * (unless `acceptDuplicates`) is reported and stays in the set; the saved ones leave it.
   */
  enroll(request: {
    session: string;
    owner: AdminSession;
    faceIds: readonly string[];
    target: EnrollTarget;
    consent: Consent;
    acceptDuplicates?: boolean;
    actor: Actor;
  }): GroupEnrollResult {
    const { target, consent, actor, acceptDuplicates = false } = request;
    const set = this.get(request.session, request.owner);
    const faces = this.facesOf(set, request.faceIds);
    this.writer.checkTarget(target);
    this.writer.checkConsent(consent);
    const personId = existingId(target);
    const enrolled = personId ? this.deps.store.templates.sourceRefs(personId) : new Set<string>();
    const results: GroupEnrollFace[] = [];
    const good: HeldFace[] = [];
    for (const face of faces) {
      const refused = (error: Problem, duplicateOf: GroupMatch | null = null) =>
        results.push({ faceId: face.id, ok: false, error, duplicateOf });
      if (face.problem) {
        refused(face.problem);
        continue;
      }
      if (enrolled.has(face.sourceRef)) {
        refused({ code: 'CONFLICT', message: 'This face is already enrolled for this person from the same photo.' });
        continue;
      }
      const duplicateOf = this.writer.duplicateOf(face.embedding, personId);
      if (duplicateOf && !acceptDuplicates) {
        refused(
          {
            code: 'CONFLICT',
            message: `This face looks like ${duplicateOf.name}, who is already enrolled, so it was not added. Add it anyway only if it really shows this person.`,
          },
          duplicateOf,
        );
        continue;
      }
      good.push(face);
      results.push({ faceId: face.id, ok: true, error: null, duplicateOf });
    }
    if (good.length === 0) return { faces: results, person: null, added: 0 };
    const front = [...good].sort(byUsefulness).find((f) => f.pose === 'front') ?? good[0]!;
    const saved = this.writer.save({
      target,
      faces: good.map((f): NewTemplate => ({
        embedding: f.embedding,
        encoderId: f.encoderId,
        quality: f.quality,
        pose: f.pose,
        chip: f.chip,
        sourceRef: f.sourceRef,
      })),
      source: 'import',
      consent,
      thumbnail: front.thumbnail,
      actor,
    });
    // Enrolled now: the set no longer needs them (the database holds them, encrypted).
    for (const f of good) set.faces.delete(f.id);
    return { faces: results, person: saved.person, added: saved.added };
  }

  close(session: string, owner: AdminSession): { closed: boolean } {
    const set = this.sets.get(session);
    if (!set || set.owner !== owner) return { closed: false };
    this.sets.delete(session);
    return { closed: true };
  }

  /**
   * The admin session locks (or unlocks after it had locked): its sets go at once, so photos of people
   * nobody has enrolled never outlive the session that chose them, even if it is unlocked again soon.
   */
  release(owner: AdminSession): void {
    for (const [id, set] of this.sets) if (set.owner === owner) this.sets.delete(id);
  }

  /** Sets held now (tests check that they are let go). */
  get openSets(): number {
    this.sweep();
    return this.sets.size;
  }

  /** Lets every set go (the face model changed: their faces are of the old one). */
  releaseAll(): void {
    this.sets.clear();
  }

  /** Lets every set go (the app is closing). */
  dispose(): void {
    clearInterval(this.sweeper);
    this.sets.clear();
  }

  private get(session: string, owner: AdminSession): PhotoSet {
    this.sweep();
    const set = this.sets.get(session);
    // Another window's set is answered as one that is gone: it reveals nothing of it.
    if (!set || set.owner !== owner) throw expired();
    set.lastUsedMs = this.now();
    return set;
  }

  private facesOf(set: PhotoSet, faceIds: readonly string[]): HeldFace[] {
    return faceIds.map((id) => {
      const face = set.faces.get(id);
      if (!face)
        throw new AppError(
          'NOT_FOUND',
          'Some of these faces are no longer in the set (enrolled already): group the photos again.',
        );
      return face;
    });
  }

  /** Idle sets, and those of an admin session that has locked, leave memory. */
  private sweep(): void {
    const cutoff = this.now() - IDLE_MS;
    for (const [id, set] of this.sets) if (set.lastUsedMs < cutoff || !set.owner.unlocked) this.sets.delete(id);
  }
}

/** A group's faces, the ones that can become templates first, then the better ones. */
function byUsefulness(a: HeldFace, b: HeldFace): number {
  return Number(a.problem !== null) - Number(b.problem !== null) || b.quality - a.quality;
}
