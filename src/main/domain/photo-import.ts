// Photo import: photo files (the screens' import step, `presence enroll` and `presence import`) become a
// person's templates. Each photo is judged on its own, and those that look like someone else against the
// call's other photos too, so that the first import of a folder gives the result every later one would.
import { distanceToCentroid, unitCentroid } from './centroid';
import { createHash } from 'node:crypto';
import { AppError, isAppError } from '../../shared/errors';
import type { Settings } from '../../shared/settings';
import type { EnrollCommitResult, EnrollPose, ImportPhotoResult } from '../../shared/types';
import type { Actor, Store, TemplateSource } from '../db';
import type { FaceEngine } from '../engine';
import { poseOf } from './enroll-pose';
import { photoProblem, qualityScore } from './enroll-quality';
import { existingId, type Consent, type DuplicateOf, type EnrollTarget, type TemplateWriter } from './enroll-save';

export interface PhotoSource {
  name: string;
  read(): Promise<Uint8Array>;
}

/** A photo already in memory (the screens send the file's bytes). */
export function photoInMemory(name: string, bytes: Uint8Array): PhotoSource {
  return { name, read: () => Promise.resolve(bytes) };
}

/** What photo import is asked to do: whose photos, which ones, with whose consent, and who asks. */
export interface PhotoImport {
  target: EnrollTarget;
  /**
   * The photos, each read only when its turn comes (a folder of large photos is never held in memory at
   * once); the bytes are given up to the engine. A read that fails refuses that photo, with its reason.
   */
  photos: ReadonlyArray<PhotoSource>;
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
export function photoRef(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A photo refused for a reason of its own (not an image, no face, too large...). */
function refusedPhoto(name: string, e: AppError): ImportPhotoResult {
  return { name, ok: false, alreadyEnrolled: false, error: { code: e.code, message: e.message }, duplicateOf: null };
}

export class PhotoImporter {
  constructor(
    private readonly deps: { engine: FaceEngine; store: Store; settings: () => Settings; writer: TemplateWriter },
  ) {}

  /**
   * Adds photos (files or bytes) to a person. Each photo is judged on its own: a bad one is reported
   * with its reason and skipped, the good ones are saved together (a new person only when one is good).
   * A photo whose face is already enrolled as someone else is held back (`CONFLICT`, with `duplicateOf`)
   * unless `acceptDuplicates`: saved, it would make that other person unrecognisable, and one template
   * cannot be taken back. The camera wizard asks the same question before it keeps such a shot.
   * A photo already enrolled for this person (the same file) is reported as `alreadyEnrolled` and skipped.
   */
  async import(request: PhotoImport): Promise<{ results: ImportPhotoResult[]; commit: EnrollCommitResult | null }> {
    const { target, photos, consent, source, actor, acceptDuplicates = false, onPhoto } = request;
    // A new person's details are checked before any photo is analysed, so a taken ID number is said at once.
    this.deps.writer.checkTarget(target);
    this.deps.writer.checkConsent(consent);
    const personId = existingId(target);
    const results: ImportPhotoResult[] = [];
    type Good = {
      embedding: Float32Array;
      encoderId: string;
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
    const enrolled = personId ? this.deps.store.templates.sourceRefs(personId) : new Set<string>();
    const seen = new Set<string>();
    const alreadyEnrolled = (name: string): ImportPhotoResult => ({
      name,
      ok: false,
      alreadyEnrolled: true,
      error: {
        code: 'CONFLICT',
        message: 'This photo is already enrolled for this person, so it was not added again.',
      },
      duplicateOf: null,
    });
    for (const photo of photos) {
      try {
        const bytes = await photo.read();
        // Hashed before the engine takes the bytes (a worker engine is handed their buffer).
        const sourceRef = photoRef(bytes);
        // Stored already: it was an image then, so it needs no analysis now (a re-run costs no engine time).
        if (enrolled.has(sourceRef)) {
          results.push(alreadyEnrolled(photo.name));
          continue;
        }
        // Analysed first: a file that is not an image says so, even when another copy of it came first.
        const analysis = await this.deps.engine.analyze(
          { kind: 'bytes', bytes, name: photo.name },
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
          results.push(alreadyEnrolled(photo.name));
          continue;
        }
        seen.add(sourceRef);
        const face = analysis.faces[0];
        const problem = photoProblem(analysis.faces);
        if (problem || !face) throw problem ?? new AppError('NO_FACE', 'No face found in this photo.');
        candidates.push({
          at: results.length,
          name: photo.name,
          duplicateOf: this.deps.writer.duplicateOf(face.embedding, personId),
          embedding: face.embedding,
          encoderId: analysis.encoderId,
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
      const own = unitCentroid([...kept].map((c) => c.embedding));
      if (!own) break;
      for (const c of candidates) {
        if (kept.has(c) || !c.duplicateOf) continue;
        if (distanceToCentroid(c.embedding, own) < c.duplicateOf.distance + margin) {
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
    return { results, commit: this.deps.writer.save({ target, faces: good, source, consent, thumbnail, actor }) };
  }
}
