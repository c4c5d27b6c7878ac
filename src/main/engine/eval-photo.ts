// How the evaluation runners read an LFW-style photo. Such a photo is centred on its subject (LFW cut
// each one around the detected face), and often shows other people too, sometimes larger, cut by the
// border. So the subject is the face nearest the centre, not the largest one as in analyze(); and when
// no face is found, the five points are assumed where a centred face has them (counted as a failure by
// the runners, never dropped). analyze() itself reports no face instead.
import type { Box, Point } from '../../shared/face';

/** Faces looked at to find the centred one: LFW photos rarely hold more than a few. */
export const EVAL_MAX_FACES = 4;

/** The face whose box centre is nearest the image centre (the photo's subject), or undefined. */
export function centredFace<F extends { box: Box }>(faces: readonly F[], width: number, height: number): F | undefined {
  const off = (f: F) => Math.hypot(f.box.x + f.box.width / 2 - width / 2, f.box.y + f.box.height / 2 - height / 2);
  let best: F | undefined;
  for (const f of faces) if (!best || off(f) < off(best)) best = f;
  return best;
}

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
