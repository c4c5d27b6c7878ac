// What the evaluation runners do with a photo in which no face is found: LFW-style photos are
// centred on the face, so the five points are assumed where a centred face has them. Counted as a
// failure by the runners, never dropped. analyze() itself reports no face instead.
import type { Point } from '../../shared/face';

/** Five points of the centred face in a 250x250 deep-funneled LFW photo (measured), as fractions. */
const CENTRED_FIVE: readonly Point[] = [
  [102.4 / 250, 112.7 / 250],
  [143.7 / 250, 112.7 / 250],
  [124.9 / 250, 144.6 / 250],
  [105.5 / 250, 155.9 / 250],
  [146.0 / 250, 154.7 / 250],
];

export function centredFaceLandmarks(width: number, height: number): Point[] {
  const side = Math.min(width, height);
  const ox = (width - side) / 2,
    oy = (height - side) / 2;
  return CENTRED_FIVE.map(([x, y]) => [ox + x * side, oy + y * side]);
}
