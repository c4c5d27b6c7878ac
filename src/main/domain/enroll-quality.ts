// Whether a face may become a template, and how good it is: the rules for a camera shot and for a photo.
import { AppError } from '../../shared/errors';
import type { FaceAnalysis } from '../../shared/face';
import type { Guidance } from '../../shared/types';
import { FACE_WIDTH_PX, MIN_SHARPNESS } from '../engine/quality';
import { crowded } from './faces';

/** One number for "how good is this face", stored with the template: sharp, big and frontal is best. */
export function qualityScore(face: FaceAnalysis): number {
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

/** Photos are judged less strictly on pose than camera shots, but must show one clear, big enough face. */
export function photoProblem(faces: readonly FaceAnalysis[]): AppError | null {
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
