// Photos chosen for import go to main in batches: over `presence serve` one WebSocket message holds at
// most one photo of the largest size (shared/limits.ts), so sending all of them in one call would cut
// the connection (and log the administrator out) as soon as they add up to more.
import { MAX_IMAGE_BYTES, MAX_PHOTOS_PER_IMPORT } from '../../shared/limits';

export interface PhotoBatches {
  /** Indices into the chosen files, each batch within the byte budget and the per-call count. */
  batches: number[][];
  /** Indices of files larger than any batch may be: refused here, never sent. */
  tooLarge: number[];
}

/** Groups files in their order into batches of at most `budget` bytes and MAX_PHOTOS_PER_IMPORT files. */
export function photoBatches(sizes: readonly number[], budget = MAX_IMAGE_BYTES): PhotoBatches {
  const batches: number[][] = [];
  const tooLarge: number[] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((size, i) => {
    if (size > MAX_IMAGE_BYTES || size > budget) {
      tooLarge.push(i);
      return;
    }
    if (current.length > 0 && (bytes + size > budget || current.length >= MAX_PHOTOS_PER_IMPORT)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  });
  if (current.length > 0) batches.push(current);
  return { batches, tooLarge };
}
