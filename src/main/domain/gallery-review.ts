// Looks over the enrolled people for two things the threshold and the administrator need to know:
// - probable duplicates: two records whose centroids are nearly the same face (one person enrolled under
//   two names, or one photo imported twice). They are shown to the administrator; they never move alpha;
// - the closest look-alikes: the nearest any template of one person (the duplicates left out) comes to
//   another person's centroid, scored as a probe of that template would be. threshold.ts tightens alpha
//   below it, within bounds.
// The review touches every template against every person, so it runs off the frame path, in chunks
// that yield to the event loop (FaceIndex schedules it after each change of the gallery).
import type { Matcher } from './matcher';
import type { ProbableDuplicate } from '../../shared/types';

export interface GalleryReview {
  duplicates: ProbableDuplicate[];
  closestLookAlike: { personId: string; otherId: string; distance: number } | null;
}

/** Rows per chunk: about a millisecond of work for a gallery of a thousand people. */
export const REVIEW_CHUNK = 64;

export const EMPTY_REVIEW: GalleryReview = Object.freeze({ duplicates: [], closestLookAlike: null });

/**
 * Reviews the matcher's gallery. `pause` runs between chunks (yield to the event loop); returning false
 * from it abandons the review (the gallery changed meanwhile), and the result is then null.
 */
export async function reviewGallery(
  matcher: Matcher,
  duplicateDistance: number | null,
  pause: () => Promise<boolean> = () => Promise.resolve(true),
): Promise<GalleryReview | null> {
  const duplicates: ProbableDuplicate[] = [];
  const inDuplicate = new Set<string>();
  if (duplicateDistance !== null) {
    const seen = new Set<string>();
    for (let start = 0; start < matcher.people; start += REVIEW_CHUNK) {
      for (const n of matcher.nearestOtherCentroid(start, start + REVIEW_CHUNK)) {
        if (n.distance > duplicateDistance) continue;
        const key = [n.personId, n.otherId].sort().join('\n');
        if (seen.has(key)) continue;
        seen.add(key);
        duplicates.push({ personId: n.personId, otherId: n.otherId, distance: n.distance });
        inDuplicate.add(n.personId).add(n.otherId);
      }
      if (!(await pause())) return null;
    }
  }
  let closest: GalleryReview['closestLookAlike'] = null;
  for (let start = 0; start < matcher.rows; start += REVIEW_CHUNK) {
    for (const n of matcher.nearestOtherPerson(start, start + REVIEW_CHUNK)) {
      if (inDuplicate.has(n.personId) || inDuplicate.has(n.otherId)) continue;
      if (!closest || n.distance < closest.distance) closest = n;
    }
    if (!(await pause())) return null;
  }
  return { duplicates: duplicates.sort((a, b) => a.distance - b.distance), closestLookAlike: closest };
}
