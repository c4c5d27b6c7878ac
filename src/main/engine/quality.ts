// Whether a face is good enough to enroll or to trust a match, measured on the aligned crop so the
// numbers do not depend on how far the person stands. Thresholds are exported so the UI can explain them.
import type { Box, FaceQuality, QualityReason } from '../../shared/face';

/**
 * The face widths (source pixels of the detector's box) that decide what a face is good for: one table
 * for the three uses, so that they are read and changed together.
 * - `recognise`: narrower than this, the kiosk does not even try a match (the embedding is noise).
 * - `reliable`: narrower than this, the embedding is not reliable: quality says `too_small`, so the kiosk
 *   asks the person to come closer (a match is still tried from `recognise` up); and beside the face of a
 *   photo to enroll, a second face this wide could be the person meant, so enrollment refuses to choose.
 * - `enroll`: a template is compared against for years, so enrollment asks for more than recognition.
 */
export const FACE_WIDTH_PX = { recognise: 48, reliable: 64, enroll: 80 } as const;
/** Variance of the Laplacian of the 112 px aligned grey face: soft but usable LFW photos measure 35-165, a 2 px Gaussian blur drops them below 10. */
export const MIN_SHARPNESS = 25;
export const MIN_BRIGHTNESS = 50;
export const MAX_BRIGHTNESS = 210;
export const MIN_CONTRAST = 20;
export const MAX_YAW_DEG = 25;
export const MAX_PITCH_DEG = 25;
export const MAX_ROLL_DEG = 25;
/** Box may overhang the frame by this share of its width before it counts as cut by the border. */
const EDGE_TOLERANCE = 0.05;

export interface Pose {
  yaw: number;
  pitch: number;
  roll: number;
}

/** grey: size x size luminance of the aligned face. */
export function measure(
  grey: Float32Array,
  size: number,
  box: Box,
  frame: { width: number; height: number },
  pose: Pose,
): FaceQuality {
  let sum = 0,
    sq = 0;
  // Only the central part of the crop: the corners hold background, not face.
  const m = Math.round(size * 0.2);
  let n = 0;
  for (let y = m; y < size - m; y++)
    for (let x = m; x < size - m; x++) {
      const v = grey[y * size + x];
      sum += v;
      sq += v * v;
      n++;
    }
  const brightness = sum / n;
  const contrast = Math.sqrt(Math.max(0, sq / n - brightness * brightness));
  let ls = 0,
    lq = 0,
    ln = 0;
  for (let y = Math.max(1, m); y < size - Math.max(1, m); y++) {
    for (let x = Math.max(1, m); x < size - Math.max(1, m); x++) {
      const i = y * size + x;
      const lap = grey[i - 1] + grey[i + 1] + grey[i - size] + grey[i + size] - 4 * grey[i];
      ls += lap;
      lq += lap * lap;
      ln++;
    }
  }
  const sharpness = lq / ln - (ls / ln) ** 2;
  const reasons: QualityReason[] = [];
  if (box.width < FACE_WIDTH_PX.reliable) reasons.push('too_small');
  if (brightness < MIN_BRIGHTNESS) reasons.push('too_dark');
  if (brightness > MAX_BRIGHTNESS) reasons.push('too_bright');
  if (contrast < MIN_CONTRAST) reasons.push('low_contrast');
  if (sharpness < MIN_SHARPNESS) reasons.push('blurred');
  if (Math.abs(pose.yaw) > MAX_YAW_DEG) reasons.push('turned');
  if (Math.abs(pose.pitch) > MAX_PITCH_DEG || Math.abs(pose.roll) > MAX_ROLL_DEG) reasons.push('tilted');
  const tol = EDGE_TOLERANCE * box.width;
  if (box.x < -tol || box.y < -tol || box.x + box.width > frame.width + tol || box.y + box.height > frame.height + tol)
    reasons.push('at_edge');
  return {
    faceSizePx: box.width,
    sharpness,
    brightness,
    contrast,
    yaw: pose.yaw,
    pitch: pose.pitch,
    roll: pose.roll,
    ok: reasons.length === 0,
    reasons,
  };
}

export function toGrey(rgb: Float32Array): Float32Array {
  const out = new Float32Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  return out;
}
