// From five (or 51) landmarks to one embedding: each encoder of the config embeds its own aligned crop
// (and its mirror, with flip), and the parts are fused by weight into one unit vector.
import * as tf from '@tensorflow/tfjs-core';
import type { Point } from '../../shared/face';
import { mirror, similarityTo, warpAffine } from './align';
import * as encoder from './encoder';
import type { EncoderConfig, EncoderPart } from './encoder-configs';
import { MOBILEFACENET_ID, trunk } from './encoder-mobilefacenet';
import { TRUNK_CELLS, TRUNK_CHANNELS } from './mobilefacenet-tail';
import type { RgbImage } from './image';
import { applyHead } from './trained-head';

/** Where a face's landmarks are: five points always, dlib's 51 when Face Mesh ran. */
export interface FacePoints {
  five: Point[];
  dlib51?: Point[];
}

export function embeddingSize(cfg: EncoderConfig): number {
  return cfg.parts.reduce((s, p) => s + encoder.ENCODERS[p.encoder].dim, 0);
}

/** The crop of one face that an encoder part embeds: its own template's warp of the landmarks. */
function cropFor(img: RgbImage, face: FacePoints, part: EncoderPart): Float32Array {
  const spec = encoder.ENCODERS[part.encoder];
  const m =
    part.align === 'dlib51' && face.dlib51
      ? similarityTo(encoder.DLIB_TEMPLATE51_150, face.dlib51)
      : similarityTo(encoder.templateFor(spec), face.five);
  return warpAffine(img, m, spec.size, spec.size);
}

/** Whether `presence train --mode finetune` can retrain this space's last stage: one MobileFaceNet, no head. */
export function fineTunable(cfg: EncoderConfig): boolean {
  return cfg.parts.length === 1 && cfg.parts[0]!.encoder === MOBILEFACENET_ID && !cfg.trained?.head;
}

/**
 * What the frozen part of the network gives each face (the crop, not its mirror): TRUNK_CELLS x
 * TRUNK_CHANNELS values a face, the input of the last stage that a fine-tune trains.
 */
export function trunkFeatures(img: RgbImage, faces: FacePoints[], cfg: EncoderConfig): Float32Array[] {
  if (!fineTunable(cfg)) throw new Error(`${cfg.id} has no MobileFaceNet last stage to fine-tune`);
  const part = cfg.parts[0]!;
  const size = encoder.ENCODERS[part.encoder].size;
  const px = size * size * 3;
  const batch = new Float32Array(faces.length * px);
  faces.forEach((face, i) => batch.set(cropFor(img, face, part), i * px));
  const all = tf.tidy(() => trunk(tf.tensor4d(batch, [faces.length, size, size, 3])).dataSync() as Float32Array);
  const per = TRUNK_CELLS * TRUNK_CHANNELS;
  return faces.map((_, i) => all.slice(i * per, (i + 1) * per));
}

/** Embeds faces given their five points (also used by the evaluation fallback). Returns L2-normalised rows. */
export function embedFaces(img: RgbImage, faces: FacePoints[], cfg: EncoderConfig): Float32Array[] {
  const n = faces.length;
  if (!n) return [];
  const rows = cfg.flip ? 2 : 1;
  const fused = faces.map(() => new Float32Array(embeddingSize(cfg)));
  let offset = 0;
  for (const part of cfg.parts) {
    const spec = encoder.ENCODERS[part.encoder];
    const px = spec.size * spec.size * 3;
    const batch = new Float32Array(n * rows * px);
    faces.forEach((face, i) => {
      const crop = cropFor(img, face, part);
      batch.set(crop, i * rows * px);
      if (cfg.flip) batch.set(mirror(crop, spec.size, spec.size), (i * rows + 1) * px);
    });
    const raw = tf.tidy(
      () =>
        encoder
          .forward(part.encoder, tf.tensor4d(batch, [n * rows, spec.size, spec.size, 3]))
          .dataSync() as Float32Array,
    );
    const scale = Math.sqrt(part.weight);
    for (let i = 0; i < n; i++) {
      const v = new Float32Array(spec.dim);
      for (let r = 0; r < rows; r++) {
        const row = encoder.l2normalize(raw.subarray((i * rows + r) * spec.dim, (i * rows + r + 1) * spec.dim));
        for (let k = 0; k < spec.dim; k++) v[k] += row[k];
      }
      const unit = encoder.l2normalize(v);
      for (let k = 0; k < spec.dim; k++) fused[i][offset + k] = unit[k] * scale;
    }
    offset += spec.dim;
  }
  const head = cfg.trained?.head;
  return fused.map((f) => (head ? applyHead(head, encoder.l2normalize(f)) : encoder.l2normalize(f)));
}
