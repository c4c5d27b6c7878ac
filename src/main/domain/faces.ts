// What main reads from the faces of one frame, the same at the kiosk and in enrollment: whether more than
// one person is in front, and what the screen draws over the camera.
import type { FaceAnalysis } from '../../shared/face';
import type { FaceOverlay } from '../../shared/types';

/** A second face at least this share of the largest one's area means two people are in front. */
const SECOND_FACE_AREA_SHARE = 0.5;

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
