// "Group photos" (Enroll screen): what main answers about a set of unlabelled photos held in memory.
// Plain data: no embeddings ever reach the screen, only face thumbnails and ids.
import type { Person } from './types';

/** One face found in a photo of the set. */
export interface GroupFace {
  /** This face's id within its set (groups.* inputs name faces by it). */
  id: string;
  /** The photo it was found in, as the administrator chose it. */
  photo: string;
  /** JPEG of the aligned face, for the contact sheet; null when the engine made none. */
  thumbnail: Uint8Array | null;
  /**
   * Why this face cannot become a template (too small, too dark, blurred), as enrollment would say it;
   * null when it can. Such a face is still grouped: it helps to see who is who.
   */
  problem: { code: string; message: string } | null;
}

/** The answer for one photo added to the set. */
export interface GroupPhotoResult {
  name: string;
  ok: boolean;
  /** Every face found, largest first (empty when the photo was refused). */
  faces: GroupFace[];
  /** Why the photo adds no face: not an image, damaged, no face... */
  error: { code: string; message: string } | null;
}

export interface GroupAddResult {
  photos: GroupPhotoResult[];
  /** Photos and faces the set holds now. */
  photoCount: number;
  faceCount: number;
}

/** The enrolled person a set of faces most probably is: the gallery's answer for their centroid. */
export interface GroupMatch {
  personId: string;
  name: string;
  distance: number;
}

export interface PhotoGroup {
  /** Face ids, best face first. */
  faces: string[];
  match: GroupMatch | null;
}

export interface GroupingResult {
  /** Largest first. */
  groups: PhotoGroup[];
  /** Faces that fit no group. */
  unclustered: string[];
  /** The distance under which two faces were taken for the same person. */
  threshold: number;
}

export interface GroupSessionInfo {
  session: string;
  /** Minutes without use after which the set is let go (its photos leave memory). */
  idleMinutes: number;
  maxPhotos: number;
}

/** What happened to one face of a group that was enrolled. */
export interface GroupEnrollFace {
  faceId: string;
  ok: boolean;
  error: { code: string; message: string } | null;
  /** Held back: this face looks like another enrolled person (added only when confirmed). */
  duplicateOf: GroupMatch | null;
}

export interface GroupEnrollResult {
  faces: GroupEnrollFace[];
  /** The person the faces were saved to (created now when new); null when no face was saved. */
  person: Person | null;
  added: number;
}
